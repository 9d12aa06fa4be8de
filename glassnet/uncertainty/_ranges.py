"""The range of every input column seen in training, and the warning for predictions outside it.

A model trained on a table carries these ranges in its preprocessing
(:class:`~glassnet.io.TabularPreprocessor`); an ensemble fitted on arrays records them
itself, so that its predictions warn in the same words, with the same
:class:`~glassnet.io.ExtrapolationWarning`: there the model is extrapolating, and its
error bars are guesses too.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from glassnet.io import ExtrapolationWarning

__all__ = ["training_ranges", "joined_ranges", "warn_outside"]


def _numeric_table(X: Any) -> np.ndarray | None:
    """X as a 2-D float array when it is a plain numeric table (not a DataFrame, dict or list
    of several inputs), else None."""
    if not isinstance(X, np.ndarray) or X.ndim != 2 or X.dtype.kind not in "biuf":
        return None
    return X.astype(np.float64, copy=False)


def training_ranges(X: Any) -> np.ndarray | None:
    """(2, n_columns) array of each column's [min, max] in X, or None for other inputs."""
    table = _numeric_table(X)
    if table is None or table.shape[0] == 0:
        return None
    return np.stack([table.min(axis=0), table.max(axis=0)])


def joined_ranges(before: np.ndarray | None, new: np.ndarray | None) -> np.ndarray | None:
    """The ranges covering both ``before`` and ``new`` (training continued on more data);
    ``new`` alone when ``before`` is None or has other columns."""
    if before is None or new is None or before.shape != new.shape:
        return new
    return np.stack([np.minimum(before[0], new[0]), np.maximum(before[1], new[1])])


def warn_outside(ranges: np.ndarray | None, X: Any, what: str, stacklevel: int = 5) -> None:
    """An ExtrapolationWarning naming the columns of X with values outside ``ranges``
    (``stacklevel`` counted from here, as :func:`warnings.warn` counts it)."""
    table = _numeric_table(X)
    if ranges is None or table is None or table.shape[1] != ranges.shape[1] or table.shape[0] == 0:
        return
    low, high = ranges
    outside = (table < low) | (table > high)
    columns = np.nonzero(outside.any(axis=0))[0]
    if not columns.size:
        return
    details = "; ".join(
        f"column {j}: {int(outside[:, j].sum())} value(s) outside [{low[j]:.6g}, {high[j]:.6g}], from "
        f"{table[:, j].min():.6g} to {table[:, j].max():.6g}" for j in columns[:5])
    warnings.warn(
        f"{what}: the model is extrapolating: inputs fall outside its training data in {columns.size} "
        f"column(s) ({details}). Predictions and their uncertainty there are less reliable",
        ExtrapolationWarning, stacklevel=stacklevel)
