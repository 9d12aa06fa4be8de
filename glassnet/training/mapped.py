"""Memory-mapped arrays (``np.load(path, mmap_mode="r")``) read batch by batch.

A :class:`MappedRows` stands for the rows of a ``numpy.memmap`` (or a subset of them,
such as the training part of a split) without reading them: indexing it with a batch's
row indices reads those rows only, converted to the model's dtype. ``fit`` draws the same
permutation of the rows as for an array in memory and reads each batch's rows in
ascending file order (then puts them back in the permutation's order), so a memory-mapped
file and the same array in memory train to bitwise the same weights, while the reads of a
batch move forward through the file.

The rows are read from the file (``os.preadv``, one read per run of consecutive rows), not
through the mapping: a page touched through a mapping stays in the process's resident
memory, and the kernel maps a whole block of the page cache (up to 2 MB) for one row, so
a shuffled pass through a mapping would make the process as large as the file. A read
leaves the data in the operating system's page cache only, and the process stays small.
A copy-on-write mapping (``mmap_mode="c"``), whose changes are in memory only, or a
mapping without a file is read through the mapping, its pages given back every
``_RELEASE_BYTES`` (``madvise(MADV_DONTNEED)``).
"""

from __future__ import annotations

import mmap
import os
from typing import Any

import numpy as np

__all__ = ["MappedRows", "is_mapped", "any_mapped", "take"]

#: Bytes mapped (2 MB counted per row) between two releases of the pages of a mapping read directly.
_RELEASE_BYTES = 64 << 20
_BLOCK_BYTES = 2 << 20
#: Bytes per read of the one pass that checks a file for NaN and inf.
_CHECK_BYTES = 16 << 20


def is_mapped(x: Any) -> bool:
    """Whether ``x`` is a memory-mapped array or the rows of one.

    Examples
    --------
    >>> import numpy as np
    >>> is_mapped(np.zeros((2, 2)))
    False
    """
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
    >>> import os, tempfile
    >>> import numpy as np
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
        self._file = _RowFile.of(array, self._row_bytes)
        self._mapped = 0

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
                return self._read(np.arange(start, stop)).astype(self.dtype, copy=False)
            index = np.arange(start, stop, step)
        index = np.asarray(index)
        if index.dtype == bool:
            index = np.flatnonzero(index)
        positions = index if self.rows is None else self.rows[index]
        order = np.argsort(positions, kind="stable")
        out = np.empty((len(positions), *self.shape[1:]), dtype=self.dtype)
        out[order] = self._read(positions[order])
        return out

    def _read(self, positions: np.ndarray) -> np.ndarray:
        """The rows at ``positions`` (ascending) in the file's dtype."""
        if self._file is not None:
            return self._file.read(positions, self.array.shape[1:], self.array.dtype)
        rows = self.array[positions]
        self._mapped += len(positions) * max(self._row_bytes, _BLOCK_BYTES)
        if self._mapped >= _RELEASE_BYTES:
            self._mapped = 0
            release(self.array)
        return rows

    def check_finite(self, name: str) -> None:
        """One pass over the whole array in blocks: a ValueError naming the first row that
        holds NaN or inf."""
        if self.array.dtype.kind not in "fc":
            return
        step = max(_CHECK_BYTES // max(self._row_bytes, 1), 1)
        for start in range(0, self.array.shape[0], step):
            block = self._read(np.arange(start, min(start + step, self.array.shape[0])))
            finite = np.isfinite(block).reshape(len(block), -1).all(axis=1)
            if not finite.all():
                row = start + int(np.argmin(finite))
                raise ValueError(
                    f"{name} (a memory-mapped file) holds NaN or inf in row {row}; drop those rows "
                    "or impute them first (e.g. sklearn.impute.SimpleImputer)"
                )


class _RowFile:
    """The file behind a memory-mapped array, read row by row with ``os.preadv``."""

    def __init__(self, path: str, start: int, row_bytes: int) -> None:
        self.handle = open(path, "rb", buffering=0)  # noqa: SIM115 - closed with the object
        self.start, self.row_bytes = start, row_bytes

    def __del__(self) -> None:
        handle = getattr(self, "handle", None)
        if handle is not None:
            handle.close()

    @classmethod
    def of(cls, array: np.memmap, row_bytes: int) -> _RowFile | None:
        """The reader of ``array``'s file, or None when its rows must be read through the
        mapping: copy-on-write, no file, rows not contiguous, or no ``os.preadv``."""
        handle, path = getattr(array, "_mmap", None), getattr(array, "filename", None)
        if handle is None or path is None or getattr(array, "mode", "c") == "c" or not hasattr(os, "preadv"):
            return None
        if not array.flags.c_contiguous or not row_bytes:
            return None
        offset = int(getattr(array, "offset", 0))
        mapped_from = offset - offset % mmap.ALLOCATIONGRANULARITY
        buffer = np.frombuffer(handle, dtype=np.uint8, count=1)
        start = array.__array_interface__["data"][0] - buffer.__array_interface__["data"][0] + mapped_from
        del buffer
        return cls(str(path), start, row_bytes)

    def read(self, positions: np.ndarray, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        """The rows at the ascending ``positions``: one read per run of consecutive rows."""
        out = np.empty((len(positions), *shape), dtype=dtype)
        if not len(positions):
            return out
        view = memoryview(out.reshape(-1).view(np.uint8))
        breaks = np.flatnonzero(np.diff(positions) != 1) + 1
        firsts = np.concatenate([[0], breaks]).tolist()
        lasts = np.concatenate([breaks, [len(positions)]]).tolist()
        size, fd, begin = self.row_bytes, self.handle.fileno(), self.start
        for first, last in zip(firsts, lasts):
            want = (last - first) * size
            got = os.preadv(fd, [view[first * size : last * size]], begin + int(positions[first]) * size)
            if got != want:
                raise OSError(
                    f"the memory-mapped file {self.handle.name} ended early (read {got} of {want} bytes)"
                )
        return out


def release(array: np.memmap) -> None:
    """Give the pages of ``array``'s file mapping back to the operating system (read-only
    or shared mappings only: a copy-on-write mapping would lose its changes)."""
    handle = getattr(array, "_mmap", None)
    if (
        handle is None
        or getattr(array, "mode", None) not in ("r", "r+")
        or not hasattr(mmap, "MADV_DONTNEED")
    ):
        return
    try:
        handle.madvise(mmap.MADV_DONTNEED)
    except (OSError, ValueError):  # a closed mapping, or a system without madvise
        return


def any_mapped(xs: list[Any]) -> bool:
    """Whether one of the inputs ``xs`` is a :class:`MappedRows` (a check of each one's type).

    Examples
    --------
    >>> import numpy as np
    >>> any_mapped([np.zeros((2, 2))])
    False
    """
    for x in xs:
        if type(x) is MappedRows:
            return True
    return False


def take(x: Any, rows: np.ndarray) -> Any:
    """The rows ``rows`` of an array (a copy) or of a MappedRows (nothing read).

    Examples
    --------
    >>> import numpy as np
    >>> take(np.arange(6).reshape(3, 2), np.array([2, 0])).tolist()
    [[4, 5], [0, 1]]
    """
    return x.subset(rows) if isinstance(x, MappedRows) else x[rows]
