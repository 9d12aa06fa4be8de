"""Regression losses: squared error, absolute error, Huber."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet._checks import check_hyperparameter
from glassnet.losses.base import LOSSES, Loss, _Reduce

__all__ = ["MSE", "MAE", "Huber"]


class _MSE(_Reduce):
    name = "mse"

    @staticmethod
    def forward(ctx: Any, y_pred: np.ndarray, target: np.ndarray, weights: Any, reduction: str,
                scale: float) -> np.ndarray:
        ctx.diff, ctx.scale = y_pred - target, scale
        return scale * _Reduce.reduce(ctx, ctx.diff * ctx.diff, weights, reduction)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        return ((2 * ctx.scale) * _Reduce.upstream(ctx, grad, ctx.diff.shape) * ctx.diff,)


@LOSSES.register("mse", "mean_squared_error")
class MSE(Loss):
    """Squared error: l = scale (y_hat - y)^2;  dl/dy_hat = 2 scale (y_hat - y).

    Parameters
    ----------
    reduction : {"mean", "sum", "none"}, default "mean"
    scale : float > 0, default 1.0
        ``MSE(reduction="sum", scale=0.5)`` is the lectures' E = 1/2 sum (y_hat - y)^2,
        whose gradient is simply y_hat - y.

    Examples
    --------
    >>> y_pred = gn.tensor([[1.0], [3.0]], requires_grad=True)
    >>> E = gn.losses.MSE()(y_pred, [[0.0], [1.0]])
    >>> E.backward()
    >>> print(E.item(), y_pred.grad.ravel())
    2.5 [1. 2.]
    >>> E = gn.losses.MSE(reduction="sum", scale=0.5)(y_pred, [[0.0], [1.0]])
    >>> print(E.item())
    2.5
    """

    function = _MSE

    def __init__(self, reduction: str = "mean", scale: float = 1.0) -> None:
        super().__init__(reduction)
        self.scale = check_hyperparameter("MSE: scale", scale, low_open=True)

    def _options(self) -> dict[str, Any]:
        return {"scale": self.scale}

    def get_config(self) -> dict[str, Any]:
        return {"reduction": self.reduction, "scale": self.scale}


class _MAE(_Reduce):
    name = "mae"

    @staticmethod
    def forward(ctx: Any, y_pred: np.ndarray, target: np.ndarray, weights: Any, reduction: str) -> np.ndarray:
        diff = y_pred - target
        ctx.sign, ctx.shape = np.sign(diff), diff.shape
        return _Reduce.reduce(ctx, np.abs(diff), weights, reduction)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        return (_Reduce.upstream(ctx, grad, ctx.shape) * ctx.sign,)


@LOSSES.register("mae", "mean_absolute_error")
class MAE(Loss):
    """Absolute error: l = |y_hat - y|;  dl/dy_hat = sign(y_hat - y) (0 at equality).

    Parameters
    ----------
    reduction : {"mean", "sum", "none"} or None, default 'mean'
        How the per-sample losses are combined.

    Examples
    --------
    >>> y_pred = gn.tensor([[1.0], [3.0]], requires_grad=True)
    >>> E = gn.losses.MAE()(y_pred, [[0.0], [4.0]])
    >>> E.backward()
    >>> print(E.item(), y_pred.grad.ravel())
    1.0 [ 0.5 -0.5]
    """

    function = _MAE


class _Huber(_Reduce):
    name = "huber"

    @staticmethod
    def forward(ctx: Any, y_pred: np.ndarray, target: np.ndarray, weights: Any, reduction: str,
                delta: float) -> np.ndarray:
        diff = y_pred - target
        small = np.abs(diff) <= delta
        ctx.slope = np.where(small, diff, delta * np.sign(diff))
        elements = np.where(small, 0.5 * diff * diff, delta * (np.abs(diff) - 0.5 * delta))
        ctx.shape = diff.shape
        return _Reduce.reduce(ctx, elements, weights, reduction)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        return (_Reduce.upstream(ctx, grad, ctx.shape) * ctx.slope,)


@LOSSES.register("huber")
class Huber(Loss):
    """Huber loss, quadratic near zero and linear in the tails (d = y_hat - y):

    l = d^2 / 2 if |d| <= delta else delta (|d| - delta / 2);
    dl/dy_hat = d if |d| <= delta else delta sign(d). Equals PyTorch's ``HuberLoss``.

    Parameters
    ----------
    reduction : {"mean", "sum", "none"}, default 'mean'
        How the per-sample losses are combined.
    delta : float, default 1.0
        Where the loss turns from quadratic to linear, > 0.

    Examples
    --------
    >>> y_pred = gn.tensor([[0.5], [3.0]], requires_grad=True)
    >>> E = gn.losses.Huber(delta=1.0)(y_pred, [[0.0], [0.0]])
    >>> E.backward()
    >>> print(E.item(), y_pred.grad.ravel())
    1.3125 [0.25 0.5 ]
    """

    function = _Huber

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        self.delta = check_hyperparameter("Huber: delta", delta, low_open=True)

    def _options(self) -> dict[str, Any]:
        return {"delta": self.delta}

    def get_config(self) -> dict[str, Any]:
        return {"reduction": self.reduction, "delta": self.delta}
