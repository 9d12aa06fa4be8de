"""Data handling for the training loop: conversion, validation, splits, batches."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from glassnet._checks import can_stratify, check_finite

__all__ = ["as_array", "check_inputs", "validation_split", "batches", "EpochBatches", "class_sample_weights"]


def as_array(data: Any, dtype: Any = None, what: str = "X") -> np.ndarray:
    """NumPy array from a NumPy array, list, pandas DataFrame/Series or scikit-learn Bunch.

    A Bunch gives its ``data`` for X (its ``target`` is taken by :func:`unpack_bunch`).
    """
    if data is None:
        raise ValueError(f"{what} is None; pass an array of samples")
    frame = data
    if hasattr(data, "to_numpy"):
        data = data.to_numpy()
    if np.iscomplexobj(data):
        raise TypeError(f"{what} holds complex numbers; glassnet computes with real numbers. Pass the real "
                        "and imaginary parts as separate features (x.real, x.imag), or np.abs(x)")
    try:
        if dtype is None or _cannot_overflow(data, np.dtype(dtype)):
            return np.asarray(data, dtype=dtype)
        with np.errstate(over="raise"):
            return np.asarray(data, dtype=dtype)
    except FloatingPointError:
        _raise_out_of_range(np.asarray(data), np.dtype(dtype), what)
    except (TypeError, ValueError) as err:
        missing = _missing_cells(frame)
        if missing:
            raise ValueError(f"{what} has missing cells (pd.NA, None or NaN): {missing}; drop those rows "
                             "(df.dropna()) or impute them (sklearn.impute.SimpleImputer) first") from None
        raise TypeError(
            f"{what} could not be converted to a numeric array ({err}); encode text columns "
            "first (e.g. sklearn.preprocessing.OneHotEncoder)"
        ) from None


def _missing_cells(data: Any) -> str | None:
    """The count of missing cells per column of a pandas DataFrame or Series (pandas'
    nullable columns hold pd.NA, which NumPy cannot convert), or None when none is missing."""
    if not hasattr(data, "isna") or not hasattr(data, "to_numpy"):
        return None
    counts = data.isna()
    if counts.ndim == 1:
        total = int(counts.sum())
        return f"{total} of {len(data)}" if total else None
    counts = counts.sum()
    counts = counts[counts > 0]
    return ", ".join(f"column {name!r}: {int(n)}" for name, n in counts.items()) or None


def _cannot_overflow(data: Any, dtype: np.dtype) -> bool:
    """Whether casting ``data`` to the float type ``dtype`` surely stays finite (integers,
    or floats no wider), which spares the cost of watching the cast."""
    if not isinstance(data, np.ndarray):
        return False
    kind = data.dtype.kind
    return kind in "biu" or (kind == "f" and data.dtype.itemsize <= dtype.itemsize)


def _raise_out_of_range(array: np.ndarray, dtype: np.dtype, what: str) -> None:
    """A ValueError for finite values too large for ``dtype`` (1e300 in float32), and where."""
    big = np.isfinite(array) & (np.abs(array) > np.finfo(dtype).max)
    if not big.any():
        raise ValueError(f"{what} could not be converted to {dtype}: a value overflows it")
    where = np.argwhere(big)[:5]
    at = ", ".join(f"row {p[0]}" + (f" column {p[1]}" if len(p) > 1 else "") for p in where.tolist())
    raise ValueError(
        f"{what} holds {int(big.sum())} finite value(s) outside the range of {dtype} "
        f"(|x| > {np.finfo(dtype).max:.3g}), e.g. {array[tuple(where[0])].item():g} at {at}; scale the "
        f"features (e.g. sklearn.preprocessing.StandardScaler) or use dtype=np.float64 for the model"
    )


def unpack_bunch(X: Any, y: Any) -> tuple[Any, Any]:
    """Accept ``fit(bunch)``: a scikit-learn Bunch carries both ``data`` and ``target``."""
    if y is None and hasattr(X, "data") and hasattr(X, "target") and not isinstance(X, np.ndarray):
        return X.data, X.target
    return X, y


#: What to do about NaN or inf, said the same way by fit, predict and evaluate.
_IMPUTE = "drop those rows or impute them first (e.g. sklearn.impute.SimpleImputer)"


def check_inputs(X: np.ndarray, y: np.ndarray | None, name_x: str = "X", name_y: str = "y") -> None:
    """Raise clear errors for empty data, length mismatch and NaN/inf."""
    if X.ndim == 0 or X.shape[0] == 0:
        raise ValueError(f"{name_x} is empty (shape {X.shape}); at least one sample is needed")
    check_finite(name_x, X, _IMPUTE)
    if y is None:
        return
    if y.ndim == 0 or y.shape[0] != X.shape[0]:
        raise ValueError(
            f"{name_x} and {name_y} have different numbers of samples: {X.shape[0]} and "
            f"{y.shape[0] if y.ndim else 'a scalar'}"
        )
    check_finite(name_y, y, _IMPUTE)


def validation_split(
    n: int,
    fraction: float,
    rng: np.random.Generator,
    stratify: np.ndarray | None = None,
    mode: str = "random",
) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, validation) holding out ``fraction`` of ``n`` samples.

    ``mode="random"`` draws a seeded random split, stratified by ``stratify`` labels when
    given (scikit-learn's ``train_test_split``, which holds out ceil(n fraction) samples);
    ``mode="last"`` takes the last fraction unshuffled, after the first floor(n (1 - fraction))
    samples, as Keras splits (for ordered data such as time series).
    """
    if not 0 < fraction < 1:
        raise ValueError(f"validation_split must be in (0, 1), got {fraction!r}")
    n_val = n - math.floor(n * (1 - fraction)) if mode == "last" else math.ceil(n * fraction)
    if n_val < 1 or n - n_val < 1:
        raise ValueError(f"validation_split={fraction} leaves no training or no validation samples of {n}")
    if mode == "last":
        return np.arange(n - n_val), np.arange(n - n_val, n)
    if mode != "random":
        raise ValueError(f"validation_split_mode must be 'random' or 'last', got {mode!r}")
    from sklearn.model_selection import train_test_split

    seed = int(rng.integers(2**31 - 1))
    indices = np.arange(n)
    if stratify is not None and not can_stratify(stratify, n_val):
        stratify = None
    train, val = train_test_split(indices, test_size=n_val, random_state=seed, stratify=stratify)
    return np.sort(train), np.sort(val)


