"""Range and flag checks shared by the validation of hyperparameters, callbacks and command-line options."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["outside", "check_flag"]


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
