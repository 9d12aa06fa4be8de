"""A drawing of a model's architecture: one box per layer, arrows along the data flow
(Keras's ``plot_model``; :func:`glassnet.utils.plot_model` calls it)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from glassnet._checks import check_flag
from glassnet.layers.module import Layer
from glassnet.models import Model, Sequential
from glassnet.plot._canvas import PathLike
from glassnet.symbolic import Symbolic

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["model_graph"]

_FLAGS = ("show_shapes", "show_dtype", "show_layer_names", "show_layer_activations", "show_trainable",
          "expand_nested")


def _shape_text(shape: Any) -> str:
    return "?" if shape is None else "(None, " + ", ".join(map(str, shape)) + ")"


def _layer_label(model: Model, layer: Any, shape: Any, flags: dict[str, bool]) -> str:
    """The text of one box: name and type, then the facts the flags ask for."""
    kind = type(layer).__name__
    lines = [f"{layer.name} ({kind})" if flags["show_layer_names"] else kind]
    if flags["show_layer_activations"] and getattr(layer, "activation", None):
        lines.append(f"activation: {layer.activation}")
    if flags["show_shapes"]:
        lines.append(f"output: {_shape_text(shape)}")
    if flags["show_dtype"]:
        lines.append(f"dtype: {np.dtype(layer.dtype or model.dtype).name}")
    if flags["show_trainable"]:
        lines.append(f"trainable: {layer.trainable}")
    return "\n".join(lines)


def _input_label(name: str, shape: Any, flags: dict[str, bool]) -> str:
    return f"{name} (Input)" + (f"\noutput: {_shape_text(shape)}" if flags["show_shapes"] else "")


def _sequential(model: Sequential, flags: dict[str, bool]) -> tuple[list[str], list[tuple[int, int]]]:
    first = model.layers[0] if model.layers else None
    shape = first.input_shape if first is not None and first.input_shape else model._declared_input_shape()
    labels = [_input_label("input", shape, flags)]
    labels += [_layer_label(model, layer, model._layer_output_shape(layer), flags) for layer in model.layers]
    return labels, [(i, i + 1) for i in range(len(labels) - 1)]


def _operands(node: Symbolic) -> list[Symbolic]:
    found: list[Symbolic] = []
    for arg in node.inputs:
        items = arg if isinstance(arg, (list, tuple)) else [arg]
        found.extend(a for a in items if isinstance(a, Symbolic))
    return found


def _functional(model: Model, flags: dict[str, bool]) -> tuple[list[str], list[tuple[int, int]]]:
    """Boxes for the inputs, the layers (a shared layer once) and the operations between them."""
    box: dict[int, int] = {}
    labels: list[str] = []
    edges: list[tuple[int, int]] = []
    for i, sym in enumerate(model._inputs):
        box[id(sym)] = len(labels)
        labels.append(_input_label(sym.name or f"input_{i}", sym.shape, flags))
    for node in model._nodes:
        if node.op is None:
            continue
        key = id(node.op) if isinstance(node.op, Layer) else id(node)
        if key not in box:
            box[key] = len(labels)
            labels.append(_layer_label(model, node.op, node.shape, flags) if isinstance(node.op, Layer)
                          else getattr(node.op, "__name__", "operation"))
        box[id(node)] = box[key]
        edges += [(box[id(arg)], box[key]) for arg in _operands(node)]
    return labels, list(dict.fromkeys(edges))


def _positions(n: int, edges: list[tuple[int, int]], rankdir: str) -> np.ndarray:
    """(x, y) of each box: its rank is the longest path from an input, boxes of one rank side by side."""
    rank = [0] * n
    for _ in range(n):
        for a, b in edges:
            rank[b] = max(rank[b], rank[a] + 1)
    seen: dict[int, int] = {}
    slots = []
    for r in rank:
        slots.append(seen.get(r, 0))
        seen[r] = slots[-1] + 1
    across = [s - (seen[r] - 1) / 2 for s, r in zip(slots, rank)]
    if rankdir == "LR":
        return np.array([(2.0 * r, -a) for r, a in zip(rank, across)])
    return np.array([(2.2 * a, -1.0 * r) for r, a in zip(rank, across)])


def model_graph(model: Model, to_file: PathLike | None = "model.png", rankdir: str = "TB", dpi: int = 200,
                **flags: bool) -> Figure:
    """Draw ``model``; see :func:`glassnet.utils.plot_model` for the arguments."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if not isinstance(model, Model):
        raise TypeError(f"plot_model draws a glassnet Model (Sequential or gn.Model), got "
                        f"{type(model).__name__}")
    if model.subclassed:
        raise ValueError(f"plot_model draws Sequential and functional models; {type(model).__name__} "
                         "computes in its own call() code, whose connections are not known. model.summary() "
                         "lists its layers")
    if rankdir not in ("TB", "LR"):
        raise ValueError(f"plot_model: rankdir must be 'TB' (top to bottom) or 'LR' (left to right), got "
                         f"{rankdir!r}")
    if isinstance(dpi, bool) or not isinstance(dpi, (int, np.integer)) or dpi < 1:
        raise ValueError(f"plot_model: dpi must be a positive integer, got {dpi!r}")
    flags = {name: check_flag(name, flags[name]) for name in _FLAGS}
    labels, edges = (_sequential if isinstance(model, Sequential) else _functional)(model, flags)
    xy = _positions(len(labels), edges, rankdir)
    span = xy.max(axis=0) - xy.min(axis=0)
    fig = Figure(figsize=(2.6 + 1.3 * span[0], 1.0 + 0.9 * span[1]))
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.set_xlim(xy[:, 0].min() - 1.2, xy[:, 0].max() + 1.2)
    ax.set_ylim(xy[:, 1].min() - 0.6, xy[:, 1].max() + 0.6)
    texts = [ax.text(x, y, label, ha="center", va="center", fontsize=8,
                     bbox={"boxstyle": "round", "facecolor": "#eef3fb", "edgecolor": "#4a6fa5"})
             for (x, y), label in zip(xy, labels)]
    for a, b in edges:
        ax.annotate("", xy=tuple(xy[b]), xytext=tuple(xy[a]),
                    arrowprops={"arrowstyle": "->", "color": "#333333", "shrinkA": 2, "shrinkB": 2,
                                "patchA": texts[a].get_bbox_patch(), "patchB": texts[b].get_bbox_patch()})
    if to_file is not None:
        path = Path(to_file)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=int(dpi), format=path.suffix[1:].lower() or "png", bbox_inches="tight")
    return fig
