"""The state of one ``fit`` run, shared with its callbacks as ``params["run"]``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from glassnet._saved import overwrite

__all__ = ["RunState"]


class RunState:
    """What one ``fit`` call knows about itself, kept on the run rather than on the model.

    Callbacks reach it as ``self.run`` (``params["run"]``).

    Attributes
    ----------
    epoch : int
        The first epoch to run; a callback may move it forward in ``on_train_begin``.
    rng : numpy.random.Generator
        The generator that shuffles the batches; its state may be restored in place.
    history : History
        The run's History.
    callbacks : list of Callback
        Every callback of the run, in the order given (History first).
    train_loss : callable or None
        ``train_loss()``: the data loss on the training rows at the current weights, in
        evaluation mode (what ConvergenceStop compares from one epoch to the next).
    stop_reason : str or None
        Why the run stopped early, set by the callback that stopped it; ``fit`` copies it
        into ``History.stopped_reason``.
    validation_skipped : bool
        Whether the run has validation data but the current epoch is not validated
        (``validation_freq``).
    """

    def __init__(self, epoch: int, rng: np.random.Generator, history: Any,
                 callbacks: list[Any], train_loss: Callable[[], float] | None = None) -> None:
        self.epoch = epoch
        self.rng = rng
        self.history = history
        self.callbacks = callbacks
        self.train_loss = train_loss
        self.stop_reason: str | None = None
        self.validation_skipped = False
        self._snapshot: list[tuple[Any, np.ndarray]] = []

    def take_snapshot(self, params: list[Any]) -> None:
        """Copy the weights ``params`` (at the start of every epoch)."""
        self._snapshot = [(p, p.data.copy()) for p in params]

    def restore_last_finite_weights(self) -> bool:
        """Put back the weights of the last snapshot if the current ones are not finite."""
        if not self._snapshot or all(np.isfinite(p.data).all() for p, _ in self._snapshot):
            return False
        for p, saved in self._snapshot:
            overwrite(p, saved)
        return True
