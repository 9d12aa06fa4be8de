"""Models: Sequential stacks and functional graphs, with compile / fit / evaluate / predict.

The lectures' recipe: choose the architecture, the activations, the loss, the optimizer
and its hyperparameters and the epochs; then repeat forward, backward, update while
keeping track of the loss. ``compile`` makes the choices, ``fit`` repeats the steps.

:mod:`~glassnet.models.base` holds :class:`Model` (the functional graph, its forward,
weights and modes), :mod:`~glassnet.models.compiling` the choices of ``compile``, and
:mod:`~glassnet.models.sequential` the stack of layers.
"""

from glassnet._model_keras import load_model, model_from_json
from glassnet.models.base import Model, attach_runner
from glassnet.models.compiling import CLASS_LOSSES, check_output_width
from glassnet.models.sequential import Sequential
from glassnet.symbolic import Input

__all__ = ["Model", "Sequential", "Input", "attach_runner", "check_output_width", "CLASS_LOSSES",
           "load_model", "model_from_json"]
