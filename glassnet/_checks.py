"""Range and flag checks shared by the validation of hyperparameters, callbacks and command-line options."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["outside", "check_flag", "check_hyperparameter"]


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
