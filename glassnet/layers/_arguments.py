"""Keras's ``input_shape`` argument of the layers, checked in one place.

Keras lets the first layer of a Sequential model say the per-sample input shape
(``Flatten(input_shape=(28, 28))``); the layer keeps it as ``declared_input_shape``, which
the model reads to create its weights at once, and its config holds it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["check_input_shape", "dense_input_dim", "declare_input", "input_config"]


def dense_input_dim(input_dim: Any, input_shape: Any) -> Any:
    """Dense's number of inputs from ``input_dim`` or Keras's ``input_shape=(n,)``."""
    if input_shape is None:
        return input_dim
    shape = check_input_shape("Dense", input_shape)
    if len(shape) != 1:
        raise ValueError(
            f"Dense: input_shape={input_shape!r} has {len(shape)} axes, but Dense takes samples of shape "
            f"(features,). Flatten them first: Flatten(input_shape={input_shape!r}), then Dense")
    if input_dim is not None and input_dim != shape[0]:
        raise ValueError(f"Dense: input_dim={input_dim!r} and input_shape={input_shape!r} disagree; give one")
    return shape[0]


def check_input_shape(layer: str, input_shape: Any) -> tuple[int, ...]:
    """Keras's ``input_shape`` argument: a tuple of positive sizes, without the batch axis."""
    items = (input_shape,) if isinstance(input_shape, (int, np.integer)) else input_shape
    if not isinstance(items, (tuple, list)) or not items or not all(
            isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 1 for n in items):
        raise ValueError(f"{layer}: input_shape must be a tuple of positive sizes per sample, without the "
                         f"batch axis (e.g. (784,)), got {input_shape!r}")
    return tuple(int(n) for n in items)


def declare_input(layer: Any, input_shape: Any) -> None:
    """Keep ``input_shape`` (checked) as the layer's ``declared_input_shape``; None keeps none."""
    if input_shape is not None:
        layer.declared_input_shape = check_input_shape(type(layer).__name__, input_shape)


def input_config(layer: Any) -> dict[str, Any]:
    """``{"input_shape": [...]}`` for a layer that declares one, else nothing: for ``get_config``."""
    shape = layer.declared_input_shape
    return {} if shape is None else {"input_shape": list(shape)}
