"""Exceptions raised by glassnet that callers may want to catch by type."""

from __future__ import annotations

__all__ = ["NonFiniteError"]


class NonFiniteError(FloatingPointError, ValueError):
    """A value that must be finite holds NaN or inf (for example a loss's input).

    The training loop catches it to stop a diverging run and restore the last finite weights.

    Examples
    --------
    >>> try:
    ...     gn.losses.MSE()(gn.tensor([[np.nan]]), [[0.0]])
    ... except gn.NonFiniteError as error:
    ...     print(str(error)[:44])
    ...
    mse: the prediction holds 1 NaN or inf value
    """
