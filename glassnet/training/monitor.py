"""Callbacks that watch a logged quantity: EarlyStopping, ConvergenceStop, ReduceLROnPlateau."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from glassnet._checks import outside
from glassnet.training.callbacks import Callback

__all__ = ["Monitor", "EarlyStopping", "ConvergenceStop", "ReduceLROnPlateau", "check_patience"]

#: Logged quantities where a larger value is better (mode="auto" maximizes them).
_HIGHER_IS_BETTER = ("acc", "accuracy", "auc", "f1", "precision", "recall", "r2")


def check_patience(owner: str, patience: Any, minimum: int = 0) -> int:
    """``patience`` as an int, or a ValueError naming ``owner`` when it is not an integer >= minimum."""
    if isinstance(patience, bool) or not isinstance(patience, (int, np.integer)) or patience < minimum:
        raise ValueError(f"{owner}: patience must be an integer >= {minimum}, got {patience!r}")
    return int(patience)


def _check_number(owner: str, name: str, value: Any, low: float, high: float = math.inf,
                  low_open: bool = False, high_open: bool = False) -> float:
    number = not isinstance(value, bool) and isinstance(value, (int, float, np.integer, np.floating))
    interval = outside(float(value) if number else math.nan, low, high, low_open, high_open)
    if interval:
        raise ValueError(f"{owner}: {name} must be a number in {interval}, got {value!r}")
    return float(value)


class Monitor:
    """Reads one logged quantity and says whether it improved on the best so far.

    Parameters
    ----------
    owner : str
        Name of the callback, for error messages.
    monitor : str
        Key of the epoch logs ("val_loss", "accuracy", ...).
    mode : {"auto", "min", "max"}
        "auto" maximizes accuracy, AUC, F1, precision, recall and R^2 and minimizes the rest.
    min_delta : float >= 0
        An improvement must beat the best by more than this.
    """

    def __init__(self, owner: str, monitor: str, mode: str = "auto", min_delta: float = 0.0) -> None:
        if not isinstance(monitor, str) or not monitor:
            raise ValueError(f"{owner}: monitor must be the name of a logged quantity, got {monitor!r}")
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"{owner}: mode must be 'auto', 'min' or 'max', got {mode!r}")
        self.owner = owner
        self.monitor = monitor
        self.min_delta = _check_number(owner, "min_delta", min_delta, 0.0)
        base = monitor.removeprefix("val_")
        self.maximize = mode == "max" or (mode == "auto" and base in _HIGHER_IS_BETTER)
        self.best = -math.inf if self.maximize else math.inf

    def reset(self) -> None:
        self.best = -math.inf if self.maximize else math.inf

    def value(self, logs: dict[str, Any] | None, epoch: int) -> float:
        """The monitored value of this epoch; a clear error when the logs do not hold it."""
        logs = logs or {}
        if self.monitor not in logs:
            hint = ""
            if self.monitor.startswith("val_"):
                hint = "; val_ quantities need validation_split= or validation_data= in fit()"
            raise ValueError(
                f"{self.owner}: monitor={self.monitor!r} is not in the logs of epoch {epoch + 1}, "
                f"which contain {sorted(logs)}{hint}"
            )
        return float(logs[self.monitor])

    def improved(self, value: float) -> bool:
        """True when ``value`` beats the best by more than ``min_delta`` (NaN never does)."""
        if math.isnan(value):
            return False
        if self.maximize:
            return value > self.best + self.min_delta
        return value < self.best - self.min_delta


class EarlyStopping(Callback):
    """Stops training when the monitored quantity has stopped improving, and restores the
    weights of the best epoch.

    After each epoch, the value counts as an improvement when it beats the best so far by
    more than ``min_delta``; training stops when more than ``patience`` epochs in a row
    brought none (PyTorch's counting: ``patience=0`` stops at the first epoch without
    improvement, ``patience=2`` at the third).

    Parameters
    ----------
    monitor : str, default "val_loss"
        Validation loss by default: the training loss keeps falling while a network overfits.
    min_delta : float >= 0, default 0
    patience : int >= 0, default 0
    mode : {"auto", "min", "max"}, default "auto"
    restore_best_weights : bool, default True
        At the end of training, put back the weights (and buffers) of the best epoch, whether
        training stopped early or ran every epoch.

    Attributes
    ----------
    best : float
    best_epoch : int or None
    stopped_epoch : int or None
        The epoch (0-based) after which training was stopped; None if it was not.

    Examples
    --------
    >>> stop = EarlyStopping(monitor="val_loss", patience=5)
    >>> # model.fit(X, y, validation_split=0.2, epochs=500, callbacks=[stop])
    """

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0.0, patience: int = 0,
                 mode: str = "auto", restore_best_weights: bool = True) -> None:
        self.patience = check_patience("EarlyStopping", patience)
        self._watch = Monitor("EarlyStopping", monitor, mode, min_delta)
        self.monitor = monitor
        self.restore_best_weights = bool(restore_best_weights)
        self._reset()

    def _reset(self) -> None:
        self._watch.reset()
        self.wait = 0
        self.best_epoch: int | None = None
        self.stopped_epoch: int | None = None
        self.best_weights: dict[str, np.ndarray] | None = None
        self._last_epoch: int | None = None

    @property
    def best(self) -> float:
        return self._watch.best

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._reset()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        value = self._watch.value(logs, epoch)
        self._last_epoch = epoch
        if self._watch.improved(value):
            self._watch.best = value
            self.best_epoch = epoch
            self.wait = 0
            if self.restore_best_weights:
                self.best_weights = self.model.state_dict()
            return
        self.wait += 1
        if self.wait > self.patience:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            best = "none" if self.best_epoch is None else f"{self.best:.6g} at epoch {self.best_epoch + 1}"
            self.model._stop_reason = (
                f"early stopping after epoch {epoch + 1}: {self.monitor} did not improve by more than "
                f"{self._watch.min_delta:g} for {self.wait} epoch(s); best {best}"
            )

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if self.best_weights is not None and self.best_epoch != self._last_epoch:
            self.model.load_state_dict(self.best_weights)
            if self.model._stop_reason and self.stopped_epoch is not None:
                self.model._stop_reason += "; the weights of the best epoch were restored"

    def get_state(self) -> dict[str, Any]:
        """What a resumed run needs (see BackupAndRestore): JSON values and arrays."""
        return {"json": {"best": self.best, "best_epoch": self.best_epoch, "wait": self.wait,
                         "last_epoch": self._last_epoch},
                "arrays": dict(self.best_weights or {})}

    def set_state(self, state: dict[str, Any]) -> None:
        values = state["json"]
        self._watch.best = float(values["best"])
        self.best_epoch, self.wait = values["best_epoch"], values["wait"]
        self._last_epoch = values["last_epoch"]
        self.best_weights = dict(state["arrays"]) or None


class ConvergenceStop(Callback):
    """The convergence test: stop when the loss decreases by less than ``tol`` from one epoch
    to the next.

    .. math::

        E_{t-1} - E_t < \\mathrm{tol} \\;\\Rightarrow\\; \\text{stop}

    An increase counts as a decrease below ``tol``. Training stops after ``patience``
    consecutive such epochs. The loss logged for an epoch is the mean over its batches,
    measured before each batch's update (with ``batch_size=None``, the loss at the weights
    the epoch started from).

    Parameters
    ----------
    tol : float > 0, default 1e-3
    patience : int >= 1, default 1
    monitor : str, default "loss"
    """

    def __init__(self, tol: float = 1e-3, patience: int = 1, monitor: str = "loss") -> None:
        self.tol = _check_number("ConvergenceStop", "tol", tol, 0.0, low_open=True)
        self.patience = check_patience("ConvergenceStop", patience, minimum=1)
        self._watch = Monitor("ConvergenceStop", monitor, "min")
        self.monitor = monitor
        self.previous: float | None = None
        self.wait = 0

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.previous, self.wait = None, 0

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        value = self._watch.value(logs, epoch)
        previous, self.previous = self.previous, value
        if previous is None:
            return
        decrease = previous - value
        stalled = not decrease >= self.tol               # NaN counts as no progress
        self.wait = self.wait + 1 if stalled else 0
        if self.wait >= self.patience:
            self.model.stop_training = True
            self.model._stop_reason = (
                f"converged after epoch {epoch + 1}: {self.monitor} decreased by {decrease:.3g} "
                f"< tol={self.tol:g} ({self.wait} epoch(s) in a row)"
            )

    def get_state(self) -> dict[str, Any]:
        return {"json": {"previous": self.previous, "wait": self.wait}, "arrays": {}}

    def set_state(self, state: dict[str, Any]) -> None:
        self.previous, self.wait = state["json"]["previous"], state["json"]["wait"]


class ReduceLROnPlateau(Callback):
    """Multiplies the learning rate by ``factor`` when the monitored quantity stops improving.

    When more than ``patience`` epochs in a row bring no improvement (by more than
    ``min_delta``), ``lr <- max(lr * factor, min_lr)`` on ``model.optimizer``; then
    ``cooldown`` epochs pass before counting again. The learning rate of every epoch is
    logged as "lr".

    Parameters
    ----------
    monitor : str, default "val_loss"
    factor : float in (0, 1), default 0.1
    patience : int >= 0, default 10
    min_lr : float >= 0, default 0
    min_delta : float >= 0, default 1e-4
    cooldown : int >= 0, default 0
    mode : {"auto", "min", "max"}, default "auto"
    """

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10,
                 min_lr: float = 0.0, min_delta: float = 1e-4, cooldown: int = 0, mode: str = "auto") -> None:
        owner = "ReduceLROnPlateau"
        self.factor = _check_number(owner, "factor", factor, 0.0, 1.0, low_open=True, high_open=True)
        self.patience = check_patience(owner, patience)
        self.min_lr = _check_number(owner, "min_lr", min_lr, 0.0)
        if isinstance(cooldown, bool) or not isinstance(cooldown, (int, np.integer)) or cooldown < 0:
            raise ValueError(f"{owner}: cooldown must be an integer >= 0, got {cooldown!r}")
        self.cooldown = int(cooldown)
        self._watch = Monitor(owner, monitor, mode, min_delta)
        self.monitor = monitor
        self.wait = self.cooldown_left = 0

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._watch.reset()
        self.wait = self.cooldown_left = 0

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        optimizer = self.model.optimizer
        if logs is not None:
            logs["lr"] = float(optimizer.lr)
        value = self._watch.value(logs, epoch)
        if self._watch.improved(value):
            self._watch.best = value
            self.wait = 0
        else:
            self.wait += 1
        if self.cooldown_left > 0:
            self.cooldown_left -= 1
            self.wait = 0
        if self.wait > self.patience:
            optimizer.lr = max(optimizer.lr * self.factor, self.min_lr)
            self.wait = 0
            self.cooldown_left = self.cooldown

    def get_state(self) -> dict[str, Any]:
        return {"json": {"best": self._watch.best, "wait": self.wait, "cooldown_left": self.cooldown_left},
                "arrays": {}}

    def set_state(self, state: dict[str, Any]) -> None:
        values = state["json"]
        self._watch.best, self.wait = values["best"], values["wait"]
        self.cooldown_left = values["cooldown_left"]
