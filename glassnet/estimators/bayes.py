"""Bayesian linear regression with fixed priors: the posterior over the weights in closed form."""

from __future__ import annotations

from numbers import Real
from typing import Any

import numpy as np
from sklearn.base import RegressorMixin, _fit_context
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted, validate_data

from glassnet.estimators._base import Estimator

__all__ = ["BayesianLinearRegression"]

_FLOATS = [np.float64, np.float32]


class BayesianLinearRegression(RegressorMixin, Estimator):
    """Linear regression with a Gaussian prior on the weights and a Gaussian posterior.

    The model y = x w + b + noise, with noise ~ N(0, 1 / alpha) (alpha: the noise
    precision) and the prior w ~ N(0, I / lambda) (lambda: the weights' precision), both
    fixed. The posterior over w is Gaussian, in closed form:

    .. math::

        S = (\\lambda I + \\alpha X^T X)^{-1}, \\qquad m = \\alpha S X^T y,

    (X and y centred when fitting the intercept, which gets a flat prior:
    b = mean(y) - mean(x) m). The posterior mean m is ridge regression's solution with
    penalty lambda / alpha. A prediction at x has the predictive distribution
    N(x m + b, sigma^2(x)) with

    .. math::

        \\sigma^2(x) = \\frac{1}{\\alpha} + (x - \\bar x)^T S (x - \\bar x) + \\frac{1}{\\alpha n}:

    the noise, the uncertainty of w, and that of the intercept (the last term only when
    fitting it). Far from the data, sigma(x) grows; with many samples, it shrinks to the
    noise level 1 / sqrt(alpha).

    scikit-learn's ``BayesianRidge`` learns alpha and lambda from the data (evidence
    maximisation); with them held fixed it gives the same ``coef_``, ``intercept_`` and
    ``sigma_``. Its ``predict(return_std=True)`` uses 1 / alpha + x^T S x, which equals the
    formula above without an intercept (``fit_intercept=False``).

    Parameters
    ----------
    alpha : float > 0, default 1.0
        The noise precision 1 / sigma_noise^2.
    lambda_ : float > 0, default 1.0
        The prior precision of each weight.
    fit_intercept : bool, default True

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        The posterior mean m.
    sigma_ : ndarray of shape (n_features, n_features)
        The posterior covariance S.
    intercept_ : float
    n_features_in_, feature_names_in_

    Examples
    --------
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> model = BayesianLinearRegression(alpha=4.0, lambda_=1.0).fit(X, [0.1, 0.9, 2.1, 2.9])
    >>> round(float(model.coef_[0]), 4), round(float(model.sigma_[0, 0]), 4)
    (0.9143, 0.0476)
    >>> mean, std = model.predict([[1.5], [10.0]], return_std=True)
    >>> np.round(mean, 3).tolist(), np.round(std, 3).tolist()
    ([1.5, 9.271], [0.559, 1.937])
    """

    _parameter_constraints: dict = {
        "alpha": [Interval(Real, 0, None, closed="neither")],
        "lambda_": [Interval(Real, 0, None, closed="neither")],
        "fit_intercept": ["boolean"],
    }

    def __init__(self, alpha: float = 1.0, lambda_: float = 1.0, fit_intercept: bool = True) -> None:
        self.alpha = alpha
        self.lambda_ = lambda_
        self.fit_intercept = fit_intercept

    def __sklearn_is_fitted__(self) -> bool:
        """Fitted once ``coef_`` exists (the parameter ``lambda_`` ends in an underscore too)."""
        return hasattr(self, "coef_")

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any) -> BayesianLinearRegression:
        """The posterior over w from X of shape (n_samples, n_features) and y of shape (n_samples,)."""
        X, y = validate_data(self, X, y, dtype=_FLOATS, y_numeric=True)
        y = np.asarray(y, dtype=X.dtype)
        self.x_mean_ = X.mean(axis=0) if self.fit_intercept else np.zeros(X.shape[1], X.dtype)
        y_mean = float(y.mean()) if self.fit_intercept else 0.0
        Xc = X - self.x_mean_
        precision = self.alpha * (Xc.T @ Xc) + self.lambda_ * np.eye(X.shape[1], dtype=X.dtype)
        self.sigma_ = np.linalg.inv(precision)
        self.sigma_ = (self.sigma_ + self.sigma_.T) / 2
        self.coef_ = self.alpha * self.sigma_ @ (Xc.T @ (y - y_mean))
        self.intercept_ = y_mean - float(self.x_mean_ @ self.coef_)
        self.n_samples_ = X.shape[0]
        return self

    def predict(self, X: Any, return_std: bool = False) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        """The predictive mean x m + b, and with ``return_std`` its standard deviation sigma(x)
        (see the class docstring); each of shape (n_samples,)."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=_FLOATS, reset=False)
        mean = X @ self.coef_ + self.intercept_
        if not return_std:
            return mean
        Xc = X - self.x_mean_
        variance = 1.0 / self.alpha + np.einsum("ij,jk,ik->i", Xc, self.sigma_, Xc)
        if self.fit_intercept:
            variance = variance + 1.0 / (self.alpha * self.n_samples_)
        return mean, np.sqrt(variance)
