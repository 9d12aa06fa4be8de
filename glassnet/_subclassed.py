"""Models written as Keras subclasses: ``class Net(gn.Model)`` with layers as attributes
and the computation in ``call``.

Such a model has no graph to read before it runs: its layers are the Layer attributes
(found again on each request, so that layers assigned after ``super().__init__()`` count),
and the kind and shape of its output are learned from one pass over a single zero sample
when it is built. A softmax or sigmoid that ends ``call`` is seen there, so that a
cross-entropy loss takes the logits, as for a Sequential model.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any

import numpy as np

from glassnet.function import recording
from glassnet.layers.module import Layer, Module, evaluating
from glassnet.tensor import Tensor, no_grad

__all__ = ["tracked_layers", "TrackedLayers", "run", "probe"]

# Final operations whose input is the logits that a fused loss takes.
_FUSABLE = ("softmax", "sigmoid")


def tracked_layers(model: Module) -> list[Layer]:
    """The layers among the model's attributes, in assignment order: a Layer counts once
    (the layers inside it are its own), a container or nested model is searched."""
    found: list[Layer] = []
    seen: set[int] = set()

    def visit(module: Module) -> None:
        for _, child in module.named_children():
            if id(child) in seen:
                continue
            seen.add(id(child))
            if isinstance(child, Layer):
                found.append(child)
            else:
                visit(child)

    visit(model)
    return found


class TrackedLayers:
    """``model.layers`` of a subclassed model, found again on each read: the layers among its
    attributes. A model that stores its own ``layers`` list (Sequential, functional) reads
    that one instead, as an instance attribute comes before this class attribute."""

    def __get__(self, model: Any, owner: type | None = None) -> Any:
        return self if model is None else tracked_layers(model)


@functools.cache
def _takes_training(cls: type) -> bool:
    """Whether ``cls.call`` has a ``training`` parameter (Keras's ``call(inputs, training=None)``)."""
    return "training" in inspect.signature(cls.call).parameters


def run(model: Any, xs: tuple[Any, ...], logits: bool) -> Tensor:
    """``model.call`` on the inputs (``training=`` passed when ``call`` takes it); with
    ``logits``, the input of a final softmax or sigmoid instead of its output."""
    tensors = [x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=model.dtype)) for x in xs]
    options = {"training": model.training} if _takes_training(type(model)) else {}
    if not logits:
        return model.call(*tensors, **options)
    with recording() as calls:
        out = model.call(*tensors, **options)
    final = _final_call(calls, out)
    return out if final is None else final[1][0]


def _final_call(calls: list[Any], out: Any) -> Any:
    """The recorded call that made ``out`` when it is a softmax (over the last axis) or a
    sigmoid, else None."""
    if not calls or calls[-1][3] is not out or getattr(calls[-1][0], "name", None) not in _FUSABLE:
        return None
    cls, _, options, _ = calls[-1]
    if cls.name == "softmax" and options.get("axis", -1) not in (-1, out.ndim - 1):
        return None
    return calls[-1]


def probe(model: Any, input_shape: tuple[int, ...]) -> tuple[tuple[int, ...], str | None]:
    """The per-sample output shape of ``model.call`` and its final activation (softmax,
    sigmoid or None), from one pass over a zero sample; the layers are built by it."""
    dummy = Tensor(np.zeros((1, *input_shape), dtype=model.dtype))
    with no_grad(), evaluating(), recording() as calls:
        out = model.call(dummy, **({"training": False} if _takes_training(type(model)) else {}))
    if not isinstance(out, Tensor):
        raise TypeError(f"{type(model).__name__}.call must return one Tensor, got {type(out).__name__}")
    final = _final_call(calls, out)
    return tuple(out.shape[1:]), None if final is None else final[0].name
