"""Where independent trainings run: this process, local worker processes, or a Dask cluster.

A search's trials, cross-validation's folds and an ensemble's members are independent
trainings. All of them go through one :class:`Pool`, chosen by ``backend``:

- ``"local"``: one after the other in this process (the default; nothing to install).
- ``"processes"``: worker processes on this machine.
- ``"dask"``: a Dask ``distributed`` cluster: a ``LocalCluster`` (one worker process per
  core, one BLAS thread each) when no ``address`` is given, else the scheduler at
  ``address`` (``tcp://host:8786``).

A task that raises is reported as a failed :class:`Outcome` with its message; the others
go on.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ["BACKENDS", "Outcome", "Shared", "Pool", "run_all", "check_backend", "worker_id"]

BACKENDS = ("local", "processes", "dask")


@dataclass
class Outcome:
    """What one task gave: its value, or the error that stopped it."""

    index: int
    value: Any = None
    error: str | None = None
    worker: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None


class Shared:
    """A value sent to the workers once (e.g. the data), passed to tasks in place of the value."""

    def __init__(self, value: Any) -> None:
        self.value = value


def worker_id() -> str:
    """``host:pid`` of the process running the caller."""
    return f"{socket.gethostname()}:{os.getpid()}"


def check_backend(backend: Any, n_workers: Any = None, address: Any = None) -> None:
    """A ValueError/TypeError naming the argument when the backend options are not valid."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(map(repr, BACKENDS))}, got {backend!r}")
    if n_workers is not None and (isinstance(n_workers, bool) or not isinstance(n_workers, int)
                                  or n_workers < 1):
        raise ValueError(f"n_workers must be a positive integer or None (one per core), got {n_workers!r}")
    if address is not None and backend != "dask":
        raise ValueError(f"address={address!r} names a Dask scheduler; use it with backend='dask'")


def _run(fn: Callable[..., Any], index: int, args: tuple[Any, ...]) -> Outcome:
    """Run one task where the pool placed it, catching its error into the outcome."""
    start = time.perf_counter()
    values = tuple(a.value if isinstance(a, Shared) else a for a in args)
    try:
        value, error = fn(*values), None
    except Exception as exc:  # a task's failure is its outcome; the other tasks go on
        value = None
        error = f"{type(exc).__name__}: {exc}"
    return Outcome(index, value, error, worker_id(), time.perf_counter() - start)


class Pool:
    """Runs tasks on the chosen backend and yields their outcomes as they complete.

    Use as a context manager: the workers it started are stopped on exit.
    """

    def __init__(self, backend: str = "local", n_workers: int | None = None,
                 address: str | None = None) -> None:
        check_backend(backend, n_workers, address)
        if backend != "local":
            raise NotImplementedError(f"backend={backend!r}")
        self.backend, self.address = backend, address
        self._pending: list[tuple[int, Callable[..., Any], tuple[Any, ...]]] = []
        self._count = 0

    @property
    def n_workers(self) -> int:
        """How many tasks run at once."""
        return 1

    def share(self, value: Any) -> Shared:
        """``value`` sent to the workers once; pass the result to :meth:`submit` in its place."""
        return Shared(value)

    def submit(self, fn: Callable[..., Any], *args: Any) -> int:
        """Queue ``fn(*args)``; returns the task's index (its :attr:`Outcome.index`)."""
        index = self._count
        self._count += 1
        self._pending.append((index, fn, args))
        return index

    def results(self) -> Iterator[Outcome]:
        """The outcomes of the submitted tasks, as they complete (tasks may be submitted
        while iterating)."""
        while self._pending:
            index, fn, args = self._pending.pop(0)
            yield _run(fn, index, args)

    def close(self) -> None:
        self._pending.clear()

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def run_all(fn: Callable[..., Any], tasks: list[tuple[Any, ...]], backend: str = "local",
            n_workers: int | None = None, address: str | None = None,
            shared: tuple[Any, ...] = ()) -> list[Outcome]:
    """``fn(*shared, *task)`` for every task, on ``backend``; the outcomes in task order.

    ``shared`` values (e.g. the data) are sent to the workers once, not with every task.
    """
    with Pool(backend, n_workers, address) as pool:
        handles = tuple(pool.share(value) for value in shared)
        for task in tasks:
            pool.submit(fn, *handles, *task)
        outcomes = sorted(pool.results(), key=lambda o: o.index)
    return outcomes
