"""What a recorded node keeps about the values its backward reads, so that an in-place
change between the forward pass and ``backward`` is refused instead of silently changing
the gradients (see "In-place changes" in :class:`glassnet.tensor.Tensor`)."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["Saved", "overwrite"]


class Saved:
    """What a recorded node keeps for ``backward`` about its inputs and output: the inputs'
    versions, and the arrays it made read-only, given back when ``backward`` reaches the
    node or when the node is freed (see "In-place changes" in :class:`Tensor`).

    ``ndarray.setflags`` rather than ``flags.writeable = ...``: the property setter costs
    much more per call.
    """

    __slots__ = ("versions", "locked")

    def __init__(self, tensors: tuple[Any, ...], out: Any) -> None:
        versions, locked = [], []
        for t in tensors:
            versions.append(t._version)
            a = t.data
            if a.flags.writeable:
                a.setflags(False)
                locked.append(a)
        if out.flags.writeable:
            out.setflags(False)
            locked.append(out)
        self.versions, self.locked = versions, locked

    def use(self, ctx: Any) -> None:
        """Called by ``backward`` on reaching the node: raise when a saved tensor was changed
        in place since the node was recorded, else give the arrays back for writing."""
        if [t._version for t in ctx.parents] != self.versions:
            _raise_modified(ctx, self.versions)
        self.release()

    def release(self) -> None:
        for a in self.locked:
            a.setflags(True)
        self.locked = []

    def __del__(self) -> None:
        self.release()


def _raise_modified(ctx: Any, versions: list[int]) -> None:
    t, version = next((t, v) for t, v in zip(ctx.parents, versions) if t._version != v)
    label = f"{t.name!r} " if t.name else ""
    raise RuntimeError(
        f"one of the tensors needed for gradient computation, {label}of shape {t.shape} (an "
        f"input of a {type(ctx).name} node), has been modified by an in-place operation "
        f"(version {version} when recorded, now {t._version}), e.g. by an optimizer step "
        "between the forward pass and backward(). Call backward() before changing the values, "
        "or run the forward pass again."
    )


def overwrite(tensor: Any, values: Any, casting: str = "same_kind") -> None:
    """Write ``values`` into ``tensor.data`` in place, as glassnet's own tools do when they set
    weights (loading a state, restoring a snapshot, probing a loss landscape).

    The write goes through even where a recorded graph made the array read-only; the
    tensor's version goes up, so a ``backward`` through that graph refuses the changed
    values, as it does after an optimizer step.
    """
    array = tensor.data
    locked = not array.flags.writeable
    if locked:
        array.setflags(True)
    try:
        np.copyto(array, values, casting=casting)
    finally:
        if locked:
            array.setflags(False)
    tensor._version += 1
