"""Prediction without a graph: a Sequential model's layers run on plain NumPy arrays.

``predict`` and ``evaluate`` need no gradients, so the Tensor wrappers, the graph nodes
and the mode bookkeeping of :meth:`Sequential.forward` are pure overhead there: on a
one-row prediction they cost more than the matrix products. Here each layer's
:meth:`~glassnet.layers.Layer.infer` computes its output from an array, the activation
in place on the array the layer just created. The arithmetic is that of the graph path,
operation for operation, so the outputs are the same bits.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np

from glassnet.layers.core import final_activation
from glassnet.layers.layout import CHANNELS_LAST
from glassnet.layers.module import Layer
from glassnet.models import Sequential
from glassnet.training import prepare as _prep

__all__ = ["forward_arrays", "infers_natively"]

# The methods an ``infer`` replays: a subclass that overrides one of them below the class
# that defines the matching ``infer*`` computes something else, and takes the graph.
_PAIRS = (("infer", "call"), ("infer", "forward"), ("infer_pre_activation", "pre_activation"))


def _owner(cls: type, name: str) -> type | None:
    return next((c for c in cls.__mro__ if name in vars(c)), None)


@functools.cache
def infers_natively(cls: type) -> bool:
    """True when ``cls.infer`` is the layer's own array arithmetic, consistent with its
    ``call``: not :meth:`Layer.infer` (which needs evaluation mode) and not inherited past
    an override of ``call``, ``forward`` or ``pre_activation``."""
    if _owner(cls, "infer") in (None, Layer):
        return False
    for infer_name, graph_name in _PAIRS:
        mine, theirs = _owner(cls, infer_name), _owner(cls, graph_name)
        if mine is not None and theirs is not None and theirs is not mine and issubclass(theirs, mine):
            return False
    return True


def forward_arrays(model: Any, xs: list[np.ndarray],
                   logits: Sequence[bool] | bool) -> list[np.ndarray] | None:
    """The outputs of a built Sequential ``model`` for the arrays ``xs`` in evaluation
    mode, or None when this path does not apply (another kind of model, a layer not yet
    built, or a shape other than the one a layer was built for): the caller then runs the
    graph, which also gives the errors their usual messages.

    ``logits`` (one flag per output, or one for all) leaves out the final activation. A
    channels-last model runs its graph, which holds the images channels first.
    Layers that infer natively do not read the model's mode, so a stack of them runs
    without switching it (each switch walks every module); from the first layer that
    runs its graph on, the rest run in evaluation mode.
    """
    if type(model).forward is not Sequential.forward or len(xs) != 1 or model._layout == CHANNELS_LAST:
        return None
    layers = model.layers
    if not layers:
        return None
    flag = bool(logits[0]) if isinstance(logits, (list, tuple)) else bool(logits)
    last = layers[-1]
    stop_early = flag and final_activation(last) is not None
    if stop_early and not infers_natively(type(last)):
        return None
    body = layers[:-1] if stop_early else layers
    x = xs[0]
    done = 0
    for layer in body:
        if layer.input_shape != x.shape[1:]:
            return None
        if not infers_natively(type(layer)):
            break
        x = layer.infer(x)
        done += 1
    if done < len(body):
        with _prep.model_mode(model, False):
            for layer in body[done:]:
                if layer.input_shape != x.shape[1:]:
                    return None
                x = layer.infer(x) if infers_natively(type(layer)) else Layer.infer(layer, x)
    if stop_early:
        if last.input_shape != x.shape[1:]:
            return None
        if hasattr(last, "infer_pre_activation"):
            x = last.infer_pre_activation(x)
    return [x]
