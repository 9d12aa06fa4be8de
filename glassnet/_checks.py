"""Range and flag checks shared by the validation of hyperparameters, callbacks and command-line options."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["outside", "check_flag", "check_hyperparameter", "check_seed", "check_model_dtype",
           "check_weight_array", "MODEL_DTYPES"]


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
        raise ValueError(f"{name} must be in {interval}, got {value!r}")
    return value


def check_seed(seed: Any, name: str = "seed") -> int | None:
    """``seed`` as an int, or None; a TypeError/ValueError naming ``name`` unless it is None or
    an integer >= 0 (NumPy's own errors say "SeedSequence" and not which argument)."""
    if seed is None:
        return None
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise TypeError(
            f"{name} must be a non-negative integer or None, got {seed!r} ({type(seed).__name__})")
    if seed < 0:
        raise ValueError(f"{name} must be a non-negative integer or None, got {seed!r}")
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
