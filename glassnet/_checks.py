"""Checks shared by the validation of hyperparameters, callbacks, command-line options and data:
ranges and flags, finite arrays, sample weights, and whether labels can be stratified."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["outside", "check_flag", "check_hyperparameter", "check_seed", "check_model_dtype",
           "check_weight_array", "MODEL_DTYPES", "check_finite", "check_sample_weight", "can_stratify"]


def outside(value: float, low: float, high: float = math.inf, low_open: bool = False,
            high_open: bool = False) -> str | None:
    """The interval written out ("(0, 1]") when ``value`` is not finite or lies outside it,
    else None; for error messages that say what is accepted."""
    too_low = value <= low if low_open else value < low
    too_high = value >= high if high_open else value > high
    if math.isfinite(value) and not too_low and not too_high:
        return None
    closing = ")" if high_open or high == math.inf else "]"
    return f"{'(' if low_open else '['}{low:g}, {high:g}{closing}"


def check_flag(name: str, value: Any) -> bool:
    """``value`` as a bool, or a TypeError naming it when it is not True or False."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def check_hyperparameter(
    name: str,
    value: Any,
    low: float = 0.0,
    high: float = math.inf,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """``value`` as a float, or an error naming it when it is not a number in the interval.

    Raises
    ------
    TypeError
        If ``value`` is not a real number (bools are refused).
    ValueError
        If ``value`` is not finite or outside ``[low, high]`` (bounds open as requested).
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    value = float(value)
    interval = outside(value, low, high, low_open, high_open)
    if interval:
        accepted = "a finite number" if low == -math.inf and high == math.inf else f"in {interval}"
        raise ValueError(f"{name} must be {accepted}, got {value!r}")
    return value


def check_seed(seed: Any, name: str = "seed", optional: bool = True) -> int | None:
    """``seed`` as an int, or None; a TypeError/ValueError naming ``name`` unless it is an integer
    >= 0 or (when ``optional``) None (NumPy's own errors say "SeedSequence" and not which argument)."""
    if seed is None and optional:
        return None
    accepted = "a non-negative integer or None" if optional else "a non-negative integer"
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"{name} must be {accepted}, got {seed!r} ({type(seed).__name__})")
    if seed < 0:
        raise ValueError(f"{name} must be {accepted}, got {seed!r}")
    return int(seed)


# The floating-point types a model can compute in and save.
MODEL_DTYPES = ("float32", "float64")


def check_model_dtype(dtype: Any, name: str = "dtype") -> np.dtype:
    """``dtype`` as a NumPy dtype when it is float32 or float64, else an error naming them."""
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        resolved = None
    if resolved is None or resolved.name not in MODEL_DTYPES:
        raise TypeError(f"{name} must be one of {', '.join(MODEL_DTYPES)} (a name or np.float32/np.float64), "
                        f"got {dtype!r}")
    return resolved


def check_weight_array(name: str, value: Any) -> np.ndarray:
    """``value`` as an array of weights: floating-point and finite, as a model file must hold
    (the same words as :func:`glassnet.load`), else a TypeError or ValueError naming ``name``."""
    array = np.asarray(value)
    if array.dtype.kind != "f":
        raise TypeError(f"{name} has dtype {array.dtype}; weights must be floating-point (float32 or "
                        "float64), not integers, booleans or complex numbers")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} holds NaN or infinite values; weights must be finite")
    return array


def _first(indices: np.ndarray, what: str) -> str:
    shown = np.unique(indices)
    return f"{what} {shown[:10].tolist()}" + (" ..." if len(shown) > 10 else "")


def check_finite(name: str, array: np.ndarray, advice: str, error: type[Exception] = ValueError) -> None:
    """Nothing when the floating-point ``array`` holds no NaN or inf; else ``error`` saying how
    many ``name`` holds and where (the first rows, and columns of a table), then ``advice``.

    Arrays of other kinds (integers, booleans) are always finite and pass.
    """
    if array.dtype.kind not in "fc" or np.isfinite(array).all():
        return
    bad = ~np.isfinite(array)
    where = "" if array.ndim == 0 else " at " + _first(np.nonzero(bad)[0], "rows")
    if array.ndim == 2:
        where += ", " + _first(np.nonzero(bad)[1], "columns")
    raise error(f"{name} holds {int(bad.sum())} NaN or inf value(s){where}; {advice}")


def check_sample_weight(name: str, sample_weight: Any, n: int, dtype: Any) -> np.ndarray:
    """``sample_weight`` as a 1-D array of ``dtype``: one finite weight >= 0 per sample (a
    column of shape (n, 1) is accepted), or an error naming ``name``.

    Raises
    ------
    TypeError
        If the weights are not numbers.
    ValueError
        If there is not one weight per sample, or one is NaN, inf or negative.
    """
    try:
        w = np.asarray(sample_weight, dtype=dtype)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must hold one number per sample, got {sample_weight!r}") from None
    if w.ndim > 1 and w.shape[1:] == (1,) * (w.ndim - 1):
        w = w.reshape(-1)
    if w.shape != (n,):
        raise ValueError(f"{name} must hold one weight per sample ({n}), got shape {w.shape}")
    check_finite(name, w, "weights must be finite numbers >= 0")
    if (w < 0).any():
        raise ValueError(f"{name} holds negative weights (e.g. {w[w < 0][:3].tolist()}); "
                         "weights must be >= 0")
    return w


def can_stratify(labels: np.ndarray, n_test: int | None = None, folds: int = 2) -> bool:
    """Whether a split stratified by ``labels`` keeps every class on every side: each class
    has at least ``folds`` samples (2 for a train/test split, k for k folds), and a test part
    of ``n_test`` samples, as well as the rest, has room for one sample of each class."""
    _, counts = np.unique(labels, return_counts=True)
    if counts.size == 0 or counts.min() < folds:
        return False
    return n_test is None or min(n_test, len(labels) - n_test) >= counts.size
