"""Range checks shared by the validation of hyperparameters, callbacks and command-line options."""

from __future__ import annotations

import math

__all__ = ["outside"]


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
