"""Export a model to ONNX, built node by node with ``onnx.helper``.

Supported: Dense (MatMul + Add), every activation with an ONNX form (see
:data:`ACTIVATIONS`), Activation, Dropout (the identity: ONNX graphs are for inference),
GaussianHead and QuantileHead (their outputs as ``predict`` gives them),
Flatten, Reshape, BatchNormalization (with its running statistics), SimpleRNN, LSTM, GRU,
Bidirectional and Masking (ONNX's RNN, LSTM and GRU operators: :mod:`glassnet.io.onnx_recurrent`),
Conv2DTranspose, UpSampling2D and Sampling (its output mu: :mod:`glassnet.io.onnx_autoencoder`),
Sequential stacks and
functional graphs joined by +, -, *, /, negation, ``gn.concatenate`` and ``gn.stack``.
The graph keeps the model's dtype (float32 or float64); its first axis, the batch, is
named ``N`` and may take any size. The preprocessing a model carries is not part of the
graph: feed it the transformed inputs (``model.preprocessing.transform(table)``).

onnx is imported inside :func:`export` only.
"""

from __future__ import annotations

import operator
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from glassnet import functional
from glassnet.io.onnx_graph import ACTIVATIONS, Graph, activation
from glassnet.io.serialize import check_model
from glassnet.layers.layout import CHANNELS_FIRST, CHANNELS_LAST, runs_channels_first, to_channels_first
from glassnet.models import Model, Sequential

__all__ = ["export", "ACTIVATIONS", "DEFAULT_OPSET", "MIN_OPSET", "MAX_OPSET", "NO_FLOAT64_IN_ONNXRUNTIME",
           "check_opset"]

#: Opset 17 and IR version 8: read by every onnxruntime since 1.11.
DEFAULT_OPSET = 17
#: The opsets written: from 13 (Unsqueeze takes its axes as an input, Softmax works on
#: one axis) to the newest that onnx defines and onnxruntime runs with every emitted
#: operator (tests run each bound). The onnx installed may cap it lower.
MIN_OPSET, MAX_OPSET = 13, 28
_MIN_IR_VERSION = 8
#: Operators onnxruntime's CPU provider implements for float32 but not float64 (before the
#: opset given, or at all: None): a float64 model using them is refused rather than written
#: as a file onnxruntime cannot run.
NO_FLOAT64_IN_ONNXRUNTIME: dict[str, int | None] = {
    "Elu": None, "Erf": None, "Selu": None, "Softplus": None, "Conv": None, "AveragePool": None,
    "GlobalAveragePool": None, "LeakyRelu": 16, "ConvTranspose": None, "Resize": None,
}


def check_opset(opset: Any, newest: int = MAX_OPSET) -> int:
    """``opset`` if it is an int in [MIN_OPSET, min(MAX_OPSET, newest)], else a clear error.

    Parameters
    ----------
    newest : int
        The newest opset the installed onnx defines.
    """
    high = min(MAX_OPSET, newest)
    if isinstance(opset, bool) or not isinstance(opset, (int, np.integer)):
        raise TypeError(f"opset must be an int from {MIN_OPSET} to {high}, got "
                        f"{type(opset).__name__} {opset!r}")
    if not MIN_OPSET <= opset <= high:
        raise ValueError(f"opset must be from {MIN_OPSET} to {high} (the ONNX opsets this exporter writes "
                         f"and onnxruntime runs; default {DEFAULT_OPSET}), got {opset}")
    return int(opset)


# ---------------------------------------------------------------------------- layers
def _dense(g: Graph, layer: Any, x: str) -> str:
    z = g.op("MatMul", [x, g.const(layer.W.data, f"{layer.name}.W")], f"{layer.name}.xW")
    if layer.b is not None:
        z = g.op("Add", [z, g.const(layer.b.data, f"{layer.name}.b")], f"{layer.name}.z")
    if layer.activation in (None, "identity", "linear"):
        return z
    return activation(g, layer.activation, z, layer)


