"""backend="dask": tasks on a Dask ``distributed`` cluster.

Without an address, a ``LocalCluster`` is started (one worker process per core, one thread
and one BLAS thread each, no dashboard, no log output) and closed with the pool; its
scheduler runs a task again once when its worker dies, then reports it failed. With
``address="tcp://host:8786"`` the pool connects to that scheduler and leaves the cluster
running when it closes. Shared values are scattered once to every worker (workers that
join later fetch them from the others).

Tasks wait in this process until a worker thread is free (the cluster's threads are counted
again each time, so workers that join get tasks): a worker then holds only the task it runs,
and its death touches no other task.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

from glassnet._backends import ATTEMPTS, ONE_THREAD, Outcome, Shared, cores, run_in_worker, unsent

__all__ = ["Dask", "check_address", "CONNECT_TIMEOUT"]

#: Seconds to reach a scheduler before giving up.
CONNECT_TIMEOUT = 10.0
#: Seconds to wait for a first worker of a cluster that has none.
WORKER_TIMEOUT = 60.0
#: Seconds between two looks for workers that joined, while tasks wait.
POLL = 1.0
EXAMPLE = "tcp://host:8786"
PROTOCOLS = ("tcp", "tls", "ws", "wss", "ucx", "inproc")
INSTALL = 'backend="dask" needs Dask distributed: pip install "glassnet[tune]"'


def check_address(address: Any) -> None:
    """A TypeError/ValueError when ``address`` cannot name a Dask scheduler."""
    if not isinstance(address, str):
        raise TypeError(f"address must be a Dask scheduler's address such as {EXAMPLE!r}, got {address!r}")
    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    if parts.scheme not in PROTOCOLS or not parts.hostname:
        raise ValueError(
            f"address must be a Dask scheduler's address such as {EXAMPLE!r} (protocols "
            f"{', '.join(PROTOCOLS)}), got {address!r}"
        )
    try:
        _ = parts.port
    except ValueError:
        raise ValueError(f"address {address!r} has a port that is not a number; e.g. {EXAMPLE!r}") from None


def _distributed() -> Any:
    try:
        import distributed
    except ImportError as exc:
        raise ImportError(INSTALL) from exc
    return distributed


def _local_cluster(n_workers: int) -> Any:
    try:
        return _distributed().LocalCluster(
            n_workers=n_workers, threads_per_worker=1, processes=True, env=ONE_THREAD,
            dashboard_address=None, silence_logs=logging.CRITICAL,
            # no dashboard; the scheduler's HTTP server (health checks) on a free local port, not 8787
            scheduler_kwargs={"allowed_failures": ATTEMPTS - 1, "dashboard_address": "127.0.0.1:0"},
        )
    except RuntimeError as exc:
        raise RuntimeError(
            f"the local Dask cluster's worker processes did not start ({exc}). Each worker process "
            "imports the main script: in a script, run the search or cross-validation under "
            "`if __name__ == \"__main__\":`"
        ) from exc


def _reachable(address: str) -> None:
    """A quick ConnectionError when nothing listens at a tcp ``address`` (Dask itself would
    retry until its timeout)."""
    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    if parts.scheme != "tcp":
        return
    try:
        socket.create_connection((parts.hostname, parts.port or 8786), timeout=CONNECT_TIMEOUT).close()
    except OSError as exc:
        raise ConnectionError(
            f"no Dask scheduler answers at address={address!r} ({exc}); start one with `dask scheduler` "
            f"on that machine (and workers with `dask worker {address}`), or check the host and port"
        ) from None


async def _identity(address: str) -> dict[str, Any]:
    """What answers at ``address`` says it is (Dask's ``identity`` request)."""
    from distributed.comm import connect

    comm = await connect(address, timeout=CONNECT_TIMEOUT)
    try:
        await comm.write({"op": "identity"})
        return await comm.read()
    finally:
        await comm.close()


def _check_scheduler(address: str) -> None:
    """A ConnectionError, within :data:`CONNECT_TIMEOUT` seconds, unless a Dask scheduler
    answers at ``address``."""
    _reachable(address)
    with ThreadPoolExecutor(1) as thread:  # its own event loop, even when the caller runs one
        future = thread.submit(asyncio.run, asyncio.wait_for(_identity(address), CONNECT_TIMEOUT))
        try:
            reply = future.result()
        except Exception as exc:  # whatever went wrong, no scheduler answered
            reply = {"error": f"{type(exc).__name__}: {exc}"}
    if not isinstance(reply, dict) or reply.get("type") != "Scheduler":
        raise ConnectionError(
            f"no Dask scheduler answers at address={address!r} within {CONNECT_TIMEOUT:g} s "
            f"({reply.get('error', 'it answered as something else') if isinstance(reply, dict) else reply}); "
            f"check the host and port of `dask scheduler`"
        )


def _connect(address: str) -> Any:
    distributed = _distributed()
    _check_scheduler(address)
    return distributed.Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)


