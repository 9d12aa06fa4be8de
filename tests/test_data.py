"""gn.data (splits, folds, cross-validation), the loop's validation split, and the input
types the loop accepts: NumPy arrays, pandas objects and scikit-learn Bunch data sets."""

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris
from sklearn.preprocessing import MinMaxScaler, OneHotEncoder, StandardScaler

import glassnet as gn
from glassnet import data
from glassnet.layers import Dense
from glassnet.optim import Adam
from glassnet.training.data import validation_split


def _imbalanced(n=200, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3)).astype(np.float32)
    y = np.zeros(n, dtype=np.int64)
    y[: n // 10] = 1                                   # 10 % positives
    return X, y


def _classifier(n_in=3, n_out=2):
    model = gn.Sequential([Dense(8, activation="tanh", input_dim=n_in), Dense(n_out, activation="softmax")],
                          seed=0)
    model.compile(optimizer=Adam(lr=0.05), loss="cross_entropy", metrics=["accuracy"])
    return model


def _regressor():
    model = gn.Sequential([Dense(8, activation="tanh", input_dim=3), Dense(1)], seed=0)
    model.compile(optimizer=Adam(lr=0.05), loss="mse")
    return model


# ----------------------------------------------------------------------- train_test_split
def test_train_test_split_is_seeded_and_stratified_for_class_labels():
    X, y = _imbalanced()
    X_tr, X_te, y_tr, y_te = data.train_test_split(X, y, test_size=0.25, seed=0)
    assert len(X_te) == 50 and y_te.mean() == pytest.approx(0.1) and y_tr.mean() == pytest.approx(0.1)
    again = data.train_test_split(X, y, test_size=0.25, seed=0)
    np.testing.assert_array_equal(again[1], X_te)
    other = data.train_test_split(X, y, test_size=0.25, seed=1)
    assert not np.array_equal(other[1], X_te)


def test_train_test_split_of_continuous_targets_bunches_and_pandas():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 3)), rng.normal(size=40)
    assert len(data.train_test_split(X, y, test_size=0.25, seed=0)[1]) == 10
    with pytest.raises(ValueError, match="stratify=True needs class labels"):
        data.train_test_split(X, y, stratify=True)
    iris = load_iris()
    X_tr, X_te, y_tr, y_te = data.train_test_split(iris, test_size=0.2, seed=0)
    assert np.bincount(y_te).tolist() == [10, 10, 10]
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    parts = data.train_test_split(frame, pd.Series(y), seed=0)
    assert isinstance(parts[0], pd.DataFrame) and isinstance(parts[3], pd.Series)


def test_train_test_split_without_shuffle_takes_the_tail_and_stratify_by_given_labels():
    X = np.arange(20).reshape(10, 2)
    X_tr, X_te = data.train_test_split(X, test_size=0.3, shuffle=False)
    np.testing.assert_array_equal(X_te, X[7:])
    groups = np.array([0, 1] * 5)
    _, X_te = data.train_test_split(X, test_size=0.4, seed=0, stratify=groups)
    assert sorted(groups[X_te[:, 0] // 2].tolist()) == [0, 0, 1, 1]
    with pytest.raises(ValueError, match="stratify needs shuffle=True"):
        data.train_test_split(X, test_size=0.4, shuffle=False, stratify=groups)


# ---------------------------------------------------------------------------------- folds
def test_folds_are_stratified_for_labels_and_cover_every_sample_once():
    X, y = _imbalanced()
    pairs = data.folds(X, y, cv=5, seed=0)
    assert len(pairs) == 5
    np.testing.assert_array_equal(np.sort(np.concatenate([val for _, val in pairs])), np.arange(200))
    assert [int(y[val].sum()) for _, val in pairs] == [4] * 5
    for train, val in pairs:
        assert not set(train) & set(val)
    rng = np.random.default_rng(0)
    continuous = data.folds(X, rng.normal(size=200), cv=4, seed=0)
    assert [len(val) for _, val in continuous] == [50] * 4


@pytest.mark.parametrize("cv", [1, 0, 201, 2.5, True])
def test_folds_refuse_a_bad_number_of_folds(cv):
    X, y = _imbalanced()
    with pytest.raises(ValueError, match=r"cv must be an integer in \[2, 200\]"):
        data.folds(X, y, cv=cv)


# --------------------------------------------------------------------------- cross_validate
def test_cross_validate_scores_each_fold_with_evaluate_and_gives_mean_and_std():
    X, y = _imbalanced()
    scores = gn.cross_validate(_classifier, X, y, cv=4, seed=0, epochs=3, batch_size=32)
    assert len(scores.folds) == 4 and set(scores.mean) == {"loss", "accuracy"}
    expected = []
    for train, val in data.folds(X, y, cv=4, seed=0):             # the same folds, stratified
        model = _classifier()
        model.fit(X[train], y[train], epochs=3, batch_size=32, seed=0, verbose=0)
        expected.append(model.evaluate(X[val], y[val], verbose=0, return_dict=True))
    assert scores.folds == expected
    np.testing.assert_allclose(scores["accuracy"], [e["accuracy"] for e in expected])
    assert scores.mean["loss"] == pytest.approx(np.mean([e["loss"] for e in expected]))
    assert scores.std["loss"] == pytest.approx(np.std([e["loss"] for e in expected]))
    assert "accuracy" in str(scores) and "±" in str(scores) and "(4 folds)" in str(scores)


def test_cross_validate_regression_and_a_bunch():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3)).astype(np.float32)
    y = X[:, :1] * 2.0
    scores = data.cross_validate(_regressor, X, y, cv=3, seed=0, epochs=20)
    assert scores["loss"].shape == (3,) and scores.mean["loss"] < np.var(y)
    iris = load_iris()
    iris.data = StandardScaler().fit_transform(iris.data)
    result = data.cross_validate(lambda: _classifier(4, 3), iris, cv=3, seed=0, epochs=30)
    assert result.mean["accuracy"] > 0.8


