"""The ONNX graph under construction and the activations' ONNX forms, shared by the exporters
(:mod:`glassnet.io.onnx` and its recurrent and autoencoder parts)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from glassnet.activations import SELU_ALPHA, SELU_LAMBDA

__all__ = ["Graph", "ACTIVATIONS", "activation"]


class Graph:
    """The nodes and constants of the graph being built, with fresh value names."""

    def __init__(self, helper: Any, numpy_helper: Any, dtype: np.dtype) -> None:
        self.helper, self.numpy_helper, self.dtype = helper, numpy_helper, dtype
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._count = 0
        #: The step mask (N, T, 1) that travels with a value from a Masking layer, by value name.
        self.masks: dict[str, str | None] = {}

    def fresh(self, hint: str) -> str:
        self._count += 1
        return f"{hint}_{self._count}"

    def op(self, op_type: str, inputs: list[str], hint: str | None = None, **attributes: Any) -> str:
        out = self.fresh(hint or op_type.lower())
        self.nodes.append(self.helper.make_node(op_type, inputs, [out], name=out, **attributes))
        return out

    def const(self, value: Any, hint: str, dtype: Any = None) -> str:
        name = self.fresh(hint)
        array = np.asarray(value, dtype=dtype or self.dtype)
        self.initializers.append(self.numpy_helper.from_array(array, name=name))
        return name


def _gelu(g: Graph, x: str) -> str:
    """g(z) = z/2 (1 + erf(z / sqrt 2))."""
    erf = g.op("Erf", [g.op("Mul", [x, g.const(1 / math.sqrt(2), "inv_sqrt2")])])
    one_plus = g.op("Add", [erf, g.const(1.0, "one")])
    return g.op("Mul", [g.op("Mul", [x, g.const(0.5, "half")]), one_plus], "gelu")


def _step(g: Graph, x: str) -> str:
    """g(z) = 1 if z > 0 else 0."""
    positive = g.op("Greater", [x, g.const(0.0, "zero")])
    return g.op("Cast", [positive], "step", to=g.helper.np_dtype_to_tensor_dtype(g.dtype))


def _gaussian(g: Graph, x: str) -> str:
    """g(z) = exp(-z^2)."""
    return g.op("Exp", [g.op("Neg", [g.op("Mul", [x, x])])], "gaussian")


def _multiquadric(g: Graph, x: str) -> str:
    """g(z) = sqrt(1 + z^2)."""
    return g.op("Sqrt", [g.op("Add", [g.op("Mul", [x, x]), g.const(1.0, "one")])], "multiquadric")


#: glassnet activation name -> function adding its ONNX nodes for input value ``x``.
ACTIVATIONS: dict[str, Callable[[Graph, str], str]] = {
    "identity": lambda g, x: g.op("Identity", [x]),
    "sigmoid": lambda g, x: g.op("Sigmoid", [x]),
    "tanh": lambda g, x: g.op("Tanh", [x]),
    "relu": lambda g, x: g.op("Relu", [x]),
    "leaky_relu": lambda g, x: g.op("LeakyRelu", [x], alpha=0.01),
    "elu": lambda g, x: g.op("Elu", [x], alpha=1.0),
    "selu": lambda g, x: g.op("Selu", [x], alpha=SELU_ALPHA, gamma=SELU_LAMBDA),
    "gelu": _gelu,
    "softplus": lambda g, x: g.op("Softplus", [x]),
    "softmax": lambda g, x: g.op("Softmax", [x], axis=-1),
    "log_softmax": lambda g, x: g.op("LogSoftmax", [x], axis=-1),
    "gaussian": _gaussian,
    "multiquadric": _multiquadric,
    "inverse_multiquadric": lambda g, x: g.op("Reciprocal", [_multiquadric(g, x)], "inverse_multiquadric"),
    "binary_step": _step,
}
_ALIASES = {"linear": "identity", "logistic": "sigmoid", "heaviside": "binary_step", "step": "binary_step",
            "rbf": "gaussian"}


def activation(g: Graph, name: str | None, x: str, layer: Any) -> str:
    key = _ALIASES.get(name or "identity", name or "identity")
    if key not in ACTIVATIONS:
        raise ValueError(
            f"layer {layer.name!r} uses the activation {name!r}, which has no ONNX form here; "
            f"exportable activations: {', '.join(sorted([*ACTIVATIONS, *_ALIASES]))}"
        )
    return ACTIVATIONS[key](g, x)
