"""ONNX's RNN, LSTM and GRU operators for SimpleRNN, LSTM, GRU, Bidirectional and Masking.

ONNX lays the gates out in its own order (LSTM i, o, f, c; GRU z, r, h) and its weights as
(directions, gates x H, inputs); glassnet's W (F, G H) and U (H, G H) are reordered and
transposed, and b, b_U become ONNX's B = [Wb, Rb]. The GRU is written with
``linear_before_reset=1``, PyTorch's reset gate. The sequences go in time-major, as ONNX's
default layout (every opset from 13). A Masking layer becomes the sequence lengths the next
recurrent layer reads (``sequence_lens``): exact for padding at the end of each sequence,
the usual case; a mask with holes in the middle has no ONNX form here.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

__all__ = ["emit_masking", "emit_recurrent", "emit_call", "pick"]

#: glassnet's gate blocks (PyTorch's order) in ONNX's order.
_ORDER = {"SimpleRNN": [0], "LSTM": [0, 3, 1, 2], "GRU": [1, 0, 2]}
_OPERATOR = {"SimpleRNN": "RNN", "LSTM": "LSTM", "GRU": "GRU"}
_ACTIVATIONS = {"tanh": "Tanh", "sigmoid": "Sigmoid", "relu": "Relu"}


def _reorder(a: np.ndarray, kind: str) -> np.ndarray:
    """The gate blocks along the last axis of W, U or a bias, in ONNX's order."""
    blocks = np.split(a, len(_ORDER[kind]), axis=-1)
    return np.concatenate([blocks[k] for k in _ORDER[kind]], axis=-1)


def _activations(layer: Any) -> list[str]:
    kind, act, rec = type(layer).__name__, layer.activation, layer.recurrent_activation
    for name in (act, rec):
        if name is not None and name not in _ACTIVATIONS:
            raise ValueError(f"layer {layer.name!r} uses the activation {name!r} inside its cell, which has "
                             f"no ONNX form here; exportable: {', '.join(_ACTIVATIONS)}")
    if kind == "SimpleRNN":
        return [_ACTIVATIONS[act]]
    if kind == "GRU":
        return [_ACTIVATIONS[rec], _ACTIVATIONS[act]]
    return [_ACTIVATIONS[rec], _ACTIVATIONS[act], _ACTIVATIONS[act]]


def _weights(g: Any, layers: list[Any]) -> list[str]:
    """ONNX's W, R and B for one or two directions."""
    kind = type(layers[0]).__name__
    W = np.stack([_reorder(layer.W.data, kind).T for layer in layers])
    R = np.stack([_reorder(layer.U.data, kind).T for layer in layers])
    width = W.shape[1]
    B = np.stack([np.concatenate([_reorder(layer.b.data, kind), _reorder(layer.b_U.data, kind)])
                  if layer.use_bias else np.zeros(2 * width, g.dtype) for layer in layers])
    name = layers[0].name
    return [g.const(W, f"{name}.W"), g.const(R, f"{name}.R"), g.const(B, f"{name}.B")]


def _node(g: Any, layers: list[Any], x: str, direction: str, states: list[str] | None,
          lengths: str | None) -> tuple[str, list[str]]:
    """One ONNX RNN/LSTM/GRU node on x (N, T, F): Y (T, D, N, H) and the final states (D, N, H)."""
    layer = layers[0]
    kind = type(layer).__name__
    if g.dtype == np.float64:
        raise ValueError(
            f"layer {layer.name!r} ({kind}) becomes ONNX's {_OPERATOR[kind]} operator, which onnxruntime "
            "runs in float32 only: the file would not run there. Export a float32 copy: build the same model "
            "with dtype=np.float32, then copy.load_state_dict(model.state_dict())")
    x_tm = g.op("Transpose", [x], perm=[1, 0, 2])
    inputs = [x_tm, *_weights(g, layers), lengths or "", *(states or [])]
    while inputs[-1] == "":
        inputs.pop()
    outputs = [g.fresh(f"{layer.name}.{part}") for part in ("Y", "Y_h", "Y_c")[:2 + (kind == "LSTM")]]
    extra = {"linear_before_reset": 1} if kind == "GRU" else {}
    g.nodes.append(g.helper.make_node(_OPERATOR[kind], inputs, outputs, name=outputs[0], direction=direction,
                                      hidden_size=layer.units, activations=_activations(layer) * len(layers),
                                      **extra))
    return outputs[0], outputs[1:]


def _direction(g: Any, y: str, finals: list[str], d: int) -> tuple[str, list[str]]:
    """Direction d's outputs (N, T, H) at their positions and its final states (N, H)."""
    index = g.const(d, "direction", np.int64)
    seq = g.op("Transpose", [g.op("Gather", [y, index], axis=1)], perm=[1, 0, 2])
    return seq, [g.op("Gather", [f, index], axis=0) for f in finals]


