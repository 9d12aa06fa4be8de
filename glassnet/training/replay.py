"""A training step recorded once and replayed: the same Function calls, without the graph's bookkeeping.

On a small network a step costs more in bookkeeping than in arithmetic: a Tensor per node,
the layers' call chain, the backward queue. When every layer of a model records the same
operations with the same options on every call for inputs of one shape (their class
declares ``static_graph``), ``fit`` records the ``Function.apply`` calls of the first
:func:`~glassnet.training.step.train_step` of each input shape
(:class:`glassnet.function.recording`): forward, losses, weight penalties and their sum.
Later steps of that shape call the same ``forward`` and ``backward`` functions, in the
same order, on the new batch, then the optimizer's update: the arrays, the rounding and
so the results are the engine's, bit for bit.

What changes from step to step is supplied anew: the batch's inputs, each loss's targets
and sample weights, and the parameters' current values (read from the Parameters at every
call). A change of a leaf's ``requires_grad`` (a frozen layer) or of a penalty's
coefficients records the step again. Inside ``with glassnet.reference():`` every step runs
through the graph.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from glassnet import accel, activations
from glassnet.function import Function
from glassnet.losses import Loss
from glassnet.models import Model, Sequential
from glassnet.tensor import Tensor
from glassnet.training.step import Step

__all__ = ["replayable", "static_model", "layout", "StepTape"]

def replayable(model: Any, losses: list[Any]) -> bool:
    """Whether a training step of ``model`` with ``losses`` can be recorded and replayed:
    a model of static-graph layers (:func:`static_model`) and glassnet's losses, outside
    ``with glassnet.reference():``."""
    if not accel.replay_allowed() or not static_model(model, training=True):
        return False
    return all(isinstance(loss, Loss) and type(loss).apply_prepared is Loss.apply_prepared
               for loss in losses)


def static_model(model: Any, training: bool) -> bool:
    """Whether ``model`` records the same calls on every pass for inputs of one shape, in
    training or in evaluation mode: the model's own forward (Sequential or functional), and
    only layers whose exact class declares ``static_graph`` (or, in evaluation,
    ``static_in_evaluation``) with a registered activation; not a subclass that computes
    in its own ``call``."""
    own = type(model).forward is Model.forward and type(model).logits in (Model.logits, Sequential.logits)
    if not own or model.subclassed or not model.layers:
        return False
    for layer in model.layers:
        evaluation = not training and _declares(layer, "static_in_evaluation")
        if not _declares(layer, "static_graph") and not evaluation:
            return False
        if hasattr(layer, "g") and activations.name_of(layer.g) is None:
            return False
    return True


def _declares(layer: Any, promise: str) -> bool:
    """Whether the layer's exact class declares ``promise`` true: a class attribute, or a
    property read on the layer (a promise that holds for some arguments only)."""
    declared = vars(type(layer)).get(promise, False)
    return bool(declared.fget(layer) if isinstance(declared, property) else declared)


def layout(calls: list[tuple[type[Function], tuple[Tensor, ...], dict[str, Any], Tensor]],
           xs: list[np.ndarray]) -> tuple[list[Tensor], dict[int, int]]:
    """Where each Tensor of the recorded ``calls`` sits in a replay's pool: the inputs
    ``xs`` first, then the *leaves* (every other Tensor that no call produced: weights,
    constants; their data is read anew at each replay), then each call's output. Returns
    the leaves and the position of each Tensor by ``id``."""
    slot = {id(out) for *_, out in calls}
    position: dict[int, int] = {}
    leaves: list[Tensor] = []
    for _, args, _, _ in calls:
        for t in args:
            if id(t) in position or id(t) in slot:
                continue
            batch = next((k for k, x in enumerate(xs) if t.data is x), None)
            if batch is None:
                position[id(t)] = len(xs) + len(leaves)
                leaves.append(t)
            else:
                position[id(t)] = batch
    first_output = len(xs) + len(leaves)
    for i, (*_, out) in enumerate(calls):
        position[id(out)] = first_output + i
    return leaves, position


def arguments(at: list[int]) -> Callable[[list[np.ndarray]], Sequence[np.ndarray]]:
    """A getter of the pool's arrays at the positions ``at``, as a sequence (an
    ``itemgetter`` of one index would return the array itself: it gets a slice)."""
    if len(at) == 1:
        return operator.itemgetter(slice(at[0], at[0] + 1))
    return operator.itemgetter(*at) if at else (lambda pool: ())


class StepTape:
    """The ``Function.apply`` calls of one recorded training step, in order.

    The arrays of a replay sit in one list, the *pool*: the batch's inputs, then the
    leaves' current data, then each call's output as it is computed. Every call reads its
    arguments from fixed positions of the pool (one ``itemgetter``), and its backward sends
    each needed parent gradient along a route fixed at recording: to an earlier call's
    output or into a leaf's ``.grad``.

    Parameters
    ----------
    calls : list
        ``(cls, inputs, options, output)`` per call, from :class:`glassnet.function.recording`.
    xs, ys : list of arrays
        The recorded step's inputs and targets (the loss calls are found by their target).
    step : Step
        What the recorded step returned: its loss, penalty and output nodes.
    """

    def __init__(self, calls: list[tuple[type[Function], tuple[Tensor, ...], dict[str, Any], Tensor]],
                 xs: list[np.ndarray], ys: list[np.ndarray], step: Step) -> None:
        for *_, out in calls:  # the tape keeps the calls, not their protection against writes
            if out._ctx is not None and out._ctx.saved is not None:
                out._ctx.saved.release()
        self.leaves, position = layout(calls, xs)
        slot = {id(out): i for i, (*_, out) in enumerate(calls)}
        self.forward_plan = []
        self.backward_plan = []
        for i, (cls, args, options, out) in enumerate(calls):
            needs = out._ctx.needs_input_grad if out._ctx is not None else ()
            target = next((k for k, y in enumerate(ys) if options.get("target") is y), None)
            self.forward_plan.append((cls, arguments([position[id(t)] for t in args]), dict(options), needs,
                                      target))
            routes = tuple(
                (j, slot[id(t)], None) if id(t) in slot else (j, None, t)
                for j, (t, need) in enumerate(zip(args, needs)) if need and t.requires_grad
            )
            if routes:
                self.backward_plan.append((i, cls, routes))
        self.backward_plan.reverse()
        self.flags = self.leaf_flags()
        self.output_at = [position[id(o)] for o in step.outputs]
        self.loss_at = position[id(step.loss)]
        self.penalty_at = None if step.penalty is None else position[id(step.penalty)]
        self.seed = np.ones_like(calls[-1][3].data)
        self.seed.flags.writeable = False

    def leaf_flags(self) -> list[bool]:
        """The leaves' ``requires_grad`` now; the tape is valid while it equals ``flags``."""
        return [t.requires_grad for t in self.leaves]

    def step(self, optimizer: Any, xs: list[np.ndarray], ys: list[np.ndarray],
             weights: np.ndarray | None) -> tuple[float, float, list[np.ndarray]]:
        """The recorded step on this batch: the data loss, the penalty and the outputs.
        A non-finite loss skips the backward pass and the update, as in ``train_step``."""
        pool, contexts = self.forward(xs, ys, weights)
        outs = [pool[k] for k in self.output_at]
        loss = pool[self.loss_at].item()
        penalty = 0.0 if self.penalty_at is None else pool[self.penalty_at].item()
        del pool  # the contexts hold what the backward pass needs, and it lets each go once used
        if not math.isfinite(loss + penalty):
            return loss + penalty, penalty, outs
        optimizer.zero_grad()
        self.backward(contexts)
        optimizer.step()
        return loss, penalty, outs

    def forward(self, xs: list[np.ndarray], ys: list[np.ndarray],
                weights: np.ndarray | None) -> tuple[list[np.ndarray], list[Any]]:
        """Each recorded call's ``forward`` on this batch: the pool and the calls' contexts."""
        pool = [*xs, *[t.data for t in self.leaves]]
        contexts: list[Any] = []
        for cls, getter, options, needs, target in self.forward_plan:
            if target is not None:
                options["target"], options["weights"] = ys[target], weights
            ctx = cls()
            ctx.needs_input_grad = needs
            pool.append(np.asarray(cls.forward(ctx, *getter(pool), **options)))
            contexts.append(ctx)
        return pool, contexts

    def backward(self, contexts: list[Any]) -> None:
        """dE/d(leaf) into the leaves' ``.grad``, from the last call's value E: the
        engine's visit order (newest node first) and sums, so its bits. Each call's context
        and output gradient are let go as soon as its backward has run: the arrays of the
        layers already passed are freed while the rest of the pass allocates, so a wide
        network's step reuses the memory of the one before instead of taking new pages."""
        grads: list[np.ndarray | None] = [None] * len(contexts)
        grads[-1] = self.seed
        for i, cls, routes in self.backward_plan:
            g, grads[i] = grads[i], None
            if g is None:
                continue
            parent_grads = cls.backward(contexts[i], g)
            contexts[i] = None
            for j, target, leaf in routes:
                parent_grad = parent_grads[j]
                if parent_grad is None:
                    continue
                if leaf is None:
                    previous = grads[target]
                    grads[target] = parent_grad if previous is None else previous + parent_grad
                else:
                    leaf._accumulate(parent_grad)
