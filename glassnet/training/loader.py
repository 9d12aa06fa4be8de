"""DataLoader: batches of arrays or of a dataset for a training loop of your own (``gn.data.DataLoader``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np

from glassnet import _random
from glassnet._checks import check_flag, check_seed
from glassnet.tensor import Tensor
from glassnet.training import data as _data
from glassnet.training.mapped import MappedRows

__all__ = ["DataLoader"]


#: PyTorch's DataLoader arguments that only say how to load (worker processes, pinned memory for a
#: GPU): accepted, without effect; the batches are the same.
_LOADING = ("num_workers", "pin_memory", "persistent_workers", "timeout", "prefetch_factor")


class DataLoader:
    """Batches for a training loop of your own, as PyTorch's ``DataLoader``::

        loader = gn.data.DataLoader((X, y), batch_size=32, shuffle=True, seed=0)
        for epoch in range(10):
            for xb, yb in loader:          # NumPy arrays of up to 32 rows
                loss = loss_fn(model(xb), yb)
                ...

    Parameters
    ----------
    dataset : array, tuple of arrays, or dataset
        An array (batches of its rows; a memory-mapped one is read batch by batch from its
        file), a tuple of arrays of one length such as ``(X, y)``
        (a tuple of batches, one per array, like PyTorch's ``TensorDataset``), a pandas
        object, or a dataset: anything with ``__len__`` and ``__getitem__`` that returns a
        sample (PyTorch's map-style ``Dataset``, or a list of samples).
    batch_size : int >= 1, default 1
    shuffle : bool, default False
        Draw a new order of the samples at every pass over the loader (every epoch).
    drop_last : bool, default False
        Leave out the last batch when it is smaller than ``batch_size``.
    seed : int or numpy.random.Generator, optional
        Seeds the order: the same seed gives the same batches, epoch after epoch.
    collate_fn : callable, optional
        Makes a batch from the list of its samples; by default samples are stacked into
        NumPy arrays (a tuple, dict or list of them for samples that are tuples, dicts or lists).
    num_workers, pin_memory, persistent_workers, timeout, prefetch_factor
        PyTorch's, accepted without effect: the batches are made in the calling thread, and
        are the same.

    Yields
    ------
    numpy.ndarray, or a tuple, dict or list of them
        NumPy arrays, which glassnet's models, losses and Tensor operations take as they
        are (``gn.tensor(xb)`` makes a Tensor). Without shuffling, the batches of arrays are
        views of them (slices); with shuffling, copies.

    Notes
    -----
    ``len(loader)`` is the number of batches; ``len(loader.dataset)`` the number of samples.

    Examples
    --------
    >>> X, y = np.arange(10.0).reshape(5, 2), np.arange(5)
    >>> loader = gn.data.DataLoader((X, y), batch_size=2)
    >>> [yb.tolist() for xb, yb in loader]
    [[0, 1], [2, 3], [4]]
    >>> len(loader)
    3
    """

    def __init__(self, dataset: Any, batch_size: int = 1, shuffle: bool = False, drop_last: bool = False,
                 seed: int | np.random.Generator | None = None,
                 collate_fn: Callable[[list[Any]], Any] | None = None, **loading: Any) -> None:
        _check_loading(loading)
        if isinstance(batch_size, (bool, np.bool_)) or not isinstance(batch_size, (int, np.integer)) \
                or batch_size < 1:
            hint = "; for single samples, index the dataset itself" if batch_size is None else ""
            raise ValueError(f"DataLoader: batch_size must be an integer >= 1, got {batch_size!r}{hint}")
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(f"DataLoader: collate_fn must be a function of a list of samples, got "
                            f"{collate_fn!r}")
        self.dataset = _as_dataset(dataset)
        if len(self.dataset) == 0:
            raise ValueError("DataLoader: the dataset is empty; at least one sample is needed")
        self.batch_size = int(batch_size)
        self.shuffle = check_flag("shuffle", shuffle)
        self.drop_last = check_flag("drop_last", drop_last)
        self.collate_fn = collate_fn
        self._rng = seed if isinstance(seed, np.random.Generator) else _random.generator(check_seed(seed))

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self) -> Iterator[Any]:
        n = len(self.dataset)
        for index in _data.batches(n, self.batch_size, self._rng if self.shuffle else None):
            size = index.stop - index.start if isinstance(index, slice) else len(index)
            if self.drop_last and size < self.batch_size:
                return
            yield self._batch(index)

    def _batch(self, index: np.ndarray | slice) -> Any:
        dataset = self.dataset
        if isinstance(dataset, _Arrays) and self.collate_fn is None:
            return dataset.rows(index)
        positions = range(index.start, index.stop) if isinstance(index, slice) else index.tolist()
        samples = [dataset[i] for i in positions]
        return (self.collate_fn or _stack)(samples)


def _check_loading(loading: dict[str, Any]) -> None:
    for key in loading:
        if key == "generator":
            raise TypeError("DataLoader: pass seed= (an int or a numpy.random.Generator), not generator=")
        if key in ("sampler", "batch_sampler"):
            raise TypeError(f"DataLoader: {key}= is not supported; shuffle=True with seed= draws the "
                            "order, or index your arrays with an order of your own")
        if key not in _LOADING:
            raise TypeError(f"DataLoader got an unexpected argument {key!r}; it takes dataset, "
                            "batch_size, shuffle, drop_last, seed, collate_fn and, without effect, "
                            f"{', '.join(_LOADING)}")


class _Arrays:
    """Arrays of one length as a dataset: sample i is the tuple of their rows i (one array: the row)."""

    def __init__(self, arrays: list[np.ndarray], single: bool) -> None:
        self.arrays, self.single = arrays, single

    def __len__(self) -> int:
        return len(self.arrays[0])

    def __getitem__(self, i: int) -> Any:
        return self.rows(i)

    def rows(self, index: Any) -> Any:
        rows = tuple(array[index] for array in self.arrays)
        return rows[0] if self.single else rows


def _as_dataset(dataset: Any) -> Any:
    if isinstance(dataset, tuple):
        arrays = [_column(a, i) for i, a in enumerate(dataset)]
        lengths = {len(a) for a in arrays}
        if len(lengths) > 1:
            raise ValueError(f"DataLoader: the arrays of the tuple have different lengths "
                             f"{[len(a) for a in arrays]}; they must hold one row per sample")
        return _Arrays(arrays, single=False)
    if isinstance(dataset, (np.ndarray, Tensor)) or hasattr(dataset, "to_numpy"):
        return _Arrays([_column(dataset, 0)], single=True)
    indexable = hasattr(dataset, "__getitem__") and hasattr(dataset, "__len__")
    if indexable and not isinstance(dataset, (str, Mapping)):
        return dataset
    raise TypeError(f"DataLoader: dataset must be an array, a tuple of arrays (X, y) or a dataset with "
                    f"__len__ and __getitem__, got {type(dataset).__name__}")


def _column(array: Any, i: int) -> np.ndarray:
    if isinstance(array, Tensor):
        array = array.data
    if not hasattr(array, "__len__") or isinstance(array, (str, Mapping)):
        raise TypeError(f"DataLoader: a tuple must hold arrays of samples, such as (X, y); its item {i} is a "
                        f"{type(array).__name__} (a list of samples is a dataset: pass it as a list)")
    if isinstance(array, np.memmap) and array.ndim >= 1 and array.dtype.kind in "biuf":
        return MappedRows(array, array.dtype)  # batches read from the file, never the whole array
    array = _data.as_array(array, None, f"dataset[{i}]")
    if array.ndim == 0:
        raise ValueError(f"DataLoader: item {i} of the tuple is a scalar; it must hold one row per sample")
    return array


def _stack(samples: list[Any]) -> Any:
    """One batch from a list of samples: arrays stacked; tuples, lists and dicts column by column."""
    first = samples[0]
    if isinstance(first, Mapping):
        return {key: _stack([s[key] for s in samples]) for key in first}
    if isinstance(first, (tuple, list)):
        columns = [_stack(list(column)) for column in zip(*samples, strict=True)]
        return tuple(columns) if isinstance(first, tuple) else columns
    if isinstance(first, str):
        return list(samples)
    return np.stack([s.data if isinstance(s, Tensor) else np.asarray(s) for s in samples])
