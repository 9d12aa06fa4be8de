"""The weights a saved architecture declares, checked against a file's tensors before any
layer is built.

Building a layer allocates its weights (and ``Model.build`` runs a forward pass), so a
header claiming 10^9 units would cost gigabytes before the stored tensors could refuse
it. Loading therefore first works out, from the configs and the input shape alone (no
array is made), the shape of every parameter and buffer the model will create and the
per-sample shape of every layer's output, and compares them with the tensors the header
lists. Only a model whose declared weights are exactly the stored ones is built, so what
is allocated is bounded by the size of the file.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from glassnet.io.config import ModelFileError
from glassnet.layers.layout import to_channels_first
from glassnet.layers.module import Layer
from glassnet.symbolic import Symbolic

__all__ = ["MAX_VALUES_PER_SAMPLE", "check_sample_shape", "check_function_inputs", "layer_weight_shapes",
           "sequential_calls", "graph_calls", "planned_calls", "build_layers", "declared_state",
           "check_state"]

#: The largest per-sample tensor (values) a model file may declare anywhere in its graph:
#: a 64-channel 512 x 512 feature map. Beyond it a small file could make loading allocate
#: gigabytes in the forward pass that builds the model.
MAX_VALUES_PER_SAMPLE = 2**24

Shape = tuple[int, ...]
Calls = list[tuple[Layer, Shape]]


def check_sample_shape(shape: Shape, where: str) -> None:
    """Refuse a per-sample shape of more than :data:`MAX_VALUES_PER_SAMPLE` values."""
    size = math.prod(shape)
    if size > MAX_VALUES_PER_SAMPLE:
        raise ModelFileError(
            f"{where} has per-sample shape {tuple(shape)} ({size:,} values), more than the "
            f"{MAX_VALUES_PER_SAMPLE:,} a model file may declare; the file is damaged or crafted"
        )


def _broadcast(where: str, args: list[Any]) -> Shape:
    shapes = [(1, *a.shape) if isinstance(a, Symbolic) else () for a in args]
    try:
        return tuple(np.broadcast_shapes(*shapes)[1:])
    except ValueError as err:
        raise ModelFileError(f"{where} cannot be rebuilt: {err}") from None


def check_function_inputs(where: str, name: str, args: list[Any]) -> None:
    """Refuse a graph function whose result could exceed :data:`MAX_VALUES_PER_SAMPLE`,
    before it is run on the placeholders: arithmetic by its broadcast shape; the others
    (concatenate, stack, getitem) by the values of their symbolic inputs times the number
    of other entries in their lists (not tuples) (a fancy index repeats its input at most that often)."""
    if name in ("add", "sub", "mul", "truediv"):
        check_sample_shape(_broadcast(where, args), where)
        return
    size, entries, stack = 0, 0, list(args)
    while stack:
        value = stack.pop()
        if isinstance(value, Symbolic):
            size += math.prod(value.shape)
        elif isinstance(value, (list, tuple)):
            if isinstance(value, list):
                entries += sum(not isinstance(v, (Symbolic, list, tuple)) for v in value)
            stack.extend(value)
    check_sample_shape((size * max(entries, 1),), where)


def _dense(layer: Any, shape: Shape) -> dict[str, Shape]:
    if len(shape) != 1:
        return {}
    return {"W": (shape[0], layer.units), **({"b": (layer.units,)} if layer.use_bias else {})}


def _conv(layer: Any, shape: Shape) -> dict[str, Shape]:
    if not shape:
        return {}
    channels = to_channels_first(shape, layer.layout)[0]
    return {"W": (layer.filters, channels, *layer.kernel_size),
            **({"b": (layer.filters,)} if layer.use_bias else {})}


def _batch_norm(layer: Any, shape: Shape) -> dict[str, Shape]:
    if not shape:
        return {}
    channels = to_channels_first(shape, layer.layout)[0]
    return {name: (channels,) for name in ("gamma", "beta", "running_mean", "running_var")}


@functools.cache
def _shape_rules() -> dict[type, Callable[[Any, Shape], dict[str, Shape]]]:
    from glassnet.layers import conv, core, norm

    return {core.Dense: _dense, conv.Conv2D: _conv, conv.Conv1D: _conv, norm.BatchNormalization: _batch_norm}


def layer_weight_shapes(layer: Layer, input_shape: Shape) -> dict[str, Shape]:
    """The shapes of the parameters and buffers ``layer.build(input_shape)`` creates, by
    attribute name; {} for a layer without weights (or an input it will refuse)."""
    rule = _shape_rules().get(type(layer))
    return rule(layer, tuple(input_shape)) if rule is not None else {}


def _output_shape(layer: Layer, shape: Shape, where: str) -> Shape:
    try:
        out = tuple(int(n) for n in layer.compute_output_shape(tuple(shape)))
    except (TypeError, ValueError, IndexError) as err:
        raise ModelFileError(f"{where} cannot take inputs of shape {tuple(shape)}: {err}") from None
    check_sample_shape(out, f"the output of {where}")
    return out


def sequential_calls(layers: list[Layer], input_shape: Shape) -> Calls:
    """Each layer of a stack with the per-sample shape it receives (shapes checked)."""
    check_sample_shape(input_shape, "the model input")
    calls, shape = [], tuple(input_shape)
    for i, layer in enumerate(layers):
        calls.append((layer, shape))
        shape = _output_shape(layer, shape, f"layer {i} ({type(layer).__name__} {layer.name!r})")
    return calls


def graph_calls(model: Any) -> Calls:
    """Each layer of a functional model with the shape of its first call's input."""
    first: dict[int, Shape] = {}
    for node in model._nodes:
        if isinstance(node.op, Layer) and id(node.op) not in first:
            first[id(node.op)] = tuple(node.inputs[0].shape)
    return [(layer, first[id(layer)]) for layer in model.layers]


