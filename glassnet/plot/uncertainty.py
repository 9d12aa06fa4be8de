"""Figures of uncertain predictions: calibration (reliability diagram, coverage against the
nominal level) and the band of a 1-D regression split into its aleatoric and epistemic parts.

The numbers drawn come from :mod:`glassnet.metrics` (:func:`~glassnet.metrics.calibration_bins`,
:func:`~glassnet.metrics.interval_coverage`); matplotlib and scipy are imported inside the
functions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from glassnet import metrics
from glassnet.plot._canvas import PathLike, as_1d, as_array, finish, new_figure

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["calibration", "uncertainty_band", "LEVELS"]

#: The nominal levels at which :func:`calibration` measures the coverage of Gaussian intervals.
LEVELS = tuple(np.round(np.arange(0.05, 1.0, 0.05), 2))


def calibration(
    y_true: Any,
    proba: Any = None,
    *,
    mean: Any = None,
    std: Any = None,
    intervals: Mapping[float, tuple[Any, Any]] | None = None,
    levels: Sequence[float] = LEVELS,
    n_bins: int = 15,
    path: PathLike | None = None,
) -> Figure:
    """How far predicted uncertainties are from the observed frequencies.

    - A classifier (``proba``, (N, C) or (N,) for P(class 1)): the reliability diagram, the
      fraction of correct predictions in each of ``n_bins`` confidence bins against the bin's
      mean confidence (:func:`glassnet.metrics.calibration_bins`), the diagonal for a
      calibrated model, and the expected calibration error in the title.
    - A regressor (``mean`` and ``std``, a Gaussian prediction): the fraction of ``y_true``
      inside the central interval mean -/+ Phi^{-1}((1 + level) / 2) std against each nominal
      ``level``; or (``intervals``, ``{level: (lower, upper)}``, e.g. from
      ``model.predict_interval``) the coverage of each given interval. Points above the
      diagonal are under-confident, below it over-confident.

    Parameters
    ----------
    y_true : array_like
        Class labels (N,) or one-hot rows for ``proba``; targets for ``mean``/``intervals``.
    proba, mean, std, intervals
        One kind of prediction: ``proba``, or ``mean`` with ``std``, or ``intervals``.
    levels : sequence of float in (0, 1), default 0.05, 0.10, ..., 0.95
        The nominal levels for ``mean``/``std``.
    n_bins : int, default 15
    path : str or os.PathLike, optional
        Where to save the figure (5 x 4.5 inches, 100 dpi).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> proba = rng.uniform(size=200)
    >>> y = (rng.uniform(size=200) < proba).astype(int)
    >>> figure = gn.plot.calibration(y, proba, n_bins=5)
    >>> figure.axes[0].get_title()
    'reliability diagram (ECE = 0.045)'
    """
    given = [name for name, value in (("proba", proba), ("mean", mean), ("intervals", intervals))
             if value is not None]
    if len(given) != 1 or (mean is None) != (std is None):
        pairing = "" if (mean is None) == (std is None) else " (mean and std go together)"
        raise ValueError("calibration takes one kind of prediction: proba= (a classifier), mean= with "
                         "std= (a Gaussian regression), or intervals={level: (lower, upper)}; got "
                         f"{', '.join(given) or 'none'}{pairing}")
    fig, axes = new_figure(1, 1, (5.0, 4.5))
    ax = axes[0, 0]
    if proba is not None:
        _reliability(ax, y_true, proba, n_bins)
    else:
        nominal, observed = _coverage(y_true, mean, std, intervals, levels)
        ax.plot(nominal, observed, marker="o", color="C0", label="observed")
        ax.set(xlabel="nominal level", ylabel="fraction of y inside the interval",
               title=f"interval coverage (mean gap {np.mean(np.abs(observed - nominal)):.3f})")
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="calibrated")
    ax.set(xlim=(0, 1), ylim=(0, 1))
    ax.legend(loc="upper left")
    return finish(fig, path)


def _reliability(ax: Axes, y_true: Any, proba: Any, n_bins: int) -> None:
    confidence, accuracy, counts = metrics.calibration_bins(y_true, proba, n_bins)
    filled = counts > 0
    edges = np.linspace(0, 1, n_bins + 1)
    ax.bar(edges[:-1][filled], accuracy[filled], width=1 / n_bins, align="edge", color="C0", alpha=0.7,
           edgecolor="black", label="accuracy")
    ax.plot(confidence[filled], accuracy[filled], marker="o", linestyle="", color="C1",
            label="(mean confidence, accuracy)")
    ece = metrics.expected_calibration_error(y_true, proba, n_bins)
    ax.set(xlabel="confidence (largest class probability)", ylabel="accuracy",
           title=f"reliability diagram (ECE = {ece:.3f})")


def _coverage(y_true: Any, mean: Any, std: Any, intervals: Mapping[float, tuple[Any, Any]] | None,
              levels: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """(nominal levels, observed coverage), sorted by level."""
    from scipy.stats import norm

    from glassnet.layers.heads import check_level

    if intervals is not None:
        if not isinstance(intervals, Mapping):
            raise TypeError("calibration: intervals must be a dict {level: (lower, upper)}, got "
                            f"{type(intervals).__name__}")
        if not intervals:
            raise ValueError("calibration: intervals is empty; give {level: (lower, upper)}")
        pairs = sorted(((check_level("calibration", level), bounds) for level, bounds in intervals.items()),
                       key=lambda pair: pair[0])
        observed = [metrics.interval_coverage(y_true, *bounds) for _, bounds in pairs]
        return np.array([level for level, _ in pairs]), np.array(observed)
    nominal = np.array(sorted(check_level("calibration", level) for level in levels))
    if nominal.size == 0:
        raise ValueError("calibration: levels is empty; give nominal levels in (0, 1)")
    mean, std = as_array(mean, np.float64), as_array(std, np.float64)
    observed = [metrics.interval_coverage(y_true, mean - z * std, mean + z * std)
                for z in norm.ppf(0.5 + nominal / 2)]
    return nominal, np.array(observed)


def uncertainty_band(
    x: Any,
    y: Any,
    mean: Any,
    std: Any,
    aleatoric_std: Any = None,
    epistemic_std: Any = None,
    *,
    path: PathLike | None = None,
) -> Figure:
    """A 1-D regression with its error bar: the data, the predicted mean and the band
    mean -/+ 2 std, sorted by x.

    Given ``aleatoric_std`` and/or ``epistemic_std`` (with std^2 = aleatoric^2 + epistemic^2,
    the missing one is inferred), the band is split: mean -/+ 2 epistemic (the model's
    ignorance, darker) inside mean -/+ 2 std (the rest: the data's noise).

    Parameters
    ----------
    x : array_like, shape (N,) or (N, 1)
        The one input feature.
    y : array_like, shape (N,) or (N, 1), or None
        The observed targets at x (None: no data points).
    mean, std : array_like, shape (N,) or (N, 1)
        The prediction and its total standard deviation at x.
    aleatoric_std, epistemic_std : array_like, shape (N,) or (N, 1), optional
    path : str or os.PathLike, optional
        Where to save the figure (7 x 4.5 inches, 100 dpi).

    Examples
    --------
    >>> x = np.linspace(0, 1, 20)
    >>> figure = gn.plot.uncertainty_band(x, 2 * x, mean=2 * x, std=np.full(20, 0.1))
    >>> type(figure).__name__
    'Figure'
    """
    x = as_1d(x, "x (one input feature)")
    named = {"mean": mean, "std": std, "aleatoric_std": aleatoric_std, "epistemic_std": epistemic_std, "y": y}
    values = {name: as_1d(v, name).astype(np.float64) for name, v in named.items() if v is not None}
    for name, value in values.items():
        if value.size != x.size:
            raise ValueError(f"uncertainty_band: {name} has {value.size} values but x has {x.size}")
        if name.endswith("std") and (value < 0).any():
            raise ValueError(f"uncertainty_band: {name} must be >= 0, got values down to {value.min():.4g}")
    order = np.argsort(x, kind="stable")
    xs = x[order]
    m, s = values["mean"][order], values["std"][order]
    fig, axes = new_figure(1, 1, (7.0, 4.5))
    ax = axes[0, 0]
    epistemic = _epistemic(values, order)
    if epistemic is None:
        ax.fill_between(xs, m - 2 * s, m + 2 * s, color="C0", alpha=0.25, label="mean ± 2 std")
    else:
        ax.fill_between(xs, m - 2 * s, m + 2 * s, color="C0", alpha=0.2, label="aleatoric (to ± 2 std)")
        ax.fill_between(xs, m - 2 * epistemic, m + 2 * epistemic, color="C3", alpha=0.35,
                        label="epistemic ± 2 std")
    if "y" in values:
        ax.scatter(x, values["y"], s=8, color="black", alpha=0.5, label="data")
    ax.plot(xs, m, color="C0", linewidth=2, label="mean")
    ax.set(xlabel="x", ylabel="y", title="prediction with its uncertainty")
    ax.legend(loc="best")
    return finish(fig, path)


def _epistemic(values: dict[str, np.ndarray], order: np.ndarray) -> np.ndarray | None:
    """The epistemic std, sorted: given, or sqrt(std^2 - aleatoric^2); None when neither part is given."""
    if "epistemic_std" in values:
        return values["epistemic_std"][order]
    if "aleatoric_std" in values:
        return np.sqrt(np.maximum(values["std"] ** 2 - values["aleatoric_std"] ** 2, 0.0))[order]
    return None
