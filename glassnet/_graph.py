"""Depth-first topological order of a graph, shared by autodiff, model graphs and drawing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

__all__ = ["topological_order"]

Node = TypeVar("Node")


def topological_order(roots: Sequence[Node], parents: Callable[[Node], Sequence[Node]]) -> list[Node]:
    """Every node reachable from ``roots`` through ``parents``, parents before children.

    Iterative (no recursion limit on deep graphs) and stable: the same graph always gives
    the same order, parents visited in the order ``parents`` lists them.
    """
    order: list[Node] = []
    seen: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False) for root in reversed(roots)]
    push = stack.append
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        key = id(node)
        if key in seen:
            continue
        seen.add(key)
        push((node, True))
        for parent in reversed(parents(node)):
            if id(parent) not in seen:
                push((parent, False))
    return order
