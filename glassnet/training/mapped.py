"""Memory-mapped arrays (``np.load(path, mmap_mode="r")``) read batch by batch.

A :class:`MappedRows` stands for the rows of a ``numpy.memmap`` (or a subset of them,
such as the training part of a split) without reading them: indexing it with a batch's
row indices reads those rows only, converted to the model's dtype. ``fit`` draws the same
permutation of the rows as for an array in memory and reads each batch's rows in
ascending file order (then puts them back in the permutation's order), so a memory-mapped
file and the same array in memory train to bitwise the same weights, while the reads of a
batch move forward through the file.

The pages read are mapped into the process; every ``_RELEASE_BYTES`` mapped (a whole page
counted for each row gathered), they are given
back to the operating system (``madvise(MADV_DONTNEED)``: the file stays in the page cache
but no longer counts in the process's memory), so that a pass over a file larger than
memory keeps the process small.
"""

from __future__ import annotations

import mmap
from typing import Any

import numpy as np

__all__ = ["MappedRows", "is_mapped", "any_mapped", "take", "release"]

#: Bytes read between two releases of the mapped pages.
_RELEASE_BYTES = 32 << 20
#: Rows per read of the one pass that checks a file for NaN and inf.
_CHECK_BYTES = 16 << 20


def is_mapped(x: Any) -> bool:
    """Whether ``x`` is a memory-mapped array or the rows of one."""
    return isinstance(x, (np.memmap, MappedRows))


class MappedRows:
    """Rows of a memory-mapped array, read on indexing and converted to ``dtype``.

    Parameters
    ----------
    array : numpy.memmap
        At least 2-D, one row per sample.
    dtype : numpy dtype
        The dtype of the rows read.
    rows : numpy.ndarray of int, optional
        The rows this object stands for (all, in order, when None).

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "x.npy")
    >>> np.save(path, np.arange(12, dtype=np.float64).reshape(6, 2))
    >>> rows = MappedRows(np.load(path, mmap_mode="r"), np.float32)
    >>> rows.shape, rows[np.array([4, 1])].tolist()
    ((6, 2), [[8.0, 9.0], [2.0, 3.0]])
    """

    def __init__(self, array: np.memmap, dtype: Any, rows: np.ndarray | None = None) -> None:
        self.array, self.dtype, self.rows = array, np.dtype(dtype), rows
        n = array.shape[0] if rows is None else len(rows)
        self.shape = (n, *array.shape[1:])
        self.ndim = array.ndim
        self._row_bytes = int(np.prod(array.shape[1:])) * array.dtype.itemsize
        self._read = 0

    def __len__(self) -> int:
        return self.shape[0]

    def subset(self, rows: np.ndarray) -> MappedRows:
        """The rows ``rows`` (positions in this object) as a new MappedRows; nothing is read."""
        rows = np.asarray(rows, dtype=np.int64)
        return MappedRows(self.array, self.dtype, rows if self.rows is None else self.rows[rows])

    def __getitem__(self, index: Any) -> np.ndarray:
        """The rows ``index`` (a slice or an array of positions) as an array in memory."""
        if isinstance(index, slice):
            start, stop, step = index.indices(self.shape[0])
            if self.rows is None and step == 1:
                return self._finish(self.array[start:stop])
            index = np.arange(start, stop, step)
        index = np.asarray(index)
        if index.dtype == bool:
            index = np.flatnonzero(index)
        positions = index if self.rows is None else self.rows[index]
        order = np.argsort(positions, kind="stable")
        out = np.empty((len(positions), *self.shape[1:]), dtype=self.dtype)
        out[order] = self.array[positions[order]]
        self._count(len(positions) * max(self._row_bytes, mmap.PAGESIZE))  # a page per row, at worst
        return out

    def _finish(self, block: np.ndarray) -> np.ndarray:
        out = np.array(block, dtype=self.dtype)
        self._count(out.nbytes)
        return out

    def _count(self, nbytes: int) -> None:
        self._read += nbytes
        if self._read >= _RELEASE_BYTES:
            self._read = 0
            release(self.array)

    def check_finite(self, name: str) -> None:
        """One pass over the whole mapped array in blocks: a ValueError naming the first row
        that holds NaN or inf. The pages read are released as it goes."""
        if self.array.dtype.kind not in "fc":
            return
        per_row = max(int(np.prod(self.shape[1:])) * self.array.dtype.itemsize, 1)
        step = max(_CHECK_BYTES // per_row, 1)
        for start in range(0, self.array.shape[0], step):
            block = self.array[start:start + step]
            finite = np.isfinite(block).reshape(len(block), -1).all(axis=1)
            if not finite.all():
                row = start + int(np.argmin(finite))
                raise ValueError(f"{name} (a memory-mapped file) holds NaN or inf in row {row}; drop those rows "
                                 "or impute them (e.g. sklearn.impute.SimpleImputer) before training")
            release(self.array)


def release(array: np.memmap) -> None:
    """Give the pages of ``array``'s file mapping back to the operating system (read-only
    or shared mappings only: a copy-on-write mapping would lose its changes)."""
    handle = getattr(array, "_mmap", None)
    if handle is None or getattr(array, "mode", None) not in ("r", "r+") or not hasattr(mmap, "MADV_DONTNEED"):
        return
    try:
        handle.madvise(mmap.MADV_DONTNEED)
    except (OSError, ValueError):  # a closed mapping, or a system without madvise
        return


def any_mapped(xs: list[Any]) -> bool:
    """Whether one of the inputs ``xs`` is a :class:`MappedRows`."""
    return any(isinstance(x, MappedRows) for x in xs)


def take(x: Any, rows: np.ndarray) -> Any:
    """The rows ``rows`` of an array (a copy) or of a MappedRows (nothing read)."""
    return x.subset(rows) if isinstance(x, MappedRows) else x[rows]
