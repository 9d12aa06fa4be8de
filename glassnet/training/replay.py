"""A training step recorded once and replayed: the same Function calls, without the graph's bookkeeping.

On a small network a step costs more in bookkeeping than in arithmetic: a Tensor per node,
the layers' call chain, the backward queue. When every layer of a model records the same
operations with the same options on every call for inputs of one shape (their class
declares ``static_graph``), the first step of each input shape records its
``Function.apply`` calls (:class:`glassnet.function.recording`), and later steps of that
shape call the same ``forward`` and ``backward`` functions, in the same order, on the new
batch: the arrays, the rounding and so the results are the engine's, bit for bit.

What changes from step to step is supplied anew: the batch's inputs, each loss's targets
and sample weights, the parameters' current values (read from the Parameters at every
call), and the weight penalties, computed by their node's own functions with the
regularizers' current coefficients. A change of a leaf's ``requires_grad`` (a frozen
layer) records the step again. ``glassnet.training.replay.ENABLED = False`` sends every
step through the graph.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet import activations
from glassnet.function import Function
from glassnet.losses import Loss
from glassnet.models import Model, Sequential
from glassnet.tensor import Tensor

__all__ = ["replayable", "StepTape"]

#: False: every training step runs through the graph (fits started afterwards).
ENABLED = True

_OUTPUT, _INPUT, _LEAF = 0, 1, 2  # where an argument of a recorded call comes from


def replayable(model: Any, losses: list[Any]) -> bool:
    """Whether a training step of ``model`` with ``losses`` can be recorded and replayed:
    the model's own forward (Sequential or functional), only layers whose exact class
    declares ``static_graph`` with a registered activation, and glassnet's losses."""
    if not ENABLED or type(model).forward not in (Model.forward, Sequential.forward) or not model.layers:
        return False
    for layer in model.layers:
        if not vars(type(layer)).get("static_graph", False):
            return False
        if hasattr(layer, "g") and activations.name_of(layer.g) is None:
            return False
    return all(isinstance(loss, Loss) and type(loss).apply_prepared is Loss.apply_prepared
               for loss in losses)


class StepTape:
    """The ``Function.apply`` calls of one recorded step (forward and losses), in order.

    Parameters
    ----------
    calls : list
        ``(cls, inputs, options, output)`` per call, from :class:`glassnet.function.recording`.
    inputs : list of Tensor
        The batch's input tensors of the recorded step.
    losses : list of Tensor
        The loss nodes' outputs, one per model output (their targets change per batch).
    outputs : list of Tensor
        The model's outputs (returned for the epoch's metrics).
    """

    def __init__(self, calls: list[tuple[type[Function], tuple[Tensor, ...], dict[str, Any], Tensor]],
                 inputs: list[Tensor], losses: list[Tensor], outputs: list[Tensor]) -> None:
        slots = {id(call[3]): i for i, call in enumerate(calls)}
        inputs_at = {id(t): k for k, t in enumerate(inputs)}
        loss_at = {id(t): k for k, t in enumerate(losses)}

        def source(t: Tensor) -> tuple[int, Any]:
            if id(t) in slots:
                return _OUTPUT, slots[id(t)]
            if id(t) in inputs_at:
                return _INPUT, inputs_at[id(t)]
            return _LEAF, t

        self.calls = [
            (cls, [source(t) for t in args], options,
             out._ctx.needs_input_grad if out._ctx is not None else (), loss_at.get(id(out)))
            for cls, args, options, out in calls
        ]
        self.requires = [out.requires_grad for *_, out in calls]
        self.leaves = [t for _, args, _, _ in calls for t in args if source(t)[0] == _LEAF]
        self.flags = self.leaf_flags()
        self.outputs = [source(o) for o in outputs]

    def leaf_flags(self) -> tuple[bool, ...]:
        """The leaves' ``requires_grad`` now; the tape is valid while it equals ``flags``."""
        return tuple(t.requires_grad for t in self.leaves)

    def forward(self, xs: list[np.ndarray], targets: list[np.ndarray],
                weights: np.ndarray | None) -> tuple[list[np.ndarray], list[Any]]:
        """Each recorded call's ``forward`` on this batch: the values and contexts."""
        values: list[np.ndarray] = []
        contexts: list[Any] = []
        for cls, sources, options, needs, loss in self.calls:
            if loss is not None:
                options = {**options, "target": targets[loss], "weights": weights}
            args = [values[ref] if kind == _OUTPUT else xs[ref] if kind == _INPUT else ref.data
                    for kind, ref in sources]
            ctx = cls()
            ctx.needs_input_grad = needs
            values.append(np.asarray(cls.forward(ctx, *args, **options)))
            contexts.append(ctx)
        return values, contexts

    def backward(self, values: list[np.ndarray], contexts: list[Any]) -> None:
        """dE/d(leaf) into the leaves' ``.grad``, from the last call's value E: the
        engine's visit order (newest node first) and sums, so its bits."""
        grads: list[np.ndarray | None] = [None] * len(values)
        grads[-1] = np.ones_like(values[-1])
        for i in range(len(values) - 1, -1, -1):
            g = grads[i]
            if g is None:
                continue
            cls, sources = self.calls[i][:2]
            for (kind, ref), parent_grad in zip(sources, cls.backward(contexts[i], g)):
                if parent_grad is None:
                    continue
                if kind == _OUTPUT and self.requires[ref]:
                    previous = grads[ref]
                    grads[ref] = parent_grad if previous is None else previous + parent_grad
                elif kind == _LEAF and ref.requires_grad:
                    ref._accumulate(parent_grad)

    def outputs_of(self, values: list[np.ndarray], xs: list[np.ndarray]) -> list[np.ndarray]:
        """The model's outputs in this replay."""
        return [values[ref] if kind == _OUTPUT else xs[ref] if kind == _INPUT else ref.data
                for kind, ref in self.outputs]
