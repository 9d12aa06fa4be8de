"""Shape operations: reshape, transpose, getitem, concatenate, stack, pad, broadcast_to, cast."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.function import Function, unbroadcast
from glassnet.ops._axis import axis_index

__all__ = ["Reshape", "Transpose", "GetItem", "Concatenate", "Stack", "Pad", "BroadcastTo", "Cast"]


class Reshape(Function):
    """Same values, new shape; the gradient is reshaped back."""

    name = "reshape"
    saves_values = False

    @staticmethod
    def forward(ctx: Any, a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        ctx.shape = a.shape
        try:
            return a.reshape(shape)
        except ValueError:
            raise ValueError(
                f"cannot reshape a tensor of shape {a.shape} ({a.size} values) into {tuple(shape)}"
            ) from None

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        return (grad.reshape(ctx.shape),)


class Transpose(Function):
    """Permute axes (reverse them when ``axes`` is None); the gradient is permuted back."""

    name = "transpose"
    saves_values = False

    @staticmethod
    def forward(ctx: Any, a: np.ndarray, axes: tuple[int, ...] | None) -> np.ndarray:
        if axes is not None:
            axes = tuple(axis_index(ax, a.ndim, "transpose") for ax in axes)
            if sorted(axes) != list(range(a.ndim)):
                raise ValueError(
                    f"transpose: axes must list each of the {a.ndim} axes once, got {axes}"
                )
        out = np.transpose(a, axes)
        ctx.inverse = None if axes is None else tuple(np.argsort(axes))
        return out

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        return (np.transpose(grad, ctx.inverse),)


def _is_basic(index: Any) -> bool:
    """Whether ``index`` is basic indexing (ints, slices, None, Ellipsis): no repeated elements."""
    items = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis for i in items)


class GetItem(Function):
    """z = a[index];  the gradient is scattered back, repeated indices accumulating."""

    name = "getitem"
    saves_values = False

    @staticmethod
    def forward(ctx: Any, a: np.ndarray, index: Any) -> np.ndarray:
        if isinstance(index, list):
            index = np.asarray(index)
        ctx.index, ctx.shape = index, a.shape
        return np.asarray(a[index])

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        out = np.zeros(ctx.shape, dtype=grad.dtype)
        if _is_basic(ctx.index):
            out[ctx.index] = grad
        else:
            np.add.at(out, ctx.index, grad)
        return (out,)


class Concatenate(Function):
    """Join tensors along an existing axis; each gets back its slice of the gradient."""

    name = "concatenate"
    saves_values = False

    @staticmethod
    def forward(ctx: Any, *arrays: np.ndarray, axis: int) -> np.ndarray:
        axis_index(axis, arrays[0].ndim, "concatenate")
        try:
            out = np.concatenate(arrays, axis=axis)
        except ValueError:
            shapes = ", ".join(str(a.shape) for a in arrays)
            raise ValueError(
                f"concatenate along axis {axis}: shapes {shapes} must agree on every other axis"
            ) from None
        ctx.axis = axis % out.ndim
        ctx.splits = np.cumsum([a.shape[ctx.axis] for a in arrays])[:-1]
        return out

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray, ...]:
        return tuple(np.split(grad, ctx.splits, axis=ctx.axis))


class Stack(Function):
    """Join tensors along a new axis; each gets back its slice of the gradient."""

    name = "stack"
    saves_values = False

    @staticmethod
    def forward(ctx: Any, *arrays: np.ndarray, axis: int) -> np.ndarray:
        axis_index(axis, arrays[0].ndim + 1, "stack")
        try:
            out = np.stack(arrays, axis=axis)
        except ValueError:
            shapes = ", ".join(str(a.shape) for a in arrays)
            raise ValueError(f"stack: all shapes must be equal, got {shapes}") from None
        ctx.axis = axis % out.ndim
        return out

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray, ...]:
        return tuple(np.moveaxis(grad, ctx.axis, 0))


class Pad(Function):
    """Zero padding; the gradient is the un-padded centre."""

    name = "pad"
    saves_values = False

    @staticmethod
    def forward(ctx: Any, a: np.ndarray, pad_width: tuple[tuple[int, int], ...]) -> np.ndarray:
        try:  # as numpy.pad, one (before, after) pair may stand for every axis
            widths = np.broadcast_to(np.asarray(pad_width, dtype=np.intp), (a.ndim, 2))
        except ValueError:
            raise ValueError(
                f"pad: pad_width {pad_width!r} does not fit a tensor of shape {a.shape}; give one "
                "(before, after) pair per axis"
            ) from None
        ctx.slices = tuple(slice(lo, lo + n) for (lo, _), n in zip(widths, a.shape, strict=True))
        return np.pad(a, widths)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        return (grad[ctx.slices],)


class BroadcastTo(Function):
    """Broadcast to a shape; the gradient is summed back."""

    name = "broadcast_to"
    saves_values = False

    @staticmethod
    def forward(ctx: Any, a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        ctx.shape = a.shape
        try:
            return np.broadcast_to(a, shape)
        except ValueError:
            raise ValueError(f"cannot broadcast shape {a.shape} to {tuple(shape)}") from None

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        return (unbroadcast(grad, ctx.shape),)


class Cast(Function):
    """Convert to another floating dtype; the gradient is converted back."""

    name = "cast"
    saves_values = False

    @staticmethod
    def forward(ctx: Any, a: np.ndarray, dtype: np.dtype) -> np.ndarray:
        ctx.dtype = a.dtype
        return a.astype(dtype, copy=False)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        return (grad.astype(ctx.dtype, copy=False),)