def _initial(g: Any, states: Any, n_states: int, directions: int) -> list[str] | None:
    """initial_h (and initial_c) (D, N, H) from the states' value names, forward's first."""
    if states is None:
        return None
    axes = g.const([0], "axes", np.int64)
    per = [states[d * n_states:(d + 1) * n_states] for d in range(directions)]
    return [g.op("Concat", [g.op("Unsqueeze", [per[d][k], axes]) for d in range(directions)], axis=0)
            for k in range(n_states)]


def _lengths(g: Any, mask: str | None) -> str | None:
    """sequence_lens (N,) int32 from a mask (N, T, 1) of 0/1."""
    if mask is None:
        return None
    total = g.op("ReduceSum", [mask, g.const([1, 2], "axes", np.int64)], keepdims=0)
    return g.op("Cast", [total], to=g.helper.np_dtype_to_tensor_dtype(np.dtype(np.int32)))


def emit_recurrent(g: Any, layer: Any, x: str, states: Any = None, mask: str | None = None) -> Any:
    """A SimpleRNN, LSTM or GRU: its output (or [output, *states]), as ``predict`` gives them."""
    direction = "reverse" if layer.go_backwards else "forward"
    y, finals = _node(g, [layer], x, direction, _initial(g, states, layer.n_states, 1), _lengths(g, mask))
    seq, finals = _direction(g, y, finals, 0)
    if not layer.return_sequences:
        out = finals[0]
    elif layer.go_backwards:
        big = np.iinfo(np.int64).max
        out = g.op("Slice", [seq, g.const([-1], "starts", np.int64), g.const([-big], "ends", np.int64),
                             g.const([1], "axes", np.int64), g.const([-1], "steps", np.int64)])
    else:
        out = seq
        g.masks[out] = mask
    return [out, *finals] if layer.return_state else out


def emit_bidirectional(g: Any, layer: Any, x: str, states: Any = None, mask: str | None = None) -> Any:
    inner = layer.forward_layer
    y, finals = _node(g, [inner, layer.backward_layer], x, "bidirectional",
                      _initial(g, states, inner.n_states, 2), _lengths(g, mask))
    (seq_f, fin_f), (seq_b, fin_b) = _direction(g, y, finals, 0), _direction(g, y, finals, 1)
    ys = [seq_f, seq_b] if inner.return_sequences else [fin_f[0], fin_b[0]]
    merged: Any
    if layer.merge_mode == "concat":
        merged = g.op("Concat", ys, axis=-1)
    elif layer.merge_mode in ("sum", "ave"):
        merged = g.op("Add", ys)
        if layer.merge_mode == "ave":
            merged = g.op("Mul", [merged, g.const(0.5, "half")])
    elif layer.merge_mode == "mul":
        merged = g.op("Mul", ys)
    else:
        merged = ys
    if inner.return_sequences and isinstance(merged, str):
        g.masks[merged] = mask
    outs = merged if isinstance(merged, list) else [merged]
    return [*outs, *fin_f, *fin_b] if inner.return_state else merged


def emit_masking(g: Any, layer: Any, x: str) -> str:
    """x times m, m_t = 1 where some feature differs from mask_value; m kept for the next layer."""
    differs = g.op("Cast", [g.op("Not", [g.op("Equal", [x, g.const(layer.mask_value, "mask_value")])])],
                   to=g.helper.np_dtype_to_tensor_dtype(g.dtype))
    count = g.op("ReduceSum", [differs, g.const([-1], "axes", np.int64)], keepdims=1)
    m = g.op("Cast", [g.op("Greater", [count, g.const(0.0, "zero")])],
             to=g.helper.np_dtype_to_tensor_dtype(g.dtype))
    out = g.op("Mul", [x, m], layer.name)
    g.masks[out] = m
    return out


def emit_call(g: Any, layer: Any, node: Any, names: dict[int, Any]) -> Any:
    """A recurrent layer's node of a functional graph, with its initial states and mask inputs."""
    x = names[id(node.inputs[0])]
    states = node.inputs[1] if len(node.inputs) > 1 else None
    if states is not None:
        states = [names[id(s)] for s in (states if isinstance(states, (list, tuple)) else [states])]
    mask = node.inputs[2] if len(node.inputs) > 2 else None
    if mask is not None:
        mask = g.op("Unsqueeze", [names[id(mask)], g.const([2], "axes", np.int64)])
    else:
        mask = g.masks.get(x)
    emit = emit_bidirectional if type(layer).__name__ == "Bidirectional" else emit_recurrent
    return emit(g, layer, x, states, mask)


def pick(node: Any, names: dict[int, Any]) -> str | None:
    """One output of a layer that returned several (``return_state``), or None for another node."""
    if node.op is operator.getitem and isinstance(names.get(id(node.inputs[0])), list):
        return names[id(node.inputs[0])][node.inputs[1]]
    return None
