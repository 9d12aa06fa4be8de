"""Pooling: max_pool2d, avg_pool2d and max_pool1d, with their gradients.

Each window of the input is reduced to one number. Max pooling and its gradient are
kernels of :mod:`glassnet.accel` (compiled, with NumPy code that works tap by tap: for
every kernel position (u, v) one strided view of the padded input holds that tap of every
window at once). Average pooling is computed tap by tap in NumPy. Work is done in
(C, N, H, W) order, like the convolutions, by groups of channels on several threads, and
the result is returned as an (N, C, H, W) view.

Gradients, with delta = dE/dz:

- max pooling sends each window's delta to the element that holds its maximum. Ties are
  resolved as PyTorch does: the *first* maximum of the window in row-major order gets the
  whole delta, the other tied elements get nothing; a window holding NaN gives it to its
  last NaN. Overlapping windows add up.
- average pooling spreads each window's delta evenly: every element of the window gets
  delta / (kh kw). With padding, the padded zeros count in the average
  (``count_include_pad=True``, PyTorch's default), so the divisor is always kh kw.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from glassnet import _parallel
from glassnet.accel.windows import index_type, max_pool, max_pool_grad
from glassnet.accel.windows import taps as taps_of
from glassnet.function import Function
from glassnet.ops._window import (
    Geometry,
    as_int,
    as_tensor,
    check_ndim,
    conv_geometry,
    from_cnhw,
    pad_cnhw,
    pair,
    refuse_torch_options,
    to_cnhw,
    unpad_cnhw,
)
from glassnet.ops.reduce import Mean
from glassnet.tensor import Tensor

__all__ = [
    "MaxPool2d", "AvgPool2d", "MaxPool1d", "max_pool2d", "avg_pool2d", "max_pool1d",
    "global_avg_pool2d", "pool_geometry",
]


def pool_geometry(shape: tuple[int, ...], kernel: tuple[int, int], stride: tuple[int, int],
                  padding: tuple[int, int], dilation: tuple[int, int], op: str) -> Geometry:
    """Window sizes of a pooling op; padding may be at most half the pool size (as PyTorch)."""
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        raise ValueError(
            f"{op}: padding {padding} is more than half the pool size {kernel}; every window "
            "must hold at least one input element (use padding <= pool_size // 2)"
        )
    return conv_geometry(shape[2:], kernel, stride, padding, dilation, op)


def _by_groups(fn: Callable[[slice], None], count: int, work: int) -> None:
    """``fn(group)`` for slices that cover ``range(count)`` (channels; ``work`` element
    visits in all), on the threads the work deserves. One group per thread; three per
    thread when there are several, so that a thread slowed down by another process takes
    fewer. Each group writes only its own rows of the outputs."""
    threads = _parallel.threads_for(work)
    if threads == 1:
        fn(slice(0, count))
        return
    parts = min(count, 3 * threads)
    bounds = [count * k // parts for k in range(parts + 1)]
    groups = [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    _parallel.run(lambda k: fn(groups[k]), parts, threads)


def _max_forward(ctx: Any, x: np.ndarray, geo: Geometry) -> np.ndarray:
    """Max pooling over the windows of x padded with -inf, by groups of channels; records
    each window's first maximum when the gradient is needed."""
    xp = pad_cnhw(to_cnhw(x), geo.pads, fill=-np.inf)
    out = np.empty((*xp.shape[:2], *geo.out), dtype=xp.dtype)
    index = np.empty(out.shape, dtype=index_type(geo.kernel[0] * geo.kernel[1])) \
        if ctx.needs_input_grad else None
    _by_groups(lambda group: max_pool(xp, geo, out, index, group), xp.shape[0],
               out.size * geo.kernel[0] * geo.kernel[1])
    if index is not None:
        if geo.pads != ((0, 0), (0, 0)):
            _skip_padding(index, out, geo)
        ctx.index, ctx.geo, ctx.shape, ctx.padded_shape = index, geo, x.shape, xp.shape
    return from_cnhw(out)