def _head(g: Graph, layer: Any, x: str) -> str:
    """A GaussianHead (QuantileHead): Dense's z; its first k columns kept, the others through softplus,
    plus the variance floor (times the matrix that sums the quantiles' increments); then the
    output transform to the targets' units, out * factor + shift, unless it is the identity."""
    factor, shift = layer.output_affine()
    identity = (factor == 1).all() and (shift == 0).all()
    name = layer.name if identity else f"{layer.name}.standardized"
    z, k = _dense(g, layer, x), layer.units
    if k == layer.n_units:
        out = z
    else:
        axes = g.const([1], "axes", np.int64)
        first = g.op("Slice", [z, g.const([0], "starts", np.int64), g.const([k], "ends", np.int64), axes])
        rest = g.op("Softplus", [g.op("Slice", [z, g.const([k], "starts", np.int64),
                                                g.const([layer.n_units], "ends", np.int64), axes])])
        if hasattr(layer, "min_variance"):
            out = g.op("Concat", [first, g.op("Add", [rest, g.const(layer.min_variance, "min_variance")])],
                       name, axis=1)
        else:
            steps = g.op("Concat", [first, rest], axis=1)
            out = g.op("MatMul", [steps, g.const(layer.cumulative(g.dtype), "cumulative")], name)
    if identity:
        return out
    scaled = g.op("Mul", [out, g.const(factor, f"{layer.name}.target_factor")])
    return g.op("Add", [scaled, g.const(shift, f"{layer.name}.target_shift")], layer.name)


def _reshape(g: Graph, layer: Any, x: str) -> str:
    shape = layer.compute_output_shape(layer.input_shape)
    return g.op("Reshape", [x, g.const([-1, *shape], f"{layer.name}.shape", np.int64)], layer.name)


def _batch_norm(g: Graph, layer: Any, x: str) -> str:
    values = {"gamma": layer.gamma.data, "beta": layer.beta.data, "mean": layer.running_mean,
              "var": layer.running_var}
    inputs = [x, *(g.const(v, f"{layer.name}.{k}") for k, v in values.items())]
    return g.op("BatchNormalization", inputs, layer.name, epsilon=layer.epsilon)


def _conv(g: Graph, layer: Any, x: str) -> str:
    """Conv over (N, C, H, W) or (N, C, L); pads as [begin..., end...] per spatial axis."""
    from glassnet.ops._window import conv_geometry

    pairs = layer._pairs()
    shape = to_channels_first(layer.input_shape, layer.layout)
    spatial = shape[1:] if layer.rank == 2 else (1, *shape[1:])
    kernel = layer.kernel_size if layer.rank == 2 else (1, *layer.kernel_size)
    geo = conv_geometry(spatial, kernel, pairs["stride"], pairs["padding"], pairs["dilation"], layer.name)
    axes = slice(2 - layer.rank, 2)
    pads = geo.pads[axes]
    inputs = [x, g.const(layer.W.data, f"{layer.name}.W")]
    if layer.b is not None:
        inputs.append(g.const(layer.b.data, f"{layer.name}.b"))
    z = g.op("Conv", inputs, f"{layer.name}.z", kernel_shape=list(geo.kernel[axes]),
             strides=list(geo.stride[axes]), dilations=list(geo.dilation[axes]),
             pads=[p[0] for p in pads] + [p[1] for p in pads])
    if layer.activation in (None, "identity", "linear"):
        return z
    return activation(g, layer.activation, z, layer)


def _pool(g: Graph, layer: Any, x: str) -> str:
    """MaxPool / AveragePool (padded zeros counted in the mean, as glassnet and PyTorch)."""
    extra = {} if "Max" in type(layer).__name__ else {"count_include_pad": 1}
    return g.op("MaxPool" if "Max" in type(layer).__name__ else "AveragePool", [x], layer.name,
                kernel_shape=list(layer.pool_size), strides=list(layer.stride),
                pads=list(layer.padding) * 2, **extra)


