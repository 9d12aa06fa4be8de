"""Pruning: a trial that is clearly worse than the others at the same epoch stops early.

:class:`PruningCallback` reports the validation score of every epoch to the Optuna trial
(``trial.report``) and stops the training when the study's pruner (a median pruner in
:func:`glassnet.tune.search`) says so (``trial.should_prune``).
"""

from __future__ import annotations

import math
from typing import Any

from glassnet.training.callbacks import Callback

__all__ = ["PruningCallback"]


class PruningCallback(Callback):
    """Report ``logs[monitor]`` to an Optuna trial at each epoch's end; stop when it is pruned.

    Parameters
    ----------
    trial : optuna.trial.Trial
    monitor : str, default "val_loss"
        The logged validation value to report.
    step_offset : int, default 0
        Added to the epoch number to give the step reported (the epochs of the folds before,
        in a cross-validation).

    Attributes
    ----------
    pruned : bool
        Whether the pruner stopped the training.

    Examples
    --------
    >>> import optuna
    >>> study = optuna.create_study(pruner=optuna.pruners.MedianPruner())
    >>> trial = study.ask()
    >>> model = gn.Sequential([gn.layers.Dense(1, input_dim=2)], seed=0)
    >>> model.compile(loss="mse")
    >>> X, y = np.ones((8, 2)), np.ones((8, 1))
    >>> _ = model.fit(X, y, epochs=3, validation_split=0.25, verbose=0,
    ...               callbacks=[gn.tune.PruningCallback(trial)])
    >>> sorted(study.trials[0].intermediate_values)
    [0, 1, 2]
    """

    def __init__(self, trial: Any, monitor: str = "val_loss", step_offset: int = 0) -> None:
        self.trial, self.monitor, self.step_offset = trial, monitor, step_offset
        self.pruned = False

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        value = (logs or {}).get(self.monitor)
        if value is None or not math.isfinite(value):
            return
        self.trial.report(float(value), self.step_offset + epoch)
        if self.trial.should_prune():
            self.pruned = True
            self.model.stop_training = True
