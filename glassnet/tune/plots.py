"""Figures of a search: the score against each parameter, a 2-D map for two parameters, the
optimization history, and Optuna's parameter importances (Bayesian search)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from glassnet.plot._canvas import finish, new_figure
from glassnet.plot.search import axis_positions, draw_heatmap
from glassnet.tune.distributions import Choice, IntUniform, LogUniform

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["search_figures", "scores", "heatmap", "history", "importances"]

#: A parameter with at most this many values gets a heat-map axis; more get a scatter.
_MAX_CELLS = 12


def _complete(result: Any) -> Any:
    return result.trials[result.trials["state"] == "complete"]


def _log_axes(ax: Any, x: Any, y: Any = None) -> None:
    """A log scale over the distribution's whole range on the axes whose distribution is
    log-uniform, labelled at 1, 2 and 5 times each power of ten (so that a range within one
    decade has labels too)."""
    from matplotlib.ticker import LogFormatterSciNotation, LogLocator, NullFormatter

    for dist, axis, scale, limits in ((x, ax.xaxis, ax.set_xscale, ax.set_xlim),
                                      (y, ax.yaxis, ax.set_yscale, ax.set_ylim)):
        if isinstance(dist, LogUniform):
            scale("log")
            limits(dist.low, dist.high)
            axis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
            axis.set_major_formatter(LogFormatterSciNotation(labelOnlyBase=False))
            axis.set_minor_formatter(NullFormatter())


def scores(result: Any, path: str | Path | None = None) -> Figure:
    """The mean score of each completed trial against each parameter (one panel each)."""
    done = _complete(result)
    names = result.space.names
    fig, axes = new_figure(1, len(names), (3.6, 3.0))
    for ax, name in zip(axes[0], names, strict=True):
        x, labels = axis_positions(done[f"param_{name}"])
        ax.errorbar(x, done["mean_score"], yerr=done["std_score"], fmt="o", alpha=0.7, capsize=2)
        if labels is not None:
            ax.set_xticks(range(len(labels)), labels, rotation=30)
        else:
            _log_axes(ax, result.space.distributions[name])
        ax.set_xlabel(name)
        better = "lower" if result.direction == "minimize" else "higher"
        ax.set_ylabel(f"{result.scoring} ({better} is better)")
    fig.suptitle("Score against each parameter")
    return finish(fig, path)


def heatmap(result: Any, x: str, y: str, path: str | Path | None = None) -> Figure:
    """The mean score over the values of two parameters: a heat map when both take a few
    discrete values (choices, integers), else the trials as points coloured by their score."""
    done = _complete(result)
    fig, axes = new_figure(1, 1, (5.0, 4.0))
    ax = axes[0, 0]
    xs, x_labels = axis_positions(done[f"param_{x}"])
    ys, y_labels = axis_positions(done[f"param_{y}"])
    score = done["mean_score"].to_numpy(dtype=float)
    dists = result.space.distributions
    if all(isinstance(dists[n], (Choice, IntUniform)) and len(np.unique(v)) <= _MAX_CELLS
           for n, v in ((x, xs), (y, ys))):
        image = draw_heatmap(ax, xs, ys, score, x_labels, y_labels)
    else:
        image = ax.scatter(xs, ys, c=score, cmap="viridis")
        _log_axes(ax, dists[x], dists[y])
    fig.colorbar(image, ax=ax, label=result.scoring)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_title(f"Mean {result.scoring} over {x} and {y}")
    return finish(fig, path)


def history(result: Any, path: str | Path | None = None) -> Figure:
    """Each completed trial's score in the order they ran, and the best so far."""
    done = _complete(result)
    fig, axes = new_figure(1, 1, (5.0, 3.2))
    ax = axes[0, 0]
    values = done["mean_score"].to_numpy(dtype=float)
    best = np.minimum.accumulate(values) if result.direction == "minimize" else np.maximum.accumulate(values)
    ax.plot(done["number"], values, "o", alpha=0.6, label="trial")
    ax.step(done["number"], best, where="post", label="best so far")
    ax.set_xlabel("trial")
    ax.set_ylabel(result.scoring)
    ax.set_title("Optimization history")
    ax.legend()
    return finish(fig, path)


def importances(result: Any, path: str | Path | None = None) -> Figure:
    """Optuna's parameter importances (fANOVA) of the study."""
    import optuna

    values = optuna.importance.get_param_importances(result.study)
    fig, axes = new_figure(1, 1, (5.0, 0.5 + 0.4 * len(values)))
    ax = axes[0, 0]
    names = list(values)[::-1]
    ax.barh(names, [values[n] for n in names])
    ax.set_xlabel("importance")
    ax.set_title("Parameter importances")
    return finish(fig, path)


def search_figures(result: Any, folder: str | Path | None = None) -> list[Figure]:
    """Every figure that fits the search: ``scores``, ``heatmap`` (exactly two parameters),
    ``history``, ``importances`` (Bayesian search of two or more parameters), each labelled
    with its name (``figure.get_label()``) and saved as ``<name>.png`` in ``folder`` when given."""
    names = result.space.names
    draw = {"scores": lambda path: scores(result, path)}
    if len(names) == 2:
        draw["heatmap"] = lambda path: heatmap(result, *names, path=path)
    draw["history"] = lambda path: history(result, path)
    if result.study.user_attrs.get("glassnet", {}).get("method") == "bayes" and len(names) >= 2 \
            and len(_complete(result)) >= 2:
        draw["importances"] = lambda path: importances(result, path)
    figures = []
    for name, figure in draw.items():
        fig = figure(None if folder is None else Path(folder) / f"{name}.png")
        fig.set_label(name)
        figures.append(fig)
    return figures
