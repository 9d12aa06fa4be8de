"""Batches of a source (see :mod:`glassnet.training.streams`), converted and checked one by
one as they arrive, for ``fit``, ``evaluate`` and ``predict`` (:mod:`glassnet.training.streamed`).

Each batch is checked at the cost of a look at its values, small next to a training step: a
tuple of 2 or 3 arrays, as many rows in x, y and w, the feature shape of the first batch,
no NaN or inf, targets the loss accepts (class labels in range).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from glassnet.tensor import Tensor
from glassnet.training import prepare as _prep
from glassnet.training import sources as _sources
from glassnet.training import streams as _streams

__all__ = ["Batches", "batches_of"]

_END = object()


class Batches:
    """The batches of a source, converted and checked one by one, epoch after epoch.

    Parameters
    ----------
    model : Model
    source : iterable
        Of ``(x, y)`` or ``(x, y, w)`` batches (for ``predict``, x alone is accepted).
    steps : int, optional
        Batches per epoch; a pass that ends first ends the epoch. A generator (one pass
        only) continues from one epoch to the next.
    what : str
        The argument's name in messages.

    Examples
    --------
    >>> import numpy as np
    >>> import glassnet as gn
    >>> model = gn.Sequential([gn.layers.Dense(1, input_dim=2)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> X, y = np.ones((6, 2), dtype=np.float32), np.zeros(6, dtype=np.float32)
    >>> batches = Batches(model, [(X[:4], y[:4]), (X[4:], y[4:])], steps=None)
    >>> [len(xs[0]) for xs, ys, w in batches.epoch()]
    [4, 2]
    """

    def __init__(
        self, model: Any, source: Any, steps: int | None, what: str = "x", targets: bool = True
    ) -> None:
        self.model, self.source, self.steps, self.what, self.targets = model, source, steps, what, targets
        self.dtype = _prep.model_dtype(model)
        self.once = _streams.one_shot(source)
        self._iterator: Iterator[Any] | None = None
        self.shape: tuple[int, ...] | None = None
        self.exhausted = False
        self.first = self._first()

    def _first(self) -> tuple[Any, ...]:
        """The first batch, converted; the first epoch starts with it."""
        self._iterator = iter(self.source)
        try:
            first = next(self._iterator)
        except StopIteration:
            raise ValueError(f"{self.what} gave no batches: the iterable or generator is empty") from None
        self._first_unread = True
        return self.convert(first, 0)

    def epoch(self) -> Iterator[tuple[Any, ...]]:
        """The converted batches of the next epoch."""
        if self._iterator is None:
            if self.once:
                self.exhausted = True
                return
            self._iterator = iter(self.source)
        taken = 0
        if self._first_unread:
            self._first_unread = False
            yield self.first
            taken = 1
        while self.steps is None or taken < self.steps:
            batch = self._next(taken)
            if batch is _END:
                break
            yield self.convert(batch, taken)
            taken += 1
        else:
            return  # steps batches taken: the next epoch goes on from here
        self._iterator = None
        if self.once and self.steps is not None and taken < self.steps:
            self.exhausted = True

    def _next(self, taken: int) -> Any:
        """The next raw batch, or ``_END``. A re-iterable source whose pass ended with the last
        epoch (``steps`` batches a pass) starts a new pass rather than give an empty epoch."""
        batch = next(self._iterator, _END)
        if batch is _END and not taken and not self.once:
            self._iterator = iter(self.source)
            batch = next(self._iterator, _END)
        return batch

    def convert(self, batch: Any, b: int) -> tuple[Any, ...]:
        """``(xs, ys, w)`` of one batch, checked (``ys`` and ``w`` None without targets)."""
        parts = _parts(batch, self.targets, self.what, b)
        x = _batch_x(parts[0], self.dtype, f"{self.what} batch {b}")
        if self.shape is None:
            self.shape = x.shape[1:]
        elif x.shape[1:] != self.shape:
            raise ValueError(
                f"{self.what} batch {b} has samples of shape {x.shape[1:]}, but the first batch had "
                f"{self.shape}; every batch must hold the same features"
            )
        if len(parts) == 1 or parts[1] is None:
            return [x], None, None
        n = len(x)
        ys = _prep.targets(self.model, parts[1], self.dtype, n, f"{self.what} batch {b} y")
        weights = _prep.sample_weights(
            self.model,
            ys,
            None,
            parts[2] if len(parts) == 3 else None,
            n,
            self.dtype,
            f"{self.what} batch {b} sample weights",
        )
        if self.model.built:
            _prep.check_labels(self.model, [x], ys)
        return [x], ys, weights


def _parts(batch: Any, targets: bool, what: str, b: int) -> tuple[Any, ...]:
    sequence = isinstance(batch, (tuple, list))
    if sequence and (len(batch) in (2, 3) or (not targets and len(batch) == 1)):
        return tuple(batch)
    if not targets and not sequence:
        return (batch,)
    got = f"a {type(batch).__name__}" + (f" of length {len(batch)}" if sequence else "")
    raise ValueError(f"{what} batch {b} is {got}; each batch must be a tuple (x, y) or (x, y, sample_weight)")


def _batch_x(x: Any, dtype: np.dtype, name: str) -> np.ndarray:
    array = np.asarray(x.data if isinstance(x, Tensor) else x)
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"{name} has dtype {array.dtype}; glassnet trains on numbers (encode text columns first)"
        )
    array = array.astype(dtype, copy=False)
    if array.ndim < 2 or array.shape[0] == 0:
        raise ValueError(
            f"{name} has shape {array.shape}; a batch needs at least one sample and one row per "
            "sample (2-D or more)"
        )
    if np.count_nonzero(np.isfinite(array)) != array.size:
        row = int(np.argmin(np.isfinite(array).reshape(len(array), -1).all(axis=1)))
        raise ValueError(f"{name} holds NaN or inf (row {row} of the batch); drop or impute those rows first")
    return array


def batches_of(
    model: Any,
    X: Any,
    y: Any,
    batch_size: int | None,
    shuffle: bool,
    seed: int | None,
    steps: int | None,
    what: str = "x",
    targets: bool = True,
) -> Batches:
    """:class:`Batches` of a source, Dask collections first cut into chunked batches (``y``
    is for them only: other sources carry their targets).

    Examples
    --------
    >>> import numpy as np
    >>> import glassnet as gn
    >>> model = gn.Sequential([gn.layers.Dense(1, input_dim=2)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> X, y = np.ones((6, 2), dtype=np.float32), np.zeros(6, dtype=np.float32)
    >>> batches_of(model, iter([(X, y)]), None, None, False, None, None).once
    True
    """
    if _sources.is_dask(X):
        X = _sources.dask_batches(X, y, batch_size or 32, shuffle, seed)
    elif y is not None:
        raise ValueError(
            f"{what} gives batches (x, y): y must not be given separately, got y={type(y).__name__}"
        )
    return Batches(model, X, steps, what, targets)
