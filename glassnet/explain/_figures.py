"""Figures of the glass-box tools (matplotlib on an Agg canvas, imported when called)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from glassnet.plot._canvas import DPI, finish

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from glassnet.explain.landscape import Landscape
    from glassnet.explain.lr_finder import LRFinderResult

__all__ = ["landscape_figure", "lr_finder_figure"]


def _figure(width: float, height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def landscape_figure(land: Landscape, path: Any = None) -> Figure:
    """1-D: loss against alpha. 2-D: filled contours (left) and the surface (right)."""
    if land.betas is None:
        fig = _figure(6.0, 4.0)
        ax = fig.add_subplot(1, 1, 1)
        ax.plot(land.alphas, land.losses, marker=".")
        marks = (0.0, 1.0) if land.interpolated else (0.0,)
        for mark, text in zip(marks, ("start", "model") if land.interpolated else ("model",)):
            ax.axvline(mark, color="grey", linestyle=":", linewidth=1)
            ax.annotate(text, (mark, ax.get_ylim()[1]), ha="center", va="top", fontsize=8)
        xlabel = "alpha (0 = start, 1 = model)" if land.interpolated else "alpha (direction d)"
        ax.set(xlabel=xlabel, ylabel="loss", title="loss along a line in weight space")
        return finish(fig, path)
    fig = _figure(11.0, 4.5)
    aa, bb = np.meshgrid(land.alphas, land.betas)
    ax = fig.add_subplot(1, 2, 1)
    filled = ax.contourf(aa, bb, land.losses, levels=30, cmap="viridis")
    ax.contour(aa, bb, land.losses, levels=15, colors="white", linewidths=0.4)
    ax.plot([0.0], [0.0], marker="*", color="red", markersize=10)
    fig.colorbar(filled, ax=ax, label="loss")
    ax.set(xlabel="alpha (direction d1)", ylabel="beta (direction d2)",
           title="loss contours around the model")
    ax3 = fig.add_subplot(1, 2, 2, projection="3d")
    ax3.plot_surface(aa, bb, land.losses, cmap="viridis", linewidth=0, antialiased=True)
    ax3.set(xlabel="alpha", ylabel="beta", zlabel="loss", title="loss surface")
    ax3.tick_params(labelsize=7)
    return finish(fig, path)


def lr_finder_figure(result: LRFinderResult, path: Any = None) -> Figure:
    """Smoothed loss against the learning rate (log axis), the suggestion marked."""
    fig = _figure(6.0, 4.0)
    ax = fig.add_subplot(1, 1, 1)
    ax.plot(result.lrs, result.losses, color="lightgrey", linewidth=1, label="loss per step")
    ax.plot(result.lrs, result.smoothed, label="smoothed")
    ax.axvline(result.suggestion, color="red", linestyle="--", linewidth=1,
               label=f"suggested lr = {result.suggestion:.3g}")
    finite = result.smoothed[np.isfinite(result.smoothed)]
    if finite.size:
        low, high = finite.min(), result.smoothed[0]
        ax.set_ylim(low - 0.1 * (high - low + 1e-12), high + 0.5 * (high - low + 1e-12))
    ax.set_xscale("log")
    ax.set(xlabel="learning rate", ylabel="loss", title="learning-rate range test")
    ax.legend(fontsize=8)
    return finish(fig, path)
