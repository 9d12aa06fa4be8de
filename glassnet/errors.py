"""Exceptions raised by glassnet that callers may want to catch by type."""

from __future__ import annotations

__all__ = ["NonFiniteError"]


class NonFiniteError(FloatingPointError, ValueError):
    """A value that must be finite holds NaN or inf (for example a loss's input).

    The training loop catches it to stop a diverging run and restore the last finite weights.
    """
