"""Layers that only rearrange each sample's values: Flatten and Reshape."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.layers._arguments import declare_input, input_config
from glassnet.layers.layout import CHANNELS_FIRST, channels_last, check_data_format
from glassnet.layers.module import Layer
from glassnet.ops.shape import Reshape as _ReshapeOp
from glassnet.tensor import Tensor

__all__ = ["Flatten", "Reshape"]


class Flatten(Layer):
    """Flattens each sample to one axis: (N, d1, d2, ...) -> (N, d1 d2 ...), in the order
    the model holds the data: (C, H, W) in a channels-first model, as PyTorch; (H, W, C)
    in a channels-last model, as Keras (see :mod:`glassnet.layers.layout`).

    Parameters
    ----------
    name : str, optional
    input_shape : tuple of int, optional
        Keras's per-sample input shape, ``Flatten(input_shape=(28, 28))``; first in a
        Sequential model, the model creates its weights at once (Dropout, Activation,
        Reshape and BatchNormalization take it too).
    data_format : "channels_first", "channels_last" or None, default None
        Keras's option: the layout of the input. Flatten then orders the features
        (H, W, C), as Keras does in both layouts: "channels_first" moves the channels last
        before flattening (to keep the order of weights made for a channels-last model).
        None flattens the data as the model holds it. A model's layers must agree on the
        layout (:func:`glassnet.layers.layout.resolve`).

    Examples
    --------
    >>> Flatten()(np.zeros((2, 3, 4, 4))).shape
    (2, 48)
    """

    static_graph = True

    def __init__(self, name: str | None = None, *, input_shape: tuple[int, ...] | None = None,
                 data_format: str | None = None) -> None:
        super().__init__(name or "flatten")
        declare_input(self, input_shape)
        self.data_format = check_data_format(data_format, "Flatten")
        self._channels_to_last = self.data_format == CHANNELS_FIRST

    def call(self, x: Tensor) -> Tensor:
        if self._channels_to_last and x.ndim > 2:
            x = channels_last(x)
        return _ReshapeOp.apply(x, shape=(x.shape[0], -1))

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return (int(np.prod(input_shape)),)

    def get_config(self) -> dict[str, Any]:
        return {"data_format": self.data_format, "name": self.name, **input_config(self)}


class Reshape(Layer):
    """Reshapes each sample to ``target_shape`` (the batch axis is kept).

    Parameters
    ----------
    target_shape : tuple of int
        The per-sample shape; one entry may be -1.
    name : str, optional
        The layer's name.
    input_shape : tuple of int, optional
        Keras's per-sample input shape of a first layer.

    Examples
    --------
    >>> gn.layers.Reshape((2, 3))(np.zeros((4, 6))).shape
    (4, 2, 3)
    >>> gn.layers.Reshape((-1,))(np.zeros((4, 2, 3))).shape
    (4, 6)
    """

    static_graph = True

    def __init__(self, target_shape: tuple[int, ...], name: str | None = None, *,
                 input_shape: tuple[int, ...] | None = None) -> None:
        super().__init__(name or "reshape")
        declare_input(self, input_shape)
        items = (target_shape,) if isinstance(target_shape, (int, np.integer)) else target_shape
        try:
            items = tuple(items)
        except TypeError:
            items = ("?",)
        if (not items or not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in items)
                or any(n < 1 and n != -1 for n in items) or items.count(-1) > 1):
            raise ValueError(
                f"Reshape: target_shape must be a tuple of positive ints, one of which may be -1 "
                f"(the per-sample shape, without the batch axis), got {target_shape!r}"
            )
        self.target_shape = tuple(int(n) for n in items)

    def build(self, input_shape: tuple[int, ...], rng: np.random.Generator) -> None:
        known = [n for n in self.target_shape if n != -1]
        size = int(np.prod(input_shape))
        if (-1 not in self.target_shape and int(np.prod(known)) != size) or (
                known and size % int(np.prod(known))):
            raise ValueError(
                f"Reshape layer {self.name!r}: cannot reshape samples of shape {input_shape} "
                f"({size} values) into {self.target_shape}"
            )

    def call(self, x: Tensor) -> Tensor:
        return _ReshapeOp.apply(x, shape=(x.shape[0], *self.target_shape))

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(np.empty((1, *input_shape)).reshape(1, *self.target_shape).shape[1:])

    def get_config(self) -> dict[str, Any]:
        return {"target_shape": list(self.target_shape), "name": self.name, **input_config(self)}
