"""Extra loss terms of a model, Keras's ``Model.add_loss``.

A training step minimises

.. math::

    E = \\sum_{outputs} \\mathrm{loss}(f(x), y) + \\sum_k \\mathrm{sum}(L_k) + \\mathrm{penalty}(W)

where each extra term L_k is either

- a symbolic tensor of a functional model, computed from its layers' outputs (the KL term
  of a variational autoencoder from the encoder's mean and log-variance): it is evaluated
  in the same forward pass as the outputs, on the batch of the step; or
- a zero-argument callable returning a Tensor (a penalty on weights or on a layer's state),
  called once per step after the forward pass.

A term with more than one value is summed, as Keras does. The terms are part of the
training loss: ``fit``'s history reports the outputs' losses plus the extra terms as
``"loss"`` (the weight penalties stay in ``"reg_loss"``). ``evaluate`` and the validation
loss count them too, as Keras's do: evaluated in evaluation mode, averaged over the batches.
A model file does not keep the terms (add them again after loading to train further).
"""

from __future__ import annotations

from typing import Any

from glassnet._graph import topological_order
from glassnet.layers import layout
from glassnet.layers.module import Layer
from glassnet.symbolic import Symbolic
from glassnet.tensor import Tensor

__all__ = ["add_loss", "added_loss"]


def _refuse(model: Any, loss: Any, why: str) -> None:
    raise TypeError(
        f"model {model.name!r}: add_loss({type(loss).__name__}) {why}. add_loss takes a symbolic tensor "
        "computed from the layers of a functional model (gn.Model(inputs, outputs)), or a zero-argument "
        "callable returning a Tensor, e.g. model.add_loss(lambda: 1e-3 * (layer.W ** 2).sum())"
    )


def add_loss(model: Any, loss: Any) -> None:
    """Add an extra term to the model's training loss, as Keras's ``model.add_loss``: a
    symbolic tensor computed from the layers of this functional model, or a zero-argument
    callable returning a Tensor (see the module for how the terms are counted).

    Examples
    --------
    >>> x = gn.Input((4,)); h = gn.layers.Dense(2)(x)
    >>> model = gn.Model(x, h)
    >>> model.add_loss(1e-2 * gn.functional.mean(h * h))
    """
    from glassnet.models.base import _symbolic_inputs

    if isinstance(loss, Tensor):
        _refuse(model, loss, "got a Tensor of fixed values: it would add the same constant at every step")
    if isinstance(loss, (list, tuple)):
        for item in loss:
            add_loss(model, item)
        return
    if not isinstance(loss, Symbolic):
        if not callable(loss):
            _refuse(model, loss, "got neither a symbolic tensor nor a callable")
        model._added_losses.append(loss)
        return
    if model.subclassed or not model._inputs:
        _refuse(model, loss, "got a symbolic tensor, but the model is not a functional model")
    if model._layout == layout.CHANNELS_LAST:
        raise ValueError(f"model {model.name!r}: add_loss of a symbolic tensor needs a channels-first model; "
                         "give the loss as a zero-argument callable instead")
    symbols = [term for term in model._added_losses if isinstance(term, Symbolic)] + [loss]
    nodes = topological_order(model._outputs + symbols, _symbolic_inputs)
    for node in nodes:
        if node.op is None and not any(node is x for x in model._inputs):
            raise ValueError(f"model {model.name!r}: the loss given to add_loss depends on an Input that "
                             f"is not one of the model's inputs: {node!r}")
        if isinstance(node.op, Layer) and not any(node.op is layer for layer in model.layers):
            raise ValueError(f"model {model.name!r}: the loss given to add_loss uses layer {node.op.name!r}, "
                             "which is not part of the model (it does not lead to an output)")
    model._added_losses.append(loss)
    model._walk_nodes[:] = nodes


def added_loss(model: Any) -> Tensor | None:
    """The sum of the extra terms for the forward pass just run (None without any): the
    symbolic terms' values from that pass, then each callable's."""
    values = iter(model._loss_values)
    total = None
    for term in model._added_losses:
        value = next(values) if isinstance(term, Symbolic) else term()
        if not isinstance(value, Tensor):
            raise TypeError(f"model {model.name!r}: an add_loss callable must return a Tensor, "
                            f"got {type(value).__name__}")
        if value.ndim:
            value = value.sum()
        total = value if total is None else total + value
    return total
