"""Callbacks: objects that watch and steer ``model.fit`` (``gn.callbacks``).

``fit`` always attaches :class:`History` (returned by ``fit``) and :class:`TerminateOnNaN`
(unless one is given), and a :class:`ProgressLogger` when ``verbose``. The others are
passed in ``callbacks=[...]``:

- :class:`EarlyStopping` stops when ``val_loss`` stops improving and restores the best weights;
- :class:`ConvergenceStop` stops when the loss decreases by less than ``tol`` (the
  convergence test of gradient descent);
- :class:`ModelCheckpoint` saves the model after every epoch or its best one, atomically;
- :class:`BackupAndRestore` lets an interrupted run resume where it stopped;
- :class:`LearningRateScheduler` and :class:`ReduceLROnPlateau` change ``model.optimizer.lr``;
- :class:`CSVLogger` writes the logs of every epoch to a CSV file;
- :class:`LambdaCallback` runs functions given for the hooks.

A callback of your own subclasses :class:`Callback` and overrides ``on_train_begin``,
``on_train_end``, ``on_epoch_begin``, ``on_epoch_end``, ``on_batch_begin`` or ``on_batch_end``
(Keras's ``on_train_batch_begin``/``on_train_batch_end`` are called in their place); each gets the
``logs`` dict, reaches the model as ``self.model`` and stops training with
``self.model.stop_training = True``.
"""

from glassnet.training.callbacks import Callback, History, LambdaCallback, ProgressLogger, TerminateOnNaN
from glassnet.training.lr_scheduler import LearningRateScheduler
from glassnet.training.monitor import ConvergenceStop, EarlyStopping, ReduceLROnPlateau

__all__ = [
    "Callback", "History", "TerminateOnNaN", "ProgressLogger", "EarlyStopping", "ConvergenceStop",
    "ModelCheckpoint", "load_checkpoint", "BackupAndRestore", "LearningRateScheduler",  # noqa: F822
    "ReduceLROnPlateau", "CSVLogger", "LambdaCallback",  # noqa: F822 - the writers load on first use
]

#: The callbacks that write files, imported on first use (with the model files they need).
_WRITERS = {"CSVLogger": "checkpoint", "ModelCheckpoint": "checkpoint", "load_checkpoint": "checkpoint",
            "BackupAndRestore": "resume"}


def __getattr__(name: str) -> object:
    if name in _WRITERS:
        import importlib

        value = getattr(importlib.import_module(f"glassnet.training.{_WRITERS[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'glassnet.callbacks' has no attribute {name!r}")
