"""Ctrl-C during ``glassnet train``: finish the batch, keep the run, exit 130.

The first SIGINT asks the training loop to stop at the end of the current batch (the
model's ``stop_training`` flag, which the loop reads after every batch); the run is then
tested and saved as usual, marked interrupted, with the weights as they stood when
training stopped (as in Keras, where an interrupted ``fit`` never reaches the restoring of
the best weights by EarlyStopping). A second SIGINT raises KeyboardInterrupt at once, as
Python does by default.

Once training is over, :func:`held` keeps a Ctrl-C from cutting a file in half: the model
is written whole, and the Ctrl-C is raised after it.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType, TracebackType
from typing import Any

from glassnet.callbacks import Callback

__all__ = ["Interrupt", "held"]


class Interrupt(Callback):
    """A callback and a context manager: inside ``with Interrupt() as stop:``, Ctrl-C stops
    a ``fit(..., callbacks=[stop])`` after its current batch instead of killing the process.

    Attributes
    ----------
    requested : bool
        Whether Ctrl-C was pressed.
    epoch : int or None
        The epoch (1-based) during or after which training stopped for it.
    reason : str or None
        Why training stopped, as it was when it stopped.
    """

    order = -1

    def __init__(self) -> None:
        self.requested = False
        self.epoch: int | None = None
        self.reason: str | None = None
        self._weights: dict[str, Any] | None = None
        self._current: int | None = None
        self._previous: Any = None

    def __enter__(self) -> Interrupt:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.requested = True
        signal.signal(signal.SIGINT, signal.default_int_handler)
        if self.model is not None:
            self.model.stop_training = True

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._current = None
        if self.requested:
            self.model.stop_training = True

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._current = epoch

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.requested and self.epoch is None:
            self._stopped(epoch, "during")

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        """Runs before the other callbacks' (order -1): keeps the weights as they stand."""
        if not self.requested:
            return
        if self.epoch is None and self._current is not None:
            self._stopped(self._current, "after")
        self._weights, self.reason = self.model.state_dict(), self.run.stop_reason

    def keep_weights(self, history: Any) -> None:
        """After an interrupted ``fit``: put back the weights it stopped with (undoing the
        restoring of the best weights by EarlyStopping), and its reason in ``history``."""
        if self._weights is not None:
            self.model.load_state_dict(self._weights)
            history.stopped_reason = self.reason

    def _stopped(self, epoch: int, when: str) -> None:
        self.epoch = epoch + 1
        reason = f"interrupted (Ctrl-C) {when} epoch {epoch + 1}"
        self.run.stop_reason = self.run.stop_reason or reason


@contextmanager
def held() -> Iterator[None]:
    """Hold a Ctrl-C pressed inside the block until the block is done, then raise
    KeyboardInterrupt: the files written in the block are complete."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pressed: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: pressed.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if pressed:
        raise KeyboardInterrupt
