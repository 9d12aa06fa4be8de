"""Matrix products: matmul and the fused affine map of a dense layer, z = a W + b."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from glassnet.function import Function, unbroadcast

__all__ = ["MatMul", "Linear"]


def _matmul_error(a: np.ndarray, b: np.ndarray) -> ValueError:
    return ValueError(
        f"matmul: shapes {a.shape} and {b.shape} do not align; the last axis of the first "
        f"({a.shape[-1] if a.ndim else '-'}) must equal the second-to-last axis of the second "
        f"({b.shape[-2] if b.ndim > 1 else (b.shape[0] if b.ndim else '-')})"
    )


@functools.lru_cache(maxsize=16)
def _ones(n: int, dtype: np.dtype) -> np.ndarray:
    """A read-only vector of n ones: ``ones @ delta`` sums a batch through BLAS, faster than
    ``delta.sum(axis=0)``, which reduces along the short axis row by row."""
    ones = np.ones(n, dtype)
    ones.flags.writeable = False
    return ones


def _product(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """x @ y for a 2-D y. With an inner dimension of 1 (one input feature, one output unit
    going back, or one sample) the outer product ``x * y``: the same single product per
    element, without the overhead NumPy's matmul has for that shape. A 2-D x goes through
    ``np.dot``: the same BLAS call as matmul with less dispatch, which counts on a small batch."""
    if y.shape[0] == 1:
        return x * y
    return np.dot(x, y) if x.ndim == 2 else x @ y


class MatMul(Function):
    """Z = A B;  dE/dA = dE/dZ B^T,  dE/dB = A^T dE/dZ (batched and broadcast as NumPy)."""

    name = "matmul"

    @staticmethod
    def forward(ctx: Any, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError(f"matmul needs at least 1-D operands, got shapes {a.shape} and {b.shape}")
        ctx.a, ctx.b = a, b
        try:
            return np.matmul(a, b)
        except ValueError:
            raise _matmul_error(a, b) from None

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        a, b = ctx.a, ctx.b
        need_a, need_b = ctx.needs_input_grad
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        g = grad
        if b.ndim == 1:  # restore the column axis first: for 1-D @ 1-D, grad is 0-d
            g = np.expand_dims(g, -1)
        if a.ndim == 1:
            g = np.expand_dims(g, -2)
        ga = gb = None
        if need_a:
            ga = np.matmul(g, np.swapaxes(b2, -1, -2))
            ga = unbroadcast(ga, a2.shape).reshape(a.shape)
        if need_b:
            gb = np.matmul(np.swapaxes(a2, -1, -2), g)
            gb = unbroadcast(gb, b2.shape).reshape(b.shape)
        return ga, gb


class Linear(Function):
    """The dense layer's affine map, fused: z = a W + b.

    .. math::

        \\delta = \\frac{\\partial E}{\\partial z},\\quad
        \\frac{\\partial E}{\\partial a} = \\delta W^T,\\quad
        \\frac{\\partial E}{\\partial W} = a^T \\delta,\\quad
        \\frac{\\partial E}{\\partial b} = \\sum_{samples} \\delta

    Shapes: a (N, in), W (in, out), b (out,) -> z (N, out). One node instead of two keeps
    the per-layer overhead small; the input gradient is skipped when the input needs none.
    """

    name = "linear"

    @staticmethod
    def forward(ctx: Any, a: np.ndarray, W: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:  # noqa: N803
        if a.ndim < 1 or a.shape[-1] != W.shape[0]:
            raise ValueError(
                f"linear: input of shape {a.shape} has {a.shape[-1] if a.ndim else 0} features but "
                f"W of shape {W.shape} expects {W.shape[0]}"
            )
        ctx.a, ctx.W = a, W
        z = _product(a, W)
        if b is not None:
            z += b
        return z

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        needs = ctx.needs_input_grad
        a, W = ctx.a, ctx.W
        ga = _product(grad, W.T) if needs[0] else None
        if a.ndim != 2:
            a, grad = a.reshape(-1, a.shape[-1]), grad.reshape(-1, grad.shape[-1])
        gW = _product(a.T, grad) if needs[1] else None
        if len(needs) == 2:
            return ga, gW
        return ga, gW, (np.dot(_ones(grad.shape[0], grad.dtype), grad) if needs[2] else None)
