"""BayesianLinearRegression: the closed-form posterior against BayesianRidge with its priors held fixed."""

import numpy as np
import pytest
from sklearn.linear_model import BayesianRidge
from sklearn.utils.estimator_checks import parametrize_with_checks

from glassnet.estimators import BayesianLinearRegression

RNG = np.random.default_rng(0)
X = RNG.normal(size=(30, 3)) + [2.0, -1.0, 0.5]
Y = X @ np.array([0.5, -1.0, 2.0]) + 1.0 + 0.3 * RNG.normal(size=30)


def _fixed_bayesian_ridge(alpha, lam, fit_intercept):
    """BayesianRidge whose Gamma hyperpriors are so peaked (shape k a, rate k, k = 1e12) at alpha and
    lambda that its evidence updates leave them there: alpha_ = (n - gamma + 2 k alpha) / (sse + 2 k)."""
    k = 1e12
    return BayesianRidge(alpha_init=alpha, lambda_init=lam, alpha_1=k * alpha, alpha_2=k, lambda_1=k * lam,
                         lambda_2=k, fit_intercept=fit_intercept, max_iter=3).fit(X, Y)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("alpha, lam", [(1.0, 1.0), (10.0, 0.1), (0.5, 20.0)])
def test_posterior_matches_bayesian_ridge_with_fixed_priors(alpha, lam, fit_intercept):
    ours = BayesianLinearRegression(alpha=alpha, lambda_=lam, fit_intercept=fit_intercept).fit(X, Y)
    theirs = _fixed_bayesian_ridge(alpha, lam, fit_intercept)
    assert theirs.alpha_ == pytest.approx(alpha, rel=1e-8) and theirs.lambda_ == pytest.approx(lam, rel=1e-8)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-7)
    np.testing.assert_allclose(ours.sigma_, theirs.sigma_, rtol=1e-7)
    assert ours.intercept_ == pytest.approx(theirs.intercept_, rel=1e-7, abs=1e-9)
    mean, std = ours.predict(X[:5], return_std=True)
    their_mean, their_std = theirs.predict(X[:5], return_std=True)
    np.testing.assert_allclose(mean, their_mean, rtol=1e-7)
    if not fit_intercept:
        np.testing.assert_allclose(std, their_std, rtol=1e-7)


def test_closed_form_with_the_intercept_as_a_weight_of_vanishing_prior_precision():
    """The intercept's flat prior: the joint posterior over (w, b) with the design [X, 1] and prior
    precisions (lambda, ..., lambda, 1e-10) gives the same mean and predictive variance."""
    alpha, lam = 2.0, 0.5
    ours = BayesianLinearRegression(alpha=alpha, lambda_=lam).fit(X, Y)
    A = np.column_stack([X, np.ones(len(X))])
    S = np.linalg.inv(alpha * A.T @ A + np.diag([lam] * 3 + [1e-10]))
    m = alpha * S @ A.T @ Y
    np.testing.assert_allclose(ours.coef_, m[:3], rtol=1e-8)
    assert ours.intercept_ == pytest.approx(m[3], rel=1e-8)
    Xt = np.column_stack([RNG.normal(size=(4, 3)) * 3, np.ones(4)])
    mean, std = ours.predict(Xt[:, :3], return_std=True)
    np.testing.assert_allclose(mean, Xt @ m, rtol=1e-8)
    np.testing.assert_allclose(std ** 2, 1 / alpha + np.einsum("ij,jk,ik->i", Xt, S, Xt), rtol=1e-7)


def test_the_predictive_std_grows_away_from_the_data_and_tends_to_the_noise_level():
    model = BayesianLinearRegression(alpha=4.0, lambda_=1.0).fit(X, Y)
    _, std = model.predict(np.array([X.mean(axis=0), X.mean(axis=0) + 10]), return_std=True)
    assert 0.5 < std[0] < std[1]
    big = RNG.normal(size=(20000, 3))
    many = BayesianLinearRegression(alpha=4.0, lambda_=1.0).fit(big, big @ [1.0, 2.0, 3.0])
    assert many.predict(big[:3], return_std=True)[1] == pytest.approx(0.5, rel=1e-3)


def test_mean_is_ridge_with_penalty_lambda_over_alpha():
    from sklearn.linear_model import Ridge

    ours = BayesianLinearRegression(alpha=3.0, lambda_=6.0).fit(X, Y)
    np.testing.assert_allclose(ours.coef_, Ridge(alpha=2.0).fit(X, Y).coef_, rtol=1e-8)


@pytest.mark.parametrize("params, match", [
    (dict(alpha=0.0), r"'alpha' parameter .* range \(0.0, inf\). Got 0.0"),
    (dict(lambda_=-1.0), r"'lambda_' parameter .* range \(0.0, inf\). Got -1.0"),
])
def test_bad_precisions_are_refused(params, match):
    with pytest.raises(ValueError, match=match):
        BayesianLinearRegression(**params).fit(X, Y)


@parametrize_with_checks([BayesianLinearRegression()])
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)
