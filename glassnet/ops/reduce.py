"""Reductions: sum, mean, max, logsumexp over an axis (or all), with ``keepdims``."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.function import Function
from glassnet.ops._axis import axes_tuple

__all__ = ["Sum", "Mean", "Max", "LogSumExp"]

Axis = int | tuple[int, ...] | None


def _expand(grad: np.ndarray, axes: tuple[int, ...], keepdims: bool) -> np.ndarray:
    """Put back the reduced axes (as size 1) so that grad broadcasts against the input."""
    return grad if keepdims else np.expand_dims(grad, axes)


class Sum(Function):
    """z = sum_i a_i;  dz/da_i = 1."""

    name = "sum"
    saves_values = False

    @staticmethod
    def forward(ctx: Any, a: np.ndarray, axis: Axis, keepdims: bool) -> np.ndarray:
        ctx.axes, ctx.keepdims, ctx.shape = axes_tuple(axis, a.ndim, Sum.name), keepdims, a.shape
        return np.asarray(a.sum(axis=ctx.axes, keepdims=keepdims))

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        return (np.broadcast_to(_expand(grad, ctx.axes, ctx.keepdims), ctx.shape),)


class Mean(Function):
    """z = (1/n) sum_i a_i;  dz/da_i = 1/n."""

    name = "mean"
    saves_values = False

    @staticmethod
    def forward(ctx: Any, a: np.ndarray, axis: Axis, keepdims: bool) -> np.ndarray:
        ctx.axes, ctx.keepdims, ctx.shape = axes_tuple(axis, a.ndim, Mean.name), keepdims, a.shape
        if a.size == 0:
            raise ValueError(f"mean of an empty tensor (shape {a.shape}) is undefined")
        ctx.count = int(np.prod([a.shape[ax] for ax in ctx.axes]))
        return np.asarray(a.mean(axis=ctx.axes, keepdims=keepdims))

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        g = _expand(grad, ctx.axes, ctx.keepdims) / np.asarray(ctx.count, dtype=grad.dtype)
        return (np.broadcast_to(g, ctx.shape),)


class Max(Function):
    """z = max_i a_i;  dz/da_i = 1 for the maximum, split evenly among ties (as ``torch.amax``)."""

    name = "max"

    @staticmethod
    def forward(ctx: Any, a: np.ndarray, axis: Axis, keepdims: bool) -> np.ndarray:
        if a.size == 0:
            raise ValueError(f"max of an empty tensor (shape {a.shape}) is undefined")
        ctx.axes, ctx.keepdims, ctx.a = axes_tuple(axis, a.ndim, Max.name), keepdims, a
        ctx.out = np.asarray(a.max(axis=ctx.axes, keepdims=True))
        return ctx.out if keepdims else np.squeeze(ctx.out, axis=ctx.axes)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        mask = ctx.a == ctx.out
        share = mask / mask.sum(axis=ctx.axes, keepdims=True)
        return ((_expand(grad, ctx.axes, ctx.keepdims) * share).astype(grad.dtype, copy=False),)


class LogSumExp(Function):
    """z = ln sum_i e^(a_i), computed stably as m + ln sum_i e^(a_i - m) with m = max_i a_i;
    dz/da_i = softmax(a)_i."""

    name = "logsumexp"
    saves_values = False

    @staticmethod
    def forward(ctx: Any, a: np.ndarray, axis: Axis, keepdims: bool) -> np.ndarray:
        ctx.axes, ctx.keepdims = axes_tuple(axis, a.ndim, LogSumExp.name), keepdims
        m = a.max(axis=ctx.axes, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)
        e = np.exp(a - m)
        s = e.sum(axis=ctx.axes, keepdims=True)
        ctx.softmax = e / s
        out = np.log(s) + m
        return out if keepdims else np.squeeze(out, axis=ctx.axes)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        return (_expand(grad, ctx.axes, ctx.keepdims) * ctx.softmax,)
