"""Class labels stored as floats (0.0, 1.0, 2.0) are class labels everywhere; a
classification metric on a continuous target, or a regression metric on a classifier, is
refused before any training."""

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.preprocessing import StandardScaler

import glassnet as gn
from glassnet.layers import Dense

IRIS_X, IRIS_Y = load_iris(return_X_y=True)
IRIS_X = StandardScaler().fit_transform(IRIS_X)


def _iris_model(metrics, units=3, activation="softmax", loss="sparse_categorical_crossentropy"):
    model = gn.Sequential([Dense(16, activation="relu", input_dim=4), Dense(units, activation=activation)],
                          seed=0)
    model.compile(optimizer=gn.optim.Adam(lr=0.02), loss=loss, metrics=metrics)
    return model


def _train(y, metrics=("accuracy",), **fit_kwargs):
    model = _iris_model(list(metrics))
    history = model.fit(IRIS_X, y, epochs=40, batch_size=16, verbose=0, seed=0, **fit_kwargs)
    return model, history


def test_iris_with_float32_labels_scores_exactly_as_with_integer_labels():
    ints, hist_i = _train(IRIS_Y, validation_split=0.2)
    floats, hist_f = _train(IRIS_Y.astype("float32"), validation_split=0.2)
    assert hist_f.history == hist_i.history
    assert hist_f.history["accuracy"][-1] > 0.9
    scores = floats.evaluate(IRIS_X, IRIS_Y.astype("float32"), verbose=0, return_dict=True)
    assert scores == ints.evaluate(IRIS_X, IRIS_Y, verbose=0, return_dict=True)
    assert scores["accuracy"] == pytest.approx(np.mean(floats.predict(IRIS_X).argmax(1) == IRIS_Y))


@pytest.mark.parametrize("name", ["f1", "precision", "recall", "auc"])
def test_every_classification_metric_takes_float_labels(name):
    ints, _ = _train(IRIS_Y, [name])
    floats, _ = _train(IRIS_Y.astype("float64"), [name])
    expected = ints.evaluate(IRIS_X, IRIS_Y, verbose=0, return_dict=True)[name]
    assert floats.evaluate(IRIS_X, IRIS_Y.astype("float32"), verbose=0, return_dict=True)[name] == expected
    assert gn.metrics.get(name)(IRIS_Y.astype("float32"), floats.predict(IRIS_X)) == pytest.approx(expected)


def test_float_labels_stratify_the_split_and_key_class_weight_like_integers():
    weights = {0: 1.0, 1: 2.0, 2: 0.5}
    _, ints = _train(IRIS_Y, validation_split=0.3, class_weight=weights)
    _, floats = _train(IRIS_Y.astype("float32"), validation_split=0.3, class_weight=weights)
    assert floats.history == ints.history
    _, balanced = _train(IRIS_Y.astype("float32"), class_weight="balanced")
    assert np.isfinite(balanced.history["loss"]).all()


def test_binary_float_labels_with_a_sigmoid_output():
    X = IRIS_X[IRIS_Y < 2]
    y = IRIS_Y[IRIS_Y < 2]
    results = []
    for labels in (y, y.astype("float32"), y.astype("float32")[:, None]):
        model = _iris_model(["accuracy", "f1"], units=1, activation="sigmoid", loss="binary_crossentropy")
        model.fit(X, labels, epochs=5, verbose=0, seed=0)
        results.append(model.evaluate(X, labels, verbose=0, return_dict=True))
    assert results[1] == results[0] == results[2]
    assert results[0]["accuracy"] == 1.0


def test_a_one_hot_float_target_scores_like_the_labels():
    ints, _ = _train(IRIS_Y)
    one_hot = np.eye(3, dtype="float32")[IRIS_Y]
    model = _iris_model(["accuracy"], loss="categorical_crossentropy")
    model.fit(IRIS_X, one_hot, epochs=40, batch_size=16, verbose=0, seed=0)
    assert model.evaluate(IRIS_X, one_hot, verbose=0, return_dict=True)["accuracy"] == pytest.approx(
        ints.evaluate(IRIS_X, IRIS_Y, verbose=0, return_dict=True)["accuracy"])


def test_metric_functions_take_float_labels_and_float_predicted_labels():
    y = np.array([0.0, 1.0, 2.0, 2.0])
    assert gn.metrics.get("accuracy")(y, np.array([0, 1, 2, 1])) == 0.75
    assert gn.metrics.get("accuracy")(y, np.array([0.0, 1.0, 2.0, 1.0])) == 0.75
    assert gn.metrics.get("f1")(y, np.array([0.0, 1.0, 2.0, 2.0])) == 1.0


