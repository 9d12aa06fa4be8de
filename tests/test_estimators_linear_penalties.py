"""LinearRegression's penalties and losses against the scikit-learn estimator with the same objective."""

import warnings

import numpy as np
import pytest
from sklearn import linear_model as sk
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.estimator_checks import parametrize_with_checks

from glassnet.estimators import LinearRegression


def _data(seed=0, n=40, outliers=0, noise="normal"):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    e = rng.normal(size=n) if noise == "normal" else rng.laplace(size=n)
    y = X @ np.array([1.5, -2.0, 0.05]) + 0.3 + 0.5 * e
    y[:outliers] += 8.0
    return X, y


def _gd(**params):
    return LinearRegression(solver="gd", learning_rate=0.5, max_iter=20000, tol=1e-14, **params)


CASES = {
    "ridge": (dict(penalty="l2", alpha=2.0), lambda: sk.Ridge(alpha=2.0)),
    "lasso": (dict(penalty="l1", alpha=0.1), lambda: sk.Lasso(alpha=0.1, tol=1e-12, max_iter=100000)),
    "lasso-strong": (dict(penalty="l1", alpha=0.8), lambda: sk.Lasso(alpha=0.8, tol=1e-12, max_iter=100000)),
    "elasticnet": (dict(penalty="elasticnet", alpha=0.1, l1_ratio=0.3),
                   lambda: sk.ElasticNet(alpha=0.1, l1_ratio=0.3, tol=1e-12, max_iter=100000)),
    "huber": (dict(loss="huber", alpha=0.5), lambda: sk.HuberRegressor(alpha=0.5, tol=1e-12, max_iter=10000)),
    "huber-eps2": (dict(loss="huber", alpha=0.0, epsilon=2.0),
                   lambda: sk.HuberRegressor(alpha=0.0, epsilon=2.0, tol=1e-12, max_iter=10000)),
}


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("case", list(CASES))
def test_coefficients_match_scikit_learn(case, seed):
    params, reference = CASES[case]
    X, y = _data(seed, outliers=3)
    ours, theirs = _gd(**params).fit(X, y), reference().fit(X, y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-3)
    assert ours.intercept_ == pytest.approx(theirs.intercept_, abs=1e-3)
    if params.get("loss") == "huber":
        assert ours.scale_ == pytest.approx(theirs.scale_, abs=1e-3)


def test_lasso_sets_weights_exactly_to_zero():
    X, y = _data()
    ours = _gd(penalty="l1", alpha=0.8).fit(X, y)
    theirs = sk.Lasso(alpha=0.8).fit(X, y)
    assert (ours.coef_ == 0).tolist() == (theirs.coef_ == 0).tolist() == [False, False, True]


@pytest.mark.parametrize("alpha, seed, noise",
                         [(0.0, 0, "laplace"), (0.05, 3, "laplace"), (0.0, 0, "normal")])
def test_absolute_loss_matches_the_median_quantile_regressor(alpha, seed, noise):
    X, y = _data(seed, outliers=3, noise=noise)
    penalty = "l1" if alpha else None
    ours = LinearRegression(solver="gd", loss="absolute", penalty=penalty, alpha=alpha, learning_rate=2.0,
                            max_iter=20000, tol=1e-6).fit(X, y)
    theirs = sk.QuantileRegressor(quantile=0.5, alpha=alpha, solver="highs").fit(X, y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-3)
    assert ours.intercept_ == pytest.approx(theirs.intercept_, abs=1e-3)


def test_huber_resists_outliers_that_pull_least_squares():
    X, y = _data(outliers=6)
    squared = _gd().fit(X, y)
    huber = _gd(loss="huber").fit(X, y)
    truth = np.array([1.5, -2.0, 0.05])
    assert np.abs(huber.coef_ - truth).max() < np.abs(squared.coef_ - truth).max()


def test_default_behaviour_is_unchanged_least_squares_and_ridge():
    X, y = _data()
    np.testing.assert_allclose(LinearRegression().fit(X, y).coef_, sk.LinearRegression().fit(X, y).coef_,
                               atol=1e-10)
    ridge = LinearRegression(alpha=2.0).fit(X, y)
    np.testing.assert_allclose(ridge.coef_, sk.Ridge(alpha=2.0).fit(X, y).coef_, atol=1e-10)
    assert LinearRegression(penalty=None, alpha=2.0).fit(X, y).coef_ == pytest.approx(
        sk.LinearRegression().fit(X, y).coef_)


def test_sgd_with_an_l1_penalty_gets_close():
    X, y = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = LinearRegression(solver="sgd", penalty="l1", alpha=0.1, learning_rate=0.01, max_iter=200,
                                tol=1e-9, batch_size=8, random_state=0).fit(X, y)
    np.testing.assert_allclose(ours.coef_, sk.Lasso(alpha=0.1).fit(X, y).coef_, atol=0.05)


def test_multi_output_lasso():
    X, y = _data()
    Y = np.column_stack([y, -y])
    ours = _gd(penalty="l1", alpha=0.1).fit(X, Y)
    np.testing.assert_allclose(ours.coef_, sk.Lasso(alpha=0.1, tol=1e-12).fit(X, Y).coef_, atol=1e-3)


@pytest.mark.parametrize("params, match", [
    (dict(penalty="l3"), r"(?=.*'elasticnet')(?=.*'l1')(?=.*'l2')'penalty' parameter .* or None. Got 'l3'"),
    (dict(loss="hinge"), r"(?=.*'absolute')(?=.*'huber')(?=.*'squared')'loss' parameter .* Got 'hinge'"),
    (dict(l1_ratio=1.5), r"'l1_ratio' parameter .* range \[0.0, 1.0\]. Got 1.5"),
    (dict(loss="huber", epsilon=0.5), r"'epsilon' parameter .* range \[1.0, inf\). Got 0.5"),
    (dict(penalty="l1"), r"solver='normal' solves the squared loss with penalty None or 'l2'.*"
                         r"penalty='l1' needs solver='gd' or 'sgd'"),
    (dict(loss="absolute"), r"loss='absolute' .* needs solver='gd' or 'sgd'"),
])
def test_unknown_or_unsupported_choices_are_named(params, match):
    X, y = _data()
    with pytest.raises(ValueError, match=match):
        LinearRegression(**params).fit(X, y)


@parametrize_with_checks([
    LinearRegression(solver="gd", penalty="l1", alpha=0.01),
    LinearRegression(solver="gd", loss="huber"),
    LinearRegression(solver="gd", loss="absolute", learning_rate=1.0),
])
def test_scikit_learn_estimator_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)
