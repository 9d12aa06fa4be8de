"""The data losses of :class:`~glassnet.estimators.LinearRegression`, each the one of a
scikit-learn estimator, written as (1/2n) sum over the samples so that the penalties keep
scikit-learn's alpha:

- squared:  (1/2n) sum_i ||z_i - y_i||^2 (``Ridge``, ``Lasso``, ``ElasticNet``);
- absolute: (1/2n) sum_i |z_i - y_i| (``QuantileRegressor(quantile=0.5)``: its pinball loss
  at 0.5 is |r| / 2, averaged over the samples);
- huber:    (1/2n) sum_i [sigma + sigma H_eps((z_i - y_i) / sigma)] with the scale sigma
  learned too, H_eps(u) = u^2 if |u| < eps else 2 eps |u| - eps^2 (``HuberRegressor``'s
  objective divided by 2n, the scale fitted jointly as it does).
"""

from __future__ import annotations

import numpy as np

from glassnet import functional as fn
from glassnet.losses import MSE
from glassnet.tensor import Tensor

__all__ = ["squared", "absolute", "ScaledHuber"]


def squared(z: Tensor, target: np.ndarray) -> Tensor:
    """(1 / 2n) sum_i ||z_i - y_i||^2: the squared error summed over outputs, averaged over samples."""
    return MSE(reduction="sum", scale=0.5 / z.shape[0])(z, target)


def absolute(z: Tensor, target: np.ndarray) -> Tensor:
    """(1 / 2n) sum_i |z_i - y_i|; its subgradient is sign(z - y) / 2n (0 at a kink)."""
    return fn.abs(z - Tensor(target.reshape(z.shape))).sum() * (0.5 / z.shape[0])


class ScaledHuber:
    """HuberRegressor's loss with its scale sigma a trained parameter (starting at 1):

    (1 / 2n) sum_i [sigma + sigma H_eps(r_i / sigma)],
    H_eps(u) = u^2 if |u| < eps else 2 eps |u| - eps^2,

    jointly convex in (w, b, sigma) for sigma > 0; a step that would leave sigma <= 0 is
    held at a tiny positive value.
    """

    def __init__(self, epsilon: float, dtype: np.dtype, n_outputs: int) -> None:
        self.epsilon = float(epsilon)
        self.sigma = Tensor(np.ones(n_outputs, dtype=dtype), requires_grad=True)
        self.parameters = [self.sigma]

    def __call__(self, z: Tensor, target: np.ndarray) -> Tensor:
        eps = self.epsilon
        sigma = fn.maximum(self.sigma, np.finfo(z.dtype).tiny ** 0.5)
        u = (z - Tensor(target.reshape(z.shape))) / sigma
        size = fn.abs(u)
        H = fn.where(size.data < eps, u * u, size * (2 * eps) - eps * eps)
        return (sigma * (H + 1.0)).sum() * (0.5 / z.shape[0])
