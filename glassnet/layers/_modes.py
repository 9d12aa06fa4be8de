"""Training and evaluation mode: per thread for a whole block (:class:`evaluating`), or
for one call of one layer (:class:`layer_mode`, Keras's ``layer(x, training=...)``)."""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["evaluating", "layer_mode", "structure_version", "LayerList"]


class _Evaluation(threading.local):
    """Per thread: whether every module computes in evaluation mode, whatever its own
    ``training`` flag (see :class:`evaluating`)."""

    active = False


_evaluation = _Evaluation()


class evaluating:  # noqa: N801 - used like a function: ``with evaluating():``
    """Every module runs in evaluation mode inside the block, in this thread only.

    ``predict`` and ``evaluate`` use it instead of switching the model's mode, so that a
    prediction in one thread never changes what a ``fit`` or a prediction in another
    thread computes, on the same model or another.
    """

    __slots__ = ("previous",)

    def __init__(self) -> None:
        self.previous = False

    def __enter__(self) -> None:
        self.previous = _evaluation.active
        _evaluation.active = True

    def __exit__(self, *exc: object) -> None:
        _evaluation.active = self.previous


class layer_mode:  # noqa: N801 - used like a function: ``with layer_mode(layer, True):``
    """One call of ``layer`` in training (True) or evaluation (False) mode, whatever the
    model's mode; the previous modes come back after the block."""

    __slots__ = ("layer", "training", "previous")

    def __init__(self, layer: Any, training: Any) -> None:
        if not isinstance(training, bool):
            raise TypeError(f"layer {layer.name!r}: training must be True, False or None, got {training!r}")
        self.layer, self.training, self.previous = layer, training, (False, True)

    def __enter__(self) -> None:
        self.previous = (_evaluation.active, self.layer._training)
        _evaluation.active = not self.training
        self.layer._training = self.training

    def __exit__(self, *exc: object) -> None:
        _evaluation.active, self.layer._training = self.previous


class _Structure:
    """A count of the assignments to any module's attributes (other than the mode flags)
    since import, in every thread: recordings of a model's calls are valid while it is
    unchanged (:mod:`glassnet.training.forward`)."""

    version = 0


def structure_version() -> int:
    """The number of assignments to module attributes so far (see :class:`_Structure`)."""
    return _Structure.version


class LayerList(list):
    """A model's ``layers``: a list whose changes in place (``del model.layers[-1]``,
    ``append``, ``pop``, ...) count as a change of structure, as assigning an attribute does,
    so that no recording outlives the layers it recorded."""

    __slots__ = ()


def _counting(name: str) -> Any:
    method = getattr(list, name)

    def changed(self: LayerList, *args: Any, **kwargs: Any) -> Any:
        result = method(self, *args, **kwargs)
        _Structure.version += 1
        return result

    changed.__name__ = name
    return changed


for _name in ("__setitem__", "__delitem__", "__iadd__", "__imul__", "append", "extend", "insert", "pop",
              "remove", "clear", "sort", "reverse"):
    setattr(LayerList, _name, _counting(_name))
