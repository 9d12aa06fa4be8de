"""Euclidean distances between the rows of two matrices: the radial basis layer's input."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.function import Function
from glassnet.tensor import Tensor

__all__ = ["Distance", "cdist"]


class Distance(Function):
    """r_ij = ||x_i - c_j||, the distance of sample i to centre j.

    .. math::

        r_{ij} = \\sqrt{\\textstyle\\sum_d (x_{id} - c_{jd})^2},\\qquad
        \\frac{\\partial r_{ij}}{\\partial x_i} = \\frac{x_i - c_j}{r_{ij}}
        = -\\frac{\\partial r_{ij}}{\\partial c_j}

    Shapes: x (N, D), c (K, D) -> r (N, K). At r = 0 the distance has no derivative; the
    gradient is taken as 0 there (as ``torch.cdist``), which is exact for every even radial
    function of r (Gaussian, multiquadric) since their derivative at 0 vanishes. The
    differences are formed directly (not as |x|^2 - 2 x.c + |c|^2, which cancels badly for
    nearby points), using N K D memory.
    """

    name = "distance"

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, c: np.ndarray) -> np.ndarray:
        if x.ndim != 2 or c.ndim != 2 or x.shape[1] != c.shape[1]:
            raise ValueError(f"distance: x must be (N, D) and c (K, D) with the same D, got shapes "
                             f"{x.shape} and {c.shape}")
        diff = x[:, None, :] - c[None, :, :]
        r = np.sqrt(np.einsum("nkd,nkd->nk", diff, diff))
        ctx.x, ctx.c, ctx.r = x, c, r
        return r

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        r = ctx.r
        scaled = np.divide(grad, r, out=np.zeros_like(grad), where=r > 0)  # dE/dr_ij / r_ij
        gx = gc = None
        if ctx.needs_input_grad[0]:
            gx = scaled.sum(axis=1)[:, None] * ctx.x - scaled @ ctx.c
        if ctx.needs_input_grad[1]:
            gc = scaled.sum(axis=0)[:, None] * ctx.c - scaled.T @ ctx.x
        return gx, gc


def cdist(x: Tensor, c: Tensor) -> Tensor:
    """The Euclidean distances ||x_i - c_j|| of the rows of x (N, D) to those of c (K, D): (N, K).

    Examples
    --------
    >>> import glassnet as gn
    >>> cdist(gn.tensor([[0.0, 0.0], [3.0, 4.0]]), gn.tensor([[0.0, 0.0]])).numpy()
    array([[0.],
           [5.]], dtype=float32)
    """
    return Distance.apply(x, c)