@pytest.mark.parametrize("name", ["accuracy", "precision", "recall", "f1", "auc"])
def test_a_classification_metric_on_a_continuous_target_raises_before_training(name):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.1
    model = gn.Sequential([Dense(1, input_dim=3)], seed=0)
    model.compile(optimizer="adam", loss="mse", metrics=[name])
    before = [p.data.copy() for p in model.parameters()]
    with pytest.raises(ValueError, match=rf"metric '{name}'.*continuous.*'mae'.*'r2'"):
        model.fit(X, y, epochs=3, verbose=0)
    for p, b in zip(model.parameters(), before):
        np.testing.assert_array_equal(p.data, b)
    with pytest.raises(ValueError, match=rf"metric '{name}'.*continuous"):
        model.evaluate(X, y, verbose=0)
    with pytest.raises(ValueError, match=rf"metric '{name}'.*continuous"):
        gn.metrics.get(name)(y, y[:, None])


def test_accuracy_on_continuous_validation_data_raises_before_training():
    X = IRIS_X[:, :3]
    y = (IRIS_X[:, 3] > 0).astype(float)
    model = gn.Sequential([Dense(1, activation="sigmoid", input_dim=3)], seed=0)
    model.compile(optimizer="adam", loss="mse", metrics=["accuracy"])
    with pytest.raises(ValueError, match="metric 'accuracy'.*continuous"):
        model.fit(X, y, epochs=1, verbose=0, validation_data=(X, IRIS_X[:, 3]), callbacks=[_NoEpoch()])


class _NoEpoch(gn.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        raise AssertionError("training started")


def test_mse_on_zero_one_labels_keeps_accuracy():
    """The lectures' MSE classifier: a regression loss on 0/1 labels is a classifier."""
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0.0, 1.0, 1.0, 1.0])
    model = gn.Sequential([Dense(1, activation="sigmoid", input_dim=2)], seed=0)
    model.compile(optimizer=gn.optim.SGD(lr=2.0), loss="mse", metrics=["accuracy"])
    history = model.fit(X, y, epochs=200, batch_size=None, verbose=0)
    assert history.history["accuracy"][-1] == 1.0


def test_accuracy_of_a_one_unit_output_against_many_classes_raises_before_training():
    model = gn.Sequential([Dense(1, input_dim=4)], seed=0)
    model.compile(optimizer="adam", loss="mse", metrics=["accuracy"])
    with pytest.raises(ValueError, match=r"one-unit output.*labels 0 and 1.*\[0, 1, 2\]"):
        model.fit(IRIS_X, IRIS_Y.astype(float), epochs=1, verbose=0, callbacks=[_NoEpoch()])


@pytest.mark.parametrize("metric", ["r2", "mae", "mse", "rmse", "mean_absolute_error"])
@pytest.mark.parametrize("loss", ["sparse_categorical_crossentropy", "binary_crossentropy", "nll"])
def test_a_regression_metric_on_a_classifier_is_refused_at_compile(metric, loss):
    model = _iris_model([])
    with pytest.raises(ValueError, match=rf"metric '{metric}' measures regression.*classifier.*accuracy"):
        model.compile(optimizer="adam", loss=loss, metrics=[metric])


def test_regression_metrics_on_a_regression_model_still_work():
    model = gn.Sequential([Dense(1, input_dim=4)], seed=0)
    model.compile(optimizer="adam", loss="mse", metrics=["r2", "mae"])
    history = model.fit(IRIS_X, IRIS_X[:, :1] * 2.0, epochs=2, verbose=0, seed=0)
    assert set(history.history) == {"loss", "r2", "mae"}


def test_non_integer_labels_for_a_classification_loss_name_the_problem():
    model = _iris_model([])
    y = IRIS_Y + 0.5
    with pytest.raises(ValueError, match=r"not whole numbers.*classification loss.*'mse'"):
        model.fit(IRIS_X, y, epochs=1, verbose=0)


@pytest.mark.parametrize("name", ["f1", "precision", "recall"])
def test_a_three_class_output_is_macro_averaged_even_when_y_holds_two_classes(name):
    from sklearn import metrics as skm

    y = np.array([0.0, 1.0, 1.0, 0.0, 1.0])
    probs = np.array([[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.6, 0.3, 0.1], [0.1, 0.1, 0.8], [0.1, 0.8, 0.1]])
    reference = getattr(skm, f"{name}_score")(y, probs.argmax(1), average="macro", zero_division=0)
    assert gn.metrics.get(name)(y, probs) == pytest.approx(reference)
