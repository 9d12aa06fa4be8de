"""The recurrent layers' arguments and inputs, checked in one place: constructor values,
sequences (N, T, F), initial states, masks, and the habits of Keras and PyTorch."""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from glassnet import activations
from glassnet.layers.core import _config_of
from glassnet.ops.recurrent import CELL_ACTIVATIONS
from glassnet.tensor import Tensor

__all__ = ["refuse_others", "positive_int", "cell_activation", "initializer", "rate", "seed", "describe",
           "check_sequence_shape", "call_on", "flat", "initial_states", "check_state_shapes", "as_list",
           "mask_tensor", "attach_mask", "mask_of", "dropout_mask"]

_ALIASES = {None: "linear", "identity": "linear", "logistic": "sigmoid"}

#: Other libraries' arguments, with what glassnet says instead.
_HABITS = {
    "hidden_size": "units=", "input_size": "nothing: the features F are read from the first input",
    "num_layers": "one layer per glassnet layer: stack them, each but the last with return_sequences=True",
    "batch_first": "nothing: inputs are always (N, T, F), PyTorch's batch_first=True",
    "bidirectional": "gn.layers.Bidirectional(layer)", "nonlinearity": "activation=",
    "bias": "use_bias=", "time_major": "nothing: inputs are (N, T, F); transpose a (T, N, F) array first",
    "unroll": "nothing: the whole sequence is one fused node (unroll=False is accepted)",
    "reset_after": "nothing: GRU applies the reset gate after U as PyTorch (reset_after=True)",
    "implementation": "nothing (accepted only as 1 or 2, which compute the same)",
    "kernel_regularizer": "a penalty in a train_step of your own", "mask_zero": "gn.layers.Masking(0.0)",
}
_ACCEPTED = {"unroll": (False,), "reset_after": (True,), "implementation": (1, 2), "batch_first": (True,)}


def refuse_others(kind: str, others: dict[str, Any]) -> None:
    """Keras's and PyTorch's arguments that mean the same here pass; the others fail, naming
    glassnet's spelling."""
    for key, value in others.items():
        if key in _ACCEPTED and any(value is v or (type(value) is type(v) and value == v)
                                    for v in _ACCEPTED[key]):
            continue
        if key in _HABITS:
            raise TypeError(f"{kind}: {key}={value!r} is not supported; glassnet spells it {_HABITS[key]}")
        raise TypeError(f"{kind} got an unexpected keyword argument {key!r}")


def positive_int(kind: str, name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{kind}: {name} must be a positive integer, got {value!r}")
    return int(value)


def cell_activation(kind: str, name: str, value: Any) -> str:
    """The name of an activation the fused cell computes: tanh, sigmoid, relu or linear."""
    key = value if value is None or isinstance(value, str) else activations.name_of(value)
    key = _ALIASES.get(key, key)
    if key not in CELL_ACTIVATIONS:
        raise ValueError(f"{kind}: {name}={value!r} is not one the recurrent cell computes; use one of "
                         f"{', '.join(sorted(CELL_ACTIVATIONS))} (or None for linear)")
    return key


def initializer(value: Any) -> Any:
    """An initializer by name, config or object (checked now, resolved at build)."""
    from glassnet import initializers

    initializers.get(value)
    return value


def describe(value: Any) -> Any:
    return _config_of(value)


def rate(kind: str, name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not 0 <= value < 1:
        raise ValueError(f"{kind}: {name} must be a number in [0, 1), got {value!r}")
    return float(value)


def seed(kind: str, value: Any) -> int | None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, np.integer))
                              or value < 0):
        raise ValueError(f"{kind}: seed must be an integer >= 0 or None, got {value!r}")
    return None if value is None else int(value)


def check_sequence_shape(layer: Any, shape: tuple[int, ...]) -> None:
    """Refuse anything but a per-sample (T, F): the input must be (N, T, F)."""
    if len(shape) != 2:
        got = "(N, " + ", ".join(map(str, shape)) + ")"
        hint = (f"; for one feature per step, reshape to (N, {shape[0]}, 1); for one step of {shape[0]} "
                f"features, to (N, 1, {shape[0]})") if len(shape) == 1 else ""
        raise ValueError(f"{type(layer).__name__} layer {layer.name!r} expects sequences of shape (N, T, F) "
                         f"(samples, time steps, features), got {got}{hint}")
    if shape[0] < 1:
        raise ValueError(f"{type(layer).__name__} layer {layer.name!r} received sequences of 0 time steps")


