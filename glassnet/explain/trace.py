"""One forward and backward pass laid open: a_prev, z, a, delta, dW, db and the update, per layer.

The numbers are read from the autodiff graph itself. Each Dense-like layer is run as its
two halves, ``z = layer.pre_activation(a_prev)`` and ``a = layer.g(z)``, with
``z.retain_grad()`` and ``a.retain_grad()``; after ``E.backward()`` the retained gradients
are the lectures' quantities:

.. math::

    \\delta^l = \\frac{\\partial E}{\\partial z^l}, \\qquad
    \\delta^L = \\frac{\\partial E}{\\partial a^L} \\odot g'(z^L), \\qquad
    \\delta^l = (\\delta^{l+1} {W^{l+1}}^T) \\odot g'(z^l),

    \\frac{\\partial E}{\\partial W^l} = {a^{l-1}}^T \\delta^l, \\qquad
    \\frac{\\partial E}{\\partial b^l} = \\sum_n \\delta^l_n

and g'(z) is the local derivative that the activation's own node applies in backward.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from glassnet.explain import _util, _views
from glassnet.layers import layout
from glassnet.layers.core import KernelLayer, splits
from glassnet.layers.module import Layer
from glassnet.tensor import Tensor

__all__ = ["trace", "Trace", "LayerTrace", "run_layers"]

_VECTOR_ACTIVATIONS = ("softmax", "log_softmax")


@dataclass
class LayerTrace:
    """The numbers of one layer l in one pass (arrays have the batch on axis 0).

    Attributes
    ----------
    index : int
        l, counted from 1 (the input is a^0).
    name, kind : str
        The layer's name and class name.
    activation : str or None
        The name of its activation g, None for a layer without one.
    a_prev, z, a : numpy.ndarray
        Input a^{l-1}, pre-activation z^l = a^{l-1} W^l + b^l (None for layers without
        one, such as Dropout) and output a^l = g(z^l).
    delta, dE_da : numpy.ndarray or None
        dE/dz^l and dE/da^l, the retained gradients.
    g_prime : numpy.ndarray or None
        g'(z^l) for an elementwise activation (None for softmax and for layers without z).
    params, grads, steps : dict of str to numpy.ndarray
        Each parameter ("W", "b", ...) before the update, its gradient dE/dparam, and the
        update the optimizer applied (after - before; empty without an optimizer).
    regularized : bool
        Whether a weight penalty of the layer adds to the gradients.

    Examples
    --------
    >>> model = gn.Sequential([gn.layers.Dense(2, activation="sigmoid", input_dim=2)], seed=0)
    >>> t = gn.explain.trace(model, [[0.05, 0.1]], [[0.01, 0.99]], loss="mse")
    >>> layer = t.layers[0]
    >>> layer.index, layer.activation, layer.W.shape, layer.delta.shape
    (1, 'sigmoid', (2, 2), (1, 2))
    """

    index: int
    name: str
    kind: str
    activation: str | None
    a_prev: np.ndarray
    a: np.ndarray
    z: np.ndarray | None = None
    delta: np.ndarray | None = None
    dE_da: np.ndarray | None = None  # noqa: N815 - the lectures' name
    g_prime: np.ndarray | None = None
    params: dict[str, np.ndarray] = field(default_factory=dict)
    grads: dict[str, np.ndarray] = field(default_factory=dict)
    steps: dict[str, np.ndarray] = field(default_factory=dict)
    regularized: bool = False

    W = property(lambda self: self.params.get("W"), doc="W^l before the update.")
    b = property(lambda self: self.params.get("b"), doc="b^l before the update.")
    dW = property(lambda self: self.grads.get("W"), doc="dE/dW^l.")  # noqa: N815 - the lectures' name
    db = property(lambda self: self.grads.get("b"), doc="dE/db^l.")
    dW_step = property(lambda self: self.steps.get("W"), doc="The update of W^l.")  # noqa: N815 - the lectures' name
    db_step = property(lambda self: self.steps.get("b"), doc="The update of b^l.")


@dataclass
class Trace:
    """What :func:`trace` returns: the per-layer records and the loss.

    Attributes
    ----------
    layers : list of LayerTrace
    X, y : numpy.ndarray
        The batch.
    output : numpy.ndarray
        a^L, the network's output.
    loss : float
        E, the loss of the batch (with the weight penalties, if any).
    dE_doutput : numpy.ndarray
        dE/da^L.
    loss_fn : object
        The loss that was applied to a^L.
    optimizer : str or None
        The optimizer whose step is recorded in ``steps``.
    chain : bool
        True when each layer feeds the next (a Sequential model): the equations then write
        delta^l from delta^{l+1}. False for a functional graph, where each layer's a_prev
        is its own input x^l and delta^l is written from the retained dE/da^l.

    Examples
    --------
    >>> model = gn.Sequential([gn.layers.Dense(2, activation="sigmoid", input_dim=2)], seed=0)
    >>> t = gn.explain.trace(model, [[0.05, 0.1]], [[0.01, 0.99]], loss="mse")
    >>> len(t.layers), t.output.shape, round(t.loss, 4)
    (1, (1, 2), 0.2682)
    """

    layers: list[LayerTrace]
    X: np.ndarray
    y: np.ndarray
    output: np.ndarray
    loss: float
    dE_doutput: np.ndarray  # noqa: N815 - the lectures' name
    loss_fn: Any
    optimizer: str | None = None
    chain: bool = True

    def layer(self, key: int | str) -> LayerTrace:
        """A layer's record by its number l (1 = first layer) or its name."""
        for record in self.layers:
            if record.index == key or record.name == key:
                return record
        raise KeyError(
            f"no layer {key!r} in this trace; give a number in 1..{len(self.layers)} or one of "
            f"{[r.name for r in self.layers]}"
        )

    def table(self, sample: int | None = None, console: Any = None, digits: int = 6) -> list[Any]:
        """Print the numbers as rich tables (one sample, or the batch mean when ``sample`` is
        None) and return the tables."""
        from glassnet.explain._tables import print_sections

        return print_sections(_views.sections(self, sample), console, digits)

    def to_markdown(self, sample: int | None = None, digits: int = 6) -> str:
        """The numbers as Markdown tables (one sample, or the batch mean)."""
        from glassnet.explain._tables import markdown

        return markdown(_views.sections(self, sample), digits)

    def to_frame(self, sample: int | None = None) -> Any:
        """Every number in one long pandas DataFrame: layer, name, quantity, index, value."""
        return _views.frame(self, sample)

    def equations(self, layer: int | str, sample: int = 0, digits: int = 6,
                  bias_as_weight: bool = False) -> str:
        """The chain rule of one layer with this pass's numbers substituted, as text.

        With ``bias_as_weight`` the forward pass is also written with the bias as a weight on a
        constant input x0 = 1: ``z = [1, a_prev] [b; W]``, the lectures' second form.

        Examples
        --------
        >>> import glassnet as gn
        >>> model = gn.Sequential([gn.layers.Dense(1)], seed=0)
        >>> _ = model.build(input_shape=(2,), dtype=np.float64)
        >>> model.load_state_dict({"layers.0.W": np.array([[2.0], [3.0]]), "layers.0.b": np.array([1.0])})
        >>> print(trace(model, [[1.0, 1.0]], [[0.0]]).equations(1, bias_as_weight=True).splitlines()[2])
        z^1 = [1, a^0] [b^1; W^1] = [1, 1, 1] [[1], [2], [3]] = [6]
        """
        return _views.equations(self, self.layer(layer), sample, digits, bias_as_weight)

    def __repr__(self) -> str:
        return f"Trace(layers={[r.name for r in self.layers]}, loss={self.loss:.6g})"


