"""Optimizers with a per-weight step size from past squared gradients: AdaGrad and RMSProp."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from glassnet.optim._arguments import keras_epsilon
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

__all__ = ["Adagrad", "RMSprop"]


def _denominator(values: np.ndarray, out: np.ndarray, eps: float, epsilon: float | None) -> np.ndarray:
    """``sqrt(values) + eps`` (PyTorch's place for epsilon), or ``sqrt(values + epsilon)``
    (Keras's) when ``epsilon`` is given, written into ``out``."""
    if epsilon is None:
        np.sqrt(values, out=out)
        out += eps
    else:
        np.add(values, epsilon, out=out)
        np.sqrt(out, out=out)
    return out


@OPTIMIZERS.register("adagrad")
class Adagrad(Optimizer):
    r"""AdaGrad: each weight's step is divided by the root of its summed squared gradients.

    With :math:`g_t = \nabla J(w_{t-1}) + \lambda w_{t-1}` (weight decay :math:`\lambda`),
    :math:`G_0` = ``initial_accumulator_value`` and learning-rate decay :math:`\eta`:

    .. math::

        G_t &= G_{t-1} + g_t \odot g_t \\
        \alpha_t &= \frac{\alpha}{1 + (t - 1)\, \eta} \\
        w_t &= w_{t-1} - \alpha_t \frac{g_t}{\sqrt{G_t} + \epsilon}

    Weights that received large gradients take small steps, rarely updated ones large
    steps. G only grows, so the effective step size keeps shrinking (RMSProp fixes that).

    This is ``torch.optim.Adagrad`` exactly (defaults included). Keras differs: its
    defaults are lr = 0.001, initial_accumulator_value = 0.1 and epsilon = 1e-7, and it
    puts epsilon inside the square root, :math:`w_t = w_{t-1} - \alpha g_t / \sqrt{G_t + \epsilon}`,
    which ``epsilon=`` does here; it has no lr_decay.

    Parameters
    ----------
    params : iterable of Parameter, optional
    lr : float, default 0.01
    lr_decay : float, default 0
        eta >= 0.
    weight_decay : float, default 0
        lambda >= 0 (L2 penalty added to the gradient).
    initial_accumulator_value : float, default 0
        G_0 >= 0. A parameter group's own value is used for its parameters (PyTorch's Adagrad
        starts every group from the constructor's value).
    eps : float, default 1e-10
        epsilon > 0, added to the square root (PyTorch's).
    epsilon : float, optional
        Keras's epsilon > 0, added inside the square root; replaces ``eps``.
    clipnorm, clipvalue : float, optional
        Gradient clipping before the update.

    References
    ----------
    Duchi, Hazan and Singer, "Adaptive subgradient methods for online learning and
    stochastic optimization", JMLR 12 (2011).

    Examples
    --------
    >>> w = gn.Parameter(np.array([1.0, -2.0], dtype=np.float32))
    >>> opt = gn.optim.Adagrad([w], lr=0.1)
    >>> for _ in range(2):
    ...     opt.zero_grad()
    ...     (w * w).sum().backward()
    ...     opt.step()
    ...
    >>> print(w.numpy())
    [ 0.8331 -1.8311]
    """

    name = "adagrad"
    config_keys = (
        "lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps", "epsilon", "clipnorm",
        "clipvalue",
    )
    lr_decay, weight_decay, initial_accumulator_value, eps, epsilon = (Option() for _ in range(5))

    def __init__(
        self,
        params: Iterable[Tensor] | None = None,
        lr: float = 0.01,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        **spellings: Any,
    ) -> None:
        given = other_spellings(type(self), spellings, {"lr": lr, "eps": eps})
        lr, self.epsilon = given["lr"], keras_epsilon(type(self), given)
        self.lr_decay = check_hyperparameter("lr_decay", lr_decay)
        self.weight_decay = check_hyperparameter("weight_decay", weight_decay)
        self.initial_accumulator_value = check_hyperparameter(
            "initial_accumulator_value", initial_accumulator_value
        )
        self.eps = check_hyperparameter("eps", eps, low_open=True)
        super().__init__(params, lr, clipnorm, clipvalue)

    def _update(self, group: FlatGroup, g: np.ndarray) -> None:
        o = group.options
        g = self._add_weight_decay(group, g, o["weight_decay"])
        step_size = o["lr"] / (1.0 + (group.steps - 1) * o["lr_decay"])
        G = group.state_array("sum", o["initial_accumulator_value"])
        tmp = group.scratch("tmp")
        np.multiply(g, g, out=tmp)
        G += tmp
        _denominator(G, tmp, o["eps"], o["epsilon"])
        np.divide(g, tmp, out=tmp)
        tmp *= -step_size
        group.data += tmp


@OPTIMIZERS.register("rmsprop")
class RMSprop(Optimizer):
    r"""RMSProp: divide each step by the root of a running average of squared gradients.

    With :math:`g_t = \nabla J(w_{t-1}) + \lambda w_{t-1}`, decay rate :math:`\rho`:

    .. math::

        v_t &= \rho\, v_{t-1} + (1 - \rho)\, g_t \odot g_t \\
        \tilde v_t &= v_t - \bar g_t \odot \bar g_t, \quad
            \bar g_t = \rho\, \bar g_{t-1} + (1 - \rho)\, g_t
            \quad \text{(centered; otherwise } \tilde v_t = v_t) \\
        w_t &= w_{t-1} - \alpha \frac{g_t}{\sqrt{\tilde v_t} + \epsilon}
            \quad \text{or, with momentum } \mu: \quad
            b_t = \mu\, b_{t-1} + \frac{g_t}{\sqrt{\tilde v_t} + \epsilon}, \quad
            w_t = w_{t-1} - \alpha\, b_t

    All state starts at zero. Unlike AdaGrad's sum, the average forgets old gradients,
    so the step size does not decay to zero. The centered form divides by an estimate of
    the gradient's variance instead of its second moment.

    This is ``torch.optim.RMSprop`` exactly (torch calls rho ``alpha``): rho = 0.99 and
    epsilon = 1e-8 outside the square root. Keras's defaults are lr = 0.001, rho = 0.9,
    epsilon = 1e-7, epsilon goes inside the square root,
    :math:`w_t = w_{t-1} - \alpha g_t / \sqrt{\tilde v_t + \epsilon}` (as ``epsilon=``
    does here), and its momentum buffer accumulates the steps with alpha already applied
    (the same steps while alpha is constant).

    Parameters
    ----------
    params : iterable of Parameter, optional
    lr : float, default 0.01
    rho : float, default 0.99
        Decay rate of the averages, in [0, 1) (PyTorch's ``alpha=`` is accepted too).
    eps : float, default 1e-8
        epsilon > 0, added to the square root (PyTorch's).
    epsilon : float, optional
        Keras's epsilon > 0, added inside the square root; replaces ``eps``.
    weight_decay : float, default 0
        lambda >= 0 (L2 penalty added to the gradient).
    momentum : float, default 0
        mu in [0, 1).
    centered : bool, default False
    clipnorm, clipvalue : float, optional
        Gradient clipping before the update.

    References
    ----------
    Tieleman and Hinton, Lecture 6.5 of "Neural Networks for Machine Learning" (2012);
    Graves, "Generating sequences with recurrent neural networks" (2013) for the centered form.

    Examples
    --------
    >>> w = gn.Parameter(np.array([1.0, -2.0], dtype=np.float32))
    >>> opt = gn.optim.RMSprop([w], lr=0.01)
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> print(w.numpy())
    [ 0.9 -1.9]
    """

    name = "rmsprop"
    config_keys = ("lr", "rho", "eps", "epsilon", "weight_decay", "momentum", "centered", "clipnorm",
                   "clipvalue")
    rho, eps, epsilon, weight_decay, momentum, centered = (Option() for _ in range(6))

    def __init__(
        self,
        params: Iterable[Tensor] | None = None,
        lr: float = 0.01,
        rho: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        **spellings: Any,
    ) -> None:
        given = other_spellings(type(self), spellings, {"lr": lr, "rho": rho, "eps": eps})
        lr = given["lr"]
        self.rho = check_hyperparameter("rho", given["rho"], 0.0, 1.0, high_open=True)
        self.eps = check_hyperparameter("eps", eps, low_open=True)
        self.epsilon = keras_epsilon(type(self), given)
        self.weight_decay = check_hyperparameter("weight_decay", weight_decay)
        self.momentum = check_hyperparameter("momentum", momentum, 0.0, 1.0, high_open=True)
        self.centered = check_flag("centered", centered)
        super().__init__(params, lr, clipnorm, clipvalue)

    def _update(self, group: FlatGroup, g: np.ndarray) -> None:
        o = group.options
        g = self._add_weight_decay(group, g, o["weight_decay"])
        rho, tmp = o["rho"], group.scratch("tmp")
        v = group.state_array("square_avg")
        v *= rho
        np.multiply(g, g, out=tmp)
        tmp *= 1.0 - rho
        v += tmp
        if o["centered"]:
            g_avg = group.state_array("grad_avg")
            np.subtract(g, g_avg, out=tmp)
            tmp *= 1.0 - rho
            g_avg += tmp
            np.multiply(g_avg, g_avg, out=tmp)
            np.subtract(v, tmp, out=tmp)
            _denominator(tmp, tmp, o["eps"], o["epsilon"])
        else:
            _denominator(v, tmp, o["eps"], o["epsilon"])
        np.divide(g, tmp, out=tmp)
        if o["momentum"] > 0:
            buf = group.state_array("momentum_buffer")
            buf *= o["momentum"]
            buf += tmp
            np.multiply(buf, -o["lr"], out=tmp)
        else:
            tmp *= -o["lr"]
        group.data += tmp
