"""Stochastic gradient descent, with momentum and Nesterov momentum."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from glassnet.optim.base import (
    OPTIMIZERS,
    FlatGroup,
    Optimizer,
    Option,
    check_flag,
    check_hyperparameter,
    other_spellings,
)
from glassnet.tensor import Tensor

__all__ = ["SGD"]


@OPTIMIZERS.register("sgd", "gd")
class SGD(Optimizer):
    r"""Gradient descent on the weights w, with optional momentum (heavy ball) and Nesterov.

    With :math:`g_t = \nabla J(w_{t-1}) + \lambda w_{t-1}` (the gradient, plus weight decay
    :math:`\lambda`), learning rate :math:`\alpha`, momentum :math:`\mu` and dampening
    :math:`\tau`:

    .. math::

        \text{plain:}\quad & w_t = w_{t-1} - \alpha\, g_t \\
        \text{momentum:}\quad & b_1 = g_1, \quad b_t = \mu\, b_{t-1} + (1 - \tau)\, g_t,
            \quad w_t = w_{t-1} - \alpha\, b_t \\
        \text{Nesterov:}\quad & w_t = w_{t-1} - \alpha\, (g_t + \mu\, b_t)

    The momentum buffer b is a running sum of past gradients, each older one weighted by
    one more factor mu: steps keep going in a consistent direction and oscillations
    across a narrow valley cancel. Nesterov's variant looks one step ahead along b.

    This is ``torch.optim.SGD`` exactly (defaults included). Keras writes momentum with
    the learning rate inside the velocity, :math:`v_t = \mu v_{t-1} - \alpha g_t`,
    :math:`w_t = w_{t-1} + v_t` (Nesterov: :math:`w_t = w_{t-1} + \mu v_t - \alpha g_t`):
    the same trajectory while alpha is constant (:math:`v_t = -\alpha b_t`), a different
    one after alpha changes. Keras has no dampening, and its ``weight_decay`` is
    decoupled (:math:`w \leftarrow w - \alpha \lambda w`) instead of added to the gradient.

    Parameters
    ----------
    params : iterable of Parameter, optional
        Parameters to update; if omitted, ``bind`` them later (``model.compile`` does).
    lr : float, default 0.01
        Learning rate alpha >= 0 (Keras's ``learning_rate=`` is accepted too, by every optimizer).
    momentum : float, default 0.0
        mu in [0, 1); 0 is plain gradient descent (1 would never forget a gradient).
    dampening : float, default 0.0
        tau in [0, 1]: the new gradient enters the buffer with weight 1 - tau.
    nesterov : bool, default False
        Nesterov momentum (needs momentum > 0 and dampening = 0).
    weight_decay : float, default 0.0
        lambda >= 0: adds lambda w to the gradient (an L2 penalty (lambda/2) ||w||^2).
    clipnorm, clipvalue : float, optional
        Gradient clipping before the update (see :class:`~glassnet.optim.base.Optimizer`).

    References
    ----------
    Polyak (1964); Sutskever et al., "On the importance of initialization and momentum
    in deep learning", ICML 2013.

    Examples
    --------
    >>> from glassnet.layers import Parameter
    >>> w = Parameter(np.array([1.0, -2.0]))
    >>> opt = SGD([w], lr=0.1, momentum=0.9)
    >>> w.grad[...] = [0.5, 0.5]
    >>> opt.step()
    >>> w.data
    array([ 0.95, -2.05])
    """

    name = "sgd"
    config_keys = ("lr", "momentum", "dampening", "nesterov", "weight_decay", "clipnorm", "clipvalue")
    momentum, dampening, nesterov, weight_decay = Option(), Option(), Option(), Option()

    def __init__(
        self,
        params: Iterable[Tensor] | None = None,
        lr: float = 0.01,
        momentum: float = 0.0,
        dampening: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        **spellings: Any,
    ) -> None:
        lr = other_spellings(type(self), spellings, {"lr": lr})["lr"]
        self.momentum = check_hyperparameter("momentum", momentum, 0.0, 1.0, high_open=True)
        self.dampening = check_hyperparameter("dampening", dampening, 0.0, 1.0)
        self.nesterov = check_flag("nesterov", nesterov)
        if self.nesterov and (self.momentum == 0 or self.dampening != 0):
            raise ValueError(
                "nesterov=True needs momentum > 0 and dampening = 0, got "
                f"momentum={momentum!r}, dampening={dampening!r}"
            )
        self.weight_decay = check_hyperparameter("weight_decay", weight_decay)
        super().__init__(params, lr, clipnorm, clipvalue)

    def _update(self, group: FlatGroup, g: np.ndarray) -> None:
        o = group.options
        lr, momentum, dampening, nesterov = o["lr"], o["momentum"], o["dampening"], o["nesterov"]
        kernel = group.kernel("sgd")
        if kernel is not None:
            buf, first = None, False
            if momentum != 0:
                first = "momentum_buffer" not in group.state
                buf = group.state_array("momentum_buffer")
            kernel(group.data, g, buf, -lr, momentum, dampening, nesterov, o["weight_decay"], first)
            return
        g = self._add_weight_decay(group, g, o["weight_decay"])
        tmp = group.scratch("tmp")
        direction = g
        if momentum != 0:
            direction = _momentum_buffer(group, g, tmp, momentum, dampening)
            if nesterov:
                np.multiply(direction, momentum, out=tmp)
                direction = np.add(tmp, g, out=tmp)
        np.multiply(direction, -lr, out=tmp)
        group.data += tmp


def _momentum_buffer(group: FlatGroup, g: np.ndarray, tmp: np.ndarray, momentum: float,
                     dampening: float) -> np.ndarray:
    """b_t = mu b_{t-1} + (1 - tau) g_t, with b_1 = g_1 (the first step is not damped)."""
    buf = group.state.get("momentum_buffer")
    if buf is None:
        buf = group.state["momentum_buffer"] = g.copy()
        return buf
    buf *= momentum
    if dampening != 0:
        np.multiply(g, 1.0 - dampening, out=tmp)
        buf += tmp
    else:
        buf += g
    return buf
