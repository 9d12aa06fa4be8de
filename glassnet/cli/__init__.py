"""The ``glassnet`` command line: train, tune, evaluate, predict, summary, export, explain.

The command is thin: it calls the library (data sets, models, the training loop, the
model files and the plots) and reports what they return.
"""

from glassnet.cli.commands import app, main

__all__ = ["app", "main"]
