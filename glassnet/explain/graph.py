"""The computation graph of an expression, drawn from the Tensor's own record of its parents.

Every Tensor made by an operation keeps the node that made it (``Tensor._ctx``), that
node's name (``Tensor.op``) and its inputs (``Tensor.parents``). Walking them from the
output back to the leaves gives the graph the chain rule runs on; this module writes it
as Graphviz DOT text, one box per tensor (name, shape, value, gradient) and one oval per
operation, as in the lectures' figure of f = (x + y) z.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from glassnet._graph import topological_order
from glassnet.explain._tables import fmt, fmt_array
from glassnet.tensor import Tensor

__all__ = ["graph", "Graph"]


@dataclass
class Graph:
    """A computation graph as DOT text, renderable with Graphviz.

    Attributes
    ----------
    dot : str
        The Graphviz source (always available, no dependency needed).
    nodes : list of Tensor
        The tensors of the graph, inputs before the outputs computed from them.

    Examples
    --------
    >>> x = gn.tensor(2.0, requires_grad=True, dtype=np.float64)
    >>> f = x * x + 1
    >>> f.backward()
    >>> g = gn.explain.graph(f, {"x": x, "f": f})
    >>> type(g).__name__, g.dot.startswith("digraph")
    ('Graph', True)
    """

    dot: str
    nodes: list[Tensor]

    def __str__(self) -> str:
        return self.dot

    def pipe(self, format: str = "svg") -> bytes:  # noqa: A002 - Graphviz's name
        """The drawing as bytes (``"svg"``, ``"png"``, ...).

        Raises
        ------
        ImportError
            When the ``graphviz`` Python package is not installed (``pip install graphviz``;
            the Graphviz ``dot`` program must be installed too).
        """
        return _source(self.dot).pipe(format=format)

    def render(self, path: str | Path, format: str | None = None) -> Path:  # noqa: A002
        """Write the drawing to ``path``; the format comes from the suffix unless given."""
        path = Path(path)
        chosen = format or path.suffix.lstrip(".") or "svg"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(self.pipe(chosen))
        return path

    def _repr_svg_(self) -> str:
        return self.pipe("svg").decode()


def _source(dot: str) -> Any:
    try:
        import graphviz
    except ImportError as error:
        raise ImportError(
            "drawing the graph needs the graphviz Python package and the Graphviz programs "
            "(pip install graphviz; apt install graphviz). The DOT text is in Graph.dot"
        ) from error
    return graphviz.Source(dot)


def _walk(root: Tensor) -> list[Tensor]:
    """Every tensor the root depends on, parents before children (stable order)."""
    return topological_order([root], lambda node: node.parents)


def _values(array: np.ndarray | None, max_values: int) -> str:
    if array is None:
        return "-"
    if array.size <= max_values:
        return fmt_array(array, 4) if array.ndim else fmt(array.item(), 4)
    return f"mean {fmt(array.mean(), 3)}, min {fmt(array.min(), 3)}, max {fmt(array.max(), 3)}"


def _label(t: Tensor, name: str | None, max_values: int) -> str:
    title = name or t.name or ("const" if not t.requires_grad and t._ctx is None else t.op)
    lines = [title]
    if t.ndim:
        lines.append(f"shape {t.shape}")
    lines.append(f"value {_values(t.data, max_values)}")
    if t.requires_grad:
        lines.append(f"grad {_values(t.grad, max_values)}")
    return "\\n".join(line.replace("\\", "\\\\").replace('"', '\\"') for line in lines)


def graph(tensor: Tensor, names: Mapping[str, Tensor] | None = None, *, max_values: int = 6) -> Graph:
    """The computation graph that produced ``tensor``, with values and gradients.

    Gradients show where ``backward`` left them: on leaves, and on intermediate tensors
    that called ``retain_grad()`` before it.

    Parameters
    ----------
    tensor : Tensor
        The output (usually the loss, after ``backward()``).
    names : dict of str to Tensor, optional
        Labels for tensors (otherwise ``Tensor.name``, or the operation's name).
    max_values : int, default 6
        Tensors with more numbers show their mean, min and max instead.

    Returns
    -------
    Graph
        ``.dot`` holds the DOT text; ``.render(path)`` and ``.pipe()`` draw it when the
        ``graphviz`` package and programs are installed.

    Examples
    --------
    >>> x = gn.tensor(-2.0, requires_grad=True, dtype=np.float64)
    >>> y = gn.tensor(5.0, requires_grad=True, dtype=np.float64)
    >>> z = gn.tensor(-4.0, requires_grad=True, dtype=np.float64)
    >>> q = (x + y).retain_grad(); f = q * z; f.backward()
    >>> dot = gn.explain.graph(f, {"x": x, "y": y, "z": z, "q": q, "f": f}).dot
    >>> print("\\n".join(dot.splitlines()[3:6]))
      t0 [shape=box, label="x\\nvalue -2\\ngrad -4"];
      t1 [shape=box, label="y\\nvalue 5\\ngrad -4"];
      t2 [shape=box, label="q\\nvalue 3\\ngrad -4"];
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"graph() takes a glassnet Tensor, got {type(tensor).__name__}")
    label_of = {id(t): name for name, t in (names or {}).items()}
    nodes = _walk(tensor)
    ids = {id(t): f"t{i}" for i, t in enumerate(nodes)}
    lines = ["digraph computation {", "  rankdir=LR;",
             '  node [fontname="Helvetica", fontsize=10];']
    for t in nodes:
        lines.append(f'  {ids[id(t)]} [shape=box, label="{_label(t, label_of.get(id(t)), max_values)}"];')
        if t._ctx is None:
            continue
        op = f"{ids[id(t)]}_op"
        lines.append(f'  {op} [shape=ellipse, label="{t.op}"];')
        lines += [f"  {ids[id(p)]} -> {op};" for p in t.parents]
        lines.append(f"  {op} -> {ids[id(t)]};")
    lines.append("}")
    return Graph("\n".join(lines) + "\n", nodes)
