"""Figures of a search: the score against each parameter, a 2-D map for two parameters, the
optimization history, and Optuna's parameter importances (Bayesian search)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from glassnet.plot._canvas import finish, new_figure
from glassnet.tune.space import Choice, IntUniform, LogUniform

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["search_figures", "scores", "heatmap", "history", "importances"]

#: A parameter with at most this many values gets a heat-map axis; more get a scatter.
_MAX_CELLS = 12


def _complete(result: Any) -> Any:
    return result.trials[result.trials["state"] == "complete"]


def _axis_values(column: Any) -> tuple[np.ndarray, list[str] | None]:
    """Positions to plot a parameter's values at, and tick labels when they are not numbers."""
    values = list(column)
    if all(isinstance(v, (int, float, np.number)) and not isinstance(v, bool) for v in values):
        return np.asarray(values, dtype=float), None
    labels = sorted({str(v) for v in values})
    return np.asarray([labels.index(str(v)) for v in values], dtype=float), labels


def _log_axes(ax: Any, x: Any, y: Any = None) -> None:
    """A log scale (labelled at its decades) on the axes whose distribution is log-uniform."""
    from matplotlib.ticker import NullFormatter

    for dist, axis, scale in ((x, ax.xaxis, ax.set_xscale), (y, ax.yaxis, ax.set_yscale)):
        if isinstance(dist, LogUniform):
            scale("log")
            axis.set_minor_formatter(NullFormatter())


def scores(result: Any, path: str | Path | None = None) -> Figure:
    """The mean score of each completed trial against each parameter (one panel each)."""
    done = _complete(result)
    names = result.space.names
    fig, axes = new_figure(1, len(names), (3.6, 3.0))
    for ax, name in zip(axes[0], names, strict=True):
        x, labels = _axis_values(done[f"param_{name}"])
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
    xs, x_labels = _axis_values(done[f"param_{x}"])
    ys, y_labels = _axis_values(done[f"param_{y}"])
    score = done["mean_score"].to_numpy(dtype=float)
    dists = result.space.distributions
    if all(isinstance(dists[n], (Choice, IntUniform)) and len(np.unique(v)) <= _MAX_CELLS
           for n, v in ((x, xs), (y, ys))):
        cols, rows = np.unique(xs), np.unique(ys)
        cells = np.full((len(rows), len(cols)), np.nan)
        for i, row in enumerate(rows):
            for j, col in enumerate(cols):
                hit = (ys == row) & (xs == col)
                if hit.any():
                    cells[i, j] = score[hit].mean()
        image = ax.imshow(cells, origin="lower", aspect="auto", cmap="viridis")
        for (i, j), value in np.ndenumerate(cells):
            if np.isfinite(value):
                ax.text(j, i, f"{value:.3g}", ha="center", va="center", color="white", fontsize=8)
        ax.set_xticks(range(len(cols)), x_labels or [f"{c:g}" for c in cols], rotation=30)
        ax.set_yticks(range(len(rows)), y_labels or [f"{r:g}" for r in rows])
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
