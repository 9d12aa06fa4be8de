"""MLPClassifier and MLPRegressor: scikit-learn's contract and tooling, the hyperparameters, bad input.

The step-for-step comparisons with scikit-learn are in test_estimators_mlp_sklearn.py.
"""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn import neural_network as sk
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning, NotFittedError
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import (
    check_methods_subset_invariance,
    check_sample_weight_equivalence_on_dense_data,
    estimator_checks_generator,
)

import glassnet as gn
from glassnet.errors import NonFiniteError
from glassnet.estimators import MLPClassifier, MLPRegressor
from glassnet.estimators._mlp_training import Penalty

# ---------------------------------------------------------------------- check_estimator
# At the default settings, check_estimator runs in test_habits_sklearn.py. Forced to float32,
# the estimators pass every check as well but two, which compare two fits (sample_weight vs
# repeated rows) or two predictions (of a subset vs of the whole) to rtol 1e-7: below
# float32's resolution (eps = 1.2e-7), where a float32 network differs by an ulp or two
# (summation order). The test after runs those two to float32's tolerance.
FLOAT64_RESOLUTION = {"check_sample_weight_equivalence_on_dense_data", "check_methods_subset_invariance"}


def _check_name(check):
    return getattr(check, "func", check).__name__


def _float32_checks():
    for estimator in (MLPClassifier(dtype="float32"), MLPRegressor(dtype=np.float32)):
        for est, check in estimator_checks_generator(estimator, legacy=True):
            if _check_name(check) not in FLOAT64_RESOLUTION:
                yield pytest.param(est, check, id=f"{type(est).__name__}-{_check_name(check)}")


@pytest.mark.parametrize(("estimator", "check"), list(_float32_checks()))
def test_sklearn_estimator_checks_forced_float32(estimator, check):
    check(estimator)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_float32_meets_the_two_checks_to_float32_tolerance(cls, monkeypatch):
    from sklearn.utils import estimator_checks

    def loose(actual, desired, **_):
        np.testing.assert_allclose(actual, desired, rtol=2e-5, atol=1e-6)

    monkeypatch.setattr(estimator_checks, "assert_allclose_dense_sparse", loose)
    monkeypatch.setattr(estimator_checks, "assert_allclose", loose)
    check_sample_weight_equivalence_on_dense_data(cls.__name__, cls(dtype="float32"))
    check_methods_subset_invariance(cls.__name__, cls(dtype="float32"))


# ---------------------------------------------------------------- hyperparameters, layers
def _problem(kind, n=48, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    if kind == "regression":
        return X, np.column_stack([np.sin(X[:, 0]) + X[:, 1], X[:, 2] * X[:, 3]])
    if kind == "binary":
        return X, np.where(X[:, 0] + X[:, 1] ** 2 > 1, "yes", "no")
    return X, (X[:, :3] + 0.5 * rng.normal(size=(n, 3))).argmax(axis=1)


@pytest.mark.parametrize("solver", ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam",
                                    "adamw", "gd"])
def test_every_solver_learns(solver):
    X, y = _problem("multiclass", n=150)
    model = MLPClassifier((16,), solver=solver, learning_rate_init=0.05, max_iter=60,
                          random_state=0, tol=0.0)
    with pytest.warns(ConvergenceWarning):
        model.fit(X, y)
    expected = {"sgd": "SGD", "momentum": "SGD", "nesterov": "SGD", "gd": "SGD", "adagrad": "Adagrad",
                "rmsprop": "RMSprop", "adam": "Adam", "adamw": "AdamW"}[solver]
    assert isinstance(model.model_.optimizer, getattr(gn.optim, expected))
    assert model.loss_curve_[-1] < 0.8 * model.loss_curve_[0] and model.score(X, y) > 0.75


@pytest.mark.parametrize("activation", gn.activations.names())
def test_every_activation_by_name(activation):
    X, y = _problem("regression", n=30)
    model = MLPRegressor((5,), activation=activation, max_iter=3, random_state=0)
    with pytest.warns(ConvergenceWarning):
        model.fit(X, y)
    assert model.model_.layers[0].activation == activation
    assert np.isfinite(model.predict(X)).all() and len(model.loss_curve_) == 3


