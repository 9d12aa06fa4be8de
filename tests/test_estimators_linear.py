"""LinearRegression and LogisticRegression: scikit-learn's contract, its numbers, hand-worked steps."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn import linear_model as sk
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import parametrize_with_checks

from glassnet.errors import NonFiniteError
from glassnet.estimators import LinearRegression, LogisticRegression


@parametrize_with_checks([
    LinearRegression(),
    LinearRegression(solver="gd"),
    LinearRegression(solver="sgd", alpha=0.5),
    LogisticRegression(),
    LogisticRegression(solver="sgd", alpha=0.5),
])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def _regression(n=200, p=3, outputs=None, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    w = rng.normal(size=(p,) if outputs is None else (p, outputs))
    return X, X @ w + 3.0 + 0.1 * rng.normal(size=(n,) if outputs is None else (n, outputs))


# ------------------------------------------------------------------ LinearRegression
@pytest.mark.parametrize("outputs", [None, 1, 2])
def test_normal_equation_matches_sklearn(outputs):
    X, y = _regression(outputs=outputs)
    ours, ref = LinearRegression().fit(X, y), sk.LinearRegression().fit(X, y)
    assert ours.coef_.shape == ref.coef_.shape
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-6)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-6)
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), atol=1e-6)
    assert (ours.n_iter_, ours.converged_, ours.rank_) == (1, True, 3)


@pytest.mark.parametrize("solver", ["normal", "gd"])
def test_ridge_matches_sklearn_ridge(solver):
    X, y = _regression(outputs=2)
    ours = LinearRegression(solver=solver, alpha=5.0, learning_rate=0.1, tol=1e-12, max_iter=5000)
    ours.fit(X, y)
    ref = sk.Ridge(alpha=5.0).fit(X, y)
    atol = 1e-6 if solver == "normal" else 1e-3
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=atol)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=atol)


def test_rank_deficient_gives_minimum_norm_solution():
    X, y = _regression(p=2)
    X = np.column_stack([X, X[:, 0]])           # third column repeats the first
    ours = LinearRegression(fit_intercept=False).fit(X, y - 3.0)
    np.testing.assert_allclose(ours.coef_, np.linalg.pinv(X) @ (y - 3.0), atol=1e-8)
    assert ours.rank_ == 2
    np.testing.assert_allclose(ours.coef_[0], ours.coef_[2], atol=1e-10)


@pytest.mark.parametrize("outputs", [None, 2])
def test_gradient_descent_matches_sklearn(outputs):
    X, y = _regression(outputs=outputs)
    X = StandardScaler().fit_transform(X)
    ref = sk.LinearRegression().fit(X, y)
    ours = LinearRegression(solver="gd", learning_rate=0.1, tol=1e-10, max_iter=5000).fit(X, y)
    assert ours.converged_ and ours.n_iter_ == len(ours.loss_curve_) < 5000
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-3)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-3)


def test_sgd_reaches_sklearn_solution():
    X, y = _regression()
    ref = sk.LinearRegression().fit(X, y)
    ours = LinearRegression(solver="sgd", learning_rate=0.01, batch_size=20, tol=1e-7,
                            max_iter=500, random_state=0).fit(X, y)
    assert ours.converged_
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=2e-3)
    again = clone(ours).fit(X, y)
    np.testing.assert_array_equal(again.coef_, ours.coef_)      # random_state fixes the batches


def test_gd_first_step_by_hand():
    # E(w) = 1/(2n) sum (w x_i - y_i)^2 on x = (1, 2, 3), y = (2, 4, 6), from w = 0:
    # E(0) = (4 + 16 + 36) / 6 = 9.3333; dE/dw = (1/n) sum (w x_i - y_i) x_i = -(2 + 8 + 18) / 3
    # = -9.3333; one step with eta = 0.1 gives w = 0.93333.
    X, y = np.array([[1.0], [2.0], [3.0]]), np.array([2.0, 4.0, 6.0])
    model = LinearRegression(solver="gd", learning_rate=0.1, max_iter=1, fit_intercept=False)
    with pytest.warns(ConvergenceWarning, match="max_iter=1"):
        model.fit(X, y)
    np.testing.assert_allclose(model.loss_curve_, [56 / 6])
    np.testing.assert_allclose(model.coef_, [0.1 * 28 / 3])
    assert model.intercept_ == 0.0 and not model.converged_


def test_stopping_rule_is_change_below_tol():
    X, y = _regression()
    model = LinearRegression(solver="gd", learning_rate=0.05, tol=1e-4).fit(X, y)
    changes = -np.diff(model.loss_curve_)
    assert model.converged_ and changes[-1] < 1e-4 and (changes[:-1] >= 1e-4).all()
    assert (changes > 0).all()                                   # gradient descent descends


def test_too_large_learning_rate_is_reported():
    X, y = _regression()
    with pytest.warns(ConvergenceWarning, match="rose"):
        model = LinearRegression(solver="gd", learning_rate=5.0).fit(X, y)
    assert not model.converged_
    with pytest.raises(NonFiniteError, match="learning_rate=50"):
        LinearRegression(solver="sgd", learning_rate=50.0, random_state=0).fit(X * 1e3, y)


def test_float32_input_trains_in_float32():
    X, y = _regression()
    model = LinearRegression(solver="gd", learning_rate=0.1, tol=1e-6).fit(X.astype(np.float32), y)
    assert model.coef_.dtype == np.float32
    np.testing.assert_allclose(model.coef_, sk.LinearRegression().fit(X, y).coef_, atol=1e-2)


# ---------------------------------------------------------------- LogisticRegression
def _classes(k, n=300, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    logits = X @ rng.normal(size=(3, k)) * 2
    y = (logits + rng.gumbel(size=(n, k))).argmax(axis=1)         # noisy: not separable
    return X, y


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("alpha", [0.0, 2.0])
def test_logistic_matches_sklearn(k, alpha):
    X, y = _classes(k)
    ours = LogisticRegression(alpha=alpha, learning_rate=1.0, tol=1e-12, max_iter=20000).fit(X, y)
    ref = sk.LogisticRegression(C=1 / alpha if alpha else np.inf, tol=1e-12, max_iter=10000).fit(X, y)
    assert ours.converged_ and ours.coef_.shape == ref.coef_.shape
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-3)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-3)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-4)
    np.testing.assert_allclose(ours.predict_log_proba(X), ref.predict_log_proba(X), rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(ours.decision_function(X), ref.decision_function(X), rtol=1e-3, atol=1e-3)


def test_logistic_first_step_by_hand():
    # x = (1, -1), y = (1, 0), w = 0: p = sigmoid(0) = 0.5 for both, E = ln 2;
    # dE/dw = (1/n) sum (p_i - y_i) x_i = ((0.5 - 1) * 1 + (0.5 - 0) * (-1)) / 2 = -0.5,
    # so one step with eta = 1 gives w = 0.5.
    model = LogisticRegression(learning_rate=1.0, max_iter=1, fit_intercept=False)
    with pytest.warns(ConvergenceWarning):
        model.fit([[1.0], [-1.0]], [1, 0])
    np.testing.assert_allclose(model.loss_curve_, [np.log(2)])
    np.testing.assert_allclose(model.coef_, [[0.5]])


def test_logistic_threshold_and_string_labels():
    X, y = _classes(2)
    labels = np.array(["spam", "ham"])[y]
    model = LogisticRegression().fit(X, labels)
    assert model.classes_.tolist() == ["ham", "spam"]
    p = model.predict_proba(X)[:, 1]
    np.testing.assert_array_equal(model.predict(X) == "spam", p > 0.5)
    strict = clone(model).set_params(threshold=0.9).fit(X, labels)
    np.testing.assert_array_equal(strict.predict(X) == "spam", strict.predict_proba(X)[:, 1] > 0.9)
    assert (strict.predict(X) == "spam").sum() < (model.predict(X) == "spam").sum()


# ------------------------------------------------------------- scikit-learn tooling
ESTIMATORS = [
    (LinearRegression(), "regression"),
    (LinearRegression(solver="gd"), "regression"),
    (LinearRegression(solver="sgd", random_state=0), "regression"),
    (LogisticRegression(), "classification"),
]


def _data(kind):
    if kind == "regression":
        X, y = _regression(n=120)
        return X * [1.0, 100.0, 0.01], y
    X, y = _classes(3, n=120)
    return X * [1.0, 100.0, 0.01], np.array(["a", "b", "c"])[y]


@pytest.mark.parametrize(("estimator", "kind"), ESTIMATORS)
def test_pipeline_search_cross_validation(estimator, kind):
    X, y = _data(kind)
    pipe = Pipeline([("scale", StandardScaler()), ("model", estimator)])
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.min() > (0.9 if kind == "regression" else 0.6)
    search = GridSearchCV(pipe, {"model__alpha": [0.0, 1.0]}, cv=2, n_jobs=2).fit(X, y)
    assert search.best_params_["model__alpha"] in (0.0, 1.0)
    assert search.score(X, y) > (0.9 if kind == "regression" else 0.6)


@pytest.mark.parametrize(("estimator", "kind"), ESTIMATORS)
def test_clone_pickle_and_pandas_names(estimator, kind):
    X, y = _data(kind)
    frame = pd.DataFrame(StandardScaler().fit_transform(X), columns=["age", "income", "rate"])
    fitted = clone(estimator).fit(frame, y)
    assert fitted.feature_names_in_.tolist() == ["age", "income", "rate"]
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict(frame), fitted.predict(frame))
    assert clone(fitted).get_params() == estimator.get_params()
    assert not hasattr(clone(fitted), "coef_")


@pytest.mark.parametrize("estimator", [
    LinearRegression(), LinearRegression(solver="gd"), LogisticRegression(),
])
def test_bad_input_follows_sklearn(estimator):
    X, y = _regression(n=20)
    y = (y > np.median(y)).astype(int)
    with pytest.raises(NotFittedError):
        clone(estimator).predict(X)
    for bad in (np.nan, np.inf):
        X_bad = X.copy()
        X_bad[3, 1] = bad
        with pytest.raises(ValueError, match="NaN|infinity"):
            clone(estimator).fit(X_bad, y)
    fitted = clone(estimator).fit(X, y)
    with pytest.raises(ValueError, match="3 features"):
        fitted.predict(X[:, :2])


@pytest.mark.parametrize(("estimator", "param", "value"), [
    (LinearRegression(), "solver", "adam"),
    (LinearRegression(), "learning_rate", -1.0),
    (LinearRegression(), "max_iter", 0),
    (LogisticRegression(), "threshold", 1.5),
    (LogisticRegression(), "alpha", -0.1),
])
def test_invalid_hyperparameters_are_named(estimator, param, value):
    X, y = _regression(n=20)
    y = (y > np.median(y)).astype(int)
    with pytest.raises(InvalidParameterError, match=f"'{param}' parameter of {type(estimator).__name__}"):
        clone(estimator).set_params(**{param: value}).fit(X, y)


def test_logistic_single_class_is_rejected():
    X, _ = _classes(2, n=10)
    with pytest.raises(ValueError, match="at least 2 classes; y holds 1 class"):
        LogisticRegression().fit(X, ["only"] * 10)
    with pytest.raises(ValueError, match="Unknown label type"):
        LogisticRegression().fit(X, np.linspace(0, 1, 10))