def planned_calls(model: Any, input_shape: Any, source: str) -> Calls | None:
    """The layer calls of an unbuilt Sequential or functional model of glassnet's own layers,
    for inputs of ``input_shape``; None for other models, whose code decides what they build."""
    from glassnet.io.config import layer_classes
    from glassnet.models import Model, Sequential

    allowed = set(layer_classes().values())
    if type(model) not in (Sequential, Model) or any(type(layer) not in allowed for layer in model.layers):
        return None
    if type(model) is Model:
        return graph_calls(model)
    try:
        (shape,) = model._input_shapes(input_shape)
    except (TypeError, ValueError) as err:
        raise ModelFileError(f"the weights in {source} cannot be placed: {err}") from None
    return sequential_calls(model.layers, shape)


def build_layers(calls: Calls, dtype: Any, source: str) -> None:
    """Create each layer's weights for its planned input shape, without running the network
    (a forward pass could cost far more than the weights, e.g. a wide kernel on a big image)."""
    for i, (layer, shape) in enumerate(calls):
        try:
            layer.ensure_built(shape, dtype)
        except (TypeError, ValueError) as err:
            raise ModelFileError(f"the architecture in {source} cannot be built: layer {i}: {err}") from None


def declared_state(calls: Calls) -> dict[str, Shape]:
    """The ``state_dict`` names and shapes a model of these layer calls will have."""
    return {f"layers.{i}.{name}": shape for i, (layer, input_shape) in enumerate(calls)
            for name, shape in layer_weight_shapes(layer, input_shape).items()}


def check_state(declared: Mapping[str, Shape], stored: Mapping[str, tuple[str, Shape]], dtype: str,
                source: str) -> None:
    """Refuse stored tensors ``{name: (safetensors dtype, shape)}`` that are not exactly the
    declared weights: names missing or extra, another shape, another dtype than ``dtype``."""
    missing, extra = sorted(set(declared) - set(stored)), sorted(set(stored) - set(declared))
    if missing or extra:
        raise ModelFileError(
            f"the weights in {source} do not fit the architecture: missing {missing[:10]}, "
            f"unexpected {extra[:10]}. The file holds weights of another model"
        )
    code = {"float32": "F32", "float64": "F64"}[dtype]
    for name, shape in declared.items():
        kind, stored_shape = stored[name]
        if tuple(stored_shape) != tuple(shape):
            raise ModelFileError(
                f"the weights in {source} do not fit the architecture: {name!r} is stored with shape "
                f"{tuple(stored_shape)} but the architecture declares {tuple(shape)}"
            )
        if kind != code:
            raise ModelFileError(
                f"the weights in {source} are not the model's float type: {name!r} is stored as "
                f"{kind}, but the {dtype} model needs {code}; save the model again with gn.save"
            )
