"""Where independent trainings run: this process, local worker processes, or a Dask cluster.

A search's trials, cross-validation's folds and an ensemble's members are independent
trainings. All of them go through one :class:`Pool`, chosen by ``backend``:

- ``"local"``: one after the other in this process (the default; nothing to install).
- ``"processes"``: worker processes on this machine (joblib's loky executor, which sends
  functions with cloudpickle, so those defined in a script work too).
- ``"dask"``: a Dask ``distributed`` cluster: a ``LocalCluster`` (one worker process per
  core, one BLAS thread each) when no ``address`` is given, else the scheduler at
  ``address`` (``tcp://host:8786``).

A task that raises is reported as a failed :class:`Outcome` with its message; the others
go on. A task whose worker process dies is run once more on another worker, then reported
failed with a message saying that its worker died.
"""

from __future__ import annotations

import functools
import numbers
import os
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = ["BACKENDS", "N_JOBS", "Outcome", "Shared", "Pool", "run_all", "check_backend", "worker_id",
           "cores", "unsent"]

BACKENDS = ("local", "processes", "dask")
#: How many times a task is started when its worker process dies under it.
ATTEMPTS = 2
#: The environment of a worker process: one thread for BLAS and OpenMP (the workers share the cores).
ONE_THREAD = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                                     "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")}


@dataclass
class Outcome:
    """What one task gave: its value, or the error that stopped it ("Type: message")."""

    index: int
    value: Any = None
    error: str | None = None
    worker: str = ""
    seconds: float = 0.0
    #: The exception itself, when it could be sent back (to raise it again in the caller).
    exception: BaseException | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return self.error is None


class Shared:
    """A value sent to the workers once (e.g. the data), passed to tasks in place of the value.

    ``ref`` is where the backend keeps it (a Dask future, a file the workers read); the task
    receives the value itself.
    """

    def __init__(self, value: Any, ref: Any = None) -> None:
        self._value = value
        self.ref = ref

    @property
    def value(self) -> Any:
        """The shared value (in a worker: as it arrived there)."""
        return self._value


def worker_id() -> str:
    """``host:pid`` of the process running the caller."""
    return f"{socket.gethostname()}:{os.getpid()}"


