"""Threads for the batch-sized ops: one small persistent pool, used only where the work pays.

Convolutions and pooling cut their batch into chunks (a few samples or channels each) whose
work runs in NumPy calls and BLAS products that release the GIL. :func:`run` hands the
chunks to the calling thread and to up to ``get_num_threads() - 1`` pool threads, which
take them one at a time in order until none is left: a thread slowed down by another
process on its core simply takes fewer chunks. The pool's threads are made once, on first
use, and wait on a queue between calls; no thread is created per step.

Results do not depend on the number of threads: the ops cut their chunks by the shapes
only, each chunk is computed exactly as in one thread (the same calls on the same slices,
one BLAS thread each) and writes only its own part of the output, and partial sums are
added by the caller in chunk order. Inside
``with glassnet.reference():`` the chunks run in the calling thread only.
"""

from __future__ import annotations

import functools
import itertools
import os
import queue
import threading
from collections.abc import Callable
from typing import Any

from glassnet import accel

__all__ = ["set_num_threads", "get_num_threads", "threads_for", "run", "MIN_CHUNK_WORK", "one_blas_thread",
           "blas_controller"]

#: Element visits of NumPy calls below which work is not worth handing to another thread:
#: enough to cover the wake-up of a pool thread a few times over.
MIN_CHUNK_WORK = 1 << 16


def _usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


_settings = {"threads": _usable_cores()}


def set_num_threads(threads: int) -> None:
    """Set how many threads glassnet's convolution and pooling ops may use (as PyTorch's
    ``torch.set_num_threads``).

    The default is the number of cores this process may run on. Each op uses at most this
    many, fewer when its work is small. The matrix products of dense layers use NumPy's BLAS,
    whose threads ``threadpoolctl`` sets.

    Parameters
    ----------
    threads : int
        At least 1; 1 runs every op in the calling thread.

    Raises
    ------
    TypeError
        If ``threads`` is not an int.
    ValueError
        If ``threads`` is less than 1.

    Examples
    --------
    >>> import glassnet as gn
    >>> before = gn.get_num_threads()
    >>> gn.set_num_threads(1)
    >>> gn.get_num_threads()
    1
    >>> gn.set_num_threads(before)
    """
    if isinstance(threads, bool) or not isinstance(threads, int):
        raise TypeError(f"set_num_threads: threads must be an int >= 1, got {threads!r}")
    if threads < 1:
        raise ValueError(f"set_num_threads: threads must be an int >= 1, got {threads!r}")
    _settings["threads"] = threads


def get_num_threads() -> int:
    """The number of threads glassnet's convolution and pooling ops may use.

    Examples
    --------
    >>> import glassnet as gn
    >>> gn.get_num_threads() >= 1
    True
    """
    return _settings["threads"]


class _Job:
    """One call of :func:`run`: the chunks still to take, the results, the helpers at work."""

    __slots__ = ("fn", "count", "next", "results", "error", "cond", "helpers", "closed")

    def __init__(self, fn: Callable[[int], Any], count: int) -> None:
        self.fn, self.count, self.next = fn, count, itertools.count()
        self.results: list[Any] = [None] * count
        self.error: BaseException | None = None
        self.cond = threading.Condition(threading.Lock())
        self.helpers, self.closed = 0, False

    def work(self) -> None:
        """Take chunks until none is left (or one failed)."""
        while self.error is None:
            i = next(self.next)
            if i >= self.count:
                return
            try:
                self.results[i] = self.fn(i)
            except BaseException as exc:  # noqa: BLE001 - re-raised in the calling thread
                self.error = exc

    def help(self) -> None:
        """Run in a pool thread: join unless the caller has already finished."""
        with self.cond:
            if self.closed:
                return
            self.helpers += 1
        try:
            self.work()
        finally:
            with self.cond:
                self.helpers -= 1
                self.cond.notify_all()

    def finish(self) -> list[Any]:
        """Run in the calling thread after its own share: wait for the helpers at work."""
        with self.cond:
            self.closed = True
            self.cond.wait_for(lambda: self.helpers == 0)
        if self.error is not None:
            raise self.error
        return self.results


