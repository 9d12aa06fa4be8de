"""Data that arrives in batches: iterables and generators of ``(x, y)`` or ``(x, y, w)``
batches (a :class:`~glassnet.training.loader.DataLoader`, Keras's generator form), and
:class:`ChunkedBatches`, the rows of chunks read one at a time (Parquet row groups, CSV
blocks, Dask partitions), cut into batches.

How :class:`ChunkedBatches` shuffles (``shuffle=True``): every pass draws a new order of the
chunks, reads them in that order into a buffer of about ``buffer_rows`` rows, shuffles the
buffer's rows and cuts batches from it (the rows left over stay for the next buffer). A
sample thus moves at most a buffer away from its chunk's neighbours: the reads stay
sequential, one chunk at a time, and memory holds one buffer. The same ``seed`` gives the
same order, pass after pass. Without shuffling, the batches are the rows in file order,
``batch_size`` at a time across chunk boundaries: the batches an array of the same rows
gives with ``shuffle=False``.

A held-out part (``split``) is chosen row by row by a seeded hash of the row's position in
the data (splitmix64; for a folder of CSV files and Dask DataFrames, of its file or partition
and its row within it): a row is validation when its hash, read as a number in [0, 1), is
below the fraction. It needs no pass over the data and no memory, and the same seed holds
out the same rows; unlike the in-memory ``validation_split``, it is not stratified by class
and holds out about, not exactly, the fraction.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

__all__ = ["ChunkedBatches", "is_batches", "row_hash", "one_shot"]

#: A chunk reader: given the generator that orders the chunks (None: file order), it yields
#: (key of the chunk's first row, (x, y[, w])) for every chunk. The rows of a chunk have
#: consecutive keys, the same on every pass whatever the order: their positions in the data,
#: or (file or partition, row within it) where those positions are not known before reading.
Reader = Callable[[np.random.Generator | None], Iterator[tuple[int, tuple[np.ndarray, ...]]]]


def row_hash(rows: np.ndarray, seed: int) -> np.ndarray:
    """A number in [0, 1) for each row position, from the splitmix64 hash of ``rows`` and ``seed``.

    Examples
    --------
    >>> import numpy as np
    >>> row_hash(np.arange(3), 0).round(3).tolist()
    [0.883, 0.432, 0.026]
    """
    with np.errstate(over="ignore"):
        z = (
            rows.astype(np.uint64) + np.uint64(seed) * np.uint64(0x632BE59BD9B4E019) + np.uint64(1)
        ) * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * 2.0**-53


class ChunkedBatches:
    """Batches of ``(x, y)`` (or ``(x, y, w)``) rows read chunk by chunk, shuffled by chunk
    order and within a buffer (see the module's notes).

    Made by :func:`glassnet.data.from_parquet`, :func:`glassnet.data.from_csv`, and by ``fit``
    for Dask arrays and DataFrames. Iterating gives one pass (an epoch).

    Parameters
    ----------
    reader : callable
        ``reader(rng)`` yields ``(first_row, arrays)`` per chunk, in the order ``rng``
        draws (file order for None).
    batch_size : int >= 1
    shuffle : bool
    seed : int, optional
        Seeds the order of every pass.
    n_rows : int, optional
        The rows of the data, when known without reading it.
    buffer_rows : int >= 1, default 65536
        Rows gathered before they are shuffled and cut into batches.
    keep : (fraction, seed, held_out), optional
        Keep only the rows whose :func:`row_hash` is below ``fraction`` (``held_out``) or not.

    Attributes
    ----------
    n_rows : int or None
        The rows of a pass, when known without reading.
    expected_steps : int or None
        About how many batches a pass gives, for a progress bar, when ``len()`` is not known
        (rows held out by hash); set by the code that knows it.

    Examples
    --------
    >>> import numpy as np
    >>> X, y = np.arange(10.0).reshape(5, 2), np.arange(5.0)
    >>> source = ChunkedBatches(lambda rng: iter([(0, (X[:3], y[:3])), (3, (X[3:], y[3:]))]),
    ...                         batch_size=2, shuffle=False, n_rows=5)
    >>> [b[1].tolist() for b in source]
    [[0.0, 1.0], [2.0, 3.0], [4.0]]
    """

    def __init__(
        self,
        reader: Reader,
        batch_size: int,
        shuffle: bool,
        seed: int | None = None,
        n_rows: int | None = None,
        buffer_rows: int = 1 << 16,
        keep: tuple[float, int, bool] | None = None,
    ) -> None:
        self.reader, self.batch_size, self.shuffle, self.seed = reader, int(batch_size), shuffle, seed
        self.buffer_rows, self.keep = max(int(buffer_rows), self.batch_size), keep
        self.n_rows = n_rows if keep is None else None
        self.expected_steps: int | None = None
        self._rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        """Batches per pass (a TypeError when the rows are not known without reading)."""
        if self.n_rows is None:
            raise TypeError("the number of batches is not known before reading the data")
        return -(-self.n_rows // self.batch_size)

    @property
    def steps(self) -> int | None:
        """Batches per pass, or None when not known before reading."""
        return None if self.n_rows is None else len(self)

    def split(self, fraction: float, seed: int) -> tuple[ChunkedBatches, ChunkedBatches]:
        """(training, held-out) batches: the rows whose :func:`row_hash` with ``seed`` is at
        least ``fraction``, and the others (held out in file order, unshuffled)."""
        train = ChunkedBatches(
            self.reader,
            self.batch_size,
            self.shuffle,
            self.seed,
            None,
            self.buffer_rows,
            (fraction, seed, False),
        )
        held = ChunkedBatches(
            self.reader, self.batch_size, False, None, None, self.buffer_rows, (fraction, seed, True)
        )
        return train, held

    def in_order(self) -> ChunkedBatches:
        """The same rows in file order (unshuffled), as ``predict`` reads them."""
        if not self.shuffle:
            return self
        ordered = copy.copy(self)
        ordered.shuffle = False
        return ordered

    def __iter__(self) -> Iterator[tuple[np.ndarray, ...]]:
        rng = self._rng if self.shuffle else None
        pending: list[tuple[np.ndarray, ...]] = []
        rows = 0
        for first, arrays in self.reader(rng):
            arrays = self._kept(first, arrays)
            if not len(arrays[0]):
                continue
            pending.append(arrays)
            rows += len(arrays[0])
            if rows >= self.buffer_rows:
                buffer = self._buffer(pending, rng)
                whole = len(buffer[0]) - len(buffer[0]) % self.batch_size
                yield from self._cut(buffer, whole)
                pending = [tuple(a[whole:] for a in buffer)]
                rows = len(buffer[0]) - whole
        if rows:
            buffer = self._buffer(pending, rng)
            yield from self._cut(buffer, len(buffer[0]))

    def _kept(self, first: int, arrays: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
        if self.keep is None:
            return arrays
        fraction, seed, held_out = self.keep
        mask = (row_hash(np.arange(first, first + len(arrays[0])), seed) < fraction) == held_out
        return tuple(a[mask] for a in arrays)

    @staticmethod
    def _buffer(
        pending: list[tuple[np.ndarray, ...]], rng: np.random.Generator | None
    ) -> tuple[np.ndarray, ...]:
        buffer = pending[0] if len(pending) == 1 else tuple(np.concatenate(parts) for parts in zip(*pending))
        if rng is None:
            return buffer
        order = rng.permutation(len(buffer[0]))
        return tuple(a[order] for a in buffer)

    def _cut(self, buffer: tuple[np.ndarray, ...], stop: int) -> Iterator[tuple[np.ndarray, ...]]:
        for start in range(0, stop, self.batch_size):
            yield tuple(a[start : min(start + self.batch_size, stop)] for a in buffer)


def one_shot(data: Any) -> bool:
    """Whether ``data`` is an iterator (a generator): it gives its batches once.

    Examples
    --------
    >>> one_shot(x for x in [1]), one_shot([1])
    (True, False)
    """
    return iter(data) is data


def is_batches(data: Any) -> bool:
    """Whether ``data`` gives batches rather than being the samples themselves: a
    :class:`ChunkedBatches`, a DataLoader, a generator or another iterable that is not an
    array, a list or tuple (arrays of samples), a dict (named inputs), a pandas object or text.

    Examples
    --------
    >>> import numpy as np
    >>> is_batches(np.zeros((4, 2))), is_batches(iter([(np.zeros((4, 2)), np.zeros(4))]))
    (False, True)
    """
    if isinstance(data, (np.ndarray, list, tuple, dict, str, bytes)) or hasattr(data, "to_numpy"):
        return False
    if hasattr(data, "__array__") or hasattr(data, "shape"):
        return False
    return isinstance(data, Iterable)