def _skip_padding(index: np.ndarray, out: np.ndarray, geo: Geometry) -> None:
    """Record the first tap inside the input for the windows whose maximum is -inf: their
    first tap may be padding, which would lose the window's delta (PyTorch gives it to the
    window's first input element)."""
    low = out == -np.inf
    if not low.any():
        return
    (sh, sw), (dh, dw), ((top, _), (left, _)), (ho, wo) = geo.stride, geo.dilation, geo.pads, geo.out
    rows = np.maximum(0, -((np.arange(ho) * sh - top) // dh))  # first tap row inside the input
    cols = np.maximum(0, -((np.arange(wo) * sw - left) // dw))
    np.copyto(index, (rows[:, None] * geo.kernel[1] + cols).astype(index.dtype), where=low)


def _max_backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
    """Route each window's delta to its first maximum in row-major order."""
    geo, delta = ctx.geo, to_cnhw(grad)
    dxp = np.empty(ctx.padded_shape, dtype=grad.dtype)
    _by_groups(lambda group: max_pool_grad(delta, ctx.index, dxp, geo, group), dxp.shape[0],
               delta.size * geo.kernel[0] * geo.kernel[1])
    return unpad_cnhw(dxp, geo.pads, ctx.shape[2:])


def _avg_forward(ctx: Any, x: np.ndarray, geo: Geometry) -> np.ndarray:
    xp = pad_cnhw(to_cnhw(x), geo.pads, fill=0.0)
    taps = taps_of(geo)
    out = np.empty((*xp.shape[:2], *geo.out), dtype=xp.dtype)

    def average(group: slice) -> None:
        part, total = xp[group], out[group]
        np.copyto(total, part[taps[0]])
        for tap in taps[1:]:
            np.add(total, part[tap], out=total)
        total *= out.dtype.type(1.0 / len(taps))

    _by_groups(average, xp.shape[0], out.size * len(taps))
    if ctx.needs_input_grad:
        ctx.padded_shape, ctx.geo, ctx.shape = xp.shape, geo, x.shape
    return from_cnhw(out)


def _avg_backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
    """Spread each window's delta evenly over its kh kw elements (padding included)."""
    geo = ctx.geo
    taps = taps_of(geo)
    share = to_cnhw(grad) * grad.dtype.type(1.0 / len(taps))
    dxp = np.zeros(ctx.padded_shape, dtype=grad.dtype)

    def spread(group: slice) -> None:
        part, s = dxp[group], share[group]
        for tap in taps:
            part[tap] += s

    _by_groups(spread, dxp.shape[0], share.size * len(taps))
    return unpad_cnhw(dxp, geo.pads, ctx.shape[2:])


class MaxPool2d(Function):
    """Max pooling of x (N, C, H, W):  z_{n,c,i,j} = max_{u,v} x_{n,c,\\,s_h i + d_h u - p_h,\\,
    s_w j + d_w v - p_w}.

    dE/dx gets each window's delta at the window's first maximum (row-major order), or its
    last NaN, as PyTorch; padding is -inf and never gets a delta. Options are pairs:
    ``kernel``, ``stride``, ``padding`` (at most half the kernel) and ``dilation``.
    """

    name = "max_pool2d"
    saves_values = False

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, *, kernel: tuple[int, int], stride: tuple[int, int],
                padding: tuple[int, int] = (0, 0),
                dilation: tuple[int, int] = (1, 1)) -> np.ndarray:
        check_ndim(x, 4, "max_pool2d")
        geo = pool_geometry(x.shape, kernel, stride, padding, dilation, "max_pool2d")
        return _max_forward(ctx, x, geo)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        return (_max_backward(ctx, grad),)


class AvgPool2d(Function):
    """Average pooling of x (N, C, H, W):  z_{n,c,i,j} = (1 / (kh kw)) sum_{u,v}
    x_{n,c,\\,s_h i + u - p_h,\\, s_w j + v - p_w}.

    dE/dx_{window} += delta / (kh kw). Padded zeros count in the average
    (``count_include_pad=True``, PyTorch's default). Options are pairs: ``kernel``,
    ``stride``, ``padding`` (at most half the kernel).
    """

    name = "avg_pool2d"
    saves_values = False

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, *, kernel: tuple[int, int], stride: tuple[int, int],
                padding: tuple[int, int] = (0, 0)) -> np.ndarray:
        check_ndim(x, 4, "avg_pool2d")
        geo = pool_geometry(x.shape, kernel, stride, padding, (1, 1), "avg_pool2d")
        return _avg_forward(ctx, x, geo)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        return (_avg_backward(ctx, grad),)


class MaxPool1d(Function):
    """Max pooling of signals x (N, C, L):  z_{n,c,i} = max_u x_{n,c,\\,s i + d u - p}.

    Same rule as :class:`MaxPool2d` (first maximum wins ties), on a height-1 image;
    options are single ints.
    """

    name = "max_pool1d"
    saves_values = False

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, *, kernel: int, stride: int, padding: int = 0,
                dilation: int = 1) -> np.ndarray:
        check_ndim(x, 3, "max_pool1d")
        x4 = x[:, :, None, :]
        geo = pool_geometry(x4.shape, (1, kernel), (1, stride), (0, padding), (1, dilation),
                            "max_pool1d")
        return _max_forward(ctx, x4, geo)[:, :, 0, :]

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        return (_max_backward(ctx, grad[:, :, None, :])[:, :, 0, :],)


def _pool_args(op: str, kernel_size: Any, stride: Any, padding: Any) -> dict[str, Any]:
    kernel = pair(kernel_size, "kernel_size", op)
    return {
        "kernel": kernel,
        "stride": kernel if stride is None else pair(stride, "stride", op),
        "padding": pair(padding, "padding", op, minimum=0),
    }


def max_pool2d(x: Any, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None,
               padding: int | tuple[int, int] = 0, dilation: int | tuple[int, int] = 1,
               ceil_mode: bool = False, return_indices: bool = False) -> Tensor:
    """Max pooling: the largest value of each kh x kw window.

    .. math::

        z_{n,c,i,j} = \\max_{0 \\le u < k_h,\\, 0 \\le v < k_w}
            x_{n,\\,c,\\; s_h i + d_h u - p_h,\\; s_w j + d_w v - p_w}

    The gradient of a window goes entirely to its first maximum in row-major order, or to
    its last NaN (as PyTorch); padding is -inf and never gets a delta.

    Parameters
    ----------
    x : Tensor or array_like of shape (N, C, H, W)
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size`` (non-overlapping windows).
    padding : int or (int, int), default 0
        At most half the kernel size.
    dilation : int or (int, int), default 1
    ceil_mode, return_indices : False
        PyTorch's options, not implemented: only False is accepted.

    Returns
    -------
    Tensor of shape (N, C, Ho, Wo), Ho = floor((H + 2 p_h - d_h (kh - 1) - 1) / s_h) + 1.

    Examples
    --------
    >>> max_pool2d([[[[12.0, 20.0], [8.0, 12.0], [34.0, 70.0], [112.0, 100.0]]]], 2).numpy().ravel()
    array([ 20., 112.], dtype=float32)
    """
    refuse_torch_options("max_pool2d", ceil_mode=ceil_mode, return_indices=return_indices)
    args = _pool_args("max_pool2d", kernel_size, stride, padding)
    return MaxPool2d.apply(as_tensor(x), dilation=pair(dilation, "dilation", "max_pool2d"), **args)


def avg_pool2d(x: Any, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None,
               padding: int | tuple[int, int] = 0, ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """Average pooling: the mean of each kh x kw window.

    .. math::

        z_{n,c,i,j} = \\frac{1}{k_h k_w} \\sum_{u,v} x_{n,\\,c,\\; s_h i + u - p_h,\\; s_w j + v - p_w}

    Padded zeros count in the mean (``count_include_pad=True``, PyTorch's default): the
    divisor is always kh kw. Each element of a window receives delta / (kh kw).

    Parameters
    ----------
    x : Tensor or array_like of shape (N, C, H, W)
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size``.
    padding : int or (int, int), default 0
        At most half the kernel size.
    ceil_mode, count_include_pad, divisor_override : False, True, None
        PyTorch's options, accepted only at these values (what is computed).

    Returns
    -------
    Tensor of shape (N, C, Ho, Wo).

    Examples
    --------
    >>> avg_pool2d([[[[1.0, 3.0], [5.0, 7.0]]]], 2).numpy().ravel()
    array([4.], dtype=float32)
    """
    refuse_torch_options("avg_pool2d", ceil_mode=ceil_mode, count_include_pad=count_include_pad,
                         divisor_override=divisor_override)
    return AvgPool2d.apply(as_tensor(x), **_pool_args("avg_pool2d", kernel_size, stride, padding))


def max_pool1d(x: Any, kernel_size: int, stride: int | None = None, padding: int = 0,
               dilation: int = 1, ceil_mode: bool = False, return_indices: bool = False) -> Tensor:
    """Max pooling of signals (N, C, L):  z_{n,c,i} = max_u x_{n,c,\\,s i + d u - p}.

    Ties and padding as :func:`max_pool2d`; ``stride`` defaults to ``kernel_size``.

    Parameters
    ----------
    x : Tensor or array_like
        Signals (N, C, L).
    kernel_size : int
        The window length.
    stride : int, optional
        The step; ``kernel_size`` when None.
    padding : int, default 0
        Positions of -inf added at each end.
    dilation : int, default 1
        The spacing d of the window's taps.
    ceil_mode, return_indices : False
        PyTorch's options, not implemented: only False is accepted.

    Examples
    --------
    >>> max_pool1d([[[1.0, 3.0, 2.0, 2.0]]], 2).numpy()
    array([[[3., 2.]]], dtype=float32)
    """
    refuse_torch_options("max_pool1d", ceil_mode=ceil_mode, return_indices=return_indices)
    kernel = as_int(kernel_size, "kernel_size", "max_pool1d")
    return MaxPool1d.apply(
        as_tensor(x), kernel=kernel,
        stride=kernel if stride is None else as_int(stride, "stride", "max_pool1d"),
        padding=as_int(padding, "padding", "max_pool1d", minimum=0),
        dilation=as_int(dilation, "dilation", "max_pool1d"),
    )


def global_avg_pool2d(x: Any) -> Tensor:
    """The mean of each channel over all positions:  z_{n,c} = (1 / HW) sum_{i,j} x_{n,c,i,j}.

    Shape: (N, C, H, W) -> (N, C). Each position receives delta / (H W).

    Parameters
    ----------
    x : Tensor or array_like
        Images (N, C, H, W).

    Examples
    --------
    >>> global_avg_pool2d(np.arange(8, dtype=np.float32).reshape(1, 2, 2, 2)).numpy()
    array([[1.5, 5.5]], dtype=float32)
    """
    x = as_tensor(x)
    check_ndim(x.data, 4, "global_avg_pool2d")
    return Mean.apply(x, axis=(2, 3), keepdims=False)
