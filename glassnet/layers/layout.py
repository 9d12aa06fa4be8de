"""Image layouts: channels first (N, C, H, W), as PyTorch, or channels last (N, H, W, C), as Keras.

The convolution and pooling layers compute on channels-first arrays. A layer or a model
given ``data_format="channels_last"`` takes and returns channels-last arrays (signals
(N, L, C) instead of (N, C, L)) and reads the shapes it is given that way:

- a layer called on its own transposes its input to channels first and its output back;
- a model transposes its input once, runs its convolution, pooling and batch
  normalization layers, and the dropout and element-wise activation layers between them,
  on the channels-first transpose, and transposes back only where a layer needs the data
  as the user holds it (Flatten, Dense, Reshape, ...) or at the output. So the
  computation is that of the channels-first model on the transposed data, and Flatten
  orders the features (H, W, C) as Keras does.

One model holds its images in one layout: ``data_format`` on the model, or on any of its
layers, sets it for the layers that do not say; layers that say otherwise are refused.

A wrong layout is refused where the data enters (:func:`check_input_layout`).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from glassnet.ops.shape import Transpose
from glassnet.symbolic import Symbolic
from glassnet.tensor import Tensor

__all__ = ["CHANNELS_FIRST", "CHANNELS_LAST", "check_data_format", "init_layout", "to_channels_first",
           "from_channels_first", "channels_first", "channels_last", "describe", "resolve",
           "check_input_layout", "channels_hint", "runs_channels_first", "forward_channels_last",
           "forward_layer", "pre_activation", "walk_channels_last"]

CHANNELS_FIRST = "channels_first"
CHANNELS_LAST = "channels_last"
#: Channel counts of raw images (grey, RGB, RGBA): a last axis of this size with much larger
#: other axes is how channels-last data looks.
_IMAGE_CHANNELS = (1, 3, 4)


def check_data_format(value: Any, owner: str) -> str | None:
    """``value`` checked: "channels_first", "channels_last" (any case) or None."""
    if value is None:
        return None
    if isinstance(value, str) and value.lower() in (CHANNELS_FIRST, CHANNELS_LAST):
        return value.lower()
    raise ValueError(
        f"{owner}: data_format must be 'channels_last' (images (N, H, W, C), as Keras), "
        f"'channels_first' (images (N, C, H, W), as PyTorch) or None (the model's layout, else "
        f"channels_first); got {value!r}"
    )


def init_layout(layer: Any, data_format: Any) -> None:
    """The layout attributes of a layer whose ``call`` computes channels first:
    ``data_format`` as given (None: follow the model), ``layout`` as resolved,
    ``layout_declared`` (said by the layer or its model) and ``checks_layout`` (whether it
    checks the layout of the data it is built from, see :func:`check_input_layout`)."""
    layer.data_format = check_data_format(data_format, type(layer).__name__)
    layer.layout = layer.data_format or CHANNELS_FIRST
    layer.layout_declared = layer.data_format is not None
    layer.checks_layout = getattr(type(layer), "checks_input_layout", True)


def describe(layout: str, rank: int = 2) -> str:
    """The layout with its axes: "channels_last (N, H, W, C)"; ``rank`` 1 for signals."""
    spatial = "H, W" if rank == 2 else "L"
    axes = f"(N, C, {spatial})" if layout == CHANNELS_FIRST else f"(N, {spatial}, C)"
    return f"{layout} {axes}"


def to_channels_first(shape: Sequence[int], layout: str) -> tuple[int, ...]:
    """A per-sample shape (no batch axis) in ``layout``, rewritten channels first."""
    shape = tuple(shape)
    if layout == CHANNELS_FIRST or len(shape) < 2:
        return shape
    return (shape[-1], *shape[:-1])


def from_channels_first(shape: Sequence[int], layout: str) -> tuple[int, ...]:
    """A channels-first per-sample shape rewritten in ``layout``."""
    shape = tuple(shape)
    if layout == CHANNELS_FIRST or len(shape) < 2:
        return shape
    return (*shape[1:], shape[0])


def channels_first(x: Tensor) -> Tensor:
    """(N, ..., C) -> (N, C, ...): one transpose node."""
    return Transpose.apply(x, axes=(0, x.ndim - 1, *range(1, x.ndim - 1)))


def channels_last(x: Tensor) -> Tensor:
    """(N, C, ...) -> (N, ..., C): one transpose node."""
    return Transpose.apply(x, axes=(0, *range(2, x.ndim), 1))


# ------------------------------------------------------------------ one layout per model
def resolve(layers: Sequence[Any], data_format: str | None, owner: str, recorded: bool = False) -> str | None:
    """Give a model's layers one layout; return it (None when nobody declares one).

    The layout is ``data_format`` if given, else the one the layers declare. Every layer
    that declares one must agree; the others follow. The first convolution or pooling
    layer is the one that meets the user's images and checks their layout.
    ``recorded``: the layers were already called on symbolic tensors in their layout (a
    functional graph), which then must not change.
    """
    data_format = check_data_format(data_format, owner)
    declared = [(layer, layer.data_format) for layer in layers if getattr(layer, "data_format", None)]
    choice = data_format or (declared[0][1] if declared else None)
    for layer, fmt in declared:
        if fmt != choice:
            raise ValueError(
                f"{owner}: layer {layer.name!r} ({type(layer).__name__}) has data_format={fmt!r} but the "
                f"model's images are {describe(choice)}; a model holds its images in one layout: give "
                f"data_format once, to the model or its first layer, and leave it out of the others"
            )
    aware = [layer for layer in layers if hasattr(layer, "layout")]
    for layer in aware:
        layout = layer.data_format or choice or CHANNELS_FIRST
        fixed = layer.built and not layer.has_construction_weights()
        if (fixed or recorded) and layout != layer.layout:
            how = "built" if layer.built else "called on gn.Input"
            raise ValueError(
                f"{owner}: layer {layer.name!r} was {how} {describe(layer.layout)} and cannot join a "
                f"model whose images are {describe(layout)}; give data_format={layout!r} to the layers "
                f"before they are called"
            )
    edge = True
    for layer in aware:
        layout, previous = layer.data_format or choice or CHANNELS_FIRST, layer.layout
        layer.layout = layout
        if layer.built and layout != previous:  # weights drawn at construction, read the other way
            layer.renew_weights(layer.dtype)
        layer.layout_declared = layer.data_format is not None or choice is not None
        if getattr(type(layer), "checks_input_layout", True):
            layer.checks_layout, edge = edge and not recorded, False
    return choice


# ------------------------------------------------------------------ the wrong layout, refused
def reads_at_construction(layer: Any, shape: Sequence[int]) -> bool:
    """Whether a layer told its per-sample input ``shape`` (Keras's ``input_shape``) creates its
    weights at once, as a PyTorch layer does: when its ``data_format`` says the layout, or
    when the shape read channels first neither looks channels last nor is smaller than the
    window. A model that gives the layer another layout later draws those weights again
    (:func:`resolve`); the other shapes wait for the model's layout or the data."""
    if layer.data_format is not None:
        return True
    shape = tuple(int(n) for n in shape)
    if _looks(shape, CHANNELS_LAST):
        return False
    try:
        layer.compute_output_shape(shape)
    except ValueError:
        return False
    return True


def _looks(shape: tuple[int, ...], layout: str) -> bool:
    """Whether a per-sample shape looks like raw images or signals in ``layout``: 1, 3 or 4
    channels on that layout's channel axis, and every other axis at least twice that and
    at least 4."""
    channels = shape[-1] if layout == CHANNELS_LAST else shape[0]
    others = shape[:-1] if layout == CHANNELS_LAST else shape[1:]
    return channels in _IMAGE_CHANNELS and min(others) >= max(2 * channels, 4)


def _window_exceeds(layer: Any, shape: tuple[int, ...]) -> bool:
    """Whether the layer's kernel or pool window is larger than the input on a spatial axis."""
    window = getattr(layer, "kernel_size", None) or getattr(layer, "pool_size", None)
    spatial = to_channels_first(shape, layer.layout)[1:]
    return window is not None and any(k > n for k, n in zip(window, spatial))


def check_input_layout(layer: Any, shape: Sequence[int]) -> None:
    """Refuse data in the other layout where it enters a model (or a layer on its own).

    Called when the first convolution or pooling layer is built from the data (or from an
    explicit input shape) it receives. Rules, chosen so that data in the right layout
    passes:

    - layout not declared anywhere (glassnet's default, channels first): a shape that
      looks channels last is refused -- a last axis of 1, 3 or 4 (grey, RGB, RGBA) with
      every other axis at least twice that and at least 4, such as (28, 28, 1) or
      (32, 32, 3). Channels-first data rarely looks so (it would be e.g. 28 channels of
      28x1 images); data that really is channels first passes once the layout is said,
      ``data_format="channels_first"``.
    - layout declared: the declaration is trusted, unless the data also looks like the
      other layout and the layer's window is larger than the image on a spatial axis in the
      declared reading (e.g. (1, 28, 28) declared channels_last: a 3x3 kernel over an image
      of height 1). A built layer also refuses another number of channels
      (:func:`channels_hint` says which layout the data seems to have).
    """
    shape = tuple(int(n) for n in shape)
    if not getattr(layer, "checks_layout", False) or len(shape) not in (2, 3):
        return
    layout = layer.layout
    other = CHANNELS_LAST if layout == CHANNELS_FIRST else CHANNELS_FIRST
    if not _looks(shape, other) or _looks(shape, layout):
        return
    if layer.layout_declared and not _window_exceeds(layer, shape):
        return
    rank = len(shape) - 1
    said = ("the model (or the layer) says so" if layer.layout_declared
            else "glassnet's layers read channels first unless told otherwise")
    keep = "" if layer.layout_declared else f" If the data really is {layout}, say so: data_format={layout!r}"
    raise ValueError(
        f"{type(layer).__name__} layer {layer.name!r} received data of per-sample shape {shape}, which "
        f"looks {describe(other, rank)}: {_reading(shape, other)}. It is read as {describe(layout, rank)} "
        f"because {said}: {_reading(shape, layout)}. Give the layout of the data: "
        f"data_format={other!r} on the model, gn.Sequential([...], data_format={other!r}), or on the "
        f"layer; or transpose the data to {layout}: X.transpose{_permutation(len(shape) + 1, layout)}.{keep}"
    )


def _reading(shape: tuple[int, ...], layout: str) -> str:
    cf = to_channels_first(shape, layout)
    what = "images" if len(shape) == 3 else "signals of length"
    size = "x".join(map(str, cf[1:]))
    return f"{cf[0]} channel{'s' if cf[0] != 1 else ''} of {what} {size}"


def _permutation(ndim: int, layout: str) -> tuple[int, ...]:
    """The axes that turn data of the other layout into ``layout``."""
    if layout == CHANNELS_FIRST:
        return (0, ndim - 1, *range(1, ndim - 1))
    return (0, *range(2, ndim), 1)


def channels_hint(layer: Any, shape: Sequence[int]) -> str:
    """For a built layer that receives samples of another ``shape``: a sentence saying the
    data seems to be in the other layout (its channels are those the layer was built for),
    or "" when it does not, or for a layer without a layout."""
    shape = tuple(shape)
    if getattr(layer, "layout", None) is None or layer.input_shape is None or len(shape) < 2:
        return ""
    channels = to_channels_first(layer.input_shape, layer.layout)[0]
    other = CHANNELS_LAST if layer.layout == CHANNELS_FIRST else CHANNELS_FIRST
    as_other, as_read = to_channels_first(shape, other)[0], to_channels_first(shape, layer.layout)[0]
    if as_other != channels or as_read == channels:
        return ""
    return (f". The layer reads {describe(layer.layout, len(shape) - 1)}; this data looks "
            f"{describe(other, len(shape) - 1)}: transpose it with "
            f"X.transpose{_permutation(len(shape) + 1, layer.layout)}, or build the model with "
            f"data_format={other!r}")


# ------------------------------------------------------------------ running a channels-last stack
def runs_channels_first(layer: Any, holding: bool) -> bool:
    """Whether a channels-last model runs ``layer`` on the channels-first transpose: the
    layers whose ``call`` computes channels first (their exact class declares
    ``channels_first_call``: convolution, pooling, batch normalization), and, while the data
    is held transposed, dropout and the element-wise activation layers, which compute the
    same on either layout."""
    if vars(type(layer)).get("channels_first_call", False):
        return True
    if not holding:
        return False
    from glassnet.layers.core import Activation, Dropout

    return type(layer) is Dropout or (type(layer) is Activation and layer.activation not in
                                      ("softmax", "log_softmax"))


def forward_channels_last(layers: Sequence[Any], x: Tensor, last_logits: bool,
                          step: Callable[[Any, Tensor, int, bool], Tensor]) -> Tensor:
    """Run a channels-last stack with one transpose where the data enters the convolution and
    pooling layers and one where it leaves them (see the module's docstring).

    ``step(layer, x, i, logits)`` runs a layer on data as the user holds it (the model's
    checked call); ``last_logits`` asks the last layer for its pre-activation.
    """
    holding = False
    last = len(layers) - 1
    for i, layer in enumerate(layers):
        logits = last_logits and i == last
        if runs_channels_first(layer, holding):
            if not holding and x.ndim > 2:
                x, holding = channels_first(x), True
            shape = from_channels_first(x.shape[1:], CHANNELS_LAST)
            if not layer.built:
                check_input_layout(layer, shape)
            layer.ensure_built(shape, x.dtype)
            x = layer.pre_activation(x) if logits else layer.call(x)
            holding = x.ndim > 2
        else:
            if holding:
                x, holding = channels_last(x), False
            x = step(layer, x, i, logits)
    return channels_last(x) if holding else x


# ------------------------------------------------------------------ a layer on its own
def _symbolic_layout(x: Any) -> str | None:
    """The layout declared by the nearest layer upstream of a symbolic tensor, if any."""
    seen = 0
    while isinstance(x, Symbolic) and x.op is not None and seen < 10_000:
        if getattr(x.op, "layout_declared", False):
            return x.op.layout
        x = next((arg for arg in x.inputs if isinstance(arg, Symbolic)), None)
        seen += 1
    return None


def pre_activation(layer: Any, x: Tensor) -> Tensor:
    """z of a layer that has an activation (Dense, the convolutions), for ``x`` as the layer
    takes it: a channels-last convolution transposes its input and its z."""
    layer.ensure_built(x.shape[1:], x.dtype)
    if getattr(layer, "layout", CHANNELS_FIRST) == CHANNELS_FIRST:
        return layer.pre_activation(x)
    return channels_last(layer.pre_activation(channels_first(x)))


def forward_layer(layer: Any, x: Any) -> Any:
    """``forward`` of a layer whose ``call`` computes on channels-first data.

    On a symbolic tensor (the functional API): a layer that declares no layout takes the
    one declared upstream; fed straight by ``gn.Input`` it checks the layout of that input
    (:func:`check_input_layout`). On data: the layer is built from the data's shape, in its
    layout, and a channels-last layer transposes its input and its output.
    """
    if isinstance(x, Symbolic):
        if not layer.layout_declared and not layer.built:
            inherited = _symbolic_layout(x)
            if inherited is not None:
                layer.layout, layer.layout_declared = inherited, True
        if x.op is None and not layer.built:
            check_input_layout(layer, x.shape)
        layer.checks_layout = False
        return Symbolic.record(layer, x)
    if not isinstance(x, Tensor):
        x = Tensor(np.asarray(x, dtype=layer.dtype or np.float32))
    if not layer.built:
        check_input_layout(layer, x.shape[1:])
    layer.ensure_built(x.shape[1:], x.dtype)
    if layer.layout == CHANNELS_FIRST:
        return layer.call(x)
    return channels_last(layer.call(channels_first(x)))


# ------------------------------------------------------------------ a channels-last functional graph
class _Values:
    """The values of a graph's nodes, each as computed (channels first where a convolution or
    pooling layer made it) and, once asked for, in the other layout (one transpose each)."""

    def __init__(self) -> None:
        self.computed: dict[int, Tensor] = {}
        self.held_first: set[int] = set()
        self.other: dict[int, Tensor] = {}

    def put(self, node: Any, value: Tensor, held_first: bool) -> None:
        self.computed[id(node)] = value
        if held_first and value.ndim > 2:
            self.held_first.add(id(node))

    def as_user(self, node: Any) -> Tensor:
        """The value as the user holds it (channels last)."""
        key = id(node)
        if key not in self.held_first:
            return self.computed[key]
        if key not in self.other:
            self.other[key] = channels_last(self.computed[key])
        return self.other[key]

    def as_first(self, node: Any) -> Tensor:
        """The value channels first (images and signals; other values as they are)."""
        key = id(node)
        value = self.computed[key]
        if key in self.held_first or value.ndim <= 2:
            return value
        if key not in self.other:
            self.other[key] = channels_first(value)
        return self.other[key]


def walk_channels_last(nodes: Sequence[Any], inputs: Sequence[Any], outputs: Sequence[Any],
                       xs: Sequence[Tensor], call: Callable[[Any, list[Any]], Any], logits: set[int],
                       resolve_args: Callable[[Any, Callable[[Any], Tensor]], Any]) -> list[Tensor]:
    """Evaluate a channels-last functional graph as :func:`forward_channels_last` runs a stack:
    each value is transposed at most once each way; the convolution, pooling and batch
    normalization layers run on channels-first data, and so do dropout, element-wise
    activations and ``+ - * /`` between values held so; every other operation runs on data
    as the user holds it.

    ``call(node, args)`` runs a node on user-layout arguments (the model's call);
    ``logits`` holds the ids of the output nodes that give their pre-activation;
    ``resolve_args(arg, value_of)`` replaces the symbolic tensors inside a node argument.
    """
    values = _Values()
    for sym, x in zip(inputs, xs):
        values.put(sym, x, held_first=False)
    for node in nodes:
        if node.op is None:
            continue
        source = node.inputs[0] if node.inputs else None
        if isinstance(source, Symbolic) and runs_channels_first(node.op, id(source) in values.held_first):
            x = values.as_first(source)
            layer = node.op
            shape = from_channels_first(x.shape[1:], CHANNELS_LAST) if x.ndim > 2 else x.shape[1:]
            layer.ensure_built(shape, x.dtype)
            out = layer.pre_activation(x) if id(node) in logits else layer.call(x)
            values.put(node, out, held_first=x.ndim > 2)
        elif _elementwise(node, values.held_first):
            values.put(node, node.op(*[resolve_args(a, values.as_first) for a in node.inputs]), True)
        else:
            values.put(node, call(node, [resolve_args(a, values.as_user) for a in node.inputs]), False)
    return [values.as_user(o) for o in outputs]


_ELEMENTWISE = (operator.add, operator.sub, operator.mul, operator.truediv, operator.neg)


def _elementwise(node: Any, held_first: set[int]) -> bool:
    """Whether a graph operation computes the same on either layout: +, -, *, / and negation
    of values all held channels first, or of such a value and a number."""
    if node.op not in _ELEMENTWISE or node.options:
        return False
    tensors = [a for a in node.inputs if isinstance(a, Symbolic)]
    numbers = [a for a in node.inputs if not isinstance(a, Symbolic)]
    return (bool(tensors) and all(id(a) in held_first for a in tensors)
            and all(isinstance(a, (int, float)) and not isinstance(a, bool) for a in numbers))
