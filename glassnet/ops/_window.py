"""Sliding windows shared by convolution and pooling: sizes, padding, the internal layout
and the work arrays.

Every convolution and pooling op slides a kh x kw window over the two spatial axes with
stride s, dilation d and padding p; the number of window positions along an axis is

.. math::

    H_{out} = \\left\\lfloor \\frac{H + p_{before} + p_{after} - d (k - 1) - 1}{s} \\right\\rfloor + 1

The public layout of images is (N, C, H, W). The ops work internally on the
channels-outermost (C, N, H, W) view of the same memory (:func:`to_cnhw` and
:func:`from_cnhw` are transposed views, never copies).
"""

from __future__ import annotations

import math
import threading
from typing import Any, NamedTuple

import numpy as np

from glassnet.tensor import Tensor

__all__ = [
    "Geometry", "pair", "as_int", "as_tensor", "check_ndim", "conv_padding", "conv_geometry",
    "to_cnhw", "from_cnhw", "pad_cnhw", "unpad_cnhw", "scratch",
]

Pads = tuple[tuple[int, int], tuple[int, int]]

SCRATCH_BYTES = 1 << 26  # largest temporary kept for reuse
_SCRATCH = threading.local()  # per-thread work arrays, see scratch


class Geometry(NamedTuple):
    """Sizes of one sliding-window operation over the two spatial axes."""

    kernel: tuple[int, int]
    stride: tuple[int, int]
    dilation: tuple[int, int]
    pads: Pads
    out: tuple[int, int]


def pair(value: Any, name: str, op: str, minimum: int = 1) -> tuple[int, int]:
    """An int or a pair of ints, validated (each >= ``minimum``), as a pair."""
    items = (value, value) if isinstance(value, (int, np.integer)) else value
    try:
        items = tuple(items)
    except TypeError:
        items = ()
    if len(items) != 2 or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                                  for v in items):
        raise TypeError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")
    if min(items) < minimum:
        raise ValueError(f"{op}: {name} must be >= {minimum}, got {value!r}")
    return int(items[0]), int(items[1])


def check_ndim(x: np.ndarray, ndim: int, op: str) -> None:
    """Raise a ValueError naming the expected layout when ``x`` has the wrong rank."""
    if x.ndim != ndim:
        layout = "(N, C, H, W)" if ndim == 4 else "(N, C, L)"
        hint = " (add the batch axis with x[None])" if x.ndim == ndim - 1 else ""
        raise ValueError(
            f"{op} expects a {ndim}-D input of shape {layout}, got a {x.ndim}-D input of "
            f"shape {x.shape}{hint}"
        )


def conv_padding(padding: Any, op: str) -> str | tuple[int, int]:
    """Validate ``padding``: "valid", "same", an int or a pair (ph, pw) of ints >= 0."""
    if isinstance(padding, str):
        if padding.lower() not in ("valid", "same"):
            raise ValueError(
                f"{op}: padding must be 'valid', 'same', an int or a pair of ints, got {padding!r}"
            )
        return padding.lower()
    return pair(padding, "padding", op, minimum=0)