def _sent(arg: Any) -> Any:
    """What goes to the worker for a task's argument: a shared value's future, or the argument."""
    if isinstance(arg, Shared):
        return arg.ref if isinstance(arg.ref, _distributed().Future) else arg.value
    return arg


class Dask:
    """Tasks on a Dask cluster: a ``LocalCluster`` of ``n_workers`` processes, or the one at ``address``."""

    def __init__(self, n_workers: int | None, address: str | None) -> None:
        self._cluster = None
        if address is None:
            self._cluster = _local_cluster(n_workers or cores())
            self.client = _distributed().Client(self._cluster, set_as_default=False)
        else:
            self.client = _connect(address)
        self._running: dict[Any, int] = {}
        self._waiting: deque[tuple[int, Callable[..., Any], tuple[Any, ...]]] = deque()
        self._unsent: deque[Outcome] = deque()
        self._shared: list[Any] = []

    @property
    def n_workers(self) -> int:
        return max(1, sum(self.client.nthreads().values()))

    def share(self, value: Any) -> Shared:
        self._wait_for_a_worker()
        future = self.client.scatter([value], broadcast=True, hash=False)[0]
        self._shared.append(future)
        return Shared(value, future)

    def _wait_for_a_worker(self) -> None:
        """Scattering needs a worker: wait up to :data:`WORKER_TIMEOUT` seconds for one."""
        if self.client.nthreads():
            return
        try:
            self.client.wait_for_workers(1, timeout=WORKER_TIMEOUT)
        except TimeoutError:
            raise TimeoutError(
                f"the Dask cluster at {self.client.scheduler.address} has had no worker for "
                f"{WORKER_TIMEOUT:g} s; start some with `dask worker {self.client.scheduler.address}`"
            ) from None

    def submit(self, index: int, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self._waiting.append((index, fn, args))
        self._dispatch()

    def _dispatch(self) -> None:
        """Send waiting tasks to the cluster while it has free threads."""
        while self._waiting and len(self._running) < self.n_workers:
            index, fn, args = self._waiting.popleft()
            args = tuple(_sent(a) for a in args)
            try:
                future = self.client.submit(run_in_worker, fn, index, *args, pure=False)
            except Exception as exc:  # its function or arguments cannot be pickled: that task failed
                self._unsent.append(unsent(index, exc))
                continue
            self._running[future] = index

    def busy(self) -> bool:
        return bool(self._running or self._waiting or self._unsent)

    def next_outcome(self) -> Outcome:
        if self._unsent:
            return self._unsent.popleft()
        done = self._wait()
        index = self._running.pop(done)
        self._dispatch()
        future = done
        try:
            return future.result()
        except _distributed().KilledWorker as exc:
            return Outcome(index, error=f"WorkerDied: the worker process running this task died ({exc})")
        except _distributed().client.FutureCancelledError as exc:
            return Outcome(index, error="WorkerDied: the scheduler cancelled this task after its worker "
                                        f"died ({exc})")
        except Exception as exc:  # the task or its result could not be sent: that task failed
            return Outcome(index, error=f"{type(exc).__name__}: {exc}")
        finally:
            future.release()

    def _wait(self) -> Any:
        """The first task to finish; while none does, waiting tasks go to workers that joined."""
        distributed = _distributed()
        while True:
            try:
                with self.client.as_current():
                    finished = distributed.wait(list(self._running), timeout=POLL,
                                                return_when="FIRST_COMPLETED").done
            except TimeoutError:
                self._dispatch()
                continue
            except distributed.client.FuturesCancelledError:
                # the scheduler cancelled a task (its worker died twice): that task has failed
                finished = [future for future in self._running if future.cancelled()]
                if not finished:
                    raise
            return min(finished, key=self._running.__getitem__)

    def close(self) -> None:
        for future in [*self._running, *self._shared]:
            future.release()
        self._running.clear()
        self._waiting.clear()
        self._unsent.clear()
        self._shared.clear()
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()
