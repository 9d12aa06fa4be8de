"""LearningRateScheduler: the learning rate of each epoch from a schedule."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from glassnet.training.callbacks import Callback
from glassnet.training.monitor import check_verbose

__all__ = ["LearningRateScheduler"]


def _takes_lr(schedule: Callable[..., float]) -> bool:
    """True for ``schedule(epoch, lr)``, False for ``schedule(epoch)``."""
    try:
        params = inspect.signature(schedule).parameters.values()
    except (TypeError, ValueError):
        return False
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = [p for p in positional if p.default is p.empty]
    return len(required) >= 2 or any(p.kind is p.VAR_POSITIONAL for p in params)


class LearningRateScheduler(Callback):
    """Sets ``model.optimizer.lr`` at the start of every epoch from ``schedule``, and logs it
    as "lr".

    .. math::

        \\alpha_t = \\mathrm{schedule}(t) \\quad\\text{or}\\quad \\mathrm{schedule}(t, \\alpha_{t-1})

    with t the epoch, counted from 0.

    Parameters
    ----------
    schedule : callable
        ``schedule(epoch) -> lr``, such as the built-in schedules of
        :mod:`glassnet.schedules` (step, exponential and cosine decay), or
        ``schedule(epoch, lr) -> lr`` (Keras's form), given the current learning rate.
    verbose : {0, 1}, default 0
        1 prints the learning rate set at each epoch.

    Examples
    --------
    >>> from glassnet.schedules import StepDecay
    >>> scheduler = LearningRateScheduler(StepDecay(0.1, drop=0.5, every=10))
    >>> # model.fit(X, y, epochs=30, callbacks=[scheduler]); history.history["lr"]
    """

    def __init__(self, schedule: Callable[..., float], verbose: int = 0) -> None:
        self.verbose = check_verbose("LearningRateScheduler", verbose)
        if not callable(schedule):
            raise TypeError(
                "LearningRateScheduler: schedule must be callable as schedule(epoch) or "
                f"schedule(epoch, lr), such as glassnet.schedules.StepDecay(...); got {schedule!r}"
            )
        self.schedule = schedule
        self._with_lr = _takes_lr(schedule)

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        optimizer = self.model.optimizer
        value = self.schedule(epoch, optimizer.lr) if self._with_lr else self.schedule(epoch)
        try:
            optimizer.lr = value
        except (TypeError, ValueError) as err:
            raise type(err)(
                f"LearningRateScheduler: the schedule returned {value!r} for epoch {epoch}; a learning "
                f"rate must be a finite real number >= 0, as for SGD(lr=...), got a {type(value).__name__}"
            ) from None
        if self.verbose:
            print(f"Epoch {epoch + 1}: LearningRateScheduler setting learning rate to {optimizer.lr:g}.")

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if logs is not None:
            logs["lr"] = float(self.model.optimizer.lr)
