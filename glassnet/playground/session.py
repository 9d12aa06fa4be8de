"""One training session (one browser tab): its data, its network and the worker thread that trains it.

Everything that touches the model runs on the session's worker thread, one command at a
time between training steps: the page's commands (configure, play, pause, step, reset,
inspect), the uploaded data and the export. The thread publishes frames into a single slot
that the connection reads at its own pace, so a slow browser skips frames and never makes
the trainer wait or queue.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

import numpy as np

from glassnet.errors import NonFiniteError
from glassnet.playground import data as _data
from glassnet.playground import frames, views
from glassnet.playground.network import Settings, build_model

__all__ = ["Session", "FRAME_INTERVAL"]

#: At most one frame per this many seconds (20 frames a second).
FRAME_INTERVAL = 0.05
_REPLIES = 32


class Session:
    """The training of one page, run by its own worker thread.

    Parameters
    ----------
    settings : Settings, optional
        The first settings (default: ``Settings()``, the circle).
    session_id : str, optional
        The name the server knows it by.

    Examples
    --------
    >>> session = Session(Settings(dataset="xor", n_samples=40))
    >>> session.call(lambda: session.step()).result(timeout=30)["epoch"]
    1
    >>> session.close()
    """

    def __init__(self, settings: Settings | None = None, session_id: str = "") -> None:
        self.id = session_id
        self.settings = settings or Settings()
        self.uploaded: _data.PlaygroundData | None = None
        self.playing = False
        self._commands: queue.Queue[tuple[Callable[[], Any], Future]] = queue.Queue()
        self._frame: tuple[int, dict[str, Any]] | None = None
        self._frame_lock = threading.Lock()
        self._replies: deque[dict[str, Any]] = deque(maxlen=_REPLIES)
        self._closed = threading.Event()
        self._last_frame = 0.0
        self._configure(self.settings)
        self._thread = threading.Thread(target=self._run, name="glassnet-playground-session", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ the worker thread
    def _run(self) -> None:
        while not self._closed.is_set():
            try:
                self._next()
            except Exception as err:  # the worker never dies: training pauses, the page is told why
                self.playing = False
                self.reply({"type": "error", "message": f"training paused: {err}", "playing": False})

    def _next(self) -> None:
        """Run the next command, or else one epoch while playing."""
        try:
            command, future = self._commands.get(timeout=0 if self.playing else 0.2)
        except queue.Empty:
            if self.playing:
                self._epoch()
            return
        self._execute(command, future)

    @staticmethod
    def _execute(command: Callable[[], Any], future: Future) -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(command())
        except Exception as err:  # the error goes back to the caller, the thread carries on
            future.set_exception(err)

    def call(self, command: Callable[[], Any]) -> Future:
        """Run ``command`` on the worker thread (after the current step); its result as a Future."""
        future: Future = Future()
        if self._closed.is_set():
            future.set_exception(RuntimeError("the session is closed"))
        else:
            self._commands.put((command, future))
        return future

    def stop(self) -> None:
        """Ask the worker thread to stop after the step under way; do not wait for it."""
        self._closed.set()

    def close(self, timeout: float = 5.0) -> None:
        """Stop the worker thread and wait for it (the step under way finishes first)."""
        self.stop()
        self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        """Whether the worker thread runs."""
        return self._thread.is_alive()

    # ------------------------------------------------------------------ the data and the network
    def _configure(self, settings: Settings) -> None:
        if settings.dataset == "csv":
            if self.uploaded is None:
                raise ValueError("dataset 'csv' needs an uploaded CSV file first")
            source = self.uploaded
        else:
            source = _data.make_data(settings.dataset, settings.n_samples, settings.noise, settings.seed,
                                     settings.n_classes)
        names = _data.feature_names(source.n_inputs)
        chosen = tuple(f for f in settings.features if f in names) or tuple(names[:source.n_inputs])
        self.settings = Settings.from_dict({**settings.to_dict(), "features": list(chosen)})
        self.data = source
        self.train_rows, self.test_rows = _data.split(len(source.y), settings.train_ratio, settings.seed)
        self.inputs = _data.features(source.X, list(chosen))
        self._reset_model()

    def _reset_model(self) -> None:
        self.model = build_model(self.settings, self.data.task, self.data.n_classes)
        self.epoch, self.history, self.last_step = 0, [], None
        self.playing = False
        self.publish(force=True)

    def configure(self, settings: Settings) -> dict[str, Any]:
        """New settings: new data and a new network (worker thread only). Returns the points."""
        self._configure(settings)
        return self.points()

    def upload(self, uploaded: _data.PlaygroundData) -> dict[str, Any]:
        """Train on an uploaded data set from now on (worker thread only)."""
        self.uploaded = uploaded
        return self.configure(Settings.from_dict({**self.settings.to_dict(), "dataset": "csv"}))

    def reset(self) -> dict[str, Any]:
        """New initial weights, the same data (worker thread only)."""
        self._reset_model()
        return self.state()

    def points(self) -> dict[str, Any]:
        """The data points for the page: coordinates, targets and which rows are for testing."""
        is_test = np.zeros(len(self.data.y), dtype=bool)
        is_test[self.test_rows] = True
        return {"type": "points", "settings": self.settings.to_dict(), "task": self.data.task,
                "n_classes": self.data.n_classes, "n_inputs": self.data.n_inputs,
                "X": np.round(self.data.X.astype(np.float64), 5).tolist(),
                "y": self.data.y.tolist(), "test": is_test.astype(int).tolist()}

    # ------------------------------------------------------------------ training
    def _epoch(self, force: bool = False) -> None:
        """Train one epoch and publish its frame (``force``: even within FRAME_INTERVAL of the last)."""
        before = [layer.W.data.copy() for layer in self._dense()]
        rows = self.train_rows
        history = self.model.fit(self.inputs[rows], self.data.y[rows], epochs=1, verbose=0,
                                 batch_size=min(self.settings.batch_size, len(rows)),
                                 seed=self.settings.seed + self.epoch)
        self.last_step = [layer.W.data - old for layer, old in zip(self._dense(), before)]
        self.epoch += 1
        self.publish(force)
        if history.stopped_reason:
            raise ValueError(history.stopped_reason)

    def step(self) -> dict[str, Any]:
        """One epoch, then pause (worker thread only). Returns the state."""
        self.playing = False
        self._epoch(force=True)
        return self.state()

    def set_playing(self, playing: bool) -> dict[str, Any]:
        """Play or pause (worker thread only)."""
        self.playing = bool(playing)
        self.publish(force=True)
        return self.state()

    def _dense(self) -> list[Any]:
        return [self.model.layers[i] for i in frames.dense_layers(self.model)]

    def _loss(self, rows: np.ndarray) -> float:
        """The data loss of ``rows``; NaN when the diverged model predicts infinities."""
        try:
            return float(self.model.evaluate(self.inputs[rows], self.data.y[rows], verbose=0))
        except NonFiniteError:
            return float("nan")

    def state(self) -> dict[str, Any]:
        """The epoch, the train and test losses (None until measured, or when not finite), the
        history and whether it plays."""
        return {"epoch": self.epoch, "train_loss": self.history[-1][1] if self.history else None,
                "test_loss": self.history[-1][2] if self.history else None, "playing": self.playing,
                "history": self.history}

    # ------------------------------------------------------------------ frames and replies
    def publish(self, force: bool = False) -> None:
        """Compute a frame into the slot, unless one was made less than FRAME_INTERVAL ago."""
        now = time.monotonic()
        if not force and now - self._last_frame < FRAME_INTERVAL:
            return
        self._last_frame = now
        point = [self.epoch, _finite(self._loss(self.train_rows)), _finite(self._loss(self.test_rows))]
        if self.history and self.history[-1][0] == self.epoch:
            self.history[-1] = point
        else:
            self.history.append(point)
        y = self.data.y.astype(np.float64)
        built = frames.frame(self.model, list(self.settings.features), self.data.n_inputs, self.data.task,
                             (float(y.min()), float(y.max())), self.state())
        with self._frame_lock:
            number = self._frame[0] + 1 if self._frame else 1
            self._frame = (number, built)

    def latest_frame(self) -> tuple[int, dict[str, Any] | None]:
        """The newest frame and its number (0 and None before the first)."""
        with self._frame_lock:
            return self._frame if self._frame else (0, None)

    def reply(self, message: dict[str, Any]) -> None:
        """Queue a message for the page (the oldest are dropped beyond 32)."""
        self._replies.append(message)

    def replies(self) -> list[dict[str, Any]]:
        """Take the queued messages."""
        taken = []
        while self._replies:
            taken.append(self._replies.popleft())
        return taken

    # ------------------------------------------------------------------ the glass box
    def neuron(self, layer: int, unit: int, point: int) -> dict[str, Any]:
        """The view of one neuron for data point ``point`` (worker thread only)."""
        self._check_point(point)
        view = views.neuron_view(self.model, self.inputs[point:point + 1], self.data.y[point:point + 1],
                                 layer, unit)
        return {**view, "point": point, "x": self.data.X[point].astype(float).tolist(),
                "target": self.data.y[point].item(), "features": list(self.settings.features)}

    def edge(self, layer: int, source: int, unit: int) -> dict[str, Any]:
        """The view of one weight (worker thread only)."""
        rows = self.train_rows
        return views.edge_view(self.model, self.inputs[rows], self.data.y[rows], layer, source, unit,
                               self.last_step)

    def _check_point(self, point: Any) -> None:
        if isinstance(point, bool) or not isinstance(point, int) or not 0 <= point < len(self.data.y):
            raise ValueError(f"point must be an integer from 0 to {len(self.data.y) - 1}; "
                             f"got {str(point)[:20]}")


def _finite(value: float) -> float | None:
    """``value``, or None for an infinite or NaN loss (JSON has no such numbers)."""
    return value if np.isfinite(value) else None
