"""The lectures' drawing of a network: neurons in layers, every weight an edge.

Each column is a layer of neurons (the inputs first); an edge joins neuron i of one layer
to neuron j of the next and stands for the weight W[i, j]: its width grows with |W[i, j]|,
its colour gives the sign (blue positive, red negative).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from glassnet.plot._canvas import PathLike, finish, new_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["network"]

#: Layers without weights that keep the shape: drawn through (they add no neurons).
_PASS_THROUGH = ("Dropout", "GaussianNoise", "GaussianDropout", "AlphaDropout")


def _dense_layers(model: Any) -> list[Any]:
    """The model's Dense layers in order, after checking that it has nothing else."""
    from glassnet.layers import Dense

    layers = getattr(model, "layers", None)
    if layers is None:
        raise TypeError("network draws a glassnet model of Dense layers (Sequential), got "
                        f"{type(model).__name__}")
    dense = []
    for layer in layers:
        if isinstance(layer, Dense):
            if layer.W is None:
                raise ValueError(f"layer {layer.name!r} has no weights yet: build the model (give the input "
                                 "shape, e.g. Dense(4, input_dim=2)) or fit it before drawing it")
            dense.append(layer)
        elif type(layer).__name__ not in _PASS_THROUGH:
            raise TypeError(f"network draws models made of Dense layers (and Dropout); layer {layer.name!r} "
                            f"is a {type(layer).__name__}. plot_model (glassnet.utils.plot_model) draws any "
                            "model as boxes")
    if not dense:
        raise ValueError("the model has no Dense layer to draw")
    return dense


def _shown(n: int, max_units: int, truncate: bool, name: str) -> list[int | None]:
    """The neuron indices drawn for a layer of n (None marks the ellipsis)."""
    if n <= max_units:
        return list(range(n))
    if not truncate:
        raise ValueError(f"{name} has {n} neurons, more than max_units={max_units}: pass truncate=True to "
                         f"draw the first and last {max_units // 2} with an ellipsis between, or raise "
                         "max_units")
    half = max(max_units // 2, 1)
    return [*range(half), None, *range(n - half, n)]


def network(
    model: Any,
    *,
    max_units: int = 16,
    truncate: bool = False,
    show_weights: bool = False,
    path: PathLike | None = None,
) -> Figure:
    """Draw a Dense network as the lectures do: neurons in columns, one edge per weight.

    Edge width is proportional to |W[i, j]| / max |W| of the whole network, and the colour
    gives the sign (blue > 0, red < 0), so large and small weights and their signs can be
    read at a glance. Each layer's column is titled with its width and activation.

    Parameters
    ----------
    model : Sequential
        A built (or trained) model of Dense layers; Dropout layers are passed through.
    max_units : int, default 16
        The widest layer drawn in full.
    truncate : bool, default False
        Draw a wider layer as its first and last ``max_units // 2`` neurons with an
        ellipsis between (edges only between drawn neurons), instead of refusing it.
    show_weights : bool, default False
        Write each weight's value on its edge (for small networks such as the lectures' 2-2-2).
    path : str or os.PathLike, optional
        Where to save the figure (1.8 inches per layer wide, 100 dpi).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    TypeError
        For a model with a layer other than Dense and Dropout (its name and type are given).
    ValueError
        For a model not built yet, or a layer wider than ``max_units`` without ``truncate``.

    Examples
    --------
    >>> import glassnet as gn
    >>> model = gn.Sequential([gn.layers.Dense(3, activation="sigmoid", input_dim=2),
    ...                        gn.layers.Dense(1)], seed=0)
    >>> fig = network(model)
    >>> fig.axes[0].get_title()
    '2-3-1 network: 9 weights, edge width |W|, blue > 0, red < 0'
    """
    if isinstance(max_units, bool) or not isinstance(max_units, int) or max_units < 2:
        raise ValueError(f"max_units must be an int >= 2, got {max_units!r}")
    dense = _dense_layers(model)
    widths = [dense[0].W.shape[0], *(layer.W.shape[1] for layer in dense)]
    names = ["input", *(f"layer {k} ({layer.name})" for k, layer in enumerate(dense, 1))]
    shown = [_shown(n, max_units, truncate, name) for n, name in zip(widths, names, strict=True)]
    tallest = max(len(s) for s in shown)
    fig, axes = new_figure(1, 1, (1.2 + 1.8 * len(widths), 1.0 + 0.45 * tallest))
    ax = axes[0, 0]
    ys = [np.linspace(0.5 * (len(s) - 1), -0.5 * (len(s) - 1), len(s)) for s in shown]
    biggest = max(float(np.abs(layer.W.data).max()) for layer in dense) or 1.0
    for k, layer in enumerate(dense):
        _draw_edges(ax, k, layer.W.data, shown[k], shown[k + 1], ys[k], ys[k + 1], biggest, show_weights)
    for k, (column, y) in enumerate(zip(shown, ys, strict=True)):
        _draw_neurons(ax, k, column, y)
        activation = "" if k == 0 else f"\n{dense[k - 1].activation or 'linear'}"
        ax.text(k, 0.5 * (tallest - 1) + 0.6, f"{widths[k]}{activation}", ha="center", va="bottom",
                fontsize=8)
    ax.set(xlim=(-0.5, len(widths) - 0.5), ylim=(-0.5 * tallest, 0.5 * tallest + 0.6))
    ax.set_axis_off()
    ax.set_title(f"{'-'.join(map(str, widths))} network: {sum(layer.W.size for layer in dense)} weights, "
                 "edge width |W|, blue > 0, red < 0", fontsize=9)
    return finish(fig, path)


def _draw_edges(ax: Any, k: int, W: np.ndarray, rows: list[int | None], cols: list[int | None],
                y_in: np.ndarray, y_out: np.ndarray, biggest: float, show_weights: bool) -> None:
    from matplotlib.collections import LineCollection

    segments, widths, colours = [], [], []
    for a, i in enumerate(rows):
        for b, j in enumerate(cols):
            if i is None or j is None:
                continue
            w = float(W[i, j])
            segments.append([(k, y_in[a]), (k + 1, y_out[b])])
            widths.append(0.3 + 3.5 * abs(w) / biggest)
            colours.append("tab:blue" if w >= 0 else "tab:red")
            if show_weights:
                ax.text(k + 0.3, y_in[a] + 0.3 * (y_out[b] - y_in[a]), f"{w:.2f}", fontsize=6,
                        color=colours[-1], ha="center", va="center")
    ax.add_collection(LineCollection(segments, linewidths=widths, colors=colours, alpha=0.7, zorder=1))


def _draw_neurons(ax: Any, k: int, column: list[int | None], y: np.ndarray) -> None:
    drawn = [a for a, i in enumerate(column) if i is not None]
    ax.scatter(np.full(len(drawn), k), y[drawn], s=260, facecolor="white", edgecolor="black", zorder=2)
    for a, i in enumerate(column):
        if i is None:
            ax.text(k, y[a], "⋮", ha="center", va="center", fontsize=14, zorder=3)