def batches(n: int, batch_size: int | None, rng: np.random.Generator | None) -> Iterator[np.ndarray | slice]:
    """Batch index sets: a shuffled permutation cut in pieces, or contiguous slices."""
    size = n if batch_size is None else batch_size
    if rng is None:
        for start in range(0, n, size):
            yield slice(start, min(start + size, n))
        return
    order = rng.permutation(n)
    for start in range(0, n, size):
        yield order[start:start + size]


class EpochBatches:
    """The batches of each epoch: a whole pass over the n samples, or, with ``steps``, that
    many batches of a pass that continues from one epoch to the next, as Keras's
    ``steps_per_epoch`` reads arrays. An epoch that reaches the end of a pass ends there,
    and the next starts a new (newly shuffled) pass.

    Parameters
    ----------
    n, batch_size, rng
        As :func:`batches` takes them (``rng`` None: no shuffling).
    steps : int, optional
        Batches per epoch, at most the number of batches in a pass.
    """

    def __init__(self, n: int, batch_size: int | None, rng: np.random.Generator | None,
                 steps: int | None = None) -> None:
        self.n, self.batch_size, self.rng, self.steps = n, batch_size, rng, steps
        self.per_pass = math.ceil(n / (batch_size or n))
        self._pass: Iterator[np.ndarray | slice] | None = None
        self._taken = 0

    def epoch(self) -> Iterator[np.ndarray | slice]:
        """The batch index sets of the next epoch."""
        if self.steps is None:
            return batches(self.n, self.batch_size, self.rng)
        return self._continued()

    def _continued(self) -> Iterator[np.ndarray | slice]:
        if self._pass is None:
            self._pass, self._taken = batches(self.n, self.batch_size, self.rng), 0
        for _ in range(self.steps):
            if self._taken == self.per_pass:
                break
            self._taken += 1
            yield next(self._pass)
        if self._taken == self.per_pass:
            self._pass = None


def class_sample_weights(labels: np.ndarray, class_weight: dict[Any, float] | str) -> np.ndarray:
    """Per-sample weights from a class -> weight mapping, or "balanced" (n / (k n_c))."""
    classes, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    if class_weight == "balanced":
        table = len(labels) / (len(classes) * counts)
    elif isinstance(class_weight, dict):
        unknown = set(class_weight) - set(classes.tolist())
        if unknown:
            raise ValueError(
                f"class_weight names classes {sorted(unknown)} that are not in y {classes.tolist()}")
        table = np.array([float(class_weight.get(c, 1.0)) for c in classes.tolist()])
    else:
        raise ValueError(f"class_weight must be a dict {{class: weight}} or 'balanced', got {class_weight!r}")
    return table[inverse]
