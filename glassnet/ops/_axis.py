"""Axis arguments checked once, in glassnet's words, for every op that takes one."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["axis_index", "axes_tuple", "axis_or_dim", "keepdims_or_keepdim"]


def axis_index(axis: Any, ndim: int, op: str) -> int:
    """``axis`` as an index in [0, ndim), or an error naming the op and the valid range
    (-ndim to ndim - 1, negative counting from the end)."""
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{op}: axis must be an int, got {axis!r}")
    if not -ndim <= axis < max(ndim, 1):
        raise ValueError(
            f"{op}: axis {axis} is out of range for a tensor with {ndim} dimensions; "
            f"use -{ndim} to {max(ndim - 1, 0)}"
        )
    return int(axis) % max(ndim, 1)


def axes_tuple(axis: Any, ndim: int, op: str) -> tuple[int, ...]:
    """``axis`` (None for all, an int or a tuple of ints) as sorted indices, each checked."""
    if axis is None:
        return tuple(range(ndim))
    items = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    return tuple(sorted(axis_index(ax, ndim, op) for ax in items))


def axis_or_dim(axis: Any, dim: Any, op: str, default: Any = None) -> Any:
    """``axis``, or ``dim``, PyTorch's name for the same argument, when that one is given;
    both given (``axis`` other than its ``default``) is an error."""
    if dim is None:
        return axis
    if axis is not None and axis != default:
        raise TypeError(f"{op}: give axis= or PyTorch's dim= (the same thing), not both; "
                        f"got axis={axis!r}, dim={dim!r}")
    return dim


def keepdims_or_keepdim(keepdims: bool, keepdim: bool | None, op: str) -> bool:
    """``keepdims``, or ``keepdim``, PyTorch's name for it, when that one is given."""
    if keepdim is None:
        return keepdims
    if keepdims and not keepdim:
        raise TypeError(f"{op}: give keepdims= or PyTorch's keepdim= (the same thing), not both; "
                        f"got keepdims={keepdims!r}, keepdim={keepdim!r}")
    return keepdim
