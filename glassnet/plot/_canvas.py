"""What every figure shares: an Agg canvas of its own, the saving rule, input coercion."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from glassnet.tensor import Tensor

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["DPI", "PathLike", "new_figure", "finish", "as_array", "as_1d"]

DPI = 100
"""Dots per inch of every figure: a figure of w x h inches is saved as 100 w x 100 h pixels."""

PathLike = str | os.PathLike


def new_figure(nrows: int, ncols: int, panel: tuple[float, float]) -> tuple[Figure, np.ndarray]:
    """A Figure on its own Agg canvas with an (nrows, ncols) array of axes, each ``panel`` inches.

    Built from :class:`matplotlib.figure.Figure` and ``FigureCanvasAgg`` directly: pyplot's
    global state (current figure, backend, open-figure list) is never touched.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(panel[0] * ncols, panel[1] * nrows), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.subplots(nrows, ncols, squeeze=False)


def finish(fig: Figure, path: PathLike | None) -> Figure:
    """Save ``fig`` to ``path`` when given (format from the suffix, PNG without one); return it."""
    if path is not None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=DPI, format=path.suffix[1:].lower() or "png")
    return fig


def as_array(values: Any, dtype: Any = None) -> np.ndarray:
    """A NumPy array from array-like data or a Tensor (its data)."""
    return np.asarray(values.data if isinstance(values, Tensor) else values, dtype=dtype)


def as_1d(values: Any, argument: str) -> np.ndarray:
    """An array of shape (N,), N > 0, from (N,) or (N, 1); ``argument`` names it in errors."""
    array = as_array(values)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{argument} must have shape (N,) or (N, 1) with N > 0, got {array.shape}")
    return array
