"""The ``glassnet`` command line: ``glassnet train``, ``evaluate``, ``predict``, ``summary``, ``export``.

The command is thin: it calls the library (data sets, models, the training loop, the
model files and the plots) and reports what they return.
"""

from glassnet.cli.commands import app, main

__all__ = ["app", "main"]
