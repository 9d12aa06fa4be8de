"""Pooling: max_pool2d, avg_pool2d and max_pool1d, with their gradients.

Each window of the input is reduced to one number. The reduction is computed tap by tap:
for every kernel position (u, v) one strided view of the (padded) input holds that tap of
every window at once, so a k x k pool is k*k whole-array NumPy calls, never a loop over
samples or pixels. Max pooling over windows that tile the image (stride == pool size,
no padding: the usual 2 x 2 pooling) takes a faster path of two passes over long strided
views. Work is done in (C, N, H, W) order, like the convolutions, and the result is
returned as an (N, C, H, W) view.

Gradients, with delta = dE/dz:

- max pooling sends each window's delta to the element that holds its maximum. Ties are
  resolved as PyTorch does: the *first* maximum of the window in row-major order gets the
  whole delta, the other tied elements get nothing. Overlapping windows add up.
- average pooling spreads each window's delta evenly: every element of the window gets
  delta / (kh kw). With padding, the padded zeros count in the average
  (``count_include_pad=True``, PyTorch's default), so the divisor is always kh kw.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import product
from typing import Any

import numpy as np

from glassnet import _parallel
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
    scratch,
    to_cnhw,
    window_slice,
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


def _taps(geo: Geometry) -> list[tuple[slice, ...]]:
    """Index of each kernel tap in row-major order (the tie-breaking order of max pooling)."""
    return [window_slice(geo, i, j) for i, j in product(range(geo.kernel[0]), range(geo.kernel[1]))]


def _unpad(dxp: np.ndarray, geo: Geometry, shape: tuple[int, ...]) -> np.ndarray:
    """The gradient of the unpadded input, as an (N, C, H, W) view."""
    (top, _), (left, _) = geo.pads
    return from_cnhw(dxp[:, :, top:top + shape[2], left:left + shape[3]])


def _first_max(views: list[np.ndarray], out: np.ndarray,
               index: np.ndarray | None = None) -> None:
    """Element-wise maximum of equally shaped views into ``out`` and, given ``index`` (an
    unsigned integer array of out's shape), which view held it.

    The index is the *first* view holding the maximum: a later view wins only when it is
    strictly greater. Views are passed in row-major window order, so ties go to the first
    maximum of the window, as in PyTorch.
    """
    np.copyto(out, views[0])
    for k, view in enumerate(views[1:], start=1):
        if index is not None and k == 1:
            np.greater(view, out, out=index)
        elif index is not None:  # index = k where view wins: k exceeds every earlier index
            np.maximum(index, np.multiply(view > out, index.dtype.type(k)), out=index)
        np.maximum(out, view, out=out)
    if index is not None and len(views) == 1:
        index.fill(0)


def _index_type(taps: int) -> np.dtype:
    return np.min_scalar_type(taps - 1)


def _is_tiling(geo: Geometry) -> bool:
    """Windows that tile the input: stride == pool size, no dilation, no padding."""
    return geo.stride == geo.kernel and geo.dilation == (1, 1) and geo.pads == ((0, 0), (0, 0))


def _by_groups(fn: Callable[[slice], None], count: int, size: int) -> None:
    """``fn(group)`` for slices that cover ``range(count)`` (channels, or (channel, sample)
    planes, of ``size`` element visits each), on the threads the work deserves. One group
    per thread; three per thread when there are several, so that a thread slowed down by
    another process takes fewer. Each group writes only its own rows of the outputs."""
    threads = _parallel.threads_for(count * size)
    if threads == 1:
        fn(slice(0, count))
        return
    parts = min(count, 3 * threads)
    bounds = [count * k // parts for k in range(parts + 1)]
    groups = [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    _parallel.run(lambda k: fn(groups[k]), parts, threads)


def _max_forward(ctx: Any, x: np.ndarray, geo: Geometry) -> np.ndarray:
    """Max pooling; tiling windows take the fast path of :func:`_max_tiles`."""
    record = bool(ctx.needs_input_grad)
    if _is_tiling(geo):
        out, index = _max_tiles(to_cnhw(x), geo, record)
    else:
        xp = pad_cnhw(to_cnhw(x), geo.pads, fill=-np.inf)
        out, index = _max_taps(xp, geo, record)
        ctx.padded_shape = xp.shape
    if record:
        ctx.index, ctx.geo, ctx.shape = index, geo, x.shape
    return from_cnhw(out)


def _max_taps(xp: np.ndarray, geo: Geometry, record: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """Max over the kh kw taps of every window of xp (C, N, Hp, Wp), by groups of channels."""
    taps = _taps(geo)
    out = np.empty((*xp.shape[:2], *geo.out), dtype=xp.dtype)
    index = np.empty(out.shape, dtype=_index_type(len(taps))) if record else None

    def reduce(group: slice) -> None:
        part = xp[group]
        _first_max([part[tap] for tap in taps], out[group], None if index is None else index[group])

    _by_groups(reduce, xp.shape[0], out[0].size * len(taps))
    return out, index


def _max_tiles(xc: np.ndarray, geo: Geometry, record: bool) -> tuple[np.ndarray, Any]:
    """Max over non-overlapping kh x kw tiles in two passes of long strided views.

    Pass 1 takes the maximum of every kw consecutive elements of a row (on the flat array
    these are kw interleaved 1-D views); pass 2 the maximum of kh consecutive row results.
    The first maximum of a tile in row-major order is the first row holding the tile's
    maximum, and within that row its first maximum: exactly what the two recorded indices
    select. Groups of (channel, sample) planes run in parallel.
    """
    (kh, kw), (ho, wo) = geo.kernel, geo.out
    xc = np.ascontiguousarray(xc[:, :, :ho * kh, :wo * kw])
    planes = xc.reshape(xc.shape[0] * xc.shape[1], -1)
    out = np.empty((planes.shape[0], ho * wo), dtype=xc.dtype)
    in_row = np.empty((planes.shape[0], ho * kh * wo), dtype=_index_type(kw)) if record else None
    row = np.empty(out.shape, dtype=_index_type(kh)) if record else None

    def tiles(part: slice) -> None:
        flat = planes[part].reshape(-1)
        views = [flat[j::kw] for j in range(kw)]
        rows = scratch("pool_rows", views[0].shape, xc.dtype)
        _first_max(views, rows, None if in_row is None else in_row[part].reshape(-1))
        rows = rows.reshape(-1, kh, wo)
        _first_max([rows[:, r] for r in range(kh)], out[part].reshape(-1, wo),
                   None if row is None else row[part].reshape(-1, wo))

    _by_groups(tiles, *planes.shape)
    return out.reshape(*xc.shape[:2], ho, wo), (in_row, row)


def _max_tiles_backward(ctx: Any, delta: np.ndarray) -> np.ndarray:
    """Send each tile's delta to the row, then to the element, recorded by the forward pass."""
    (kh, kw), (ho, wo) = ctx.geo.kernel, ctx.geo.out
    in_row, row = ctx.index
    N, C, H, W = ctx.shape
    delta = np.ascontiguousarray(delta).reshape(C * N, ho * wo)
    dx = np.empty((C, N, ho * kh, wo * kw), dtype=delta.dtype)
    planes = dx.reshape(C * N, -1)

    def scatter(part: slice) -> None:
        d = delta[part].reshape(-1, wo)
        to_rows = scratch("pool_rows", (d.shape[0], kh, wo), delta.dtype)
        for r in range(kh):
            np.multiply(d, row[part].reshape(-1, wo) == r, out=to_rows[:, r])
        to_rows = to_rows.reshape(-1)
        flat = planes[part].reshape(-1)
        for j in range(kw):
            np.multiply(to_rows, in_row[part].reshape(-1) == j, out=flat[j::kw])

    _by_groups(scatter, *planes.shape)
    if (ho * kh, wo * kw) != (H, W):
        dx = np.pad(dx, ((0, 0), (0, 0), (0, H - ho * kh), (0, W - wo * kw)))
    return from_cnhw(dx)


def _max_backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
    """Route each window's delta to the first maximum in row-major order."""
    geo, delta = ctx.geo, to_cnhw(grad)
    if _is_tiling(geo):
        return _max_tiles_backward(ctx, delta)
    taps = _taps(geo)
    dxp = np.zeros(ctx.padded_shape, dtype=grad.dtype)

    def route(group: slice) -> None:
        part, d, index = dxp[group], delta[group], ctx.index[group]
        for k, tap in enumerate(taps):
            part[tap] += d * (index == k)

    _by_groups(route, dxp.shape[0], delta[0].size * len(taps))
    return _unpad(dxp, geo, ctx.shape)


def _avg_forward(ctx: Any, x: np.ndarray, geo: Geometry) -> np.ndarray:
    xp = pad_cnhw(to_cnhw(x), geo.pads, fill=0.0)
    taps = _taps(geo)
    out = np.empty((*xp.shape[:2], *geo.out), dtype=xp.dtype)

    def average(group: slice) -> None:
        part, total = xp[group], out[group]
        np.copyto(total, part[taps[0]])
        for tap in taps[1:]:
            np.add(total, part[tap], out=total)
        total *= out.dtype.type(1.0 / len(taps))

    _by_groups(average, xp.shape[0], out[0].size * len(taps))
    if ctx.needs_input_grad:
        ctx.padded_shape, ctx.geo, ctx.shape = xp.shape, geo, x.shape
    return from_cnhw(out)


def _avg_backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
    """Spread each window's delta evenly over its kh kw elements (padding included)."""
    geo = ctx.geo
    taps = _taps(geo)
    share = to_cnhw(grad) * grad.dtype.type(1.0 / len(taps))
    dxp = np.zeros(ctx.padded_shape, dtype=grad.dtype)

    def spread(group: slice) -> None:
        part, s = dxp[group], share[group]
        for tap in taps:
            part[tap] += s

    _by_groups(spread, dxp.shape[0], share[0].size * len(taps))
    return _unpad(dxp, geo, ctx.shape)


class MaxPool2d(Function):
    """Max pooling of x (N, C, H, W):  z_{n,c,i,j} = max_{u,v} x_{n,c,\\,s_h i + d_h u - p_h,\\,
    s_w j + d_w v - p_w}.

    dE/dx gets each window's delta at the window's first maximum (row-major order, as
    PyTorch); padding is -inf, so it never wins. Options are pairs: ``kernel``, ``stride``,
    ``padding`` (at most half the kernel) and ``dilation``.
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
               padding: int | tuple[int, int] = 0, dilation: int | tuple[int, int] = 1) -> Tensor:
    """Max pooling: the largest value of each kh x kw window.

    .. math::

        z_{n,c,i,j} = \\max_{0 \\le u < k_h,\\, 0 \\le v < k_w}
            x_{n,\\,c,\\; s_h i + d_h u - p_h,\\; s_w j + d_w v - p_w}

    The gradient of a window goes entirely to its first maximum in row-major order (ties
    as PyTorch); padding is -inf and never wins.

    Parameters
    ----------
    x : Tensor or array_like of shape (N, C, H, W)
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size`` (non-overlapping windows).
    padding : int or (int, int), default 0
        At most half the kernel size.
    dilation : int or (int, int), default 1

    Returns
    -------
    Tensor of shape (N, C, Ho, Wo), Ho = floor((H + 2 p_h - d_h (kh - 1) - 1) / s_h) + 1.

    Examples
    --------
    >>> max_pool2d([[[[12.0, 20.0], [8.0, 12.0], [34.0, 70.0], [112.0, 100.0]]]], 2).numpy().ravel()
    array([ 20., 112.], dtype=float32)
    """
    args = _pool_args("max_pool2d", kernel_size, stride, padding)
    return MaxPool2d.apply(as_tensor(x), dilation=pair(dilation, "dilation", "max_pool2d"), **args)


def avg_pool2d(x: Any, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None,
               padding: int | tuple[int, int] = 0) -> Tensor:
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

    Returns
    -------
    Tensor of shape (N, C, Ho, Wo).

    Examples
    --------
    >>> avg_pool2d([[[[1.0, 3.0], [5.0, 7.0]]]], 2).numpy().ravel()
    array([4.], dtype=float32)
    """
    return AvgPool2d.apply(as_tensor(x), **_pool_args("avg_pool2d", kernel_size, stride, padding))


def max_pool1d(x: Any, kernel_size: int, stride: int | None = None, padding: int = 0,
               dilation: int = 1) -> Tensor:
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

    Examples
    --------
    >>> max_pool1d([[[1.0, 3.0, 2.0, 2.0]]], 2).numpy()
    array([[[3., 2.]]], dtype=float32)
    """
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
