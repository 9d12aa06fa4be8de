"""glassnet: a neural-network library whose every quantity can be seen, printed and checked.

The core is a reverse-mode automatic-differentiation engine over NumPy arrays
(:class:`Tensor`); layers, models, optimizers and the training loop are built on it.
"""

from typing import TYPE_CHECKING

# The engine first: the ops it dispatches to import it back.
from glassnet.tensor import Tensor, enable_grad, is_grad_enabled, no_grad, tensor  # isort: skip
from glassnet import _tensor_methods  # noqa: F401 isort: skip  (installs Tensor.sum, .relu, .view, ...)
from glassnet import accel, activations, layers, losses, models
from glassnet._parallel import get_num_threads, set_num_threads
from glassnet.accel import reference
from glassnet.errors import NonFiniteError
from glassnet.layers.module import Module, Parameter
from glassnet.models import Input, Model, Sequential

if TYPE_CHECKING:  # imported on first use (see __getattr__); named here for type checkers
    from glassnet import (
        callbacks,
        data,
        datasets,
        explain,
        functional,
        initializers,
        io,
        metrics,
        optim,
        playground,
        plot,
        regularizers,
        schedules,
        training,
        tune,
        uncertainty,
        utils,
    )
    from glassnet.data import cross_validate
    from glassnet.functional import cat, concatenate, stack, where
    from glassnet.io import load, save

__version__ = "0.1.0"

__all__ = [
    "Tensor", "tensor", "no_grad", "enable_grad", "is_grad_enabled", "reference", "accel",
    "set_num_threads", "get_num_threads",
    "concatenate", "cat", "stack", "where",
    "activations", "functional", "losses", "NonFiniteError",
    "layers", "metrics", "training", "Module", "Parameter", "Input", "Model", "Sequential",
    "datasets", "plot", "initializers", "optim", "regularizers", "schedules",
    "explain", "io", "save", "load", "callbacks", "data", "cross_validate", "models", "utils", "tune",
    "uncertainty", "playground",
    "__version__",
]


#: Imported on first use, so that ``import glassnet`` loads the engine, the layers and the
#: models only: the optimizers and metrics come with the first ``compile``, the training loop
#: with the first ``fit``.
_LAZY_MODULES = ("functional", "initializers", "regularizers", "metrics", "optim", "schedules", "training",
                 "callbacks", "data", "explain", "io", "utils", "plot", "datasets", "tune", "uncertainty",
                 "playground")
_LAZY_FUNCTIONS = {"save": "glassnet.io", "load": "glassnet.io", "cross_validate": "glassnet.data",
                   "cat": "glassnet.functional", "concatenate": "glassnet.functional",
                   "stack": "glassnet.functional", "where": "glassnet.functional"}


def __getattr__(name: str) -> object:
    """The modules of :data:`_LAZY_MODULES` and the functions of :data:`_LAZY_FUNCTIONS`,
    imported on first use."""
    import importlib

    if name in _LAZY_MODULES:
        module = importlib.import_module(f"glassnet.{name}")
        globals()[name] = module
        return module
    if name in _LAZY_FUNCTIONS:
        function = getattr(importlib.import_module(_LAZY_FUNCTIONS[name]), name)
        globals()[name] = function
        return function
    if name == "nn":
        raise AttributeError(
            "glassnet has no nn module: PyTorch's torch.nn is gn.layers (Conv2D, Dense, ...) and gn.Module "
            "(subclass it as nn.Module); the losses are gn.losses and torch.nn.functional is gn.functional")
    raise AttributeError(f"module 'glassnet' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The package's names, the modules and functions not imported yet included."""
    return sorted(set(globals()) | set(_LAZY_MODULES) | set(_LAZY_FUNCTIONS))
