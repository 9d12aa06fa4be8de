"""backend="processes": worker processes on this machine, through joblib's loky executor.

loky sends tasks with cloudpickle, so functions defined in a user's script (or a
notebook) run in the workers. A shared value is written once to a temporary file and read
once by each worker process. Each worker uses one BLAS thread.

Each worker process is a one-process loky executor, so that a worker that dies (killed,
out of memory, a crash in compiled code) takes only its own task with it: that task is
started again on a fresh worker, and reported failed with a message saying that its worker
died when it dies :data:`~glassnet._backends.ATTEMPTS` times. Tasks wait in this process
until a worker is free.
"""

from __future__ import annotations

import pickle
import shutil
import tempfile
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from glassnet._backends import ATTEMPTS, ONE_THREAD, Outcome, Shared, cores, run_in_worker, unsent

__all__ = ["Processes"]

_LOADED: dict[str, Any] = {}  # in a worker: the shared values it has read, by file


class _Stored(Shared):
    """A shared value as a worker receives it: the file it reads once."""

    def __init__(self, path: str) -> None:
        super().__init__(None, path)

    @property
    def value(self) -> Any:
        if self.ref not in _LOADED:
            with open(self.ref, "rb") as file:
                _LOADED[self.ref] = pickle.load(file)
        return _LOADED[self.ref]


def _sent(arg: Any) -> Any:
    """What goes to the worker for a task's argument: a shared value's file, or the argument."""
    if isinstance(arg, Shared):
        return arg.ref if isinstance(arg.ref, _Stored) else arg.value
    return arg


@dataclass
class _Task:
    index: int
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    attempts: int = 0


class Processes:
    """Tasks on ``n_workers`` local worker processes (one per core by default)."""

    client = None

    def __init__(self, n_workers: int | None) -> None:
        self.n_workers = n_workers or cores()
        self._folder = Path(tempfile.mkdtemp(prefix="glassnet-shared-"))
        self._files: list[Path] = []
        self._idle = [self._start() for _ in range(self.n_workers)]
        self._running: dict[Future, tuple[_Task, Any]] = {}
        self._waiting: deque[_Task] = deque()
        self._unsent: deque[Outcome] = deque()

    @staticmethod
    def _start() -> Any:
        """A worker: a one-process executor, so that its death breaks nothing else."""
        from joblib.externals.loky import ProcessPoolExecutor

        return ProcessPoolExecutor(1, env=ONE_THREAD)

    def share(self, value: Any) -> Shared:
        import cloudpickle

        path = self._folder / f"shared-{len(self._files)}.pkl"
        self._files.append(path)
        with open(path, "wb") as file:
            cloudpickle.dump(value, file, protocol=pickle.HIGHEST_PROTOCOL)
        return Shared(value, _Stored(str(path)))

    def submit(self, index: int, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        import cloudpickle

        args = tuple(_sent(a) for a in args)
        try:
            cloudpickle.dumps((fn, args))
        except Exception as exc:  # its function or arguments cannot be pickled: that task failed
            self._unsent.append(unsent(index, exc))
            return
        self._waiting.append(_Task(index, fn, args))
        self._dispatch()

    def _dispatch(self) -> None:
        """Start waiting tasks on the idle workers."""
        while self._idle and self._waiting:
            task, worker = self._waiting.popleft(), self._idle.pop()
            task.attempts += 1
            self._running[worker.submit(run_in_worker, task.fn, task.index, *task.args)] = (task, worker)

    def busy(self) -> bool:
        return bool(self._running or self._waiting or self._unsent)

    def next_outcome(self) -> Outcome:
        if self._unsent:
            return self._unsent.popleft()
        while True:
            done, _ = wait(list(self._running), return_when=FIRST_COMPLETED)
            future = min(done, key=lambda f: self._running[f][0].index)
            task, worker = self._running.pop(future)
            outcome = self._outcome(future, task, worker)
            self._dispatch()
            if outcome is not None:
                return outcome

    def _outcome(self, future: Future, task: _Task, worker: Any) -> Outcome | None:
        """The task's outcome, or None when it waits to start again after its worker died."""
        from joblib.externals.loky.process_executor import BrokenProcessPool

        try:
            outcome = future.result()
        except BrokenProcessPool as exc:
            worker.shutdown(wait=False, kill_workers=True)
            self._idle.append(self._start())
            if task.attempts < ATTEMPTS:
                self._waiting.appendleft(task)
                return None
            how = str(exc).splitlines()[0] + "".join(f" {line}" for line in str(exc).splitlines()
                                                     if "exit codes" in line)
            return Outcome(task.index, error=f"WorkerDied: the worker process running this task died "
                                             f"{task.attempts} times ({type(exc).__name__}: {how})")
        except Exception as exc:  # it could not be sent or its result sent back: that task failed
            outcome = Outcome(task.index, error=f"{type(exc).__name__}: {exc}")
        self._idle.append(worker)
        return outcome

    def close(self) -> None:
        self._waiting.clear()
        self._unsent.clear()
        for worker in [*self._idle, *(worker for _, worker in self._running.values())]:
            worker.shutdown(wait=False, kill_workers=True)
        self._running.clear()
        shutil.rmtree(self._folder, ignore_errors=True)
