"""The training loop, its callbacks and its data handling."""

from glassnet.training.callbacks import Callback, History, ProgressLogger, TerminateOnNaN
from glassnet.training.evaluation import evaluate, predict
from glassnet.training.loop import fit

__all__ = ["Callback", "History", "ProgressLogger", "TerminateOnNaN", "fit", "evaluate", "predict"]
