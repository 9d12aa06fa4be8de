"""Axis arguments checked once, in glassnet's words, for every op that takes one."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["axis_index", "axes_tuple"]


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