def cores() -> int:
    """The number of cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


#: glassnet's spelling of scikit-learn's and Optuna's n_jobs.
N_JOBS = "n_workers (with backend='processes' or 'dask')"


def check_backend(backend: Any, n_workers: Any = None, address: Any = None) -> None:
    """A ValueError/TypeError naming the argument when the backend options are not valid."""
    if not isinstance(backend, str) or backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(map(repr, BACKENDS))}, got {backend!r}")
    if n_workers is not None and (isinstance(n_workers, bool) or not isinstance(n_workers, numbers.Integral)):
        raise TypeError(f"n_workers must be a positive integer or None (one per core), got {n_workers!r}")
    if n_workers is not None and n_workers < 1:
        raise ValueError(f"n_workers must be a positive integer or None (one per core), got {n_workers!r}")
    if n_workers is not None and backend == "local":
        raise ValueError(f"n_workers={n_workers!r} sizes the worker processes of backend='processes' or "
                         "'dask'; backend='local' trains one at a time in this process: give "
                         "backend='processes' too (scikit-learn's n_jobs)")
    if address is None:
        return
    if backend != "dask":
        raise ValueError(f"address={address!r} names a Dask scheduler; use it with backend='dask'")
    if n_workers is not None:
        raise ValueError(
            f"n_workers={n_workers!r} sizes the local cluster started when no address is given; the "
            f"cluster at address={address!r} has the workers started there (leave n_workers=None)"
        )
    from glassnet._backends.dask import check_address

    check_address(address)


@functools.cache
def limit_blas_threads() -> None:
    """One BLAS (and OpenMP) thread and one thread for glassnet's convolutions and poolings
    in this worker process, from its first task on: the workers share the cores."""
    from threadpoolctl import threadpool_limits

    from glassnet._parallel import set_num_threads

    threadpool_limits(1)
    set_num_threads(1)


def run_in_worker(fn: Callable[..., Any], index: int, *args: Any) -> Outcome:
    """A task in a worker process: one BLAS thread, then :func:`_run`; an outcome that can be
    sent back (a result that cannot be pickled fails its task; an exception that cannot is
    dropped, its message stays)."""
    import cloudpickle

    limit_blas_threads()
    outcome = _run(fn, index, args)
    try:
        cloudpickle.dumps(outcome.value)
    except Exception as exc:  # the caller gets the reason instead of the result
        outcome.value, outcome.exception = None, exc
        outcome.error = f"{type(exc).__name__}: the task's result cannot be sent back ({exc})"
    try:
        cloudpickle.dumps(outcome.exception)
    except Exception:  # an exception that cannot travel: its message does
        outcome.exception = None
    return outcome


def _run(fn: Callable[..., Any], index: int, args: tuple[Any, ...]) -> Outcome:
    """Run one task where the pool placed it, catching its error into the outcome."""
    start = time.perf_counter()
    values = tuple(a.value if isinstance(a, Shared) else a for a in args)
    try:
        value, error, exception = fn(*values), None, None
    except Exception as exc:  # a task's failure is its outcome; the other tasks go on
        value, error, exception = None, f"{type(exc).__name__}: {exc}", exc
    return Outcome(index, value, error, worker_id(), time.perf_counter() - start, exception)


def unsent(index: int, exc: BaseException) -> Outcome:
    """The failed outcome of a task that could not be sent to a worker (its function or
    arguments cannot be pickled), naming the first cause."""
    while exc.__cause__ is not None:
        exc = exc.__cause__
    return Outcome(index, error=f"{type(exc).__name__}: the task could not be sent to the workers ({exc})")


class Engine(Protocol):
    """What a backend provides to :class:`Pool`."""

    client: Any

    @property
    def n_workers(self) -> int: ...

    def share(self, value: Any) -> Shared: ...

    def submit(self, index: int, fn: Callable[..., Any], args: tuple[Any, ...]) -> None: ...

    def busy(self) -> bool: ...

    def next_outcome(self) -> Outcome: ...

    def close(self) -> None: ...


class _Local:
    """Tasks run one after the other in this process, in the order they were submitted."""

    client = None
    n_workers = 1

    def __init__(self) -> None:
        self._pending: list[tuple[int, Callable[..., Any], tuple[Any, ...]]] = []

    def share(self, value: Any) -> Shared:
        return Shared(value)

    def submit(self, index: int, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self._pending.append((index, fn, args))

    def busy(self) -> bool:
        return bool(self._pending)

    def next_outcome(self) -> Outcome:
        index, fn, args = self._pending.pop(0)
        return _run(fn, index, args)

    def close(self) -> None:
        self._pending.clear()


def _engine(backend: str, n_workers: int | None, address: str | None) -> Engine:
    if backend == "processes":
        from glassnet._backends.processes import Processes

        return Processes(n_workers)
    if backend == "dask":
        from glassnet._backends.dask import Dask

        return Dask(n_workers, address)
    return _Local()


class Pool:
    """Runs tasks on the chosen backend and yields their outcomes as they complete.

    Use as a context manager: the workers it started are stopped on exit (a cluster
    reached at ``address`` is left running).

    Parameters
    ----------
    backend : {"local", "processes", "dask"}, default "local"
    n_workers : int, optional
        Worker processes to start ("processes", or "dask" without ``address``); one per core
        by default.
    address : str, optional
        ``tcp://host:8786``: the scheduler of a running Dask cluster (backend="dask").

    Attributes
    ----------
    client : distributed.Client or None
        The Dask client for backend="dask" (e.g. to give Optuna a storage the workers
        reach); None otherwise.
    """

    def __init__(self, backend: str = "local", n_workers: int | None = None,
                 address: str | None = None) -> None:
        check_backend(backend, n_workers, address)
        n_workers = None if n_workers is None else int(n_workers)
        self.backend, self.address = backend, address
        self._engine = _engine(backend, n_workers, address)
        self.client = self._engine.client
        self._count = 0

    @property
    def n_workers(self) -> int:
        """How many tasks run at once (for a Dask cluster, its worker threads right now)."""
        return self._engine.n_workers

    def share(self, value: Any) -> Shared:
        """``value`` sent to the workers once; pass the result to :meth:`submit` in its place."""
        return self._engine.share(value)

    def submit(self, fn: Callable[..., Any], *args: Any) -> int:
        """Start ``fn(*args)``; returns the task's index (its :attr:`Outcome.index`)."""
        index = self._count
        self._count += 1
        self._engine.submit(index, fn, args)
        return index

    def results(self) -> Iterator[Outcome]:
        """The outcomes of the submitted tasks, as they complete (tasks may be submitted
        while iterating)."""
        while self._engine.busy():
            yield self._engine.next_outcome()

    def close(self) -> None:
        """Stop the workers this pool started; tasks not yet finished are dropped."""
        self._engine.close()

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
