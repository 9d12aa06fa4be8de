"""Figures of a hyperparameter search: the score against one hyperparameter, and the depth x
width heat map of the networks tried.

:func:`search_results` reads scikit-learn's ``cv_results_`` (``GridSearchCV``,
``RandomizedSearchCV``; as a dict or a DataFrame) and glassnet's own search results
(:class:`glassnet.tune.SearchResult`). :func:`axis_positions` and :func:`draw_heatmap` are
the pieces that :mod:`glassnet.tune.plots` draws its figures with too.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from glassnet.plot._canvas import PathLike, finish, new_figure

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["search_results", "axis_positions", "draw_heatmap", "layer_sizes"]


@dataclasses.dataclass
class _Trials:
    """The completed trials of a search, whatever it came from."""

    params: dict[str, list[Any]]
    mean: np.ndarray
    std: np.ndarray
    label: str
    higher_is_better: bool


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.number)) and not isinstance(value, (bool, np.bool_))


def axis_positions(values: Sequence[Any]) -> tuple[np.ndarray, list[str] | None]:
    """Where to plot a parameter's values: the numbers themselves, or for other values
    (text, tuples, None) their index among the sorted distinct labels, with those labels.

    Examples
    --------
    >>> axis_positions(["relu", "tanh", "relu"])
    (array([0., 1., 0.]), ['relu', 'tanh'])
    """
    values = list(values)
    if all(_is_number(v) for v in values):
        return np.asarray(values, dtype=float), None
    labels = sorted({str(v) for v in values})
    return np.asarray([labels.index(str(v)) for v in values], dtype=float), labels


def draw_heatmap(ax: Axes, xs: np.ndarray, ys: np.ndarray, score: np.ndarray, x_labels: list[str] | None,
                 y_labels: list[str] | None, best: str = "mean") -> Any:
    """A heat map of ``score`` over the distinct values of xs (columns) and ys (rows), each
    cell the mean (``best="mean"``), the highest ("max") or lowest ("min") score of the trials
    there, written in the cell; empty cells stay blank. Returns the image (for a colour bar).

    Examples
    --------
    >>> from glassnet.plot._canvas import new_figure
    >>> fig, axes = new_figure(1, 1, (3.0, 3.0))
    >>> image = draw_heatmap(axes[0, 0], np.array([1.0, 2.0, 1.0]), np.array([0.0, 0.0, 1.0]),
    ...                      np.array([0.5, 0.7, 0.9]), None, None)
    >>> image.get_array().filled(np.nan).tolist()
    [[0.5, 0.7], [0.9, nan]]
    """
    reduce = {"mean": np.mean, "max": np.max, "min": np.min}[best]
    cols, rows = np.unique(xs), np.unique(ys)
    cells = np.full((len(rows), len(cols)), np.nan)
    for i, row in enumerate(rows):
        for j, col in enumerate(cols):
            hit = (ys == row) & (xs == col) & np.isfinite(score)
            if hit.any():
                cells[i, j] = reduce(score[hit])
    image = ax.imshow(cells, origin="lower", aspect="auto", cmap="viridis")
    for (i, j), value in np.ndenumerate(cells):
        if np.isfinite(value):
            ax.text(j, i, f"{value:.3g}", ha="center", va="center", color="white", fontsize=8)
    ax.set_xticks(range(len(cols)), _tick_labels(cols, x_labels), rotation=30)
    ax.set_yticks(range(len(rows)), _tick_labels(rows, y_labels))
    return image


def _tick_labels(positions: np.ndarray, labels: list[str] | None) -> list[str]:
    return [labels[int(p)] for p in positions] if labels else [f"{p:g}" for p in positions]


def layer_sizes(value: Any) -> tuple[int, ...] | None:
    """The hidden-layer widths a parameter value stands for, or None: a tuple or list of
    ints (scikit-learn's ``hidden_layer_sizes``, glassnet's ``hidden``), one int, or a text
    "64,32".

    Examples
    --------
    >>> layer_sizes((64, 32)), layer_sizes("128"), layer_sizes("relu")
    ((64, 32), (128,), None)
    """
    if isinstance(value, str):
        parts = [p.strip() for p in value.replace(",", " ").split()]
        return tuple(int(p) for p in parts) if parts and all(p.isdigit() for p in parts) else None
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return (int(value),)
    if isinstance(value, (tuple, list)) and value and all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value):
        return tuple(int(v) for v in value)
    return None


def _from_cv_results(results: Mapping[str, Any], scoring: str | None) -> _Trials:
    keys = [k for k in results if str(k).startswith("mean_test_")]
    if scoring is None:
        if "mean_test_score" not in results:
            raise ValueError(f"the cv_results_ hold several scores {[k[10:] for k in keys]}: choose one with "
                             "scoring=")
        key = "mean_test_score"
    else:
        key = f"mean_test_{scoring}"
        if key not in results:
            raise ValueError(f"scoring={scoring!r} is not in the cv_results_; they hold "
                             f"{[k[10:] for k in keys] or 'no mean_test_ score'}")
    trials = [dict(p) for p in results["params"]]
    names = list(dict.fromkeys(name for p in trials for name in p))
    std_key = key.replace("mean_", "std_", 1)
    mean = np.asarray(results[key], dtype=float)
    std = np.asarray(results[std_key], dtype=float) if std_key in results else np.zeros_like(mean)
    return _Trials({n: [p.get(n) for p in trials] for n in names}, mean, std,
                   scoring or "score", True)


def _from_search(result: Any) -> _Trials:
    done = result.trials[result.trials["state"] == "complete"]
    names = [str(c)[6:] for c in done.columns if str(c).startswith("param_")]
    return _Trials({n: list(done[f"param_{n}"]) for n in names}, done["mean_score"].to_numpy(dtype=float),
                   done["std_score"].to_numpy(dtype=float), str(result.scoring),
                   result.direction == "maximize")


def _trials(results: Any, scoring: str | None) -> _Trials:
    if hasattr(results, "trials") and hasattr(results, "direction"):
        trials = _from_search(results)
    elif hasattr(results, "columns") and hasattr(results, "to_dict"):
        trials = _from_cv_results({str(c): list(results[c]) for c in results.columns}, scoring)
    elif isinstance(results, Mapping) and "params" in results:
        trials = _from_cv_results(results, scoring)
    else:
        raise TypeError("results must be a scikit-learn search's cv_results_ (a dict with 'params' and "
                        "'mean_test_score', or its DataFrame) or a glassnet SearchResult, got "
                        f"{type(results).__name__}")
    if trials.mean.size == 0 or not np.isfinite(trials.mean).any():
        raise ValueError("the search has no completed trial with a finite score to draw")
    return trials


def _choose_param(trials: _Trials, param: str | None) -> str:
    names = list(trials.params)
    if param is None:
        varied = [n for n in names if len({str(v) for v in trials.params[n]}) > 1]
        if not varied:
            raise ValueError(f"no parameter takes more than one value in this search ({names})")
        return varied[0]
    if param not in trials.params:
        raise ValueError(f"param={param!r} is not a parameter of the search; its parameters are {names}")
    return param


def _hidden_param(trials: _Trials, hidden: str | None) -> str | None:
    """The parameter holding layer widths, for the depth x width map (None: there is none)."""
    if hidden is not None:
        if hidden not in trials.params or any(layer_sizes(v) is None for v in trials.params[hidden]):
            raise ValueError(f"hidden={hidden!r} must name a parameter whose values are layer widths such "
                             f"as (64, 32); the parameters are {list(trials.params)}")
        return hidden
    for name, values in trials.params.items():
        sizes = [layer_sizes(v) for v in values]
        if all(s is not None for s in sizes) and len({len(s) for s in sizes}) > 1:
            return name
    return None


def search_results(
    results: Any,
    param: str | None = None,
    *,
    hidden: str | None = None,
    scoring: str | None = None,
    path: PathLike | None = None,
) -> Figure:
    """The score of a search against one hyperparameter, and the depth x width heat map.

    Left panel: every completed trial's mean score (with its standard deviation over the
    folds) against ``param``, and the best score reached at each of its values. Right
    panel, when the search varied the hidden layers: the best score of each network depth
    (number of hidden layers) and width (units of the first hidden layer).

    Parameters
    ----------
    results : dict, DataFrame or SearchResult
        scikit-learn's ``search.cv_results_`` (or ``pandas.DataFrame(search.cv_results_)``),
        or the result of a glassnet search (``gn.tune``), of which the completed trials count.
    param : str, optional
        The hyperparameter of the left panel (default: the first that takes several values),
        named without the ``param_`` prefix ("alpha", "lr", "hidden_layer_sizes").
    hidden : str, optional
        The parameter holding the layer widths (tuples such as (64, 32)); default the one
        found (``hidden_layer_sizes``, ``hidden``) whose values differ in depth.
    scoring : str, optional
        Which score of a multi-metric scikit-learn search (``mean_test_<scoring>``).
    path : str or os.PathLike, optional
        Where to save the figure (4.5 x 3.6 inches per panel, 100 dpi).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    TypeError
        For results of another kind.
    ValueError
        For an unknown ``param``, ``hidden`` or ``scoring`` (the message lists the valid ones),
        or a search without any completed trial.

    Examples
    --------
    >>> cv_results = {"params": [{"alpha": a, "hidden_layer_sizes": h} for a in (1e-4, 1e-2)
    ...                          for h in ((8,), (16,), (8, 8))],
    ...               "mean_test_score": [0.8, 0.85, 0.82, 0.7, 0.9, 0.75],
    ...               "std_test_score": [0.01] * 6}
    >>> fig = search_results(cv_results, "alpha")
    >>> [ax.get_title() for ax in fig.axes[:2]]
    ['score against alpha', 'best score by depth and width']
    """
    trials = _trials(results, scoring)
    param = _choose_param(trials, param)
    hidden = _hidden_param(trials, hidden)
    fig, axes = new_figure(1, 2 if hidden else 1, (4.5, 3.6))
    _draw_scores(axes[0, 0], trials, param)
    if hidden:
        ax = axes[0, 1]
        sizes = [layer_sizes(v) for v in trials.params[hidden]]
        depth = np.array([len(s) for s in sizes], dtype=float)
        width = np.array([s[0] for s in sizes], dtype=float)
        best = "max" if trials.higher_is_better else "min"
        image = draw_heatmap(ax, width, depth, trials.mean, None, None, best)
        fig.colorbar(image, ax=ax, label=trials.label)
        ax.set(xlabel="width (units of the first hidden layer)", ylabel="depth (hidden layers)",
               title=f"best {trials.label} by depth and width")
    return finish(fig, path)


def _draw_scores(ax: Axes, trials: _Trials, param: str) -> None:
    x, labels = axis_positions(trials.params[param])
    ax.errorbar(x, trials.mean, yerr=trials.std, fmt="o", alpha=0.5, capsize=2, label="trial (mean ± std)")
    pick = np.nanmax if trials.higher_is_better else np.nanmin
    values = np.unique(x)
    ax.plot(values, [pick(trials.mean[x == v]) for v in values], color="black", marker="_", markersize=14,
            linestyle=":", label="best")
    if labels is not None:
        ax.set_xticks(range(len(labels)), labels, rotation=30)
    elif values.min() > 0 and values.max() / values.min() >= 100:
        ax.set_xscale("log")
    better = "higher" if trials.higher_is_better else "lower"
    ax.set(xlabel=param, ylabel=f"{trials.label} ({better} is better)",
           title=f"{trials.label} against {param}")
    ax.legend(fontsize=8)
