"""The array that ``backward`` stores in a tensor's ``.grad``: a NumPy array with PyTorch's
``zero_()``, so that a manual update loop written for PyTorch runs unchanged."""

from __future__ import annotations

import numpy as np

__all__ = ["Gradient"]


class Gradient(np.ndarray):
    """A NumPy array of dE/dx that can also be zeroed in place with ``zero_()``.

    It is an ordinary array in every other respect (arithmetic, comparisons, printing: a
    scalar tensor's gradient prints and compares as its number). Only the arrays that
    ``backward`` creates are of this type; an optimizer points ``.grad`` at views of its
    own flat buffer instead, which ``optimizer.zero_grad()`` zeroes.

    Examples
    --------
    >>> g = np.array([1.0, 2.0]).view(Gradient)
    >>> g.zero_()
    array([0., 0.])
    """

    __slots__ = ()

    def zero_(self) -> Gradient:
        """Set every value to 0 in place (PyTorch's ``grad.zero_()``); returns the array."""
        self.fill(0)
        return self

    def __repr__(self) -> str:
        return repr(self.view(np.ndarray))