def _flatten(g: Graph, layer: Any, x: str) -> str:
    """Flatten; Keras's ``data_format="channels_first"`` moves the channels last first."""
    if layer.data_format == CHANNELS_FIRST and len(layer.input_shape) > 1:
        x = g.op("Transpose", [x], f"{layer.name}.channels_last",
                 perm=[0, *range(2, len(layer.input_shape) + 1), 1])
    return g.op("Flatten", [x], layer.name, axis=1)


def _sequential_channels_last(g: Graph, model: Sequential, x: str, emitters: dict[type, Any]) -> str:
    """A channels-last stack as the model runs it: transposed to channels first where the data
    enters the convolution and pooling layers, back where it leaves them
    (:func:`glassnet.layers.layout.forward_channels_last`)."""
    holding = False
    shape = model.layers[0].input_shape
    for layer in model.layers:
        out = layer.compute_output_shape(shape)
        if runs_channels_first(layer, holding):
            if not holding and len(shape) > 1:
                x = g.op("Transpose", [x], perm=[0, len(shape), *range(1, len(shape))])
            x = _emit_layer(g, layer, x, emitters)
            holding = len(out) > 1
        else:
            if holding:
                x, holding = g.op("Transpose", [x], perm=[0, *range(2, len(shape) + 1), 1]), False
            x = _emit_layer(g, layer, x, emitters)
        shape = out
    if holding:
        x = g.op("Transpose", [x], perm=[0, *range(2, len(shape) + 1), 1])
    return x


def _layer_emitters() -> dict[type, Callable[[Graph, Any, str], str]]:
    from glassnet.io import onnx_autoencoder as auto
    from glassnet.io import onnx_recurrent as rec
    from glassnet.layers import conv, core, heads, norm, pool, recurrent, reshaping, sequences, upsampling

    def masked(emit: Callable[..., Any]) -> Callable[[Graph, Any, str], Any]:
        return lambda g, layer, x: emit(g, layer, x, None, g.masks.get(x))

    return {
        recurrent.SimpleRNN: masked(rec.emit_recurrent),
        recurrent.LSTM: masked(rec.emit_recurrent),
        recurrent.GRU: masked(rec.emit_recurrent),
        sequences.Bidirectional: masked(rec.emit_bidirectional),
        sequences.Masking: rec.emit_masking,
        core.Dense: _dense,
        heads.GaussianHead: _head,
        heads.QuantileHead: _head,
        core.Activation: lambda g, layer, x: activation(g, layer.activation, x, layer),
        core.Dropout: lambda g, layer, x: g.op("Identity", [x], layer.name),
        reshaping.Flatten: _flatten,
        reshaping.Reshape: _reshape,
        norm.BatchNormalization: _batch_norm,
        conv.Conv2D: _conv,
        conv.Conv1D: _conv,
        upsampling.Conv2DTranspose: auto.emit_conv_transpose,
        upsampling.UpSampling2D: auto.emit_upsampling,
        pool.MaxPool2D: _pool,
        pool.AvgPool2D: _pool,
        pool.MaxPool1D: _pool,
        pool.GlobalAvgPool2D: lambda g, layer, x: g.op("Flatten", [g.op("GlobalAveragePool", [x])],
                                                        layer.name, axis=1),
    }


def _emit_layer(g: Graph, layer: Any, x: str, emitters: dict[type, Any]) -> str:
    emit = emitters.get(type(layer))
    if emit is None:
        names = sorted(cls.__name__ for cls in emitters)
        raise ValueError(f"layer {layer.name!r} ({type(layer).__name__}) cannot be exported to ONNX; "
                         f"exportable layers: {', '.join(names)}")
    return emit(g, layer, x)


# ---------------------------------------------------------------------------- graphs
_BINARY = {id(operator.add): "Add", id(operator.sub): "Sub", id(operator.mul): "Mul",
           id(operator.truediv): "Div"}


