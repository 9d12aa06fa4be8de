"""Upsampling of images by integer factors: nearest neighbour and bilinear.

Nearest repeats every pixel s_h x s_w times. Bilinear interpolation, as PyTorch's
``interpolate(mode="bilinear", align_corners=False)`` and Keras's ``UpSampling2D``, reads
output row i at the source position

.. math::

    r = \\max\\left(\\frac{i + 1/2}{s_h} - \\frac12,\\; 0\\right), \\qquad
    y_i = (1 - \\lambda)\\, x_{\\lfloor r \\rfloor}
        + \\lambda\\, x_{\\min(\\lfloor r \\rfloor + 1,\\, H - 1)},
    \\quad \\lambda = r - \\lfloor r \\rfloor

(likewise along the columns). Both are linear maps of x: y = A_h x A_w^T, so the gradient is
dE/dx = A_h^T delta A_w, with A the (H s, H) interpolation matrix of each axis.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.function import Function
from glassnet.ops._window import as_tensor, check_ndim, pair
from glassnet.tensor import Tensor

__all__ = ["Upsample2d", "upsample2d", "INTERPOLATIONS"]

INTERPOLATIONS = ("nearest", "bilinear")


def interpolation_matrix(size: int, scale: int, dtype: Any) -> np.ndarray:
    """The (size * scale, size) matrix of bilinear interpolation along one axis."""
    out = np.arange(size * scale)
    source = np.maximum((out + 0.5) / scale - 0.5, 0.0)
    low = np.floor(source).astype(np.intp)
    high = np.minimum(low + 1, size - 1)
    weight = source - low
    A = np.zeros((size * scale, size), dtype=dtype)
    np.add.at(A, (out, low), 1.0 - weight)
    np.add.at(A, (out, high), weight)
    return A


class Upsample2d(Function):
    """Images x (N, C, H, W) -> (N, C, H s_h, W s_w), by ``interpolation`` "nearest" or "bilinear".

    Nearest: dE/dx sums delta over each s_h x s_w block. Bilinear: dE/dx = A_h^T delta A_w.
    """

    name = "upsample2d"

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, *, size: tuple[int, int] = (2, 2),
                interpolation: str = "nearest") -> np.ndarray:
        check_ndim(x, 4, "upsample2d")
        sh, sw = size
        ctx.size, ctx.interpolation = size, interpolation
        if interpolation == "nearest":
            return x.repeat(sh, axis=2).repeat(sw, axis=3)
        A_h = interpolation_matrix(x.shape[2], sh, x.dtype)
        A_w = interpolation_matrix(x.shape[3], sw, x.dtype)
        ctx.A_h, ctx.A_w = A_h, A_w
        return A_h @ x @ A_w.T

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        (sh, sw), (N, C, Ho, Wo) = ctx.size, grad.shape
        if ctx.interpolation == "nearest":
            return (grad.reshape(N, C, Ho // sh, sh, Wo // sw, sw).sum(axis=(3, 5)),)
        return (ctx.A_h.T @ grad @ ctx.A_w,)


def upsample2d(x: Any, size: int | tuple[int, int] = 2, interpolation: str = "nearest") -> Tensor:
    """Upsample images (N, C, H, W) by integer factors.

    Parameters
    ----------
    x : Tensor or array_like
        Images, channels first.
    size : int or (int, int), default 2
        The factors (s_h, s_w).
    interpolation : "nearest" or "bilinear", default "nearest"
        As PyTorch's ``interpolate`` (bilinear with ``align_corners=False``) and Keras's
        ``UpSampling2D``.

    Returns
    -------
    Tensor of shape (N, C, H s_h, W s_w).

    Examples
    --------
    >>> upsample2d(np.array([[[[1.0, 2.0]]]]), size=(1, 2)).numpy()
    array([[[[1., 1., 2., 2.]]]])
    """
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"upsample2d: interpolation must be one of {INTERPOLATIONS}, got {interpolation!r}")
    return Upsample2d.apply(as_tensor(x), size=pair(size, "size", "upsample2d"), interpolation=interpolation)
