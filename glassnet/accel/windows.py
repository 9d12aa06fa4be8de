"""The sliding-window kernels behind :mod:`glassnet.accel`: im2col and col2im of the
convolutions, max pooling and its gradient, each with its NumPy code (the reference path).

All work on the channels-outermost layout (C, N, H, W) of an input that is already padded
(see :mod:`glassnet.ops._window`), over a slice of samples (im2col, col2im) or of channels
(pooling), so that the chunks of one op can run in several threads: the compiled kernels
release the GIL. Their contract is stated in :mod:`glassnet.accel`.
"""

from __future__ import annotations

from itertools import product
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from glassnet import accel

__all__ = ["windows", "window_slice", "im2col", "col2im", "max_pool", "max_pool_grad", "index_type", "taps"]


def windows(xp: np.ndarray, geo: Any) -> np.ndarray:
    """Read-only strided view (C, kh, kw, N, Ho, Wo) of every window of xp (C, N, Hp, Wp)."""
    sc, sn, sh, sw = xp.strides
    (kh, kw), (st_h, st_w), (dh, dw), (ho, wo) = geo.kernel, geo.stride, geo.dilation, geo.out
    return as_strided(
        xp, shape=(xp.shape[0], kh, kw, xp.shape[1], ho, wo),
        strides=(sc, dh * sh, dw * sw, sn, st_h * sh, st_w * sw), writeable=False,
    )


def window_slice(geo: Any, i: int, j: int) -> tuple[slice, slice, slice, slice]:
    """Index of the (i, j)-th kernel tap in every window: xp[index] has shape (C, N, Ho, Wo)."""
    (st_h, st_w), (dh, dw), (ho, wo) = geo.stride, geo.dilation, geo.out
    rows = slice(i * dh, i * dh + st_h * (ho - 1) + 1, st_h)
    cols = slice(j * dw, j * dw + st_w * (wo - 1) + 1, st_w)
    return slice(None), slice(None), rows, cols


def taps(geo: Any) -> list[tuple[slice, ...]]:
    """Index of each kernel tap in row-major order (the tie-breaking order of max pooling)."""
    return [window_slice(geo, i, j) for i, j in product(range(geo.kernel[0]), range(geo.kernel[1]))]


def _sizes(geo: Any) -> tuple[int, ...]:
    return (*geo.kernel, *geo.stride, *geo.dilation)


def _compiled(name: str, *args: Any) -> bool:
    """Run the compiled kernel ``name`` on ``args``; False where the NumPy code is to run
    (no compiled kernels, reference mode, or arrays the kernel does not take)."""
    if not accel.compiled_in_use():
        return False
    try:
        getattr(accel._compiled, name)(*args)
        return True
    except accel.REFUSED:
        return False


def im2col(xp: np.ndarray, geo: Any, chunk: slice, out: np.ndarray) -> np.ndarray:
    """The windows of samples ``chunk`` of xp (C, N, Hp, Wp) as the columns of ``out``
    (C kh kw, n Ho Wo), column (n, i, j) holding window (i, j) of sample n: a copy."""
    if _compiled("im2col", xp, out, _sizes(geo), chunk.start, chunk.stop):
        return out
    part = windows(xp[:, chunk], geo)
    out.reshape(part.shape)[...] = part
    return out


def col2im(dcols: np.ndarray, dxp: np.ndarray, geo: Any, chunk: slice) -> None:
    """Samples ``chunk`` of dxp (C, N, Hp, Wp) = each column of dcols (C kh kw, n Ho Wo)
    added onto the input positions of its window, tap by tap in row-major order, from 0."""
    if _compiled("col2im", dcols, dxp, _sizes(geo), chunk.start, chunk.stop):
        return
    part = dxp[:, chunk]
    part[...] = 0
    d = dcols.reshape(part.shape[0], *geo.kernel, part.shape[1], *geo.out)
    for i, j in product(range(geo.kernel[0]), range(geo.kernel[1])):
        part[window_slice(geo, i, j)] += d[:, i, j]


def index_type(taps: int) -> np.dtype:
    """The unsigned type of a window's recorded tap: uint8 up to 256 taps."""
    return np.min_scalar_type(taps - 1)


def max_pool(xp: np.ndarray, geo: Any, out: np.ndarray, index: np.ndarray | None,
             channels: slice) -> None:
    """Window maxima of channels ``channels`` of xp (C, N, Hp, Wp) into out (C, N, Ho, Wo)
    and, given ``index`` (out's shape, :func:`index_type`), the first tap holding each.

    The maximum is ``np.maximum``'s (NaN propagates). A later tap takes the index only when
    it is strictly greater than the running maximum, or NaN: ties go to the first maximum of
    the window in row-major order, and a window holding NaN to its last NaN, as in PyTorch.
    """
    if _compiled("max_pool", xp, out, index, _sizes(geo), channels.start, channels.stop):
        return
    views = [xp[channels][tap] for tap in taps(geo)]
    out, index = out[channels], None if index is None else index[channels]
    np.copyto(out, views[0])
    if index is not None:
        index.fill(0)
    for k, view in enumerate(views[1:], start=1):
        if index is not None:
            np.copyto(index, k, where=(view > out) | (view != view))
        np.maximum(out, view, out=out)


def max_pool_grad(delta: np.ndarray, index: np.ndarray, dxp: np.ndarray, geo: Any,
                  channels: slice) -> None:
    """Channels ``channels`` of dxp (C, N, Hp, Wp) = each window's delta (C, N, Ho, Wo)
    added onto its recorded tap, from 0; tap by tap, so that an element shared by
    overlapping windows adds their deltas in the same order on every path."""
    if _compiled("max_pool_grad", delta, index, dxp, _sizes(geo), channels.start, channels.stop):
        return
    part, d, index = dxp[channels], delta[channels], index[channels]
    part[...] = 0
    for k, tap in enumerate(taps(geo)):
        np.add(part[tap], d, out=part[tap], where=index == k)
