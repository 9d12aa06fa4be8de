"""Gaussian basis functions as a scikit-learn transformer (for linear basis-function models)."""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.base import TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted, validate_data

from glassnet.estimators._base import Estimator

__all__ = ["GaussianBasis"]

_FLOATS = [np.float64, np.float32]


class GaussianBasis(TransformerMixin, Estimator):
    """Replace each feature x by K Gaussian bumps phi_k(x) centred on a grid.

    .. math::

        \\phi_k(x) = \\exp\\left(-\\frac{(x - \\mu_k)^2}{2 s^2}\\right), \\qquad k = 1, \\dots, K

    A linear model on these features, y_hat = b + sum_k w_k phi_k(x), is non-linear in x but
    still linear in its parameters w, so it is fitted by the same least squares (the
    lectures' basis-function regression). Each input feature gets its own K bumps; the
    output has n_features * K columns, feature by feature.

    Parameters
    ----------
    centers : int or array_like, default 10
        An int K: K centres evenly spaced from the minimum to the maximum of each feature in
        the training data. An array of shape (K,): the same centres for every feature; of
        shape (K, n_features): centres per feature.
    width : float or None, default None
        The width s. None: the spacing between neighbouring centres of each feature
        (the mean spacing for given centres; the feature's range, or 1 if it is constant,
        when there is one centre).

    Attributes
    ----------
    centers_ : ndarray of shape (K, n_features)
    width_ : ndarray of shape (n_features,)
    n_features_in_, feature_names_in_

    Examples
    --------
    >>> basis = GaussianBasis(centers=3).fit([[0.0], [2.0]])
    >>> basis.centers_.ravel().tolist(), basis.width_.tolist()
    ([0.0, 1.0, 2.0], [1.0])
    >>> np.round(basis.transform([[1.0]]), 4)
    array([[0.6065, 1.    , 0.6065]])
    """

    _parameter_constraints: dict = {
        "centers": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "width": [Interval(Real, 0, None, closed="neither"), None],
    }

    def __init__(self, centers: int | Any = 10, width: float | None = None) -> None:
        self.centers = centers
        self.width = width

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any = None) -> GaussianBasis:
        """Choose the centres (and the width) from X of shape (n_samples, n_features)."""
        X = validate_data(self, X, dtype=_FLOATS)
        low, high = X.min(axis=0), X.max(axis=0)
        if isinstance(self.centers, Integral):
            self.centers_ = np.linspace(low, high, int(self.centers)).astype(X.dtype).reshape(
                int(self.centers), X.shape[1])
        else:
            self.centers_ = self._given_centers(X.shape[1]).astype(X.dtype)
        if self.width is not None:
            self.width_ = np.full(X.shape[1], self.width, dtype=X.dtype)
        else:
            self.width_ = _spacing(self.centers_, high - low).astype(X.dtype)
        return self

    def _given_centers(self, n_features: int) -> np.ndarray:
        centers = np.asarray(self.centers, dtype=np.float64)
        if centers.ndim == 1:
            centers = np.repeat(centers[:, None], n_features, axis=1)
        if centers.ndim != 2 or centers.shape[1] != n_features or centers.shape[0] == 0:
            raise ValueError(
                f"centers must be an int, an array of shape (K,) or of shape (K, n_features) = "
                f"(K, {n_features}); got an array of shape {np.shape(self.centers)}"
            )
        if not np.isfinite(centers).all():
            raise ValueError("centers must be finite numbers")
        return centers

    def transform(self, X: Any) -> np.ndarray:
        """phi_k(x_j) for every feature j and centre k: shape (n_samples, n_features * K)."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=_FLOATS, reset=False)
        d = X[:, :, None] - self.centers_.T.astype(X.dtype)[None, :, :]
        phi = np.exp(-(d * d) / (2 * self.width_.astype(X.dtype)[None, :, None] ** 2))
        return phi.reshape(X.shape[0], -1)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names "<feature>_gauss<k>" in the order of the columns of :meth:`transform`."""
        check_is_fitted(self)
        names = _check_feature_names_in(self, input_features)
        k = self.centers_.shape[0]
        return np.asarray([f"{name}_gauss{i}" for name in names for i in range(k)], dtype=object)


def _spacing(centers: np.ndarray, ranges: np.ndarray) -> np.ndarray:
    """Mean gap between the sorted centres of each feature; with one centre, the data range."""
    if centers.shape[0] > 1:
        ordered = np.sort(centers, axis=0)
        gaps = (ordered[-1] - ordered[0]) / (centers.shape[0] - 1)
    else:
        gaps = np.asarray(ranges, dtype=np.float64)
    return np.where(gaps > 0, gaps, 1.0)
