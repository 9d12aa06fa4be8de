"""One training step: forward, loss, penalty, zero_grad, backward, update.

``fit`` calls :func:`train_step` once per batch. A model class that defines its own
``train_step(self, x, y, sample_weight)`` method (Keras's hook) is trained with that
method instead; it may call :func:`train_step` for the usual step and add to it::

    class Clipped(gn.Sequential):
        def train_step(self, x, y, sample_weight=None):
            step = gn.training.train_step(self, x, y, sample_weight)
            for p in self.parameters():
                np.clip(p.data, -1.0, 1.0, out=p.data)
            return step

For a model of static-graph layers trained with this function, ``fit`` records the first
step of each input shape and replays it (:mod:`glassnet.training.replay`): the same
calls on the same arrays, so the same bits.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from glassnet.models.added_losses import added_loss
from glassnet.tensor import Tensor

__all__ = ["Step", "train_step"]


class Step(NamedTuple):
    """What one training step computed, as graph nodes.

    Attributes
    ----------
    loss : Tensor
        The data loss: the sum of the outputs' losses and of the ``add_loss`` terms (scalar).
    penalty : Tensor or None
        The sum of the weight penalties (``kernel_regularizer``), None without any.
    outputs : list of Tensor
        The model's outputs; logits where the loss is fused with the final activation.

    Examples
    --------
    >>> class Logged(gn.Sequential):
    ...     def train_step(self, x, y, sample_weight=None):
    ...         self.last = gn.training.train_step(self, x, y, sample_weight)
    ...         return self.last
    ...
    >>> model = Logged([gn.layers.Dense(1, input_dim=1)], seed=0)
    >>> model.compile(optimizer=gn.optim.SGD(lr=0.1), loss="mse")
    >>> _ = model.fit(np.array([[1.0]]), np.array([[2.0]]), epochs=1, verbose=0)
    >>> type(model.last).__name__, model.last.loss.shape, model.last.penalty, len(model.last.outputs)
    ('Step', (), None, 1)
    """

    loss: Tensor
    penalty: Tensor | None
    outputs: list[Tensor]


def train_step(model: Any, x: Sequence[np.ndarray], y: Sequence[np.ndarray],
               sample_weight: np.ndarray | None = None) -> Step:
    """One gradient step of a compiled ``model`` on the batch (x, y).

    E = sum over outputs of loss(f(x), y) + the extra terms of ``model.add_loss``
    + penalty(W); the gradients dE/dW go into each
    weight's ``.grad`` and the optimizer updates the weights. A loss fused with the final
    activation (softmax + cross-entropy) takes the logits. A non-finite E skips the
    backward pass and the update (``fit`` then stops, see TerminateOnNaN).

    Parameters
    ----------
    model : Model
        Compiled; the optimizer is bound to its parameters.
    x : list of arrays
        The batch's inputs, one array per model input.
    y : list of arrays
        The batch's targets, one per output, as the loss prepared them
        (:meth:`glassnet.losses.Loss.prepare_target`).
    sample_weight : array (N,), optional

    Examples
    --------
    Keras's hook: a model class of one's own wraps the step, here to count the steps:

    >>> class Counted(gn.Sequential):
    ...     steps = 0
    ...     def train_step(self, x, y, sample_weight=None):
    ...         self.steps += 1
    ...         return gn.training.train_step(self, x, y, sample_weight)
    ...
    >>> model = Counted([gn.layers.Dense(1, input_dim=1)], seed=0)
    >>> model.compile(optimizer=gn.optim.SGD(lr=0.1), loss="mse")
    >>> X = np.linspace(0, 1, 8).reshape(-1, 1)
    >>> _ = model.fit(X, 2 * X, epochs=2, batch_size=4, verbose=0)
    >>> model.steps
    4
    """
    losses = model.training_losses()
    fused = [flag for _, flag in losses]
    inputs = [Tensor._make(a, False, None) for a in x]
    out = model.activate(model.logits(*inputs), fused) if True in fused else model(*inputs)
    outputs = out if isinstance(out, list) else [out]
    loss = None
    for (loss_fn, _), output, target in zip(losses, outputs, y):
        value = loss_fn.apply_prepared(output, target, sample_weight)
        loss = value if loss is None else loss + value
    if model._added_losses:
        loss = loss + added_loss(model)
    penalty = model.regularization_loss()
    total = loss if penalty is None else loss + penalty
    if not math.isfinite(loss.item() + (0.0 if penalty is None else penalty.item())):
        return Step(loss, penalty, outputs)
    model.optimizer.zero_grad()
    if total.requires_grad:  # False when every weight is frozen
        total.backward()
    model.optimizer.step()
    return Step(loss, penalty, outputs)