class _Pass:
    """One recorded forward and backward pass on a working copy of a model."""

    def __init__(self, model: Any, x: Tensor, y: Any, loss_fn: Any) -> None:
        self.model, self.x, self.y, self.loss_fn = model, x, y, loss_fn
        self.nodes, self.output = forward_layers(model, x)
        self.data_loss = loss_fn(self.output, y)
        penalty = model.regularization_loss() if hasattr(model, "regularization_loss") else None
        if getattr(model, "_added_losses", None):  # the model's add_loss terms, as in training
            from glassnet.models.added_losses import added_loss

            extra = added_loss(model)
            penalty = extra if penalty is None else penalty + extra
        self.total = self.data_loss if penalty is None else self.data_loss + penalty
        self.total.backward()


def run_layers(model: Any, x: Tensor) -> list[tuple[Any, Tensor, Tensor | None, Tensor]]:
    """The layer calls of one forward pass: (layer, a_prev, z, a) each; see :func:`forward_layers`."""
    return forward_layers(model, x)[0]


def forward_layers(model: Any, x: Tensor) -> tuple[list[tuple[Any, Tensor, Tensor | None, Tensor]], Tensor]:
    """Run the model layer call by layer call: (layer, a_prev, z, a) each, z and a retaining
    their gradients, and the model's output.

    A layer with weights whose call is its two halves (Dense, the convolutions: see
    :func:`glassnet.layers.core.splits`) runs as z = a_prev W + b and a = g(z), the layer's
    own ``pre_activation`` and ``g``; any other layer (Dropout, Flatten, ...) runs
    as a whole, with z None. A
    functional model runs its graph: a_prev is each layer's input, a layer called twice
    (shared) gives two records, and the graph's operations (``+``, ``concatenate``) run
    between them unrecorded.
    """
    nodes: list[tuple[Any, Tensor, Tensor | None, Tensor]] = []

    def through(layer: Any, a_prev: Tensor, *others: Any) -> Tensor:
        if isinstance(layer, KernelLayer) and splits(layer) and not others:
            z = layout.pre_activation(layer, a_prev).retain_grad()
            a = layer.g(z)
        else:  # others: a layer of several inputs (Sampling's mu and log_var), a_prev its first
            z, a = None, layer(a_prev, *others)
        nodes.append((layer, a_prev, z, a.retain_grad()))
        return a

    if getattr(model, "_inputs", None):
        _check_one_input_one_output(model)
        output = model.walk([x], lambda node, args: through(node.op, *args) if isinstance(node.op, Layer)
                            else node.op(*args, **node.options))[0]
        return nodes, output.retain_grad()
    a = x
    for layer in _layers(model):
        a = through(layer, a)
    return nodes, a


