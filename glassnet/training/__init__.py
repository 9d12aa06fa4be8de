"""The training loop, its callbacks and its data handling."""

from glassnet.models import attach_runner
from glassnet.training import methods as _methods
from glassnet.training.callbacks import Callback, History, ProgressLogger, TerminateOnNaN
from glassnet.training.evaluation import evaluate, predict
from glassnet.training.loop import fit
from glassnet.training.step import Step, train_step

attach_runner(_methods.fit, _methods.evaluate, predict)

__all__ = ["Callback", "History", "ProgressLogger", "TerminateOnNaN", "fit", "evaluate", "predict",
           "train_step", "Step"]
