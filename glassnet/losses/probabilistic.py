"""Losses of probabilistic outputs: the Gaussian negative log-likelihood and the pinball loss.

Their predictions come from the head layers of :mod:`glassnet.layers.heads`:
``GaussianHead(k)`` outputs (N, 2k) = [mean, variance], ``QuantileHead(quantiles, k)``
outputs (N, m k), column block i holding quantile q_i; the target has k columns.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from glassnet._checks import check_flag, check_hyperparameter
from glassnet.losses.base import LOSSES, Loss, _check_target, _Reduce
from glassnet.tensor import Tensor

__all__ = ["GaussianNLL", "Pinball", "check_quantiles"]

_HALF_LOG_TWO_PI = 0.5 * math.log(2 * math.pi)
_TORCH_ORDER = ("PyTorch's GaussianNLLLoss()(input, target, var) is "
                "gn.functional.gaussian_nll(input, target, var)")


def check_quantiles(owner: str, quantiles: Any) -> tuple[float, ...]:
    """``quantiles`` as a tuple of floats, each in (0, 1), strictly increasing (one number is one
    quantile, as scikit-learn's ``alpha``); else a clear error."""
    if isinstance(quantiles, (int, float, np.integer, np.floating)) and not isinstance(quantiles, bool):
        quantiles = (quantiles,)
    if isinstance(quantiles, (str, bytes)) or not isinstance(quantiles, Sequence | np.ndarray):
        raise TypeError(f"{owner}: quantiles must be a sequence of numbers in (0, 1) such as "
                        f"(0.05, 0.5, 0.95), got {quantiles!r}")
    values = tuple(check_hyperparameter(f"{owner}: quantile", q, 0.0, 1.0, low_open=True, high_open=True)
                   for q in quantiles)
    if not values:
        raise ValueError(f"{owner}: quantiles must hold at least one number in (0, 1), got {quantiles!r}")
    if any(b <= a for a, b in zip(values, values[1:])):
        raise ValueError(f"{owner}: quantiles must be distinct and increasing, got {list(values)}; give "
                         f"{sorted(set(values))}")
    return values


def _array(y_true: Any, dtype: np.dtype) -> np.ndarray:
    return np.asarray(y_true.data if isinstance(y_true, Tensor) else y_true, dtype=dtype)


def _blocks_target(name: str, y_pred: np.ndarray, y_true: Any, blocks: int, layout: str) -> np.ndarray:
    """The target (N, k) of a prediction (N, blocks * k), checked; ``layout`` says what to use."""
    target = _array(y_true, y_pred.dtype)
    _check_target(name, target)
    if y_pred.ndim != 2:
        raise ValueError(f"{name}: the prediction must be 2-D (samples, outputs), got shape {y_pred.shape}. "
                         f"{layout}")
    n, width = y_pred.shape
    k = width // blocks
    if target.ndim == 0 or target.shape[0] != n or target.size != n * k or width % blocks:
        raise ValueError(
            f"{name}: a prediction of shape {y_pred.shape} does not fit a target of shape {target.shape}: "
            f"it needs {blocks} columns per target column, {blocks} x k for a target (N, k). {layout}")
    return target.reshape(n, k)


class _GaussianNLL(_Reduce):
    name = "gaussian_nll"

    @staticmethod
    def forward(ctx: Any, y_pred: np.ndarray, target: np.ndarray, weights: Any, reduction: str,
                full: bool, eps: float) -> np.ndarray:
        k = y_pred.shape[1] // 2
        ctx.diff = y_pred[:, :k] - target
        ctx.var = np.maximum(y_pred[:, k:], eps)
        elements = 0.5 * (np.log(ctx.var) + ctx.diff * ctx.diff / ctx.var)
        if full:
            elements += _HALF_LOG_TWO_PI
        return _Reduce.reduce(ctx, elements, weights, reduction)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        up = _Reduce.upstream(ctx, grad, ctx.diff.shape)
        scaled = ctx.diff / ctx.var
        d_var = 0.5 * (1.0 / ctx.var - scaled * scaled)
        return (np.concatenate([up * scaled, up * d_var], axis=1),)


@LOSSES.register("gaussian_nll", "gaussian_nll_loss")
class GaussianNLL(Loss):
    """Gaussian negative log-likelihood of a mean and a variance per target (PyTorch's
    ``GaussianNLLLoss``, with y_pred = [mean, variance] as a :class:`~glassnet.layers.GaussianHead`
    outputs it).

    For a target y with predicted mean mu and variance sigma^2 (clamped below at ``eps``):

    .. math::

        l = \\frac{1}{2}\\left(\\ln \\max(\\sigma^2, \\epsilon)
            + \\frac{(y - \\mu)^2}{\\max(\\sigma^2, \\epsilon)}\\right)
            \\;\\left[+ \\tfrac{1}{2}\\ln 2\\pi \\text{ if full}\\right]

    .. math::

        \\frac{\\partial l}{\\partial \\mu} = \\frac{\\mu - y}{\\sigma^2}, \\qquad
        \\frac{\\partial l}{\\partial \\sigma^2} = \\frac{1}{2}\\left(\\frac{1}{\\sigma^2}
            - \\frac{(y - \\mu)^2}{\\sigma^4}\\right)

    As in PyTorch, the clamp is applied without cutting the gradient: below ``eps`` the
    variance's gradient is the formula's at ``eps``. A direct call refuses a negative variance.

    Shape: y_pred (N, 2k) = concat(mean, variance), y_true (N, k) (or (N,) for k = 1).
    The functional form :func:`glassnet.functional.gaussian_nll` takes ``(mean, target, var)``
    in PyTorch's order.

    Parameters
    ----------
    full : bool, default False
        Add the constant 1/2 ln(2 pi), which makes l the exact negative log-density.
    eps : float > 0, default 1e-6
    reduction : {"mean", "sum", "none"}, default "mean"
        "mean" averages over the N k elements (PyTorch's); "none" gives one value per sample,
        the mean over its k targets.

    References
    ----------
    Nix and Weigend, "Estimating the mean and variance of the target probability
    distribution", ICNN 1994.

    Examples
    --------
    >>> GaussianNLL()(np.array([[0.0, 1.0]]), np.array([[1.0]])).item()
    0.5
    """

    function = _GaussianNLL

    def __init__(self, full: bool = False, eps: float = 1e-6, reduction: str | None = "mean") -> None:
        super().__init__(reduction)
        self.full = check_flag("GaussianNLL: full", full)
        self.eps = check_hyperparameter("GaussianNLL: eps", eps, low_open=True)

    def _target(self, y_pred: np.ndarray, y_true: Any) -> np.ndarray:
        advice = ("GaussianNLL reads [mean, variance] from a GaussianHead: end the model with "
                  f"gn.layers.GaussianHead(k) for k targets (it outputs 2k values). {_TORCH_ORDER}")
        target = _array(y_true, y_pred.dtype)
        as_wide = target.ndim > 0 and target.shape[0] == y_pred.shape[0] and target.size == y_pred.size
        if y_pred.ndim == 2 and as_wide:
            raise ValueError(
                f"GaussianNLL: the prediction has {y_pred.shape[1]} columns for a target of "
                f"{y_pred.shape[1]}, as a plain Dense({y_pred.shape[1]}) output has. {advice}")
        return _blocks_target("GaussianNLL", y_pred, y_true, 2, advice)

    def targets_per_sample(self, output_shape: tuple[int, ...]) -> int:
        """k targets for an output of 2k values: [mean, variance]."""
        return int(np.prod(output_shape)) // 2

    def _input(self, y_pred: Tensor) -> tuple[Tensor, dict[str, Any]]:
        if y_pred.ndim == 2 and y_pred.shape[1] % 2 == 0:
            var = y_pred.data[:, y_pred.shape[1] // 2:]
            if var.size and var.min() < 0:
                raise ValueError(
                    f"GaussianNLL: the variance half of y_pred holds negative values (down to "
                    f"{var.min():.4g}); a variance is >= 0. gn.layers.GaussianHead(k) makes it "
                    f"softplus(z) + min_variance. {_TORCH_ORDER}")
        return y_pred, self._options()

    def _options(self) -> dict[str, Any]:
        return {"full": self.full, "eps": self.eps}

    def get_config(self) -> dict[str, Any]:
        return {"full": self.full, "eps": self.eps, "reduction": self.reduction}


class _Pinball(_Reduce):
    name = "pinball"

    @staticmethod
    def forward(ctx: Any, y_pred: np.ndarray, target: np.ndarray, weights: Any, reduction: str,
                quantiles: tuple[float, ...]) -> np.ndarray:
        n, k = target.shape
        q = np.repeat(np.asarray(quantiles, dtype=y_pred.dtype), k)
        u = np.tile(target, len(quantiles)) - y_pred
        below = u < 0
        ctx.slope, ctx.shape = below - q, u.shape
        elements = u * (q - below)
        return _Reduce.reduce(ctx, elements, weights, reduction)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        return ((_Reduce.upstream(ctx, grad, ctx.shape) * ctx.slope).astype(ctx.slope.dtype, copy=False),)


@LOSSES.register("pinball", "quantile", "pinball_loss")
class Pinball(Loss):
    """Pinball (quantile) loss of predicted quantiles, summed over the quantile levels as one
    mean: minimizing it makes the prediction for level q the q-quantile of y given x.

    With u = y - y_hat_q, the residual of the prediction for level q:

    .. math::

        \\rho_q(u) = \\max(q u, (q - 1) u) = u\\,(q - \\mathbb{1}[u < 0]), \\qquad
        \\frac{\\partial \\rho_q}{\\partial \\hat y_q} = \\mathbb{1}[\\hat y_q > y] - q

    (at y_hat_q = y the gradient taken is -q).

    Shape: y_pred (N, m k), column block i (``[:, i*k:(i+1)*k]``) predicting quantile
    ``quantiles[i]``, the layout of :class:`~glassnet.layers.QuantileHead`; y_true (N, k).

    Parameters
    ----------
    quantiles : sequence of float in (0, 1), or one float; default (0.05, 0.5, 0.95)
        Increasing; the same as the model's QuantileHead (``compile`` checks it).
    reduction : {"mean", "sum", "none"}, default "mean"
        "mean" averages over the N m k elements; "none" gives one value per sample.

    References
    ----------
    Koenker and Bassett, "Regression quantiles", Econometrica 46 (1978).

    Examples
    --------
    >>> Pinball(quantiles=(0.25, 0.75))(np.array([[0.0, 2.0]]), np.array([[1.0]])).item()
    0.25
    """

    function = _Pinball

    def __init__(self, quantiles: Sequence[float] = (0.05, 0.5, 0.95),
                 reduction: str | None = "mean") -> None:
        super().__init__(reduction)
        self.quantiles = check_quantiles("Pinball", quantiles)

    def _target(self, y_pred: np.ndarray, y_true: Any) -> np.ndarray:
        m = len(self.quantiles)
        advice = (f"Pinball with {m} quantiles {list(self.quantiles)} reads a QuantileHead output: end the "
                  f"model with gn.layers.QuantileHead({list(self.quantiles)}, units=k) for k targets")
        return _blocks_target("Pinball", y_pred, y_true, m, advice)

    def targets_per_sample(self, output_shape: tuple[int, ...]) -> int:
        """k targets for an output of m k values: one block per quantile."""
        return int(np.prod(output_shape)) // len(self.quantiles)

    def _options(self) -> dict[str, Any]:
        return {"quantiles": self.quantiles}

    def get_config(self) -> dict[str, Any]:
        return {"quantiles": list(self.quantiles), "reduction": self.reduction}