def _check_one_input_one_output(model: Any) -> None:
    if len(model._inputs) != 1 or len(model._outputs) != 1:
        raise TypeError(
            f"trace takes one batch X and one target y: model {model.name!r} has "
            f"{len(model._inputs)} input(s) and {len(model._outputs)} output(s); trace a model "
            "with one input and one output (e.g. gn.Model(x, one_head) on the same layers)"
        )


def _layers(model: Any) -> list[Any]:
    layers = getattr(model, "layers", None)
    if layers is None and hasattr(model, "call"):
        return [model]
    if not layers:
        raise TypeError(f"trace needs a model with layers (or a single layer); got {type(model).__name__}")
    return list(layers)


def _g_prime(z: Tensor | None, a: Tensor) -> np.ndarray | None:
    """g'(z), read from the activation's node: its backward applied to a gradient of ones."""
    if z is None or a.op in _VECTOR_ACTIVATIONS or a.parents != (z,):
        return None
    return type(a._ctx).backward(a._ctx, np.ones_like(a.data))[0]


def _record(index: int, layer: Any, a_prev: Tensor, z: Tensor | None, a: Tensor) -> LayerTrace:
    named = layer.named_parameters()
    return LayerTrace(
        index=index, name=layer.name, kind=type(layer).__name__,
        activation=getattr(layer, "activation", None),
        a_prev=a_prev.data.copy(), a=a.data.copy(),
        z=None if z is None else z.data.copy(),
        delta=None if z is None or z.grad is None else z.grad.copy(),
        dE_da=None if a.grad is None else a.grad.copy(),
        g_prime=_g_prime(z, a),
        params={name: p.data.copy() for name, p in named},
        grads={name: (np.zeros_like(p.data) if p.grad is None else p.grad.copy()) for name, p in named},
        regularized=getattr(layer, "kernel_regularizer", None) is not None,
    )


