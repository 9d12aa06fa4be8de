"""Sequential: a stack of layers, each feeding the next."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from glassnet.layers import layout
from glassnet.layers.core import final_activation
from glassnet.layers.module import Layer, Module
from glassnet.models.base import Model, pre_activation
from glassnet.symbolic import Symbolic
from glassnet.tensor import Tensor

__all__ = ["Sequential"]


class Sequential(Model):
    """A stack of layers, each feeding the next.

    Parameters
    ----------
    layers : list of Layer
        Or the layers as arguments, PyTorch's ``Sequential(l1, l2, ...)``. The first entry
        may be ``gn.Input(shape=...)``, as in Keras: it gives the per-sample input shape and
        is not a layer.
    seed : int >= 0, optional
        Seeds weight initialization and dropout.
    dtype : float32 or float64, default float32
    name : str, optional
    data_format : "channels_first", "channels_last" or None, default None
        The layout of the images (or signals) the model takes and returns: (N, C, H, W),
        as PyTorch, or (N, H, W, C), as Keras. It applies to every convolution and pooling
        layer that does not say otherwise (a layer that does must agree); a layer's own
        ``data_format`` sets it too. Keras's global ``image_data_format`` has no
        equivalent: the layout belongs to the model. A channels-last model transposes its
        input once, computes channels first, and Flatten orders the features (H, W, C) as
        Keras does (:mod:`glassnet.layers.layout`); BatchNormalization normalizes each
        channel, as Keras's ``axis=-1``. None: channels first, and data that looks channels
        last, such as (N, 28, 28, 1), is refused
        (:func:`glassnet.layers.layout.check_input_layout`).

    The weights are created at once when the input shape is known (``gn.Input`` first, or
    a first layer given ``input_dim`` / ``input_shape``), so that ``model.parameters()`` is
    ready for a manual loop; otherwise from the first data.

    Examples
    --------
    >>> model = gn.Sequential([gn.layers.Dense(4, activation="tanh", input_dim=2),
    ...                        gn.layers.Dense(1, activation="sigmoid")], seed=0)
    >>> model.compile(optimizer="adam", loss="binary_cross_entropy", metrics=["accuracy"])
    >>> [tuple(p.shape) for p in model.parameters()]
    [(2, 4), (4,), (4, 1), (1,)]
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    >>> history = model.fit(X, np.array([0, 1, 1, 0]), epochs=3, verbose=0)
    >>> len(history.history["loss"]), model.predict(X).shape
    (3, (4, 1))
    """

    def __init__(self, layers: Sequence[Layer] | Layer | None = None, *more: Layer, seed: int | None = None,
                 dtype: Any = np.float32, name: str | None = None, data_format: str | None = None) -> None:
        super().__init__(seed=seed, dtype=dtype, name=name or "sequential")
        self.layers = []
        seen: set[int] = set()
        self._input_shape: tuple[int, ...] | None = None  # from a gn.Input first entry
        entries = _layer_list(layers, more)
        if entries and _is_input(entries[0]):
            self._input_shape = entries.pop(0).shape
        for layer in entries:
            self._check_new(layer, seen)
            seen.add(id(layer))
            self.layers.append(layer)
        self._name_layers()
        self.data_format = layout.check_data_format(data_format, "Sequential")
        self._layout = layout.resolve(self.layers, self.data_format, "Sequential")
        self.seed = seed
        self._seed_layers(seed)
        self._adopt_construction_weights()
        if self.layers and self._declared_input_shape() is not None:
            self.build()

    def __getitem__(self, index: int | slice) -> Any:
        """``model[i]``: the i-th layer; ``model[1:]``: a Sequential of those layers (the same
        layer objects), as in PyTorch."""
        if isinstance(index, slice):
            return Sequential(self.layers[index], dtype=self.dtype, data_format=self._layout)
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise TypeError(f"a Sequential model is indexed by position (model[0]) or a slice, got {index!r}")
        if not -len(self.layers) <= index < len(self.layers):
            raise IndexError(f"layer index {index} is out of range: the model has {len(self.layers)} layers")
        return self.layers[index]

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[Layer]:
        return iter(self.layers)

    def add(self, layer: Layer) -> None:
        """Append a layer to the stack (a first ``gn.Input(shape=...)`` gives the input shape)."""
        if _is_input(layer) and not self.layers and self._input_shape is None:
            self._input_shape = layer.shape
            return
        self._check_new(layer, {id(existing) for existing in self.layers})
        self._layout = layout.resolve([*self.layers, layer], self.data_format, "Sequential")
        self.layers = [*self.layers, layer]
        self._name_layers()
        self._adopt_construction_weights()

    def pop(self) -> Layer:
        """Remove the last layer and return it (Keras's ``pop``); the layers before it keep their weights."""
        if not self.layers:
            raise ValueError(f"pop: model {self.name!r} has no layers to remove")
        *self.layers, last = self.layers
        self._layout = layout.resolve(self.layers, self.data_format, "Sequential")
        return last

    def _declared_input_shape(self) -> tuple[int, ...] | None:
        """The per-sample input shape known before any data: a ``gn.Input`` first, or the
        first layer's ``input_dim`` / ``input_shape``."""
        if self._input_shape is not None:
            return self._input_shape
        return self.layers[0].declared_input_shape if self.layers else None

    @staticmethod
    def _check_new(layer: Any, present: set[int]) -> None:
        if _is_input(layer):
            raise ValueError("gn.Input(shape=...) can only be the first entry of a Sequential model; it "
                             "gives the input shape, and the layers follow it")
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential takes glassnet layers, got {type(layer).__name__}")
        if id(layer) in present:
            raise ValueError(f"layer {layer.name!r} is already in this Sequential model")
        if not getattr(layer, "single_output", True):
            raise ValueError(
                f"layer {layer.name!r} ({type(layer).__name__}) returns several tensors (return_state=True, "
                "or Bidirectional's merge_mode=None), but a Sequential model passes one tensor from layer to "
                "layer; use the functional API: x = gn.Input(shape); out, *states = layer(x)")

    def logits(self, x: Any) -> Tensor:
        if not isinstance(x, Tensor):
            x = Tensor(np.asarray(x, dtype=np.float32))
        if not self.layers:
            raise ValueError("this Sequential model has no layers; add some first")
        *body, last = self.layers
        if self._layout == layout.CHANNELS_LAST:
            splits = final_activation(last) is not None
            return layout.forward_channels_last(self.layers, x, splits, self._step)
        for i, layer in enumerate(body):
            x = self._call_checked(layer, x, i)
        if final_activation(last) is None:
            return self._call_checked(last, x, len(body))
        self._check_fit(last, x, len(body))
        return pre_activation(last, x)

    def _splits(self) -> list[bool]:
        return [bool(self.layers) and final_activation(self.layers[-1]) is not None]

    def _output_layer(self, i: int) -> Any:
        return self.layers[-1]

    def _build_layers(self, shapes: list[tuple[int, ...]], dtype: np.dtype) -> None:
        """Each layer's weights for the shape the previous layer's ``compute_output_shape``
        gives, without running the network (where images enter, their layout is checked:
        :func:`glassnet.layers.layout.check_input_layout`)."""
        (shape,) = shapes
        for layer in self.layers:
            if not layer.built:
                layout.check_input_layout(layer, shape)
            layer.ensure_built(shape, dtype)
            shape = tuple(layer.compute_output_shape(shape))

    def _step(self, layer: Layer, x: Tensor, i: int, logits: bool) -> Tensor:
        """Layer ``i`` on ``x``, checked; its pre-activation when ``logits`` and it has an activation."""
        if logits and final_activation(layer) is not None:
            self._check_fit(layer, x, i)
            return pre_activation(layer, x)
        return self._call_checked(layer, x, i)

    def _call_checked(self, layer: Layer, x: Tensor, i: int) -> Tensor:
        self._check_fit(layer, x, i)
        return layer(x)

    def _check_fit(self, layer: Layer, x: Tensor, i: int) -> None:
        """A clear error when a built layer receives a shape other than the one it was built for."""
        if layer.built and layer.input_shape is not None and tuple(x.shape[1:]) != layer.input_shape:
            previous = self.layers[i - 1] if i else None
            source = f"the output of layer {previous.name!r}" if previous else "the model input"
            hint = ""
            if previous is not None and type(previous).compute_output_shape is Layer.compute_output_shape:
                hint = (f". Layer {previous.name!r} changes the shape of its input: give its class a "
                        "compute_output_shape(input_shape) method that says how, so that the model builds "
                        "the next layers for it")
            raise ValueError(
                f"layer {layer.name!r} ({type(layer).__name__}) expects inputs of shape "
                f"(N, {', '.join(map(str, layer.input_shape))}) but {source} has shape "
                f"(N, {', '.join(map(str, x.shape[1:]))}){hint}{layout.channels_hint(layer, x.shape[1:])}"
            )

    @property
    def output_activations(self) -> list[str | None]:
        return [final_activation(self.layers[-1])] if self.layers else [None]

    def output_shapes(self) -> list[tuple[int, ...]]:
        """The per-sample shape of the output of the built model, from each layer's
        ``compute_output_shape``."""
        shape = self.layers[0].input_shape
        for layer in self.layers:
            shape = layer.compute_output_shape(shape)
        return [tuple(shape)]

    @property
    def n_inputs(self) -> int:
        return 1

    def _output_list(self) -> list[Any]:
        return [None]

    def _declared_width(self, node: Any) -> int | None:
        if not self.layers:
            return None
        shape = self._layer_output_shape(self.layers[-1])
        return shape[-1] if shape else getattr(self.layers[-1], "units", None)

    def _input_shapes(self, input_shape: Any) -> list[tuple[int, ...]]:
        if input_shape is None:
            first = self.layers[0] if self.layers else None
            if first is not None and first.input_shape is not None:
                return [first.input_shape]
            declared = self._declared_input_shape()
            if declared is None:
                raise ValueError(
                    "build() needs input_shape (per sample) unless the model starts with gn.Input(shape=...) "
                    "or its first layer has input_dim")
            return [declared]
        return [(input_shape,) if isinstance(input_shape, int) else tuple(input_shape)]

    def _layer_output_shape(self, layer: Layer) -> tuple[int, ...] | None:
        shape = self.layers[0].input_shape
        if shape is None:
            return None
        for current in self.layers:
            shape = current.compute_output_shape(shape)
            if current is layer:
                return tuple(shape)
        return None


def _layer_list(first: Any, more: tuple[Any, ...]) -> list[Any]:
    """The layers of ``Sequential([l1, l2])`` or of PyTorch's ``Sequential(l1, l2)``."""
    if isinstance(first, (Module, Symbolic)):
        return [first, *more]
    if more:
        raise TypeError(
            f"Sequential takes the layers as one list, Sequential([l1, l2]), or as arguments, "
            f"Sequential(l1, l2); got {type(first).__name__} then {type(more[0]).__name__}. seed, dtype "
            "and name are keyword arguments")
    if first is None:
        return []
    if isinstance(first, (str, bytes, dict)) or not hasattr(first, "__iter__"):
        raise TypeError(f"Sequential takes a list of glassnet layers (or layers as arguments), got "
                        f"{type(first).__name__}")
    return list(first)


def _is_input(entry: Any) -> bool:
    """Whether ``entry`` is a ``gn.Input(...)`` placeholder (not a computed symbolic tensor)."""
    return isinstance(entry, Symbolic) and entry.op is None
