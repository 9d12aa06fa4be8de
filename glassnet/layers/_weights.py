"""Weights as a list of arrays (Keras's ``get_weights`` / ``set_weights``) and the one
in-place copy of a value into a weight or buffer, which ``load_state_dict`` uses too."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from glassnet._checks import check_weight_array
from glassnet._saved import overwrite
from glassnet.tensor import Tensor

__all__ = ["load_into", "load_state", "weight_entries", "get_weights", "set_weights", "check_weight_list"]


def load_into(name: str, target: Any, value: Any) -> None:
    """Copy one state entry into its parameter (a Tensor, through :func:`overwrite`) or buffer
    array in place, after checking its shape, its type (floating-point) and its values (finite)."""
    value = check_weight_array(f"state entry {name!r}", value) if target.dtype.kind == "f" \
        else np.asarray(value)
    if np.shape(target) != value.shape:
        raise ValueError(
            f"state entry {name!r} has shape {value.shape}, but the model expects {np.shape(target)}"
        )
    if isinstance(target, Tensor):
        overwrite(target, value)
    else:
        np.copyto(target, value, casting="same_kind")


def weight_entries(module: Any) -> list[tuple[str, Any]]:
    """(name, weight) of a module's Parameters, then of its buffers (running statistics):
    Keras's order, trainable weights before the others."""
    return [*module.named_parameters(), *module.named_buffers()]


def get_weights(module: Any) -> list[np.ndarray]:
    """Copies of the module's weights as NumPy arrays, in :func:`weight_entries` order (an
    unbuilt layer has none yet)."""
    return [np.array(value.data if isinstance(value, Tensor) else value, copy=True)
            for _, value in weight_entries(module)]


def check_weight_list(label: str, entries: list[tuple[str, Any]], weights: Any,
                      start: int = 0) -> list[np.ndarray]:
    """``weights`` as arrays that fit ``entries`` one for one (same shapes, floating-point,
    finite), else a ValueError or TypeError naming ``label`` (the layer) and the weight."""
    arrays = []
    for i, ((name, target), value) in enumerate(zip(entries, weights)):
        what = f"set_weights: weight {start + i} ({name!r} of {label})"
        array = check_weight_array(what, value)
        if array.shape != np.shape(target):
            raise ValueError(f"{what} has shape {np.shape(target)}; got an array of shape {array.shape}")
        arrays.append(array)
    return arrays


def describe(label: str, entries: list[tuple[str, Any]]) -> str:
    """``label: W (4, 8), b (8,)``: the weights a layer expects, for messages."""
    shapes = ", ".join(f"{name} {tuple(np.shape(value))}" for name, value in entries)
    return f"{label}: {shapes or 'no weights'}"


def set_weights(module: Any, weights: Sequence[Any]) -> None:
    """Copy ``weights`` (one array per weight, in :meth:`get_weights` order) into the module,
    in place, after checking all of them: their number, each shape, floating-point, finite."""
    if isinstance(weights, (np.ndarray, Tensor)) or not isinstance(weights, Sequence):
        raise TypeError(f"set_weights takes a list of arrays (as get_weights returns), got "
                        f"{type(weights).__name__}")
    label = f"layer {module.name!r} ({type(module).__name__})"
    entries = weight_entries(module)
    if len(weights) != len(entries):
        unbuilt = "" if getattr(module, "built", True) else " (not built yet: call it on data first)"
        raise ValueError(f"set_weights: {label} holds {len(entries)} weight(s){unbuilt}; got {len(weights)} "
                         f"array(s). Expected {describe(label, entries)}")
    for (name, target), array in zip(entries, check_weight_list(label, entries, weights)):
        load_into(name, target, array)


def load_state(module: Any, state: dict[str, Any], strict: bool) -> None:
    """``module.load_state_dict(state, strict)``: each value copied into its parameter or
    buffer in place, the names checked first (with ``strict``) and each shape on copy."""
    params = dict(module.named_parameters())
    buffers = {name: owner for name, owner in module._buffer_owners()}
    expected = set(params) | set(buffers)
    missing, unexpected = expected - set(state), set(state) - expected
    if strict and (missing or unexpected):
        raise KeyError(
            f"state does not fit {type(module).__name__}: missing {sorted(missing)}, "
            f"unexpected {sorted(unexpected)}"
        )
    for name, value in state.items():
        if name in params:
            load_into(name, params[name], value)
        elif name in buffers:
            load_into(name, getattr(buffers[name], name.rsplit(".", 1)[-1]), value)
