"""Readers of data larger than memory, chunk by chunk: Parquet and CSV files through
pyarrow's dataset reader (``gn.data.from_parquet``, ``gn.data.from_csv``), and Dask
arrays and DataFrames, partition by partition. Each gives a
:class:`~glassnet.training.streams.ChunkedBatches`, shuffled by chunk order and within a
buffer. pyarrow and Dask are the ``data`` extra, imported only here, on first use.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from glassnet._checks import check_flag, check_seed
from glassnet.training.streams import ChunkedBatches

__all__ = ["from_parquet", "from_csv", "is_dask", "dask_batches"]

_EXTRA = 'pip install "glassnet[data]"'
#: The key of row r of file (or partition) i whose position in the data is not known before
#: reading: i * 2**40 + r, the same on every pass whatever the order of the files.
_PART_SHIFT = 40


def _dataset_module() -> Any:
    try:
        import pyarrow.dataset as ds
    except ImportError:
        raise ImportError(f"reading Parquet and CSV files batch by batch needs pyarrow: {_EXTRA}") from None
    return ds


def is_dask(data: Any) -> bool:
    """Whether ``data`` is a Dask array, DataFrame or Series (recognized without importing Dask).

    Examples
    --------
    >>> import numpy as np
    >>> is_dask(np.zeros(3))
    False
    """
    return type(data).__module__.startswith("dask") and hasattr(data, "npartitions")


def _check_batching(shuffle: Any, seed: Any, **counts: Any) -> None:
    """``shuffle``, ``seed`` and the ``counts`` (batch_size, buffer_rows, ...) checked."""
    for name, value in counts.items():
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    check_flag("shuffle", shuffle)
    check_seed(seed)


def _table_columns(
    schema: Any, target: str | Sequence[str] | None, features: Sequence[str] | None, path: Any
) -> tuple[list[str], list[str]]:
    """(feature columns, target columns) of a table's ``schema``: the features given, or every
    column but the targets; each must exist and hold numbers."""
    names = list(schema.names)
    targets = [] if target is None else [target] if isinstance(target, str) else list(target)
    chosen = list(features) if features is not None else [c for c in names if c not in targets]
    for column in [*targets, *chosen]:
        if column not in names:
            raise ValueError(f"{path}: there is no column {column!r}; its columns are {names}")
    import pyarrow as pa

    for column in [*targets, *chosen]:
        kind = schema.field(column).type
        if not (pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind)):
            raise TypeError(
                f"{path}: column {column!r} holds {kind}, not numbers; encode it first (the "
                "command line's glassnet train does it for you), or leave it out with features="
            )
    if not chosen:
        raise ValueError(f"{path}: no feature columns are left besides the target {targets}")
    return chosen, targets


def _order(n: int, rng: np.random.Generator | None) -> Sequence[int]:
    """The order in which a pass reads ``n`` chunks: file order, or one ``rng`` draws."""
    return range(n) if rng is None else rng.permutation(n).tolist()


def _starts(sizes: Sequence[int]) -> list[int]:
    """The position in the data of the first row of each chunk of ``sizes`` rows."""
    return np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(int).tolist() if len(sizes) else []


def _row_groups(dataset: Any) -> tuple[list[Any], list[int]]:
    """The row groups of a Parquet dataset (one fragment each) and their rows, from the metadata."""
    groups = [group for fragment in dataset.get_fragments() for group in fragment.split_by_row_group()]
    return groups, [sum(info.num_rows for info in group.row_groups) for group in groups]


def _arrays(table: Any, features: list[str], targets: list[str]) -> tuple[np.ndarray, ...]:
    """The feature matrix and the target of a pyarrow table (one column: 1-D)."""
    x = np.column_stack([table.column(c).to_numpy(zero_copy_only=False) for c in features])
    if not targets:
        return (x,)
    ys = [table.column(c).to_numpy(zero_copy_only=False) for c in targets]
    return x, ys[0] if len(ys) == 1 else np.column_stack(ys)


def from_parquet(
    path: str | Path,
    target: str | Sequence[str] | None,
    batch_size: int = 32,
    features: Sequence[str] | None = None,
    shuffle: bool = True,
    seed: int | None = None,
    buffer_rows: int = 1 << 16,
) -> ChunkedBatches:
    """Batches ``(x, y)`` of a Parquet file (or a folder of them), read one row group at a time.

    The file may be larger than memory: ``fit``, ``evaluate`` and ``predict`` read it batch
    by batch. Every pass shuffles the order of the row groups and the rows within a buffer
    of ``buffer_rows`` rows (see :mod:`glassnet.training.streams`); the same ``seed`` gives
    the same order. The number of rows comes from the file's metadata, without reading it.

    Parameters
    ----------
    path : str or Path
        A ``.parquet`` file or a folder of them (pyarrow's dataset reader).
    target : str or list of str or None
        The target column(s); None for inputs only (``predict``).
    batch_size : int >= 1, default 32
    features : list of str, optional
        The input columns, in order; by default every column but the target.
    shuffle : bool, default True
    seed : int >= 0, optional
    buffer_rows : int >= 1, default 65536
        Rows shuffled together; more mixes better and holds more in memory.

    Returns
    -------
    ChunkedBatches
        Iterable over one pass of ``(x, y)`` batches (``(x,)`` without a target);
        ``n_rows`` and ``len()`` (batches per pass) are known.

    Raises
    ------
    ImportError
        Without pyarrow (``pip install "glassnet[data]"``).
    ValueError, TypeError
        For a missing file or column, or a column that does not hold numbers.

    Examples
    --------
    >>> import os, tempfile
    >>> import pyarrow as pa
    >>> import pyarrow.parquet as pq
    >>> import glassnet as gn
    >>> path = os.path.join(tempfile.mkdtemp(), "data.parquet")
    >>> pq.write_table(pa.table({"a": [1.0, 2.0, 3.0], "b": [0.0, 1.0, 0.0], "y": [0, 1, 0]}), path)
    >>> batches = gn.data.from_parquet(path, target="y", batch_size=2, shuffle=False)
    >>> batches.n_rows, len(batches), [yb.tolist() for _, yb in batches]
    (3, 2, [[0, 1], [0]])
    """
    _check_batching(shuffle, seed, batch_size=batch_size, buffer_rows=buffer_rows)
    ds = _dataset_module()
    if not Path(path).exists():
        raise ValueError(f"from_parquet: there is no file or folder {str(path)!r}")
    dataset = ds.dataset(str(path), format="parquet")
    chosen, targets = _table_columns(dataset.schema, target, features, path)
    groups, sizes = _row_groups(dataset)
    starts = _starts(sizes)
    columns = [*chosen, *targets]

    def read(rng: np.random.Generator | None) -> Iterator[tuple[int, tuple[np.ndarray, ...]]]:
        for i in _order(len(groups), rng):
            yield starts[i], _arrays(groups[i].to_table(columns=columns), chosen, targets)

    source = ChunkedBatches(read, batch_size, shuffle, seed, int(sum(sizes)), buffer_rows)
    source.features, source.targets = chosen, targets
    return source


def from_csv(
    path: str | Path,
    target: str | Sequence[str] | None,
    batch_size: int = 32,
    features: Sequence[str] | None = None,
    shuffle: bool = True,
    seed: int | None = None,
    buffer_rows: int = 1 << 16,
    block_rows: int = 1 << 16,
) -> ChunkedBatches:
    """Batches ``(x, y)`` of a CSV file (or a folder of them), read ``block_rows`` at a time.

    As :func:`from_parquet`, but a CSV file cannot be entered in the middle: its blocks are
    read in file order (the files of a folder in a shuffled order), and shuffling mixes the
    rows within the buffer only. The rows are counted by one pass over the file on the
    first call of ``len()`` or ``n_rows``.

    Parameters
    ----------
    path : str or Path
        A ``.csv`` file or a folder of them (pyarrow's dataset reader).
    target : str or list of str or None
        The target column(s); None for inputs only (``predict``).
    batch_size : int >= 1, default 32
    features : list of str, optional
        The input columns, in order; by default every column but the target.
    shuffle : bool, default True
    seed : int >= 0, optional
    buffer_rows : int >= 1, default 65536
        Rows shuffled together.
    block_rows : int >= 1, default 65536
        Rows read from the file at a time.

    Returns
    -------
    ChunkedBatches
        As :func:`from_parquet`'s.

    Examples
    --------
    >>> import os, tempfile
    >>> import glassnet as gn
    >>> path = os.path.join(tempfile.mkdtemp(), "data.csv")
    >>> _ = open(path, "w").write("a,b,y\\n1,0,0\\n2,1,1\\n3,0,0\\n")
    >>> [xb.tolist() for xb, _ in gn.data.from_csv(path, target="y", batch_size=2, shuffle=False)]
    [[[1, 0], [2, 1]], [[3, 0]]]
    """
    _check_batching(shuffle, seed, batch_size=batch_size, buffer_rows=buffer_rows, block_rows=block_rows)
    ds = _dataset_module()
    if not Path(path).exists():
        raise ValueError(f"from_csv: there is no file or folder {str(path)!r}")
    dataset = ds.dataset(str(path), format="csv")
    chosen, targets = _table_columns(dataset.schema, target, features, path)
    files = list(dataset.get_fragments())
    columns = [*chosen, *targets]

    def read(rng: np.random.Generator | None) -> Iterator[tuple[int, tuple[np.ndarray, ...]]]:
        for i in _order(len(files), rng):
            start = i << _PART_SHIFT
            for block in files[i].to_batches(columns=columns, batch_size=block_rows):
                yield start, _arrays(block, chosen, targets)
                start += block.num_rows

    source = _CountedBatches(read, batch_size, shuffle, seed, None, buffer_rows)
    source.dataset, source.features, source.targets = dataset, chosen, targets
    return source


class _CountedBatches(ChunkedBatches):
    """Batches whose rows are counted by a pass over the data when first asked."""

    dataset: Any = None

    @property
    def n_rows(self) -> int | None:  # type: ignore[override]
        if self._rows is None:
            self._rows = int(self.dataset.count_rows())
        return self._rows

    @n_rows.setter
    def n_rows(self, value: int | None) -> None:
        self._rows = value


def dask_batches(X: Any, y: Any, batch_size: int, shuffle: bool, seed: int | None) -> ChunkedBatches:
    """Batches of Dask arrays or DataFrames, one partition computed at a time.

    ``y`` (optional) is cut along the partitions of ``X`` (a Dask array is rechunked to
    them; a Dask Series must have the same partitions). Shuffling draws the order of the
    partitions and mixes the rows of a buffer.

    Examples
    --------
    >>> import numpy as np
    >>> import dask.array as da
    >>> batches = dask_batches(da.arange(5, chunks=2).reshape(5, 1), da.arange(5, chunks=2), 2, False, None)
    >>> batches.n_rows, [yb.tolist() for _, yb in batches]
    (5, [[0, 1], [2, 3], [4]])
    """
    parts_x = _partitions(X)
    parts_y = None if y is None else _partitions(_aligned(y, X))
    if parts_y is not None and len(parts_y) != len(parts_x):
        raise ValueError(
            f"x has {len(parts_x)} partitions but y has {len(parts_y)}; give y the partitions of x"
        )
    rows = _rows(X)
    starts = None if rows is None else _starts(rows)

    def read(rng: np.random.Generator | None) -> Iterator[tuple[int, tuple[np.ndarray, ...]]]:
        for i in _order(len(parts_x), rng):
            x = np.asarray(parts_x[i].compute())
            arrays = (x,) if parts_y is None else (x, np.asarray(parts_y[i].compute()))
            if len(arrays) == 2 and len(arrays[1]) != len(x):
                raise ValueError(
                    f"partition {i} holds {len(x)} rows of x but {len(arrays[1])} of y; give y "
                    "the partitions of x"
                )
            yield (i << _PART_SHIFT if starts is None else starts[i]), arrays

    return ChunkedBatches(read, batch_size, shuffle, seed, None if rows is None else int(sum(rows)))


def _partitions(data: Any) -> list[Any]:
    if hasattr(data, "partitions") and not hasattr(data, "blocks"):
        return [data.partitions[i] for i in range(data.npartitions)]
    return [data.blocks[i] for i in range(data.numblocks[0])]


def _aligned(y: Any, X: Any) -> Any:
    """A Dask array ``y`` rechunked to the row chunks of a Dask array ``X``."""
    if hasattr(y, "rechunk") and hasattr(X, "chunks") and hasattr(y, "blocks"):
        return y.rechunk({0: X.chunks[0]})
    return y


def _rows(X: Any) -> list[int] | None:
    """The rows of each partition when known without computing (Dask arrays)."""
    chunks = getattr(X, "chunks", None)
    if chunks is None or not hasattr(X, "blocks"):
        return None
    rows = list(chunks[0])
    return None if any(np.isnan(r) for r in rows) else [int(r) for r in rows]