def test_dropout_and_batch_norm_layers():
    X, y = _problem("multiclass", n=120)
    model = MLPClassifier((16, 8), dropout=0.2, batch_norm=True, max_iter=40, random_state=0,
                          learning_rate_init=0.01, tol=0.0)
    with pytest.warns(ConvergenceWarning):
        model.fit(X, y)
    kinds = [type(layer).__name__ for layer in model.model_.layers]
    assert kinds == ["Dense", "BatchNormalization", "Activation", "Dropout"] * 2 + ["Dense"]
    assert [W.shape for W in model.coefs_] == [(5, 16), (16, 8), (8, 3)]
    np.testing.assert_array_equal(model.predict_proba(X), model.predict_proba(X))  # no dropout
    assert model.score(X, y) > 0.75


def test_alpha_and_l1_shrink_the_weights():
    X, y = _problem("regression", n=80)
    norms = {}
    settings = {"none": dict(alpha=0.0), "l2": dict(alpha=30.0), "l1": dict(alpha=0.0, l1=3.0)}
    for name, params in settings.items():
        model = MLPRegressor((8,), max_iter=80, learning_rate_init=0.01, random_state=0, tol=0.0, **params)
        with pytest.warns(ConvergenceWarning):
            model.fit(X, y)
        norms[name] = sum(np.abs(W).sum() for W in model.coefs_)
    assert norms["l2"] < 0.6 * norms["none"] and norms["l1"] < 0.6 * norms["none"]
    # The mapping of the module docstring: alpha = 1e-4, batches of 200 -> L2(l2 = 2.5e-7).
    X, y = _problem("regression", n=300)
    with pytest.warns(ConvergenceWarning):
        model = MLPRegressor((4,), max_iter=1).fit(X, y)
    regularizers = [layer.kernel_regularizer for layer in model.model_.layers]
    assert all(r is regularizers[0] for r in regularizers)
    assert (regularizers[0].l2, regularizers[0].l1) == (pytest.approx(2.5e-7), 0.0)
    assert regularizers[0].get_config() == {"name": "l1_l2", "l1": 0.0, "l2": pytest.approx(2.5e-7)}


def test_penalty_node_gradient_against_differences_and_torch():
    rng = np.random.default_rng(0)
    W = rng.normal(size=(4, 3))
    penalty = Penalty()
    penalty.scale(alpha=0.6, l1=0.2, weight=3.0)       # l2 = 0.1, l1 = 0.2 / 3
    w = gn.tensor(W, requires_grad=True, dtype=np.float64)
    value = penalty(w)
    value.backward()
    reference = gn.regularizers.L1L2(l1=0.2 / 3, l2=0.1)(W).item()
    assert value.item() == pytest.approx(reference, rel=1e-12)
    numeric = np.zeros_like(W)
    for index in np.ndindex(W.shape):
        step = np.zeros_like(W)
        step[index] = 1e-6
        numeric[index] = (penalty(W + step).item() - penalty(W - step).item()) / 2e-6
    np.testing.assert_allclose(w.grad, numeric, rtol=1e-6, atol=1e-8)
    torch = pytest.importorskip("torch")
    t = torch.tensor(W, requires_grad=True)
    (0.2 / 3 * t.abs().sum() + 0.1 * (t * t).sum()).backward()
    np.testing.assert_allclose(w.grad, t.grad.numpy(), rtol=1e-12)
    assert not Penalty().active                          # alpha = l1 = 0: the model adds no node