def call_on(layer: Any, x: Any, initial_state: Any, mask: Any) -> Any:
    """``layer.call`` on ``x`` (an array becomes a Tensor of the layer's dtype, float32 by
    default), after checking its shape (N, T, F) and building the layer."""
    if not isinstance(x, Tensor):
        x = Tensor(np.asarray(x, dtype=layer.dtype or np.float32))
    check_sequence_shape(layer, x.shape[1:])
    layer.ensure_built(x.shape[1:], x.dtype)
    return layer.call(x, initial_state, mask)


def flat(*values: Any) -> list[Any]:
    """The values, with the items of lists and tuples in their place."""
    out: list[Any] = []
    for v in values:
        out.extend(v if isinstance(v, (list, tuple)) else [v])
    return out


def as_list(layer: Any, states: Any) -> list[Any]:
    """The states as a list: h_0 alone may be given bare; the LSTM needs [h_0, c_0]."""
    items = list(states) if isinstance(states, (list, tuple)) else [states]
    if len(items) != layer.n_states:
        names = "[h_0, c_0]" if layer.n_states == 2 else "h_0 (or [h_0])"
        raise ValueError(f"layer {layer.name!r} ({type(layer).__name__}) takes {layer.n_states} initial "
                         f"state(s), {names}, each (N, {layer.units}); got {len(items)}")
    return items


def check_state_shapes(layer: Any, shapes: list[tuple[int, ...]]) -> None:
    """Each state's per-sample shape must be (units,)."""
    for k, shape in enumerate(shapes):
        if tuple(shape) != (layer.units,):
            raise ValueError(f"layer {layer.name!r} ({type(layer).__name__}): initial state {k} must be "
                             f"(N, {layer.units}) (batch, units), got per-sample shape {tuple(shape)}")


def initial_states(layer: Any, given: Any, n: int, dtype: np.dtype) -> list[Tensor]:
    """h_0 (and c_0) as Tensors (N, H): given, carried by a stateful layer, or zeros."""
    if given is not None:
        states = [s if isinstance(s, Tensor) else Tensor(np.asarray(s, dtype=dtype))
                  for s in as_list(layer, given)]
    elif layer.stateful and layer.states:
        states = [Tensor._make(s, False, None) for s in layer.states]
    else:
        return [Tensor._make(np.zeros((n, layer.units), dtype), False, None) for _ in range(layer.n_states)]
    for s in states:
        if s.ndim != 2 or s.shape != (n, layer.units):
            source = "carried from the previous batch" if given is None else "given"
            fix = ("call reset_states() before a batch of another size" if given is None
                   else "give one row per sample")
            raise ValueError(f"layer {layer.name!r} ({type(layer).__name__}): a state {source} has shape "
                             f"{s.shape} but the batch needs ({n}, {layer.units}) (N, units); {fix}")
        if s.dtype != dtype:
            raise TypeError(f"layer {layer.name!r}: initial state of dtype {s.dtype} for inputs of {dtype}; "
                            "give both in one float type")
    return states


#: The mask a Masking layer (or a recurrent layer with return_sequences) attached to its output,
#: by the output's id, while the output lives (a Tensor's == is element-wise: no dict key).
_MASKS: dict[int, tuple[weakref.ref, Tensor]] = {}


def attach_mask(output: Tensor, mask: Tensor) -> None:
    """Remember that the steps of ``output`` where ``mask`` is False are padding."""
    key = id(output)
    _MASKS[key] = (weakref.ref(output, lambda _, key=key: _MASKS.pop(key, None)), mask)


def mask_of(x: Tensor) -> Tensor | None:
    """The mask attached to x, if any."""
    entry = _MASKS.get(id(x))
    return entry[1] if entry is not None and entry[0]() is x else None


def mask_tensor(layer: Any, mask: Any, x: Tensor) -> Tensor | None:
    """The mask (N, T) of a call: given, attached to x by a Masking layer, or None."""
    if mask is None:
        return mask_of(x)
    if not isinstance(mask, Tensor):
        mask = Tensor._make(np.asarray(mask), False, None)
    if mask.shape != x.shape[:2]:
        raise ValueError(f"layer {layer.name!r} ({type(layer).__name__}): mask must be (N, T) = "
                         f"{x.shape[:2]} "
                         f"(True for a real step, False for padding), got shape {mask.shape}")
    return mask


def dropout_mask(rng: np.random.Generator, shape: tuple[int, ...], p: float, dtype: np.dtype) -> np.ndarray:
    """Inverted dropout's m / (1 - p), m ~ Bernoulli(1 - p)."""
    keep = 1.0 - p
    return ((rng.random(shape) < keep) / keep).astype(dtype)
