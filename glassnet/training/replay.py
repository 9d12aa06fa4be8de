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
layer) records the step again. Inside ``with glassnet.reference():`` every step runs
through the graph.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from glassnet import accel, activations
from glassnet.function import Function
from glassnet.losses import Loss
from glassnet.models import Model, Sequential
from glassnet.tensor import Tensor

__all__ = ["replayable", "StepTape"]

def replayable(model: Any, losses: list[Any]) -> bool:
    """Whether a training step of ``model`` with ``losses`` can be recorded and replayed:
    the model's own forward (Sequential or functional), only layers whose exact class
    declares ``static_graph`` with a registered activation, and glassnet's losses."""
    if not accel.replay_allowed():
        return False
    if type(model).forward not in (Model.forward, Sequential.forward) or not model.layers:
        return False
    for layer in model.layers:
        if not vars(type(layer)).get("static_graph", False):
            return False
        if hasattr(layer, "g") and activations.name_of(layer.g) is None:
            return False
    return all(isinstance(loss, Loss) and type(loss).apply_prepared is Loss.apply_prepared
               for loss in losses)


def _arguments(at: list[int]) -> Callable[[list[np.ndarray]], Sequence[np.ndarray]]:
    """A getter of the pool's arrays at the positions ``at``, as a sequence (an
    ``itemgetter`` of one index would return the array itself: it gets a slice)."""
    if len(at) == 1:
        return operator.itemgetter(slice(at[0], at[0] + 1))
    return operator.itemgetter(*at) if at else (lambda pool: ())


class StepTape:
    """The ``Function.apply`` calls of one recorded step (forward and losses), in order.

    The arrays of a replay sit in one list, the *pool*: the batch's inputs, then the
    leaves' current data, then each call's output as it is computed. Every call reads its
    arguments from fixed positions of the pool (one ``itemgetter``), and its backward sends
    each needed parent gradient along a route fixed at recording: to an earlier call's
    output or into a leaf's ``.grad``.

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
        for *_, out in calls:  # the tape keeps the calls, not their protection against writes
            if out._ctx is not None and out._ctx.saved is not None:
                out._ctx.saved.release()
        slot = {id(out): i for i, (*_, out) in enumerate(calls)}
        position = {id(t): k for k, t in enumerate(inputs)}
        self.leaves: list[Tensor] = []
        for _, args, _, _ in calls:
            for t in args:
                if id(t) not in position and id(t) not in slot:
                    position[id(t)] = len(inputs) + len(self.leaves)
                    self.leaves.append(t)
        first_output = len(inputs) + len(self.leaves)
        for i, (*_, out) in enumerate(calls):
            position[id(out)] = first_output + i
        loss_at = {id(t): k for k, t in enumerate(losses)}

        self.forward_plan = []
        self.backward_plan = []
        for i, (cls, args, options, out) in enumerate(calls):
            at = [position[id(t)] for t in args]
            getter = _arguments(at)
            needs = out._ctx.needs_input_grad if out._ctx is not None else ()
            self.forward_plan.append((cls, getter, dict(options), needs, loss_at.get(id(out))))
            routes = tuple(
                (j, slot[id(t)], None) if id(t) in slot else (j, None, t)
                for j, (t, need) in enumerate(zip(args, needs)) if need and t.requires_grad
            )
            if routes:
                self.backward_plan.append((i, cls, routes))
        self.backward_plan.reverse()
        self.flags = self.leaf_flags()
        self.output_at = [position[id(o)] for o in outputs]
        self.seed = np.ones_like(calls[-1][3].data)
        self.seed.flags.writeable = False

    def leaf_flags(self) -> list[bool]:
        """The leaves' ``requires_grad`` now; the tape is valid while it equals ``flags``."""
        return [t.requires_grad for t in self.leaves]

    def forward(self, xs: list[np.ndarray], targets: list[np.ndarray],
                weights: np.ndarray | None) -> tuple[list[np.ndarray], list[Any]]:
        """Each recorded call's ``forward`` on this batch: the pool (whose last array is
        the loss) and the calls' contexts."""
        pool = [*xs, *[t.data for t in self.leaves]]
        contexts: list[Any] = []
        for cls, getter, options, needs, loss in self.forward_plan:
            if loss is not None:
                options["target"], options["weights"] = targets[loss], weights
            ctx = cls()
            ctx.needs_input_grad = needs
            pool.append(np.asarray(cls.forward(ctx, *getter(pool), **options)))
            contexts.append(ctx)
        return pool, contexts

    def backward(self, contexts: list[Any]) -> None:
        """dE/d(leaf) into the leaves' ``.grad``, from the last call's value E: the
        engine's visit order (newest node first) and sums, so its bits."""
        grads: list[np.ndarray | None] = [None] * len(contexts)
        grads[-1] = self.seed
        for i, cls, routes in self.backward_plan:
            g = grads[i]
            if g is None:
                continue
            parent_grads = cls.backward(contexts[i], g)
            for j, target, leaf in routes:
                parent_grad = parent_grads[j]
                if parent_grad is None:
                    continue
                if leaf is None:
                    previous = grads[target]
                    grads[target] = parent_grad if previous is None else previous + parent_grad
                else:
                    leaf._accumulate(parent_grad)

    def outputs_of(self, pool: list[np.ndarray]) -> list[np.ndarray]:
        """The model's outputs in this replay."""
        return [pool[k] for k in self.output_at]
