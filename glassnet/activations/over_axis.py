"""Activations over an axis: softmax and log-softmax turn a row of scores into (log-)probabilities."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.activations._arrays import _log_softmax, _softmax
from glassnet.function import Function
from glassnet.ops._axis import axis_index, axis_or_dim
from glassnet.tensor import Tensor

__all__ = ["softmax", "log_softmax", "Softmax", "LogSoftmax"]


class Softmax(Function):
    """g(z)_i = e^{z_i} / sum_j e^{z_j} over ``axis`` (shifted by the max, so stable);
    dg_i/dz_j = g_i (1[i = j] - g_j), so dE/dz = g * (dE/dg - sum(dE/dg * g)).

    Examples
    --------
    >>> z = gn.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    >>> p = gn.activations.Softmax.apply(z, axis=-1)
    >>> print(p.numpy())
    [[0.09   0.2447 0.6652]]
    >>> (p * gn.tensor([[1.0, 0.0, 0.0]])).sum().backward()
    >>> print(z.grad)
    [[ 0.0819 -0.022  -0.0599]]
    """

    name = "softmax"

    @staticmethod
    def forward(ctx: Any, z: np.ndarray, axis: int = -1) -> np.ndarray:
        ctx.a, ctx.axis = _softmax(z, axis=axis), axis
        return ctx.a

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        a = ctx.a
        return (a * (grad - (grad * a).sum(axis=ctx.axis, keepdims=True)),)


class LogSoftmax(Function):
    """g(z)_i = z_i - ln sum_j e^{z_j} over ``axis`` (stable);
    dE/dz = dE/dg - softmax(z) * sum(dE/dg).

    Examples
    --------
    >>> z = gn.tensor([[1.0, 2.0, 3.0]])
    >>> print(gn.activations.LogSoftmax.apply(z, axis=-1).numpy())
    [[-2.4076 -1.4076 -0.4076]]
    """

    name = "log_softmax"

    @staticmethod
    def forward(ctx: Any, z: np.ndarray, axis: int = -1) -> np.ndarray:
        log_p, ctx.softmax = _log_softmax(z, axis)
        ctx.axis = axis
        return log_p

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        return (grad - ctx.softmax * grad.sum(axis=ctx.axis, keepdims=True),)


def softmax(z: Tensor, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """g(z)_i = e^{z_i} / sum_j e^{z_j};  dg_i/dz_j = g_i (1[i = j] - g_j).

    Over ``axis`` (the last by default); ``dim=`` is PyTorch's name for it.

    Parameters
    ----------
    z : Tensor
        The scores (logits).
    axis : int, default -1
        The axis whose entries sum to 1.
    dim : int, optional
        PyTorch's name for ``axis``.

    Returns
    -------
    Tensor
        Probabilities, the shape of ``z``.

    Examples
    --------
    >>> p = gn.activations.softmax(gn.tensor([[1.0, 2.0, 3.0]]))
    >>> print(p.numpy(), p.numpy().sum())
    [[0.09   0.2447 0.6652]] 1.0
    """
    axis = axis_or_dim(axis, dim, "softmax", default=-1)
    axis_index(axis, z.ndim, "softmax")
    return Softmax.apply(z, axis=axis)


def log_softmax(z: Tensor, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """g(z)_i = z_i - ln sum_j e^{z_j};  dg_i/dz_j = 1[i = j] - softmax(z)_j.

    Over ``axis`` (the last by default); ``dim=`` is PyTorch's name for it.

    Parameters
    ----------
    z : Tensor
        The scores (logits).
    axis : int, default -1
        The axis over which the probabilities sum to 1.
    dim : int, optional
        PyTorch's name for ``axis``.

    Returns
    -------
    Tensor
        Log-probabilities, the shape of ``z``.

    Examples
    --------
    >>> print(gn.activations.log_softmax(gn.tensor([[1.0, 2.0, 3.0]])).numpy())
    [[-2.4076 -1.4076 -0.4076]]
    """
    axis = axis_or_dim(axis, dim, "log_softmax", default=-1)
    axis_index(axis, z.ndim, "log_softmax")
    return LogSoftmax.apply(z, axis=axis)