def test_cross_validate_needs_a_fresh_compiled_model_per_fold():
    X, y = _imbalanced()
    with pytest.raises(ValueError, match="must return a compiled model"):
        data.cross_validate(lambda: gn.Sequential([Dense(2, input_dim=3)]), X, y, cv=2)
    shared = _classifier()
    with pytest.raises(ValueError, match="returned the same model twice"):
        data.cross_validate(lambda: shared, X, y, cv=2, epochs=1)
    with pytest.raises(TypeError, match="build_fn must be a function"):
        data.cross_validate(_classifier(), X, y)


# ------------------------------------------------------------------ the loop's validation split
def test_validation_split_is_random_seeded_and_stratified():
    _, y = _imbalanced()
    train, val = validation_split(200, 0.2, np.random.default_rng(0), stratify=y)
    assert len(val) == 40 and y[val].mean() == pytest.approx(0.1)
    assert not np.array_equal(val, np.arange(160, 200))
    again = validation_split(200, 0.2, np.random.default_rng(0), stratify=y)
    np.testing.assert_array_equal(again[1], val)
    np.testing.assert_array_equal(validation_split(200, 0.2, np.random.default_rng(0), mode="last")[1],
                                  np.arange(160, 200))


def test_fit_validation_split_depends_on_the_seed_only():
    X, y = _imbalanced()
    runs = [_classifier().fit(X, y, epochs=1, validation_split=0.2, seed=s, verbose=0).history["val_loss"]
            for s in (0, 0, 1)]
    assert runs[0] == runs[1] and runs[0] != runs[2]


# ----------------------------------------------------------------------------- input types
def test_numpy_pandas_and_bunch_inputs_train_identically():
    iris = load_iris(as_frame=True)
    frame, target = iris.data, iris.target
    results = []
    for X, y in [(frame.to_numpy(), target.to_numpy()), (frame, target), (iris, None)]:
        model = _classifier(4, 3)
        hist = model.fit(X, y, epochs=3, batch_size=32, seed=0, verbose=0)
        scores = model.evaluate(X, y, return_dict=True)
        results.append((hist.history, scores, model.predict(frame if y is None else X)))
    for history, scores, predictions in results[1:]:
        assert history == results[0][0] and scores == results[0][1]
        np.testing.assert_array_equal(predictions, results[0][2])


def test_scikit_learn_scalers_and_encoders_feed_the_loop():
    rng = np.random.default_rng(0)
    colours = rng.choice(["red", "green", "blue"], 90)
    frame = pd.DataFrame({"size": rng.uniform(50, 150, 90), "colour": colours})
    y = (frame["colour"] == "red").astype(np.int64).to_numpy()
    with pytest.raises(TypeError, match="encode text columns first"):
        _classifier(2).fit(frame, y, epochs=1, verbose=0)
    scaled = MinMaxScaler(feature_range=(-1, 1)).fit_transform(frame[["size"]])
    assert scaled.min() == -1 and scaled.max() == 1
    onehot = OneHotEncoder(sparse_output=False).fit_transform(frame[["colour"]])
    X = np.hstack([scaled, onehot])
    model = _classifier(4)
    model.fit(X, y, epochs=60, batch_size=None, seed=0, verbose=0)
    assert model.evaluate(X, y, return_dict=True)["accuracy"] == 1.0
