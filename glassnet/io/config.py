"""Model architecture <-> JSON: every layer's ``get_config``, Sequential stacks and functional graphs.

A file names layer types and graph operations by strings. Loading looks each string up
in an explicit allow-list (:func:`layer_classes`, :data:`FUNCTIONS`); nothing is imported
by a name read from a file and no code from a file is ever run.

A Sequential model becomes::

    {"class_name": "Sequential", "name": ..., "seed": ..., "input_shape": [64],
     "data_format": null, "layers": [{"class_name": "Dense", "config": {...}}, ...]}

(``data_format``, the model's image layout, when it was given; ``input_shape`` is in it.)

A functional model lists its layers the same way, plus its graph: the nodes in
topological order, each an input (``{"input": shape}``), a layer call
(``{"layer": i, "args": [...]}``) or an allow-listed function (``{"function": "add",
"args": [...], "options": {...}}``). Arguments refer to earlier nodes by
``{"node": j}``; numbers, strings and None are written as they are.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from glassnet import functional
from glassnet.layers.layout import resolve as resolve_layout
from glassnet.layers.module import Layer
from glassnet.models import Model, Sequential
from glassnet.symbolic import Input, Symbolic

__all__ = ["ModelFileError", "FUNCTIONS", "layer_classes", "model_to_config", "model_from_config"]


class ModelFileError(ValueError):
    """A model file that cannot be read: truncated, corrupted, from an incompatible version,
    or describing an architecture this glassnet does not know or that does not fit its weights.

    Examples
    --------
    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "bad.safetensors")
    ...     with open(path, "wb") as file:
    ...         _ = file.write(b"not a model")
    ...     try:
    ...         gn.load(path)
    ...     except gn.io.ModelFileError as error:
    ...         print("not a readable model file" in str(error))
    ...
    True
    """


#: The graph operations a functional model may use between layers, by the name saved.
FUNCTIONS: dict[str, Callable[..., Any]] = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "truediv": operator.truediv,
    "neg": operator.neg,
    "getitem": operator.getitem,
    "concatenate": functional.concatenate,
    "stack": functional.stack,
}
_FUNCTION_NAMES = {id(fn): name for name, fn in FUNCTIONS.items()}


def layer_classes() -> dict[str, type[Layer]]:
    """The allow-list of layer types a file may name: class name -> class."""
    from glassnet.layers import (
        conv,
        core,
        heads,
        norm,
        pool,
        rbf,
        recurrent,
        reshaping,
        sampling,
        sequences,
        upsampling,
    )

    classes: tuple[type[Layer], ...] = (
        core.Dense, core.Activation, core.Dropout, reshaping.Flatten, reshaping.Reshape,
        norm.BatchNormalization, heads.GaussianHead, heads.QuantileHead,
        conv.Conv2D, conv.Conv1D, upsampling.Conv2DTranspose, upsampling.UpSampling2D, sampling.Sampling,
        pool.MaxPool2D, pool.AvgPool2D, pool.MaxPool1D, pool.GlobalAvgPool2D,
        recurrent.SimpleRNN, recurrent.LSTM, recurrent.GRU, sequences.Bidirectional, sequences.Masking,
        rbf.RBF,
    )
    return {cls.__name__: cls for cls in classes}


# ---------------------------------------------------------------------------- saving
def _layer_config(layer: Layer, allowed: dict[str, type[Layer]]) -> dict[str, Any]:
    cls = type(layer)
    if allowed.get(cls.__name__) is not cls:
        raise TypeError(
            f"layer {layer.name!r} is a {cls.__name__}, which cannot be saved: a model file may "
            f"only hold glassnet's own layers ({', '.join(sorted(allowed))}). Save the weights "
            "alone with model.save_weights(path) and rebuild the model in code"
        )
    config = layer.get_config()
    try:
        json.dumps(config, allow_nan=False)
    except (TypeError, ValueError) as err:
        raise TypeError(f"layer {layer.name!r}: its config cannot be written as JSON ({err})") from None
    return {"class_name": cls.__name__, "config": config}


def _encode(value: Any, index: dict[int, int]) -> Any:
    """A graph argument as JSON: node references, containers, slices and literals."""
    if isinstance(value, Symbolic):
        return {"node": index[id(value)]}
    if isinstance(value, (list, tuple)):
        return {type(value).__name__: [_encode(v, index) for v in value]}
    if isinstance(value, slice):
        return {"slice": [_encode(v, index) for v in (value.start, value.stop, value.step)]}
    if value is Ellipsis:
        return {"ellipsis": True}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "item") and getattr(value, "ndim", None) == 0:
        return value.item()
    raise TypeError(
        f"a graph argument of type {type(value).__name__} cannot be saved; use numbers, or "
        "express the constant with a layer"
    )


def _graph_config(model: Model, layers: list[Layer]) -> dict[str, Any]:
    index = {id(node): i for i, node in enumerate(model._nodes)}
    layer_index = {id(layer): i for i, layer in enumerate(layers)}
    nodes = []
    for node in model._nodes:
        if node.op is None:
            nodes.append({"input": list(node.shape), "name": node.name})
            continue
        entry: dict[str, Any]
        if isinstance(node.op, Layer):
            entry = {"layer": layer_index[id(node.op)]}
        elif id(node.op) in _FUNCTION_NAMES:
            entry = {"function": _FUNCTION_NAMES[id(node.op)]}
        else:
            name = getattr(node.op, "__name__", type(node.op).__name__)
            raise TypeError(
                f"the graph applies {name!r}, which cannot be saved; allowed between layers: "
                f"{', '.join(FUNCTIONS)}"
            )
        entry["args"] = [_encode(a, index) for a in node.inputs]
        entry["options"] = {str(k): _encode(v, index) for k, v in node.options.items()}
        nodes.append(entry)
    return {
        "nodes": nodes,
        "inputs": [index[id(s)] for s in model._inputs],
        "outputs": [index[id(s)] for s in model._outputs],
        "single_output": model._single_output,
    }


def model_to_config(model: Model) -> dict[str, Any]:
    """The architecture of a Sequential or functional model as a JSON-able dict.

    Raises
    ------
    TypeError
        For a model class other than Sequential and Model (a subclass may compute anything
        in its own ``forward``), a layer outside the allow-list, or a graph operation that
        cannot be named.
    """
    allowed = layer_classes()
    if type(model) not in (Sequential, Model):
        raise TypeError(
            f"{type(model).__name__} cannot be saved with its architecture: only Sequential and "
            "functional gn.Model graphs can. Save the weights with model.save_weights(path)"
        )
    config: dict[str, Any] = {
        "class_name": type(model).__name__,
        "name": model.name,
        "seed": model.seed,
        "dtype": np.dtype(model.dtype).name,
        "layers": [_layer_config(layer, allowed) for layer in model.layers],
    }
    if isinstance(model, Sequential):
        first = model.layers[0] if model.layers else None
        config["input_shape"] = list(first.input_shape) if first is not None and first.input_shape else None
        config["data_format"] = model.data_format
    else:
        config["graph"] = _graph_config(model, model.layers)
    return config


# ---------------------------------------------------------------------------- loading
def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise ModelFileError(f"the architecture in the file is malformed: {message}")


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, allow_nan=False, default=repr)


def _build_layer(i: int, entry: Any, allowed: dict[str, type[Layer]]) -> Layer:
    _expect(isinstance(entry, dict) and set(entry) == {"class_name", "config"} and
            isinstance(entry.get("config"), dict),
            f"layer {i} must be {{'class_name': ..., 'config': {{...}}}}")
    name = entry.get("class_name")
    if not isinstance(name, str) or name not in allowed:
        raise ModelFileError(
            f"the file names a layer type {name!r} (layer {i}) that this glassnet does not have; "
            f"it can load: {', '.join(sorted(allowed))}. The file may come from a newer glassnet "
            "or have been edited"
        )
    config = entry["config"]
    _expect(isinstance(config.get("name"), str) and bool(config["name"]),
            f"layer {i} ({name}) has no name (a non-empty text)")
    try:
        layer = allowed[name].from_config(config)
    except (TypeError, ValueError, KeyError, IndexError, AttributeError) as err:
        raise ModelFileError(f"layer {i} ({name}) cannot be rebuilt from its saved config: {err}") from None
    rebuilt = layer.get_config()
    for key, value in config.items():
        saved, read = _canonical(value), _canonical(rebuilt.get(key))
        _expect(saved == read, f"layer {i} ({name}) has {key}={saved[:60]}, which the layer reads as "
                               f"{read[:60]}; a saved config holds exactly the values a layer writes")
    return layer


def _build_layers(entries: Any) -> list[Layer]:
    _expect(isinstance(entries, list), "the layer list is missing")
    allowed = layer_classes()
    layers = [_build_layer(i, entry, allowed) for i, entry in enumerate(entries)]
    seen: dict[str, int] = {}
    for i, layer in enumerate(layers):
        _expect(layer.name not in seen,
                f"layers {seen.get(layer.name)} and {i} are both named {layer.name!r}")
        seen[layer.name] = i
    return layers


def _is_shape(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(
        isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in value)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _decode(value: Any, built: list[Any]) -> Any:
    if isinstance(value, dict):
        _expect(len(value) == 1, f"graph argument {_short(value)} is not recognised")
        (key, item), = value.items()
        if key == "node":
            _expect(isinstance(item, int) and not isinstance(item, bool) and 0 <= item < len(built),
                    f"an argument refers to node {_short(item)}, which is not an earlier node of the graph "
                    "(a missing node, or a cycle)")
            return built[item]
        if key in ("list", "tuple") and isinstance(item, list):
            items = [_decode(v, built) for v in item]
            return items if key == "list" else tuple(items)
        if key == "slice" and isinstance(item, list) and len(item) == 3:
            return slice(*(_decode(v, built) for v in item))
        if key == "ellipsis" and item is True:
            return Ellipsis
        _expect(False, f"graph argument {_short(value)} is not recognised")
    _expect(value is None or isinstance(value, (bool, int, float, str)),
            f"graph argument {_short(value)} is not recognised")
    return value


def _build_node(i: int, entry: Any, layers: list[Layer], built: list[Any]) -> Any:
    from glassnet.io.shapes import check_function_inputs, check_sample_shape

    _expect(isinstance(entry, dict), f"node {i} is not an object")
    if "input" in entry:
        _expect(set(entry) <= {"input", "name"} and _is_shape(entry["input"]),
                f"input node {i} has no valid shape (a list of positive sizes)")
        check_sample_shape(tuple(entry["input"]), f"input node {i}")
        name = entry.get("name")
        _expect(name is None or isinstance(name, str), f"input node {i} has a name that is not text")
        return Input(tuple(entry["input"]), name=name)
    _expect(set(entry) in ({"layer", "args", "options"}, {"function", "args", "options"}),
            f"node {i} must hold 'layer' or 'function', 'args' and 'options'")
    args, options = entry["args"], entry["options"]
    _expect(isinstance(args, list) and isinstance(options, dict), f"node {i} has malformed arguments")
    args = [_decode(a, built) for a in args]
    options = {str(k): _decode(v, built) for k, v in options.items()}
    if "layer" in entry:
        k = entry["layer"]
        _expect(isinstance(k, int) and not isinstance(k, bool) and 0 <= k < len(layers),
                f"node {i} calls layer {_short(k)}, which is not listed")
        op: Callable[..., Any] = layers[k]
        # A recurrent layer's call may also take its initial states and a mask.
        _expect(1 <= len(args) <= getattr(op, "call_inputs", 1) and isinstance(args[0], Symbolic)
                and not options, f"node {i} must call its layer on one earlier node")
    else:
        name = entry["function"]
        if not isinstance(name, str) or name not in FUNCTIONS:
            raise ModelFileError(
                f"node {i} of the graph applies {_short(name)}, which is not an operation glassnet "
                f"loads; allowed: {', '.join(FUNCTIONS)}"
            )
        check_function_inputs(f"node {i} ({name})", name, [*args, *options.values()])
        op = FUNCTIONS[name]
    try:
        node = op(*args, **options)
    except (TypeError, ValueError, IndexError) as err:
        raise ModelFileError(f"node {i} of the graph cannot be rebuilt: {err}") from None
    for each in node if isinstance(node, list) else [node]:  # a layer returning its states too
        check_sample_shape(each.shape, f"node {i}")
    return node


def _node_list(built: list[Any], ids: Any, what: str) -> list[Symbolic]:
    _expect(isinstance(ids, list) and bool(ids), f"the graph lists no {what}")
    for i in ids:
        _expect(isinstance(i, int) and not isinstance(i, bool) and 0 <= i < len(built),
                f"the graph's {what} name node {_short(i)}, which it does not have")
    return [built[i] for i in ids]


def _functional_from_config(config: dict[str, Any], layers: list[Layer], dtype: str) -> Model:
    graph = config.get("graph")
    _expect(isinstance(graph, dict) and isinstance(graph.get("nodes"), list), "the graph is missing")
    _expect(set(graph) <= {"nodes", "inputs", "outputs", "single_output"}, "the graph has unknown fields")
    built: list[Any] = []
    for i, entry in enumerate(graph["nodes"]):
        built.append(_build_node(i, entry, layers, built))
    inputs = _node_list(built, graph.get("inputs"), "inputs")
    outputs = _node_list(built, graph.get("outputs"), "outputs")
    single = graph.get("single_output", True)
    _expect(isinstance(single, bool), "single_output is not true or false")
    try:
        model = Model(inputs, outputs[0] if single and len(outputs) == 1 else outputs,
                      seed=config.get("seed"), dtype=dtype, name=config.get("name"))
    except (TypeError, ValueError) as err:
        raise ModelFileError(f"the graph cannot be rebuilt: {err}") from None
    _expect(len(model.layers) == len(layers), "the graph does not call every listed layer")
    return model


_MODEL_KEYS = {"class_name", "name", "seed", "dtype", "layers", "input_shape", "graph", "data_format"}


def _sequential_input(config: dict[str, Any], layers: list[Layer]) -> tuple[int, ...] | None:
    shape = config.get("input_shape")
    _expect(shape is None or _is_shape(shape), f"input_shape {_short(shape)} is not a list of positive sizes")
    if shape is None and layers and getattr(layers[0], "input_dim", None) is not None:
        return (layers[0].input_dim,)
    return None if shape is None else tuple(shape)


def model_from_config(config: Any, weights: Mapping[str, tuple[str, tuple[int, ...]]] | None = None) -> Model:
    """Rebuild an (unbuilt) model from :func:`model_to_config`'s dict, through the allow-lists.

    Parameters
    ----------
    config : dict
    weights : dict of str to (dtype, shape), optional
        The stored weights (``state_dict`` name -> safetensors dtype and shape). When given,
        the weights the architecture declares are checked against them before any layer is
        built (:mod:`glassnet.io.shapes`), so a header cannot make loading allocate more
        than the file holds; the model is then returned built, without a forward pass.

    Raises
    ------
    ModelFileError
        For anything malformed, an unknown layer type or graph operation, or a config a
        layer refuses; the message names the layer or node.
    """
    from glassnet.io.shapes import build_layers, check_state, declared_state, graph_calls, sequential_calls

    _expect(isinstance(config, dict), "it is not a JSON object")
    unknown = sorted(set(config) - _MODEL_KEYS)
    _expect(not unknown, f"it has fields this glassnet does not read: {unknown[:5]}")
    kind = config.get("class_name")
    _expect(kind in ("Sequential", "Model"),
            f"unknown model type {_short(kind)}; expected Sequential or Model")
    seed = config.get("seed")
    _expect(seed is None or (isinstance(seed, int) and not isinstance(seed, bool) and 0 <= seed < 2**128),
            f"seed {_short(seed)} is not a non-negative integer")
    _expect(isinstance(config.get("name"), str), "the model name is not text")
    dtype = config.get("dtype", "float32")
    _expect(dtype in ("float32", "float64"), f"dtype {_short(dtype)} is not float32 or float64")
    layers = _build_layers(config.get("layers"))
    if kind == "Model":
        model = _functional_from_config(config, layers, dtype)
        if weights is not None:
            calls = graph_calls(model)
            check_state(declared_state(calls), weights, dtype, "the file")
            build_layers(calls, dtype, "the file")
        return model
    shape = _sequential_input(config, layers)
    data_format = config.get("data_format")
    try:
        resolve_layout(layers, data_format, "the saved Sequential model")
    except ValueError as err:
        raise ModelFileError(str(err)) from None
    if weights is not None:
        _expect(shape is not None, "a saved Sequential model gives no input_shape")
        calls = sequential_calls(layers, shape)
        check_state(declared_state(calls), weights, dtype, "the file")
        build_layers(calls, dtype, "the file")
    try:
        return Sequential(layers, seed=seed, dtype=dtype, name=config["name"], data_format=data_format)
    except (TypeError, ValueError) as err:
        raise ModelFileError(f"the Sequential model cannot be rebuilt: {err}") from None
