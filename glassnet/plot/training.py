"""Figures of a training run: the learning curves and the gradient flow through the layers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from glassnet.plot._canvas import PathLike, finish, new_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["history", "gradient_flow"]


def history(
    h: Any, metrics: str | Sequence[str] | None = None, path: PathLike | None = None
) -> Figure:
    """Learning curves: one panel per metric, its training and validation values per epoch.

    Parameters
    ----------
    h : History or dict
        A History (its ``.history`` is used) or a dict of per-epoch lists such as
        ``{"loss": [...], "val_loss": [...], "accuracy": [...], "val_accuracy": [...]}``.
    metrics : str or sequence of str, optional
        The metrics to draw, named without the ``val_`` prefix (default: all, in order).
    path : str or os.PathLike, optional
        Where to save the figure (4 x 3.2 inches per panel, 100 dpi).

    Raises
    ------
    ValueError
        If the history is empty or a metric is not in it (the message lists those that are).

    Examples
    --------
    >>> fig = history({"loss": [0.9, 0.5, 0.4], "val_loss": [1.0, 0.7, 0.6]})
    """
    logs = getattr(h, "history", h)
    if not isinstance(logs, Mapping):
        raise TypeError(f"h must be a History or a dict of per-epoch lists, got {type(h).__name__}")
    available = list(dict.fromkeys(str(key).removeprefix("val_") for key in logs))
    if not available:
        raise ValueError("h holds no metrics: the history is empty (was the model trained?)")
    chosen = available if metrics is None else [metrics] if isinstance(metrics, str) else list(metrics)
    unknown = [m for m in chosen if m not in available]
    if unknown or not chosen:
        raise ValueError(f"metrics {unknown or chosen!r} not in the history; available: {available}")
    fig, axes = new_figure(1, len(chosen), (4.0, 3.2))
    for ax, metric in zip(axes[0], chosen, strict=True):
        for key, label in ((metric, "training"), (f"val_{metric}", "validation")):
            if key in logs:
                values = np.asarray(logs[key], dtype=float)
                ax.plot(np.arange(1, values.size + 1), values, label=label,
                        marker="o" if values.size <= 30 else None, markersize=3)
        ax.set(title=metric, xlabel="epoch")
        ax.legend()
    return finish(fig, path)


def gradient_flow(
    norms_by_layer: Mapping[str, Sequence[float]],
    path: PathLike | None = None,
    *,
    xlabel: str = "step",
) -> Figure:
    """Per-layer gradient norms ||dE/dW|| over training, on a log scale.

    Vanishing gradients show as the first layers' curves falling decades below the last
    layers'; exploding ones as curves climbing without bound.

    Parameters
    ----------
    norms_by_layer : dict of str to sequence of float
        Layer name -> its gradient norm at each recorded step (or epoch). Zeros are not
        drawn (they have no logarithm).
    path : str or os.PathLike, optional
        Where to save the figure (6 x 4 inches, 100 dpi).
    xlabel : str, default "step"
        What one recorded value stands for ("step", "epoch", ...).

    Raises
    ------
    ValueError
        If there is no layer, or a layer's norms are empty, not 1-D, negative or NaN.

    Examples
    --------
    >>> figure = gn.plot.gradient_flow({"dense": [1.0, 0.5, 0.25], "dense_1": [0.1, 0.05, 0.02]})
    >>> type(figure).__name__, figure.axes[0].get_xlabel()
    ('Figure', 'step')
    """
    if not isinstance(norms_by_layer, Mapping):
        raise TypeError("norms_by_layer must be a dict of layer name -> list of norms, got "
                        f"{type(norms_by_layer).__name__}")
    if not norms_by_layer:
        raise ValueError("norms_by_layer is empty: give at least one layer's gradient norms")
    fig, axes = new_figure(1, 1, (6.0, 4.0))
    ax = axes[0, 0]
    for name, norms in norms_by_layer.items():
        values = np.asarray(norms, dtype=float)
        if values.ndim != 1 or values.size == 0 or not np.all(values >= 0):
            raise ValueError(f"norms_by_layer[{name!r}] must be a non-empty list of norms >= 0, "
                             f"got an array of shape {values.shape} with minimum "
                             f"{np.min(values) if values.size else None}")
        ax.plot(np.arange(1, values.size + 1), values, label=str(name))
    ax.set_yscale("log", nonpositive="mask")
    ax.set(xlabel=xlabel, ylabel="gradient norm ||dE/dW||", title="gradient flow per layer")
    ax.legend(fontsize=8)
    return finish(fig, path)