def _value(g: Graph, arg: Any, names: dict[int, str]) -> str:
    if id(arg) in names:
        return names[id(arg)]
    if isinstance(arg, (int, float)) and not isinstance(arg, bool):
        return g.const(arg, "constant")
    raise ValueError(f"a graph argument of type {type(arg).__name__} cannot be exported to ONNX")


def _emit_node(g: Graph, node: Any, names: dict[int, str], emitters: dict[type, Any]) -> str:
    from glassnet.io import onnx_autoencoder, onnx_recurrent
    from glassnet.layers.module import Layer
    from glassnet.layers.sampling import Sampling

    op = node.op
    picked = onnx_recurrent.pick(node, names)  # one of the outputs of a layer with return_state
    if picked is not None:
        return picked
    if isinstance(op, Sampling):
        return onnx_autoencoder.emit_sampling(g, op, node, names)
    if isinstance(op, Layer) and getattr(op, "call_inputs", 1) > 1:
        return onnx_recurrent.emit_call(g, op, node, names)
    rank = len(getattr(node.inputs[0], "shape", ())) if node.inputs else 0
    if isinstance(op, Layer) and getattr(op, "layout", None) == CHANNELS_LAST and rank > 1:
        x = g.op("Transpose", [_value(g, node.inputs[0], names)], perm=[0, rank, *range(1, rank)])
        y = _emit_layer(g, op, x, emitters)
        return y if len(node.shape) < 2 else g.op("Transpose", [y], perm=[0, *range(2, rank + 1), 1])
    if isinstance(op, Layer):
        return _emit_layer(g, op, _value(g, node.inputs[0], names), emitters)
    if id(op) in _BINARY:
        return g.op(_BINARY[id(op)], [_value(g, a, names) for a in node.inputs])
    if op is operator.neg:
        return g.op("Neg", [_value(g, node.inputs[0], names)])
    axis = int(node.options.get("axis", 0))
    parts = [_value(g, a, names) for a in node.inputs[0]] if op in (functional.concatenate,
                                                                     functional.stack) else []
    if op is functional.concatenate:
        return g.op("Concat", parts, axis=axis)
    if op is functional.stack:
        axes = g.const([axis], "axes", np.int64)
        return g.op("Concat", [g.op("Unsqueeze", [p, axes]) for p in parts], axis=axis)
    name = getattr(op, "__name__", type(op).__name__)
    raise ValueError(f"the graph operation {name!r} cannot be exported to ONNX; exportable: layers, "
                     "+, -, *, /, negation, gn.concatenate, gn.stack")


Shapes = list[tuple[str, tuple[int, ...]]]


def _check_float64_ops(g: Graph, dtype: np.dtype, opset: int) -> None:
    used = {node.op_type for node in g.nodes} & set(NO_FLOAT64_IN_ONNXRUNTIME)
    missing = sorted(op for op in used if NO_FLOAT64_IN_ONNXRUNTIME[op] is None or
                     opset < NO_FLOAT64_IN_ONNXRUNTIME[op])
    if dtype == np.float64 and missing:
        raise ValueError(
            f"this float64 model uses {', '.join(missing)}, which onnxruntime runs in float32 only (at opset "
            f"{opset}): the file would not run there. Export a float32 copy: build the same model with "
            "dtype=np.float32, then copy.load_state_dict(model.state_dict())"
        )


def _trace(g: Graph, model: Model) -> tuple[Shapes, Shapes]:
    """Emit the model's nodes; return the (name, per-sample shape) of its inputs and outputs."""
    emitters = _layer_emitters()
    if isinstance(model, Sequential):
        x = "input"
        if model._layout == CHANNELS_LAST:
            x = _sequential_channels_last(g, model, x, emitters)
        else:
            for layer in model.layers:
                x = _emit_layer(g, layer, x, emitters)
        return [("input", model.layers[0].input_shape)], [(x, model._layer_output_shape(model.layers[-1]))]
    names: dict[int, str] = {}
    inputs = []
    for i, sym in enumerate(model._inputs):
        names[id(sym)] = f"input_{i}" if len(model._inputs) > 1 else "input"
        inputs.append((names[id(sym)], sym.shape))
    for node in model._nodes:
        if node.op is not None:
            names[id(node)] = _emit_node(g, node, names, emitters)
    return inputs, [(names[id(o)], o.shape) for o in model._outputs]


