"""The numeric columns' steps of :class:`~glassnet.io.tabular.TabularPreprocessor`: polynomial
feature crosses, then a scaler, and how their fitted numbers are saved and restored.

- ``polynomial=d``: scikit-learn's ``PolynomialFeatures(d, include_bias=False)``, every
  product of the numeric columns up to degree d (x1, x2, x1^2, x1 x2, x2^2 for d = 2), the
  lectures' feature crosses;
- ``scale``: "standard" (x' = (x - mean) / std, ``StandardScaler``), "minmax"
  (x' = (x - min) / (max - min), ``MinMaxScaler``) or "none".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["SCALES", "check_steps", "numeric_step", "step_arrays", "restore_step", "steps_problem",
           "feature_bounds", "partial_scaler", "fitted_scaler", "crossed"]

SCALES = ("standard", "minmax", "none")
"""The scalers of the numeric columns."""

#: Keys of the saved description added by these steps (absent in older files: the defaults).
STEP_KEYS = ("scale", "polynomial", "ignored")

_ARRAYS = {"standard": ("mean", "scale", "var"), "minmax": ("data_min", "data_max"), "none": ()}


def check_steps(scale: Any, polynomial: Any, features: Any) -> tuple[str, int | None, list[str] | None]:
    """``(scale, polynomial, features)`` checked, or a ValueError/TypeError naming the bad one."""
    if not isinstance(scale, str) or scale.lower() not in SCALES:
        raise ValueError(f"scale must be one of {list(SCALES)}, got {scale!r}")
    degree = isinstance(polynomial, (int, np.integer)) and not isinstance(polynomial, bool)
    if polynomial is not None and (not degree or polynomial < 1):
        raise ValueError(f"polynomial must be None or a degree >= 1 (an int), got {polynomial!r}")
    if features is not None and (isinstance(features, str) or not all(isinstance(f, str) for f in features)
                                 or not features or len(set(features)) != len(features)):
        raise TypeError(f"features must be a non-empty list of distinct column names, got {features!r}")
    return scale.lower(), None if polynomial is None else int(polynomial), None if features is None \
        else list(features)


def numeric_step(scale: str, polynomial: int | None) -> Any:
    """The unfitted transformer of the numeric columns."""
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import PolynomialFeatures

    scaler = partial_scaler(scale)
    steps = [("polynomial", PolynomialFeatures(polynomial, include_bias=False))] if polynomial else []
    steps += [("scaler", scaler)] if scaler is not None else []
    if not steps:
        return "passthrough"
    return steps[0][1] if len(steps) == 1 and scaler is not None else Pipeline(steps)


def partial_scaler(scale: str) -> Any:
    """The unfitted scaler of the numeric columns (which also learns chunk by chunk, with
    ``partial_fit``), or None for "none"."""
    from sklearn.preprocessing import MinMaxScaler, StandardScaler

    return {"standard": StandardScaler, "minmax": MinMaxScaler}.get(scale, lambda: None)()


def fitted_scaler(step: Any, scale: str) -> Any:
    """A copy of the fitted scaler inside the numeric step (None for "none"), which
    ``partial_fit`` goes on from with unnamed arrays (the column names are dropped)."""
    import copy

    scaler = copy.deepcopy(_scaler(step, scale))
    if hasattr(scaler, "feature_names_in_"):
        del scaler.feature_names_in_
    return scaler


def crossed(x: np.ndarray, polynomial: int | None) -> np.ndarray:
    """The numeric columns ``x`` with their polynomial crosses, as the numeric step makes them."""
    if not polynomial:
        return x
    from sklearn.preprocessing import PolynomialFeatures

    return PolynomialFeatures(polynomial, include_bias=False).fit_transform(x)


def _scaler(step: Any, scale: str) -> Any:
    """The fitted scaler inside the numeric step, or None for ``scale="none"``."""
    from sklearn.pipeline import Pipeline

    if scale == "none":
        return None
    return step.named_steps["scaler"] if isinstance(step, Pipeline) else step


def step_arrays(step: Any, scale: str) -> dict[str, np.ndarray]:
    """The fitted scaler's statistics, by name (none for ``scale="none"``)."""
    scaler = _scaler(step, scale)
    return {} if scaler is None else {name: getattr(scaler, f"{name}_") for name in _ARRAYS[scale]}


