"""Callbacks that watch a logged quantity: EarlyStopping, ConvergenceStop, ReduceLROnPlateau.

``patience`` means what it means in Keras: the number of epochs without improvement after
which training stops (EarlyStopping) or the learning rate is cut (ReduceLROnPlateau).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from glassnet._checks import check_flag, outside
from glassnet.training.callbacks import Callback

__all__ = ["Monitor", "EarlyStopping", "ConvergenceStop", "ReduceLROnPlateau", "check_patience",
           "check_count", "check_number", "check_verbose"]

#: Logged quantities where a larger value is better (mode="auto" maximizes them), and the endings
#: of such names (Keras's "sparse_categorical_accuracy", "binary_accuracy").
_HIGHER_IS_BETTER = ("acc", "accuracy", "auc", "f1", "precision", "recall", "r2")
_HIGHER_IS_BETTER_ENDINGS = ("_accuracy", "_acc")


def check_count(owner: str, name: str, value: Any, minimum: int = 0) -> int:
    """``value`` as an int, or a ValueError naming ``owner`` and ``name`` when it is not an
    integer >= ``minimum``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{owner}: {name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def check_patience(owner: str, patience: Any, minimum: int = 0) -> int:
    """``patience`` as an int, or a ValueError naming ``owner`` when it is not an integer >= minimum."""
    return check_count(owner, "patience", patience, minimum)


def check_number(owner: str, name: str, value: Any, low: float, high: float = math.inf,
                 low_open: bool = False, high_open: bool = False) -> float:
    """``value`` as a float, or a ValueError naming ``owner`` and ``name`` when it is not a
    finite number in the interval."""
    number = not isinstance(value, bool) and isinstance(value, (int, float, np.integer, np.floating))
    interval = outside(float(value) if number else math.nan, low, high, low_open, high_open)
    if interval:
        raise ValueError(f"{owner}: {name} must be a number in {interval}, got {value!r}")
    return float(value)


def check_verbose(owner: str, verbose: Any) -> int:
    """Keras's ``verbose``: 0, 1 or 2 (or a bool)."""
    if isinstance(verbose, np.bool_) or verbose not in (0, 1, 2) or isinstance(verbose, float):
        raise ValueError(f"{owner}: verbose must be 0 (silent), 1 or 2 (say what it does), got {verbose!r}")
    return int(verbose)


class Monitor:
    """Reads one logged quantity and says whether it improved on the best so far.

    Parameters
    ----------
    owner : str
        Name of the callback, for error messages.
    monitor : str
        Key of the epoch logs ("val_loss", "accuracy", ...).
    mode : {"auto", "min", "max"}
        "auto" maximizes accuracy (also under Keras's names, such as
        "sparse_categorical_accuracy"), AUC, F1, precision, recall and R^2 and minimizes the rest.
    min_delta : float >= 0
        An improvement must beat the best by more than this.
    """

    def __init__(self, owner: str, monitor: str, mode: str = "auto", min_delta: float = 0.0) -> None:
        if not isinstance(monitor, str) or not monitor:
            raise ValueError(f"{owner}: monitor must be the name of a logged quantity, got {monitor!r}")
        if not isinstance(mode, str) or mode not in ("auto", "min", "max"):
            raise ValueError(f"{owner}: mode must be 'auto', 'min' or 'max', got {mode!r}")
        self.owner = owner
        self.monitor = monitor
        self.min_delta = check_number(owner, "min_delta", min_delta, 0.0)
        base = monitor.removeprefix("val_")
        higher = base in _HIGHER_IS_BETTER or base.endswith(_HIGHER_IS_BETTER_ENDINGS)
        self.maximize = mode == "max" or (mode == "auto" and higher)
        self.best = self.worst

    @property
    def worst(self) -> float:
        """The starting best: -inf when maximizing, +inf when minimizing."""
        return -math.inf if self.maximize else math.inf

    def reset(self) -> None:
        self.best = self.worst

    def restore_best(self, value: float | None) -> None:
        """Set the best from a backup, where JSON's null stands for +-inf (no best yet)."""
        self.best = self.worst if value is None else float(value)

    def value(self, logs: dict[str, Any] | None, epoch: int, stopping: bool = False) -> float | None:
        """The monitored value of this epoch.

        None when the logs lack it and may (``stopping``, from
        :meth:`~glassnet.training.callbacks.Callback.logs_incomplete`: the epoch was cut
        short by divergence or an interrupt, or ``validation_freq`` skipped its validation);
        otherwise a missing value is an error that lists what the logs hold.
        """
        logs = logs or {}
        if self.monitor not in logs:
            if stopping:
                return None
            hint = ""
            if self.monitor.startswith("val_"):
                hint = "; val_ quantities need validation_split= or validation_data= in fit()"
            raise ValueError(
                f"{self.owner}: monitor={self.monitor!r} is not in the logs of epoch {epoch + 1}, "
                f"which contain {sorted(logs)}{hint}"
            )
        return float(logs[self.monitor])

    def improved(self, value: float, reference: float | None = None) -> bool:
        """True when ``value`` beats ``reference`` (default: the best so far) by more than
        ``min_delta`` (NaN never does)."""
        reference = self.best if reference is None else reference
        if math.isnan(value):
            return False
        if self.maximize:
            return value > reference + self.min_delta
        return value < reference - self.min_delta


class EarlyStopping(Callback):
    """Stops training when the monitored quantity has stopped improving, and restores the
    weights of the best epoch.

    Keras's rule, epoch by epoch: a value improves when it beats the best so far by more
    than ``min_delta``; training stops at the end of an epoch without improvement once
    ``patience`` epochs have passed since the last one that improved (``patience=3``: the
    third epoch in a row without improvement stops; ``patience=0`` or ``1``: the first).
    With a ``baseline``, an improvement only resets the count when it also beats the
    baseline, so a run that never beats it stops after ``patience`` epochs. Epochs before
    ``start_from_epoch`` (0-based) are not watched. An epoch cut short by another stop
    (divergence, an interrupt) lacks its validation values and is not counted.

    Parameters
    ----------
    monitor : str, default "val_loss"
        Validation loss by default: the training loss keeps falling while a network overfits.
    min_delta : float >= 0, default 0
    patience : int >= 0, default 0
        Number of epochs with no improvement after which training stops.
    verbose : {0, 1}, default 0
        1 prints when training stops and when the best weights are restored.
    mode : {"auto", "min", "max"}, default "auto"
    baseline : float, optional
        A value the monitored quantity must beat for an epoch to reset the count.
    restore_best_weights : bool, default True
        At the end of training, put back the weights (and buffers) of the best epoch, whether
        training stopped early or ran every epoch. Keras's default is False, which keeps the
        weights of the last epoch: pass ``restore_best_weights=False`` for that.
    start_from_epoch : int >= 0, default 0
        Number of epochs to wait before watching (a warm-up).

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

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0.0, patience: int = 0, verbose: int = 0,
                 mode: str = "auto", baseline: float | None = None, restore_best_weights: bool = True,
                 start_from_epoch: int = 0) -> None:
        owner = "EarlyStopping"
        self.patience = check_patience(owner, patience)
        self.verbose = check_verbose(owner, verbose)
        self._watch = Monitor(owner, monitor, mode, min_delta)
        self.baseline = None if baseline is None else check_number(owner, "baseline", baseline, -math.inf)
        self.restore_best_weights = check_flag(f"{owner}: restore_best_weights", restore_best_weights)
        self.start_from_epoch = check_count(owner, "start_from_epoch", start_from_epoch)
        self.monitor = monitor
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

    @property
    def min_delta(self) -> float:
        return self._watch.min_delta

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._reset()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._last_epoch = epoch
        value = self._watch.value(logs, epoch, stopping=self.logs_incomplete())
        if value is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights, self.best_epoch = self.model.state_dict(), epoch
        self.wait += 1
        if self._watch.improved(value):
            self._watch.best, self.best_epoch = value, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.state_dict()
            if self.baseline is None or self._watch.improved(value, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self._stop(epoch)

    def _stop(self, epoch: int) -> None:
        self.stopped_epoch = epoch
        self.model.stop_training = True
        best = "none" if self.best_epoch is None else f"{self.best:.6g} at epoch {self.best_epoch + 1}"
        target = "" if self.baseline is None else f" and on the baseline {self.baseline:g}"
        self.run.stop_reason = (
            f"early stopping after epoch {epoch + 1}: {self.monitor} did not improve by more than "
            f"{self.min_delta:g}{target} for {self.wait} epoch(s) (patience={self.patience}); best {best}"
        )
        if self.verbose:
            print(f"Epoch {epoch + 1}: early stopping")

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if self.best_weights is None or self.best_epoch == self._last_epoch:
            return
        self.model.load_state_dict(self.best_weights)
        if self.run.stop_reason:
            self.run.stop_reason += f"; the weights of the best epoch ({self.best_epoch + 1}) were " \
                                       "restored"
        if self.verbose:
            print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")

    def get_state(self) -> dict[str, Any]:
        """What a resumed run needs (see BackupAndRestore): JSON values and arrays."""
        return {"json": {"best": self.best, "best_epoch": self.best_epoch, "wait": self.wait,
                         "last_epoch": self._last_epoch},
                "arrays": dict(self.best_weights or {})}

    def set_state(self, state: dict[str, Any]) -> None:
        values = state["json"]
        self._watch.restore_best(values["best"])
        self.best_epoch, self.wait = values["best_epoch"], values["wait"]
        self._last_epoch = values["last_epoch"]
        self.best_weights = dict(state["arrays"]) or None


class ConvergenceStop(Callback):
    """The convergence test of gradient descent: stop when the loss decreases by less than
    ``tol`` from one update of the weights to the next.

    .. math::

        E(w_{t-1}) - E(w_t) < \\mathrm{tol} \\;\\Rightarrow\\; \\text{stop}

    with :math:`w_t` the weights after epoch t (:math:`w_0` before training). For the
    training loss (``monitor="loss"``), E is measured on the training data at the weights
    each epoch ends with, as the lectures do: the logged loss of an epoch is the mean over
    its batches before each batch's update, one step behind. This costs one forward pass
    over the training data per epoch. Other quantities (``"val_loss"``) are read from the
    logs, which measure them at the end of the epoch. An increase counts as a decrease
    below ``tol``. Training stops after ``patience`` consecutive such epochs.

    Parameters
    ----------
    tol : float > 0, default 1e-3
    patience : int >= 1, default 1
    monitor : str, default "loss"

    Examples
    --------
    >>> model = gn.Sequential([gn.layers.Dense(1, input_dim=1)], seed=0)
    >>> model.compile(optimizer=gn.optim.SGD(lr=0.1), loss="mse")
    >>> X = np.array([[0.0], [1.0], [2.0]])
    >>> stop = gn.callbacks.ConvergenceStop(tol=1e-3)
    >>> history = model.fit(X, 2 * X, epochs=500, verbose=0, callbacks=[stop])
    >>> len(history.history["loss"]) < 500
    True
    """

    def __init__(self, tol: float = 1e-3, patience: int = 1, monitor: str = "loss") -> None:
        self.tol = check_number("ConvergenceStop", "tol", tol, 0.0, low_open=True)
        self.patience = check_patience("ConvergenceStop", patience, minimum=1)
        self._watch = Monitor("ConvergenceStop", monitor, "min")
        self.monitor = monitor
        self.previous: float | None = None
        self.wait = 0

    def _training_loss(self) -> float | None:
        """E at the current weights on the training data, when the loop can measure it."""
        loop = getattr(self, "params", {}).get("run")
        measure = getattr(loop, "train_loss", None)
        return float(measure()) if self.monitor == "loss" and measure is not None else None

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.previous, self.wait = self._training_loss(), 0

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        value = self._watch.value(logs, epoch, stopping=self.logs_incomplete())
        if value is None:
            return
        measured = self._training_loss()
        value = value if measured is None else measured
        previous, self.previous = self.previous, value
        if previous is None:
            return
        decrease = previous - value
        stalled = not decrease >= self.tol               # NaN counts as no progress
        self.wait = self.wait + 1 if stalled else 0
        if self.wait >= self.patience:
            self.model.stop_training = True
            self.run.stop_reason = (
                f"converged after epoch {epoch + 1}: {self.monitor} decreased by {decrease:.3g} "
                f"< tol={self.tol:g} ({self.wait} epoch(s) in a row)"
            )

    def get_state(self) -> dict[str, Any]:
        return {"json": {"previous": self.previous, "wait": self.wait}, "arrays": {}}

    def set_state(self, state: dict[str, Any]) -> None:
        self.previous, self.wait = state["json"]["previous"], state["json"]["wait"]


class ReduceLROnPlateau(Callback):
    """Multiplies the learning rate by ``factor`` when the monitored quantity stops improving.

    Keras's rule: an epoch whose value does not beat the best by more than ``min_delta``
    adds one to a count; when the count reaches ``patience``, ``lr <- max(lr * factor,
    min_lr)`` on ``model.optimizer`` (unless it is at ``min_lr`` already), the count
    restarts, and the next ``cooldown`` epochs are not counted. An improvement restarts the
    count. So ``patience=2`` cuts the rate at the end of the second epoch in a row without
    improvement (PyTorch's ``ReduceLROnPlateau`` waits one epoch more: its ``patience=2`` is
    this ``patience=3``). The learning rate of every epoch is logged as "lr".

    Parameters
    ----------
    monitor : str, default "val_loss"
    factor : float in (0, 1), default 0.1
    patience : int >= 0, default 10
        Number of epochs with no improvement after which the learning rate is cut.
    verbose : {0, 1}, default 0
        1 prints each cut.
    mode : {"auto", "min", "max"}, default "auto"
    min_delta : float >= 0, default 1e-4
    cooldown : int >= 0, default 0
    min_lr : float >= 0, default 0

    Examples
    --------
    >>> model = gn.Sequential([gn.layers.Dense(1, input_dim=1)], seed=0)
    >>> model.compile(optimizer=gn.optim.SGD(lr=0.1), loss="mse")
    >>> X = np.array([[0.0], [1.0], [2.0]])
    >>> reduce = gn.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1, min_delta=10.0)
    >>> _ = model.fit(X, 2 * X, epochs=3, verbose=0, callbacks=[reduce])
    >>> print(round(model.optimizer.lr, 4))
    0.025
    """

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10, verbose: int = 0,
                 mode: str = "auto", min_delta: float = 1e-4, cooldown: int = 0, min_lr: float = 0.0) -> None:
        owner = "ReduceLROnPlateau"
        self.factor = check_number(owner, "factor", factor, 0.0, 1.0, low_open=True, high_open=True)
        self.patience = check_patience(owner, patience)
        self.verbose = check_verbose(owner, verbose)
        self.min_lr = check_number(owner, "min_lr", min_lr, 0.0)
        self.cooldown = check_count(owner, "cooldown", cooldown)
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
        value = self._watch.value(logs, epoch, stopping=self.logs_incomplete())
        if value is None:
            return
        cooling = self.cooldown_left > 0
        if cooling:
            self.cooldown_left -= 1
        if self._watch.improved(value):
            self._watch.best, self.wait = value, 0
        elif not cooling:
            self.wait += 1
            if self.wait >= self.patience and optimizer.lr > self.min_lr:
                optimizer.lr = max(optimizer.lr * self.factor, self.min_lr)
                self.wait, self.cooldown_left = 0, self.cooldown
                if self.verbose:
                    print(f"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {optimizer.lr:g}.")

    def get_state(self) -> dict[str, Any]:
        return {"json": {"best": self._watch.best, "wait": self.wait, "cooldown_left": self.cooldown_left},
                "arrays": {}}

    def set_state(self, state: dict[str, Any]) -> None:
        values = state["json"]
        self._watch.restore_best(values["best"])
        self.wait, self.cooldown_left = values["wait"], values["cooldown_left"]
