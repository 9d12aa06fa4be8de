"""The inputs of a model that carries its column preprocessing (``model.preprocessing``,
set by :func:`glassnet.load` for a model trained by ``glassnet train``).

A pandas DataFrame holds the raw columns: the model's own preprocessing turns it into the
network's features (columns checked, an :class:`~glassnet.io.tabular.ExtrapolationWarning`
for values outside the training data, as the command line gives). A plain array is taken
as features already preprocessed; values far outside the range the training data had
after preprocessing are most likely raw columns, and are warned about.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

__all__ = ["preprocessed"]


def _is_frame(X: Any) -> bool:
    """A pandas DataFrame, recognized without importing pandas."""
    return type(X).__module__.startswith("pandas") and hasattr(X, "columns")


def preprocessed(model: Any, X: Any, what: str) -> Any:
    """``X`` as the network's inputs: a DataFrame through ``model.preprocessing``; a plain
    array as it is, with a warning when it looks raw. Unchanged for a model without
    preprocessing."""
    prep = getattr(model, "preprocessing", None)
    if prep is None:
        return X
    if _is_frame(X):
        return prep.transform(X, dtype=model.dtype)
    array = np.asarray(X) if isinstance(X, (list, tuple, np.ndarray)) else None
    if array is not None and array.dtype.kind in "OUS":
        raise TypeError(
            f"{what}: the array holds text, but model {model.name!r} carries its own column preprocessing "
            f"(model.preprocessing): pass the raw table as a pandas DataFrame with the columns "
            f"{prep.columns_}, and the model encodes it as in training")
    if array is not None and array.dtype.kind in "biuf" and array.ndim == 2 and not isinstance(X, np.memmap):
        _warn_if_raw(prep, array, what)
    return X


def _warn_if_raw(prep: Any, array: np.ndarray, what: str) -> None:
    """Warn when a column lies outside its training range widened by the range's width
    (at least 1) on each side: standardized features rarely do, raw measurements mostly do."""
    low, high = prep.feature_ranges()
    if array.shape[1] != low.size or array.shape[0] == 0:
        return
    margin = np.maximum(high - low, 1.0)
    values = array.astype(np.float64, copy=False)
    lo, hi = values.min(axis=0), values.max(axis=0)
    far = np.nonzero((lo < low - margin) | (hi > high + margin))[0]
    if not far.size:
        return
    from glassnet.io.tabular import ExtrapolationWarning

    names = prep.feature_names_out
    details = "; ".join(f"{names[j]!r}: {lo[j]:.4g} to {hi[j]:.4g}, trained on [{low[j]:.3g}, {high[j]:.3g}]"
                        for j in far[:5])
    warnings.warn(
        f"{what}: a plain array is taken as already-preprocessed features, but {far.size} of its "
        f"{array.shape[1]} columns lie far outside the preprocessed training range ({details}). If these "
        f"are raw columns, pass them as a pandas DataFrame: the model applies its own preprocessing",
        ExtrapolationWarning, stacklevel=5)