def test_one_penalty_node_for_the_whole_network():
    X, y = _problem("regression", n=40)
    with pytest.warns(ConvergenceWarning):
        model = MLPRegressor((6, 5), alpha=2.0, l1=0.5, max_iter=2, random_state=0).fit(X, y)
    dense = [layer for layer in model.model_.layers if isinstance(layer, gn.layers.Dense)]
    total = model.model_.regularization_loss()
    assert total.op == "penalty" and len(total.parents) == len(dense)
    separate = sum(gn.regularizers.L1L2(l1=0.5 / 40, l2=2.0 / 80)(layer.W).item() for layer in dense)
    assert model.model_.regularization_loss().item() == pytest.approx(separate, rel=1e-6)
    penalty = model.model_.regularization_loss()
    model.model_.zero_grad()
    penalty.backward()
    for layer in dense:                                  # d/dW of l1 |W| + l2 W^2, layer by layer
        expected = 0.5 / 40 * np.sign(layer.W.data) + 2 * 2.0 / 80 * layer.W.data
        np.testing.assert_allclose(layer.W.grad, expected, rtol=1e-5, atol=1e-8)


def test_multilabel_targets():
    X, _ = _problem("multiclass", n=120)
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] + X[:, 2] > 0, X[:, 3] > 0.5]).astype(int)
    model = MLPClassifier((16,), max_iter=150, learning_rate_init=0.02, random_state=0, tol=0.0)
    with pytest.warns(ConvergenceWarning):
        model.fit(X, Y)
    assert model.predict(X).shape == (120, 3) and set(np.unique(model.predict(X))) <= {0, 1}
    p = model.predict_proba(X)
    np.testing.assert_array_equal(model.predict(X), (p > 0.5).astype(int))
    assert model.score(X, Y) > 0.8 and model.model_.layers[-1].activation == "sigmoid"
    # loss_curve_ is scikit-learn's objective (summed over the labels): at the start, from the
    # same weights, both report the same value.
    reference = sk.MLPClassifier((16,), max_iter=1, random_state=0)
    start = MLPClassifier((16,), max_iter=1, random_state=0, dtype="float64", batch_size=120,
                          warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reference.fit(X, Y)
        start.fit(X, Y)
        for mine, source in zip(start.coefs_ + start.intercepts_, reference.coefs_ + reference.intercepts_):
            mine[...] = source
        start.fit(X, Y)
        reference.set_params(warm_start=True, batch_size=120).fit(X, Y)
    assert start.loss_curve_[-1] == pytest.approx(reference.loss_curve_[-1], rel=1e-9)


def test_multi_output_regression_and_model_access(tmp_path):
    X, Y = _problem("regression", n=100)
    model = MLPRegressor((32,), max_iter=200, learning_rate_init=0.01, random_state=0,
                         dtype="float32").fit(X, Y)
    assert model.predict(X).shape == (100, 2) and model.predict(X).dtype == np.float64
    assert model.score(X, Y) > 0.7 and model.n_outputs_ == 2 and model.n_layers_ == 3
    assert isinstance(model.model_, gn.Sequential) and model.model_.dtype == np.float32
    np.testing.assert_allclose(model.model_.predict(X.astype(np.float32)), model.predict(X), rtol=1e-6)
    gn.save(model.model_, tmp_path / "net.safetensors")            # an ordinary glassnet model
    np.testing.assert_array_equal(gn.load(tmp_path / "net.safetensors").predict(X.astype(np.float32)),
                                  model.model_.predict(X.astype(np.float32)))
    assert [W.dtype for W in model.coefs_] == [np.float32, np.float32]
    one = MLPRegressor((4,), max_iter=5, random_state=0)
    with pytest.warns(ConvergenceWarning), pytest.warns(DataConversionWarning, match="column-vector"):
        one.fit(X, Y[:, :1])          # a column vector is one output, as in scikit-learn
    assert one.predict(X).shape == (100,)


def test_warm_start_continues_and_checks_the_architecture(capsys):
    X, y = _problem("binary", n=100)
    model = MLPClassifier((8,), max_iter=20, warm_start=True, random_state=0, verbose=True, tol=0.0)
    with pytest.warns(ConvergenceWarning):
        model.fit(X, y)
    first = list(model.loss_curve_)
    with pytest.warns(ConvergenceWarning):
        model.fit(X, y)
    assert len(model.loss_curve_) == 40 and model.loss_curve_[:20] == first
    assert model.loss_curve_[20] < first[0]
    assert "Iteration 1, loss = " in capsys.readouterr().out
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        model.set_params(hidden_layer_sizes=(9,)).fit(X, y)


# ------------------------------------------------------------- scikit-learn tooling
def _labelled(n=150):
    X, y = _problem("multiclass", n=n)
    return X * [1.0, 100.0, 0.01, 1.0, 10.0], np.array(["cat", "dog", "emu"])[y]


def test_pipeline_searches_and_cross_validation():
    X, y = _labelled()
    pipe = Pipeline([("scale", StandardScaler()),
                     ("net", MLPClassifier((16,), learning_rate_init=0.02, max_iter=60, random_state=0))])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        assert cross_val_score(pipe, X, y, cv=3).mean() > 0.7
        grid = GridSearchCV(pipe, {"net__alpha": [1e-4, 1.0], "net__solver": ["adam", "rmsprop"]},
                            cv=2, n_jobs=2).fit(X, y)
        randomized = RandomizedSearchCV(pipe, {"net__hidden_layer_sizes": [(8,), (16,), (8, 8)],
                                               "net__learning_rate_init": [0.01, 0.03]},
                                        n_iter=3, cv=2, n_jobs=2, random_state=0).fit(X, y)
    assert grid.score(X, y) > 0.7 and randomized.score(X, y) > 0.7
    assert set(grid.predict(X)) <= {"cat", "dog", "emu"}


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_clone_pickle_and_pandas_names(cls):
    X, y = _labelled(90)
    if cls is MLPRegressor:
        y = X[:, 0] - X[:, 3]
    frame = pd.DataFrame(StandardScaler().fit_transform(X), columns=["a", "b", "c", "d", "e"])
    estimator = cls((8,), max_iter=30, random_state=0, batch_norm=True, dropout=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fitted = clone(estimator).fit(frame, y)
    assert fitted.feature_names_in_.tolist() == ["a", "b", "c", "d", "e"]
    restored = pickle.loads(pickle.dumps(fitted))
    method = "predict_proba" if cls is MLPClassifier else "predict"
    np.testing.assert_array_equal(getattr(restored, method)(frame), getattr(fitted, method)(frame))
    np.testing.assert_array_equal(restored.predict(frame), fitted.predict(frame))
    restored.partial_fit(frame, y)                      # the optimizer state travels too
    fitted.partial_fit(frame, y)
    np.testing.assert_array_equal(restored.predict(frame), fitted.predict(frame))
    assert clone(fitted).get_params() == estimator.get_params()
    assert not hasattr(clone(fitted), "model_") and not hasattr(clone(fitted), "coefs_")
    with pytest.warns(UserWarning, match="feature names"):
        fitted.predict(frame.to_numpy())


# ------------------------------------------------------------------------ bad input
@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_bad_input_follows_sklearn(cls):
    X, y = _problem("binary", n=20)
    y = (y == "yes").astype(int)
    with pytest.raises(NotFittedError):
        cls().predict(X)
    for bad, message in ((np.nan, "NaN"), (np.inf, "infinity")):
        X_bad = X.copy()
        X_bad[3, 1] = bad
        with pytest.raises(ValueError, match=message):
            cls(max_iter=2).fit(X_bad, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fitted = cls((4,), max_iter=2).fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features, but .* is expecting 5 features"):
        fitted.predict(X[:, :3])
    with pytest.raises(ValueError, match="hidden_layer_sizes must be positive integers"):
        cls(hidden_layer_sizes=(4, 0)).fit(X, y)


def test_single_class_and_regression_targets_are_refused():
    X, _ = _problem("binary", n=12)
    with pytest.raises(ValueError, match="at least 2 classes; y holds 1 class"):
        MLPClassifier().fit(X, ["only"] * 12)
    with pytest.raises(ValueError, match="Unknown label type"):
        MLPClassifier().fit(X, np.linspace(0, 1, 12))


@pytest.mark.parametrize(("param", "value", "allowed"), [
    ("solver", "newton-cg", ["'adagrad'", "'adam'", "'adamw'", "'gd'", "'lbfgs'", "'momentum'",
                             "'nesterov'", "'rmsprop'", "'sgd'"]),
    ("momentum", 1.5, ["a float in the range [0.0, 1.0)"]),
    ("beta_2", 1.0, ["a float in the range [0.0, 1.0)"]),
    ("epsilon", 0.0, ["a float in the range (0.0, inf)"]),
    ("max_fun", 0, ["an int in the range [1, inf)"]),
    ("activation", "swish", [repr(name) for name in gn.activations.names()]),
    ("learning_rate", "optimal", ["'adaptive'", "'constant'", "'invscaling'", "a callable"]),
    ("alpha", -1.0, ["a float in the range [0.0, inf)"]),
    ("dropout", 1.0, ["a float in the range [0.0, 1.0)"]),
    ("batch_size", 0, ["a str among {'auto'}", "an int in the range [1, inf)"]),
    ("dtype", "float16", ["'float32'", "'float64'", "None"]),
])
def test_invalid_hyperparameters_name_the_parameter_and_the_choices(param, value, allowed):
    X, y = _problem("binary", n=12)
    for cls in (MLPClassifier, MLPRegressor):
        with pytest.raises(InvalidParameterError, match=f"The '{param}' parameter of {cls.__name__} "
                                                        f"must be .* Got {value!r} instead") as error:
            cls(**{param: value}).fit(X, (y == "yes").astype(int))
        assert all(choice in str(error.value) for choice in allowed), str(error.value)


def test_divergence_raises_one_clear_error():
    X, y = _problem("regression", n=40)
    model = MLPRegressor((8,), solver="sgd", learning_rate_init=1e3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")                    # no overflow warning on the way
        with pytest.raises(NonFiniteError, match="learning_rate_init=1000.0 is too large"):
            model.fit(X * 1e3, y * 1e3)


# ---------------------------------------------------------------------------- lbfgs
def test_lbfgs_limits_verbose_and_refusals(capsys):
    X, y = _problem("multiclass", n=60)
    with pytest.warns(ConvergenceWarning, match=r"L-BFGS stopped after .* Raise max_iter \(now 200\) "
                                                r"or max_fun \(now 5\)"):
        few = MLPClassifier((6,), solver="lbfgs", max_fun=5, random_state=0).fit(X, y)
    assert few.n_iter_ <= 5
    with pytest.warns(ConvergenceWarning, match="L-BFGS stopped after 3 iteration"):
        MLPClassifier((6,), solver="lbfgs", max_iter=3, verbose=True, random_state=0).fit(X, y)
    assert "Iteration 3, loss = " in capsys.readouterr().out
    with pytest.raises(AttributeError, match="has no attribute 'partial_fit'") as error:
        MLPClassifier(solver="lbfgs").partial_fit(X, y, classes=[0, 1, 2])
    assert "solver='lbfgs' fits the whole training set at once" in str(error.value.__cause__)
    for option in (dict(dropout=0.1), dict(batch_norm=True)):
        with pytest.raises(ValueError, match="use dropout=0 and batch_norm=False with 'lbfgs'"):
            MLPClassifier(solver="lbfgs", **option).fit(X, y)


def test_a_stochastic_solver_continues_after_lbfgs():
    X, y = _problem("multiclass", n=60)
    model = MLPClassifier((6,), solver="lbfgs", max_iter=5, random_state=0)
    with pytest.warns(ConvergenceWarning):
        model.fit(X, y)
    before = [W.copy() for W in model.coefs_]
    model.set_params(solver="sgd").partial_fit(X, y)
    assert type(model.model_.optimizer).__name__ == "SGD" and model.model_.optimizer.nesterov
    assert not any(np.array_equal(old, new) for old, new in zip(before, model.coefs_))
    assert len(model.loss_curve_) == 6