def _outputs(step: Any, n_columns: int) -> int:
    """How many features the numeric step makes of ``n_columns`` columns."""
    from sklearn.pipeline import Pipeline

    if isinstance(step, Pipeline) and "polynomial" in step.named_steps:
        return int(step.named_steps["polynomial"].n_output_features_)
    return n_columns


def restore_step(step: Any, scale: str, arrays: Mapping[str, np.ndarray], n_columns: int,
                 n_samples: int) -> None:
    """Give the numeric step (fitted on a stand-in table) the saved scaler statistics.

    Raises
    ------
    ValueError
        When a statistic is missing, not one value per feature, not finite, or a scale is
        not positive.
    """
    scaler = _scaler(step, scale)
    if scaler is None:
        return
    n = _outputs(step, n_columns)
    stats = {k: np.asarray(arrays.get(k, ()), dtype=np.float64) for k in _ARRAYS[scale]}
    if any(v.shape != (n,) for v in stats.values()):
        raise ValueError("the saved scaler statistics do not have one value per numeric column or "
                         f"polynomial feature ({n})")
    if not all(np.isfinite(v).all() for v in stats.values()):
        raise ValueError("the saved scaler statistics are not finite")
    if scale == "standard":
        if (stats["scale"] <= 0).any() or (stats["var"] < 0).any():
            raise ValueError("the saved scaler statistics have a variance below 0, or a scale is not "
                             "positive")
        scaler.mean_, scaler.scale_, scaler.var_ = stats["mean"], stats["scale"], stats["var"]
    else:
        if (stats["data_min"] > stats["data_max"]).any():
            raise ValueError("the saved scaler statistics have a minimum above its maximum")
        low, high = stats["data_min"], stats["data_max"]
        spread = high - low
        spread[spread < 10 * np.finfo(np.float64).eps] = 1.0  # a constant feature, as MinMaxScaler keeps it
        scaler.data_min_, scaler.data_max_, scaler.data_range_ = low, high, high - low
        scaler.scale_ = 1.0 / spread
        scaler.min_ = -low * scaler.scale_
    scaler.n_samples_seen_ = n_samples


def _power_bounds(low: np.ndarray, high: np.ndarray, power: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Interval arithmetic: the range of x**p for x in [low, high], elementwise."""
    a, b = low**power, high**power
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    spans_zero = (power % 2 == 0) & (power > 0) & (low < 0) & (high > 0)
    return np.where(spans_zero, 0.0, lo), hi


def feature_bounds(step: Any, scale: str, low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bounds of the numeric step's outputs for columns within [low, high]: exact for the
    scalers alone; for polynomial features the interval product of each monomial's factors,
    which contains the training range."""
    from sklearn.pipeline import Pipeline

    if isinstance(step, Pipeline) and "polynomial" in step.named_steps:
        lows, highs = [], []
        for powers in step.named_steps["polynomial"].powers_:
            lo, hi = _power_bounds(low, high, powers)
            out_lo, out_hi = 1.0, 1.0
            for a, b in zip(lo, hi):
                corners = (out_lo * a, out_lo * b, out_hi * a, out_hi * b)
                out_lo, out_hi = min(corners), max(corners)
            lows.append(out_lo)
            highs.append(out_hi)
        low, high = np.array(lows), np.array(highs)
    scaler = _scaler(step, scale)
    if scaler is None:
        return low, high
    # x' = (x - mean) / scale (standard) or x scale + min (minmax): a scale > 0 keeps the order
    if scale == "standard":
        return (low - scaler.mean_) / scaler.scale_, (high - scaler.mean_) / scaler.scale_
    return low * scaler.scale_ + scaler.min_, high * scaler.scale_ + scaler.min_


def steps_problem(config: Mapping[str, Any]) -> str | None:
    """What is wrong with the saved scale, polynomial and ignored columns, or None."""
    scale, degree, ignored = (config.get(k) for k in STEP_KEYS)
    if "scale" in config and scale not in SCALES:
        return f"scale {scale!r} is not one of {list(SCALES)}"
    if degree is not None and (isinstance(degree, bool) or not isinstance(degree, int) or degree < 1):
        return f"polynomial {degree!r} is not a degree >= 1"
    if ignored is not None and (not isinstance(ignored, list) or not all(isinstance(c, str) for c in ignored)
                                or set(ignored) & set(config.get("columns") or [])):
        return "ignored must list the names of columns that are not inputs"
    return None