def export(model: Model, path: str | os.PathLike, opset: int = DEFAULT_OPSET) -> Path:
    """Write a built model as an ONNX file that onnxruntime can run.

    The graph's outputs are those of ``model.predict`` (probabilities for a softmax
    output), checked by ``onnx.checker`` before the file is written (atomically).

    Parameters
    ----------
    model : Sequential or functional Model, built
    path : str or os.PathLike
        Conventionally ending in ``.onnx``.
    opset : int, default 17
        From :data:`MIN_OPSET` (13) to :data:`MAX_OPSET` (28, or the newest the installed
        onnx defines, if older).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    ValueError
        For a layer, activation or graph operation without an ONNX form here (named), or
        an opset outside the supported range.
    TypeError
        For an opset that is not an int, or a path that is not a str or os.PathLike.
    OSError
        For a path that is a folder or cannot be written (nothing is written).
    ImportError
        When onnx is not installed (``pip install "glassnet[onnx]"``).

    Examples
    --------
    >>> import os, tempfile
    >>> import onnxruntime
    >>> model = gn.Sequential([gn.layers.Dense(3, activation="softmax", input_dim=2)], seed=0)
    >>> X = np.array([[0.5, -1.0]], dtype=np.float32)
    >>> model.compile(loss="sparse_categorical_crossentropy")
    >>> _ = model.fit(X, [2], epochs=1, verbose=0)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = gn.io.export_onnx(model, os.path.join(folder, "model.onnx"))
    ...     session = onnxruntime.InferenceSession(os.path.join(folder, "model.onnx"))
    ...     probabilities = session.run(None, {"input": X})[0]
    ...
    >>> np.allclose(probabilities, model.predict(X), atol=1e-6)
    True
    """
    try:
        import onnx
        from onnx import helper, numpy_helper
    except ImportError:
        raise ImportError('ONNX export needs the onnx package: pip install "glassnet[onnx]"') from None
    from glassnet import __version__
    from glassnet._files import check_writable, write_atomic

    check_model(model)
    if not model.built:
        raise ValueError("export needs a built glassnet Model: fit it, or call model.build(input_shape), "
                         "first")
    opset = check_opset(opset, onnx.defs.onnx_opset_version())
    target = check_writable(path, "ONNX file")
    params = model.parameters()
    dtype = params[0].dtype if params else np.dtype(model.dtype)
    g = Graph(helper, numpy_helper, dtype)
    inputs, outputs = _trace(g, model)
    _check_float64_ops(g, dtype, opset)
    elem = helper.np_dtype_to_tensor_dtype(dtype)
    graph_outputs = []
    for i, (value, shape) in enumerate(outputs):
        out_name = "output" if len(outputs) == 1 else f"output_{i}"
        g.nodes.append(helper.make_node("Identity", [value], [out_name], name=out_name))
        graph_outputs.append(helper.make_tensor_value_info(out_name, elem, ["N", *shape]))
    graph = helper.make_graph(
        g.nodes, model.name,
        [helper.make_tensor_value_info(name, elem, ["N", *shape]) for name, shape in inputs],
        graph_outputs, initializer=g.initializers,
    )
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="glassnet",
                              producer_version=__version__)
    proto.ir_version = max(_MIN_IR_VERSION, helper.find_min_ir_version_for(list(proto.opset_import)))
    onnx.checker.check_model(proto)
    write_atomic(target, proto.SerializeToString())
    return target