def _same_pads(size: int, kernel: int, stride: int, dilation: int) -> tuple[int, int]:
    """Padding that gives ceil(size / stride) outputs; the odd pixel goes after (as PyTorch)."""
    extent = dilation * (kernel - 1) + 1
    out = -(-size // stride)
    total = max((out - 1) * stride + extent - size, 0)
    return total // 2, total - total // 2


def conv_geometry(
    spatial: tuple[int, int], kernel: tuple[int, int], stride: tuple[int, int],
    padding: str | tuple[int, int], dilation: tuple[int, int], op: str,
) -> Geometry:
    """Resolve the padding and the output size; fail when the window does not fit."""
    if padding == "valid":
        pads: Pads = ((0, 0), (0, 0))
    elif padding == "same":
        pads = tuple(_same_pads(*args) for args in zip(spatial, kernel, stride, dilation, strict=True))
    else:
        pads = ((padding[0], padding[0]), (padding[1], padding[1]))
    out = []
    for size, k, s, d, (lo, hi) in zip(spatial, kernel, stride, dilation, pads, strict=True):
        extent = d * (k - 1) + 1
        if size + lo + hi < extent:
            shown = kernel[1] if op.endswith("1d") else f"{kernel[0]}x{kernel[1]}"
            raise ValueError(
                f"{op}: the window {shown} (dilation {d}) spans {extent} positions, more than "
                f"the padded input ({size} + {lo + hi} padding); use a smaller kernel, more "
                "padding or a larger input"
            )
        out.append((size + lo + hi - extent) // s + 1)
    return Geometry(kernel, stride, dilation, pads, (out[0], out[1]))


def to_cnhw(x: np.ndarray) -> np.ndarray:
    """The (C, N, H, W) view of an (N, C, H, W) array (no copy)."""
    return x.transpose(1, 0, 2, 3)


def from_cnhw(x: np.ndarray) -> np.ndarray:
    """The (N, C, H, W) view of a (C, N, H, W) array (no copy)."""
    return x.transpose(1, 0, 2, 3)


def pad_cnhw(xc: np.ndarray, pads: Pads, fill: float = 0.0) -> np.ndarray:
    """xc (C, N, H, W) with ``fill`` around it; xc itself when there is no padding."""
    (top, bottom), (left, right) = pads
    if top == bottom == left == right == 0:
        return xc
    C, N, H, W = xc.shape
    out = np.full((C, N, H + top + bottom, W + left + right), fill, dtype=xc.dtype)
    out[:, :, top:top + H, left:left + W] = xc
    return out


def unpad_cnhw(xp: np.ndarray, pads: Pads, size: tuple[int, int]) -> np.ndarray:
    """The (N, C, H, W) view of the part of a padded (C, N, Hp, Wp) array inside the
    padding ``pads``, of spatial ``size`` (H, W) (no copy)."""
    (top, _), (left, _) = pads
    return from_cnhw(xp[:, :, top:top + size[0], left:left + size[1]])


def as_int(value: Any, name: str, op: str, minimum: int = 1) -> int:
    """An int, validated (>= ``minimum``)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{op}: {name} must be an int, got {value!r}")
    if value < minimum:
        raise ValueError(f"{op}: {name} must be >= {minimum}, got {value!r}")
    return int(value)


#: PyTorch's options of the window functions that glassnet does not implement: the value that
#: means what glassnet computes, and what glassnet computes.
_TORCH_ONLY = {
    "groups": (1, "every filter sees every input channel (for groups, split the channels with x[:, a:b], "
                  "convolve each part and concatenate)"),
    "ceil_mode": (False, "windows that would reach past the padded edge are dropped (floor), as Keras; "
                         "pad the input to keep them"),
    "return_indices": (False, "the indices of the maxima are not returned"),
    "count_include_pad": (True, "padded zeros count in the mean"),
    "divisor_override": (None, "the divisor is the window's size kh kw"),
}


def refuse_torch_options(op: str, **options: Any) -> None:
    """PyTorch's options of :data:`_TORCH_ONLY` accepted at the value that means what glassnet
    computes; any other value refused, saying what glassnet computes."""
    for name, value in options.items():
        default, meaning = _TORCH_ONLY[name]
        same = value is default or (value is not None and default is not None and np.ndim(value) == 0
                                    and value == default)
        if not same:
            raise ValueError(f"{op}: {name}={value!r} (PyTorch's option) is not supported: {meaning}. "
                             f"Leave {name} out (or give {name}={default!r})")


def bias_alias(b: Any, bias: Any, op: str) -> Any:
    """PyTorch's keyword ``bias=`` of the convolutions, accepted for ``b``."""
    if bias is None:
        return b
    if b is not None:
        raise ValueError(f"{op}: give b or its PyTorch spelling bias, not both")
    return bias


def as_tensor(x: Any, like: Tensor | None = None) -> Tensor:
    """A Tensor as is; array-like data (a fixed kernel, an image) in ``like``'s dtype, or as
    :class:`Tensor` makes it (float32, a floating NumPy array keeping its dtype)."""
    if isinstance(x, Tensor):
        return x
    return Tensor(x) if like is None else Tensor(np.asarray(x, dtype=like.dtype))


def scratch(name: str, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """A work array for a temporary that never leaves one op call, reused across calls.

    Fresh megabyte-sized temporaries on every step make glibc grow and trim its heap each
    time, and the page faults that follow cost more than the arithmetic on a small network
    such as LeNet-5. One buffer per name and thread,
    grown when needed, at most SCRATCH_BYTES; its contents are undefined.
    """
    dtype = np.dtype(dtype)
    size = math.prod(shape)
    if size * dtype.itemsize > SCRATCH_BYTES:
        return np.empty(shape, dtype=dtype)
    buffers = _SCRATCH.__dict__
    buffer = buffers.get(name)
    if buffer is None or buffer.dtype != dtype or buffer.size < size:
        buffer = buffers[name] = np.empty(size, dtype=dtype)
    return buffer[:size].reshape(shape)