def trace(
    model: Any,
    X: Any,
    y: Any,
    loss: Any = None,
    optimizer: Any = None,
    *,
    training: bool = True,
    dtype: Any = None,
) -> Trace:
    """Run one forward and backward pass (and one optimizer step) and record every number.

    The pass runs on a copy of ``model``: its weights, gradients, optimizer state and
    random generators are left unchanged.

    Parameters
    ----------
    model : Sequential, Model (one input, one output) or Layer
    X, y : array_like
        One batch of inputs and targets.
    loss : str or Loss, optional
        Default: the compiled loss, else the one the output activation calls for (cross-entropy after
        softmax, binary cross-entropy after sigmoid, else MSE). A cross-entropy after a softmax (sigmoid)
        output is applied to the probabilities, so that dE/da^L is part of the graph.
    optimizer : str or Optimizer, optional
        When given, one step of it (with its current state, if it is bound to ``model``)
        is taken on the copy and recorded as ``dW_step``, ``db_step``.
    training : bool, default True
        Run in training mode (dropout active, batch statistics) as a training step does.
    dtype : numpy dtype, optional
        Compute in this precision (e.g. ``np.float64``); default: the model's.

    Returns
    -------
    Trace

    Examples
    --------
    >>> model = gn.Sequential([gn.layers.Dense(2, activation="sigmoid", input_dim=2),
    ...                        gn.layers.Dense(2, activation="sigmoid")], seed=0)
    >>> t = gn.explain.trace(model, [[0.05, 0.1]], [[0.01, 0.99]], loss=gn.losses.MSE("sum", scale=0.5))
    >>> print(t.equations(2))  # delta^2 = (a^2 - y) * g'(z^2) with the numbers
    layer 2 of 2: dense_1 (Dense, sigmoid), sample 0 of 1
    z^2 = a^1 W^2 + b^2 = [0.527151, 0.47148] [[0.434042, -0.629551], [0.273764, -0.188366]] + [0,
        0] = [0.35788, -0.42068]
    a^2 = sigmoid(z^2) = [0.588527, 0.396354]
    delta^2 = (a^2 - y) * g'(z^2) = [0.578527, -0.593646] * [0.242163, 0.239258] = [0.140098,
        -0.142034]
    dE/dW^2 = (a^1)^T delta^2 = [0.527151, 0.47148]^T [0.140098, -0.142034] = [[0.0738527,
        -0.0748735], [0.0660534, -0.0669664]]
    dE/db^2 = sum_n delta^2_n = [0.140098, -0.142034]
    """
    work, dtype = _util.working_copy(model, dtype)
    work.train(training)
    x = _util.as_input(X, dtype)
    loss_fn = _util.output_loss(_util.resolve_loss(model, loss), _util.final_activation(work))
    run = _Pass(work, x, y, loss_fn)
    records = [_record(i, *node) for i, node in enumerate(run.nodes, start=1)]
    if optimizer is not None:
        _take_step(work, model, optimizer, records, [node[0] for node in run.nodes])
    return Trace(
        layers=records, X=x.data.copy(), y=np.asarray(y), output=run.output.data.copy(),
        loss=float(run.total.item()), dE_doutput=run.output.grad.copy(), loss_fn=loss_fn,
        optimizer=None if optimizer is None else _optimizer_name(optimizer),
        chain=not getattr(work, "_inputs", None),
    )


def _optimizer_name(optimizer: Any) -> str:
    return optimizer if isinstance(optimizer, str) else repr(optimizer)


def _take_step(work: Any, model: Any, optimizer: Any, records: list[LayerTrace], layers: list[Any]) -> None:
    opt = _util.optimizer_copy(optimizer, work.parameters(), model.parameters())
    before = {id(layer): {name: p.data.copy() for name, p in layer.named_parameters()} for layer in layers}
    opt.step()
    for record, layer in zip(records, layers):
        old = before[id(layer)]
        record.steps = {name: p.data - old[name] for name, p in layer.named_parameters()}
