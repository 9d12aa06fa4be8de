"""Transposed convolution: the adjoint of :func:`glassnet.ops.conv.conv2d` with respect to its input.

A transposed convolution (sometimes called a deconvolution) spreads every input pixel over
a kh x kw patch of the output, weighted by the kernel:

.. math::

    y_{n,o,\\; s_h i + d_h u - p_t,\\; s_w j + d_w v - p_l} \\mathrel{+}= x_{n,c,i,j}\\, W_{c,o,u,v},
    \\qquad y_{n,o} \\mathrel{+}= b_o

This is exactly what the backward pass of a convolution does to its delta, so the three
computations are the convolution's own, swapped: the forward pass is col2im of
``W_mat^T @ x`` onto the output grid, dE/dx is the convolution of dE/dy with the same
kernel, and dE/dW is ``x_mat @ im2col(dE/dy)^T``. W has PyTorch's layout
(in_channels, out_channels, kh, kw).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet._parallel import one_blas_thread
from glassnet.function import Function
from glassnet.ops._window import (
    Geometry,
    as_tensor,
    check_ndim,
    from_cnhw,
    pad_cnhw,
    pair,
    to_cnhw,
    unpad_cnhw,
)
from glassnet.ops.conv import _chunks, _col2im, _Columns, _products, _weight_grad
from glassnet.tensor import Tensor

__all__ = ["ConvTranspose2d", "conv_transpose2d", "transpose_geometry"]


def _axis(size: int, kernel: int, stride: int, dilation: int, padding: Any,
          output_padding: int | None) -> tuple[int, int, int]:
    """(crop before, output size, grid size) along one axis.

    The full output of an input of ``size`` spans (size - 1) s + d (k - 1) + 1 positions; the
    padding crops it. "valid" and "same" are Keras's: "same" gives size * s outputs, "valid"
    size * s + max(extent - s, 0); an explicit ``output_padding`` follows Keras's formula
    (for "same" the crop is extent // 2). An int padding p is PyTorch's: p cropped on both
    sides, then ``output_padding`` extra positions at the end.
    """
    extent = dilation * (kernel - 1) + 1
    full = (size - 1) * stride + extent
    if padding == "same" and output_padding is None:
        out, before = size * stride, max(extent - stride, 0) // 2
    elif padding == "valid" and output_padding is None:
        out, before = max(full, size * stride), 0
    else:
        before = extent // 2 if padding == "same" else (0 if padding == "valid" else padding)
        out = full - 2 * before + (output_padding or 0)
    return before, out, max(full, before + out)


def transpose_geometry(spatial: tuple[int, int], kernel: tuple[int, int], stride: tuple[int, int],
                       padding: str | tuple[int, int], output_padding: tuple[int, int] | None,
                       dilation: tuple[int, int],
                       op: str = "conv_transpose2d") -> tuple[Geometry, tuple[int, int]]:
    """The geometry of the convolution this op is the adjoint of, and the output size (Ho, Wo).

    The returned Geometry slides the kernel over the output grid (the output plus its crops)
    and has the input's size as its ``out``; its ``pads`` are the crops (before, after).
    """
    pads, sizes = [], []
    for axis in range(2):
        if output_padding is not None and not (output_padding[axis] < max(stride[axis], dilation[axis])):
            raise ValueError(
                f"{op}: output_padding must be smaller than the stride or the dilation on each axis, "
                f"got output_padding={output_padding} with stride={stride} and dilation={dilation}"
            )
        p = padding if isinstance(padding, str) else padding[axis]
        op_axis = None if output_padding is None else output_padding[axis]
        before, out, grid = _axis(spatial[axis], kernel[axis], stride[axis], dilation[axis], p, op_axis)
        if out < 1:
            raise ValueError(f"{op}: padding {padding!r} crops the whole output of an input of size "
                             f"{spatial} (output size {out}); use less padding")
        pads.append((before, grid - before - out))
        sizes.append(out)
    geo = Geometry(kernel, stride, dilation, (pads[0], pads[1]), (spatial[0], spatial[1]))
    return geo, (sizes[0], sizes[1])


def _check(x: np.ndarray, W: np.ndarray, b: np.ndarray | None) -> None:
    check_ndim(x, 4, "conv_transpose2d")
    if W.ndim != 4 or W.shape[0] != x.shape[1]:
        raise ValueError(
            f"conv_transpose2d: W must have shape (in_channels, out_channels, kh, kw) with in_channels "
            f"= {x.shape[1]} (the input's channels, input shape {x.shape}), got shape {W.shape}"
        )
    if b is not None and b.shape != (W.shape[1],):
        raise ValueError(f"conv_transpose2d: b must have shape ({W.shape[1]},) (one per output channel), "
                         f"got {b.shape}")


class ConvTranspose2d(Function):
    """Transposed 2-D convolution of x (N, C, H, W) with W (C, O, kh, kw), plus b (O,).

    With delta = dE/dy: dE/dx = conv2d(delta, W) (W read as (filters=C, channels=O)),
    dE/dW = x_mat @ im2col(delta)^T, dE/db_o = sum_{n,i,j} delta_{n,o,i,j}.
    Options: ``stride``, ``dilation`` (pairs), ``padding`` ("valid", "same" or a pair),
    ``output_padding`` (a pair or None); see :func:`transpose_geometry`.
    """

    name = "conv_transpose2d"

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, W: np.ndarray, b: np.ndarray | None = None, *,
                stride: tuple[int, int] = (1, 1), padding: Any = (0, 0),
                output_padding: tuple[int, int] | None = None,
                dilation: tuple[int, int] = (1, 1)) -> np.ndarray:
        _check(x, W, b)
        geo, (ho, wo) = transpose_geometry(x.shape[2:], W.shape[2:], stride, padding, output_padding,
                                           dilation)
        (top, bottom), (left, right) = geo.pads
        C, O = W.shape[:2]
        grid = (O, x.shape[0], top + ho + bottom, left + wo + right)
        W_mat = W.reshape(C, -1)
        with one_blas_thread():
            chunks = _chunks(x.shape[0], W_mat.shape[1], x.shape[2] * x.shape[3], x.itemsize, C)
            yp = _col2im(x, W_mat, geo, grid, chunks)
        y = unpad_cnhw(yp, geo.pads, (ho, wo))
        if b is not None:
            y = y + b[:, None, None]
        if ctx.needs_input_grad:
            ctx.x, ctx.W_mat, ctx.geo, ctx.w_shape = x, W_mat, geo, W.shape
        return y

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        needs, x, W_mat, geo = ctx.needs_input_grad, ctx.x, ctx.W_mat, ctx.geo
        N, (h, w) = x.shape[0], geo.out
        gx = gW = None
        with one_blas_thread():
            gp = pad_cnhw(to_cnhw(grad), geo.pads)
            columns = _Columns(gp, geo)
            chunks = _chunks(N, columns.rows, columns.per_sample, grad.itemsize, W_mat.shape[0])
            if needs[0]:
                z = _products(W_mat, columns, chunks, grad.dtype)
                gx = from_cnhw(z.reshape(W_mat.shape[0], N, h, w))
            if needs[1]:
                gW = _weight_grad(columns, x, chunks).T.reshape(ctx.w_shape)
        if len(needs) == 2:
            return gx, gW
        return gx, gW, (to_cnhw(grad).sum(axis=(1, 2, 3)) if needs[2] else None)


def _padding(padding: Any) -> str | tuple[int, int]:
    if isinstance(padding, str):
        if padding.lower() not in ("valid", "same"):
            raise ValueError(f"conv_transpose2d: padding must be 'valid', 'same', an int or a pair of ints, "
                             f"got {padding!r}")
        return padding.lower()
    return pair(padding, "padding", "conv_transpose2d", minimum=0)


def conv_transpose2d(x: Any, W: Any, b: Any = None, stride: int | tuple[int, int] = 1,
                     padding: str | int | tuple[int, int] = 0,
                     output_padding: int | tuple[int, int] | None = None,
                     dilation: int | tuple[int, int] = 1) -> Tensor:
    """Transposed 2-D convolution, as PyTorch's ``conv_transpose2d`` (``groups=1``).

    Shape: x (N, C, H, W), W (C, O, kh, kw), b (O,) -> y (N, O, Ho, Wo) with
    Ho = (H - 1) s_h - 2 p_h + d_h (kh - 1) + output_padding_h + 1 for an int padding;
    "same" gives H s_h and "valid" H s_h + max(d_h (kh - 1) + 1 - s_h, 0), as Keras.

    Parameters
    ----------
    x, W, b : Tensor or array_like
        Images (channels first), kernels (PyTorch's layout) and the optional bias.
    stride, dilation : int or (int, int), default 1
    padding : "valid", "same", int or (int, int), default 0
        Rows and columns cropped from each side of the full output.
    output_padding : int or (int, int), optional
        Positions added at the end of each axis (smaller than the stride or the dilation).

    Returns
    -------
    Tensor of shape (N, O, Ho, Wo).

    Examples
    --------
    >>> conv_transpose2d(np.ones((1, 1, 2, 2)), np.ones((1, 1, 2, 2)), stride=2).shape
    (1, 1, 4, 4)
    """
    x = as_tensor(x)
    inputs = [x, as_tensor(W, x)] + ([] if b is None else [as_tensor(b, x)])
    extra = None if output_padding is None else pair(output_padding, "output_padding", "conv_transpose2d", 0)
    return ConvTranspose2d.apply(
        *inputs, stride=pair(stride, "stride", "conv_transpose2d"), padding=_padding(padding),
        output_padding=extra, dilation=pair(dilation, "dilation", "conv_transpose2d"),
    )
