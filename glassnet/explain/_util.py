"""What the glass-box tools share: working copies of a model, inputs, losses and optimizers."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np

from glassnet import losses as _losses
from glassnet.layers.core import final_activation as layer_activation
from glassnet.layers.module import Module
from glassnet.tensor import Tensor, no_grad

__all__ = [
    "clone", "cast", "working_copy", "model_dtype", "as_input", "resolve_loss", "output_loss",
    "objective", "loss_value", "optimizer_copy", "check_positive_int", "final_activation",
]


def check_positive_int(name: str, value: Any) -> int:
    """``value`` as an int, or a ValueError naming ``name`` when it is not a positive integer."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def clone(model: Module) -> Module:
    """An independent deep copy of ``model`` without its optimizer and without gradients.

    The copy's parameters are plain arrays of their own (not views into an optimizer's
    buffers), so backward passes and updates on it leave ``model`` untouched.
    """
    if not isinstance(model, Module):
        raise TypeError(f"model must be a glassnet Model or Layer, got {type(model).__name__}")
    optimizer = getattr(model, "optimizer", None)
    memo = {} if optimizer is None else {id(optimizer): None}
    work = copy.deepcopy(model, memo)
    for p in work.parameters():
        p.data = np.array(p.data, copy=True)
        p.grad = None
    return work


def cast(module: Module, dtype: Any) -> Module:
    """Convert the parameters and buffers of ``module`` (a working copy) to ``dtype`` in place."""
    dtype = np.dtype(dtype)
    for sub in module.modules():
        if getattr(sub, "dtype", None) is not None:
            sub.dtype = dtype
        for key in sub._buffers:
            setattr(sub, key, np.asarray(getattr(sub, key), dtype=dtype))
    for p in module.parameters():
        p.data = p.data.astype(dtype)
        p.grad = None
    return module


def model_dtype(model: Module) -> np.dtype:
    """The dtype of the weights (of the model's ``dtype`` before they exist; float32 by default)."""
    params = model.parameters()
    return params[0].dtype if params else np.dtype(getattr(model, "dtype", None) or np.float32)


def working_copy(model: Module, dtype: Any = None) -> tuple[Module, np.dtype]:
    """:func:`clone` of ``model``, converted to ``dtype`` if given, and the dtype it computes in."""
    work = clone(model)
    if dtype is None:
        return work, model_dtype(work)
    cast(work, dtype)
    return work, np.dtype(dtype)


def as_input(X: Any, dtype: Any, name: str = "X", requires_grad: bool = False) -> Tensor:
    """A 2-D or higher float Tensor of ``dtype`` from array-like data (or a Tensor)."""
    data = X.data if isinstance(X, Tensor) else X
    if hasattr(data, "to_numpy"):
        data = data.to_numpy()
    array = np.asarray(data, dtype=dtype)
    if array.ndim < 2:
        raise ValueError(
            f"{name} must hold one row per sample (at least 2-D), got shape {array.shape}; use "
            f"{name}.reshape(1, -1) for one sample or {name}.reshape(-1, 1) for one feature"
        )
    return Tensor(array, requires_grad=requires_grad, dtype=dtype)


def final_activation(model: Any) -> str | None:
    """The activation name of the layer that makes a model's (first) output, or of a single
    layer (see :func:`glassnet.layers.core.final_activation`; None if it has none)."""
    outputs = getattr(model, "output_activations", None)
    if outputs is not None:
        return outputs[0]
    return layer_activation(model)


# The loss an uncompiled model is judged by, after its output activation (MSE otherwise).
_DEFAULT_LOSSES = {"softmax": _losses.CrossEntropy, "sigmoid": _losses.BinaryCrossEntropy}


def resolve_loss(model: Any, loss: Any) -> Any:
    """The loss object: ``loss`` by name or object, else the compiled loss, else the loss
    that fits the output: the loss that trains an output head (GaussianNLL, Pinball),
    cross-entropy after softmax, binary cross-entropy after sigmoid, MSE after any other (a
    regression output)."""
    if loss is not None:
        return _losses.get(loss)
    compiled = getattr(model, "loss_fns", None)
    if compiled:
        return compiled[0]
    final_layer = getattr(model, "final_layer", None)
    head = final_layer(0) if final_layer is not None else model
    if hasattr(head, "training_loss"):
        return head.training_loss()
    return _DEFAULT_LOSSES.get(final_activation(model), _losses.MSE)()


def output_loss(loss: Any, activation: str | None) -> Any:
    """The form of ``loss`` that takes the network's output a^L (probabilities) rather than
    logits, so that dE/da^L exists as a node of the graph.

    Cross-entropy after softmax and binary cross-entropy after sigmoid default to the
    fused from-logits form; here they are evaluated on the probabilities instead.
    """
    fused = {_losses.CrossEntropy: "softmax", _losses.BinaryCrossEntropy: "sigmoid"}.get(type(loss))
    if fused is not None and fused == activation and loss.from_logits is not False:
        return type(loss)(**{**loss.get_config(), "from_logits": False})
    return loss


def objective(model: Any, loss: Any) -> Callable[[Tensor, Any], Tensor]:
    """``E(x, y)``, the scalar training loss of ``model`` on a batch, as a Tensor.

    Without an explicit ``loss`` a compiled model is scored as training scores it (the
    fused from-logits form where it applies); otherwise ``loss`` is applied to the outputs.
    """
    if loss is None and getattr(model, "compiled", False):
        pairs = model.training_losses()
        loss_fn, logits = pairs[0]

        def compiled_objective(x: Tensor, y: Any) -> Tensor:
            return loss_fn(model.logits(x) if logits else model(x), y)

        return compiled_objective
    loss_fn = output_loss(resolve_loss(model, loss), final_activation(model))

    def given_objective(x: Tensor, y: Any) -> Tensor:
        return loss_fn(model(x), y)

    return given_objective


def loss_value(model: Any, x: Tensor, y: Any, loss: Any) -> float:
    """The loss of ``model`` on (x, y) in evaluation mode, without recording a graph."""
    fn = objective(model, loss)
    previous = model.training
    model.eval()
    try:
        with no_grad():
            return float(fn(x, y).item())
    finally:
        model.train(previous)


def optimizer_copy(optimizer: Any, params: list[Tensor], source_params: list[Tensor] | None = None) -> Any:
    """A new optimizer with the hyperparameters of ``optimizer`` (an object or a name),
    bound to ``params``; its parameter groups and state (moments, step counts) are copied
    when ``optimizer`` holds ``source_params`` (the parameters ``params`` were copied from)."""
    from glassnet import optim

    original = optim.get(optimizer)
    fresh = type(original).from_config(original.get_config())
    if source_params is None or {id(p) for p in original.params} != {id(p) for p in source_params}:
        return fresh.bind(params)
    copy_of = {id(source): p for source, p in zip(source_params, params, strict=True)}
    fresh.bind([{**{k: v for k, v in group.items() if k != "params"},
                 "params": [copy_of[id(p)] for p in group["params"]]} for group in original.param_groups])
    fresh.load_state_dict(original.state_dict())
    return fresh
