"""The chain rule over a recorded graph: each node's gradient handed to its parents."""

from __future__ import annotations

import heapq
from typing import Any

import numpy as np

__all__ = ["backpropagate"]


def backpropagate(root: Any, grad: np.ndarray) -> None:
    """Add dE/dx to ``.grad`` of every leaf x (and of every node that retains its gradient)
    reached from ``root``, a Tensor made by a node, whose gradient dE/d(root) is ``grad``."""
    # Nodes are visited newest first: a node is always created after its parents, so by
    # the time it is popped every node that feeds it a gradient has been handled. Leaves
    # (parameters, inputs) take each gradient as it comes: they pass nothing on.
    grads: dict[int, np.ndarray] = {id(root): grad}
    queue: list[tuple[int, int, Any]] = [(-root._seq, id(root), root)]
    pop, push = heapq.heappop, heapq.heappush
    while queue:
        node = pop(queue)[2]
        g = grads.pop(id(node))
        ctx = node._ctx
        if node._retain:
            node._accumulate(g)
        if ctx.saved is not None:
            ctx.saved.use(ctx)
        for parent, parent_grad in zip(ctx.parents, type(ctx).backward(ctx, g)):
            if parent_grad is None or not parent.requires_grad:
                continue
            if parent._ctx is None:
                parent._accumulate(parent_grad)
                continue
            key = id(parent)
            previous = grads.get(key)
            if previous is None:
                grads[key] = parent_grad
                push(queue, (-parent._seq, key, parent))
            else:
                grads[key] = previous + parent_grad