class _Pool:
    """Daemon threads that wait on one queue of jobs."""

    def __init__(self) -> None:
        self.jobs: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self.threads: list[threading.Thread] = []
        self.lock = threading.Lock()

    def ensure(self, count: int) -> None:
        with self.lock:
            while len(self.threads) < count:
                thread = threading.Thread(target=self.serve, name="glassnet-ops", daemon=True)
                thread.start()
                self.threads.append(thread)

    def serve(self) -> None:
        while True:
            self.jobs.get().help()


_pool = _Pool()


def _reset_after_fork() -> None:
    """A child process starts with no pool threads and no BLAS limit held: the parent's
    threads, and any lock they held at the fork, do not exist in it."""
    global _pool
    _pool = _Pool()
    _OneBlasThread.reset()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)


def threads_for(work: int, per_thread: int | None = None) -> int:
    """How many threads an op of ``work`` units uses: at most :func:`get_num_threads`, one
    per ``per_thread`` units (default ``MIN_CHUNK_WORK`` element visits); 1 in reference
    mode."""
    if accel.in_reference():
        return 1
    return max(1, min(get_num_threads(), work // (per_thread or MIN_CHUNK_WORK)))


def run(fn: Callable[[int], Any], count: int, threads: int) -> list[Any]:
    """``[fn(0), ..., fn(count - 1)]``, the calls spread over up to ``threads`` threads
    (the calling one and pool threads), each taking the next chunk when done with one.

    ``fn`` must write only its own chunk's part of any shared output and use per-thread work
    arrays (:func:`glassnet.ops._window.scratch`); the first exception raised in any
    thread is raised here.
    """
    threads = min(threads, count)
    if threads <= 1:
        return [fn(i) for i in range(count)]
    _pool.ensure(threads - 1)
    job = _Job(fn, count)
    for _ in range(threads - 1):
        _pool.jobs.put(job)
    job.work()
    return job.finish()


@functools.cache
def blas_controller() -> Any:
    """One threadpoolctl controller for the process: finding the BLAS libraries takes
    milliseconds (more once torch is loaded), reading and setting their threads
    microseconds."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


class _OneBlasThread:
    """The process's BLAS libraries on one thread while any user is inside: the first to
    enter sets it, the last to leave restores the counts it found (each restoring what it
    found would leave one thread for good when two users overlap). A library already on
    one thread is left alone, so nested and repeated uses cost a counter."""

    __slots__ = ()
    users = 0
    saved: list[tuple[Any, int]] = []
    lock = threading.Lock()

    @classmethod
    def reset(cls) -> None:
        cls.users, cls.saved, cls.lock = 0, [], threading.Lock()

    def __enter__(self) -> None:
        cls = type(self)
        with cls.lock:
            if cls.users == 0:
                libraries = (lib for lib in blas_controller().lib_controllers if lib.user_api == "blas")
                cls.saved = [(lib, n) for lib in libraries if (n := lib.get_num_threads()) != 1]
                for lib, _ in cls.saved:
                    lib.set_num_threads(1)
            cls.users += 1

    def __exit__(self, *exc: object) -> None:
        cls = type(self)
        with cls.lock:
            cls.users -= 1
            if cls.users == 0:
                for lib, threads in cls.saved:
                    lib.set_num_threads(threads)


def one_blas_thread() -> _OneBlasThread:
    """Context in which NumPy's BLAS runs on one thread, shared by every thread of the
    process (see :class:`_OneBlasThread`).

    The chunked products of convolutions and recurrent steps are small: a second OpenBLAS
    thread gains little there, and when another process holds the other core the two
    threads wait on each other, which slows LeNet-5 inference down many times over
    (``benchmarks/cnn.py``). The ops use the cores by running chunks in several threads
    instead (:func:`run`); ``fit`` also holds it when its largest product is small.
    """
    return _OneBlasThread()
