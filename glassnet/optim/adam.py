"""Adam and AdamW: momentum and RMSProp combined, with bias correction."""

from __future__ import annotations

import math
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

__all__ = ["Adam", "AdamW"]


@OPTIMIZERS.register("adam")
class Adam(Optimizer):
    r"""Adam: a running mean of the gradients (momentum) divided by the root of a running
    mean of their squares (RMSProp), both corrected for their start at zero.

    With :math:`g_t = \nabla J(w_{t-1}) + \lambda w_{t-1}` (weight decay :math:`\lambda`)
    and step count t = 1, 2, ...:

    .. math::

        m_t &= \beta_1 m_{t-1} + (1 - \beta_1)\, g_t \\
        v_t &= \beta_2 v_{t-1} + (1 - \beta_2)\, g_t \odot g_t
            \qquad (\text{AMSGrad: } v_t \leftarrow \max(v_{t-1}^{\max}, v_t)) \\
        \hat m_t &= \frac{m_t}{1 - \beta_1^t}, \qquad \hat v_t = \frac{v_t}{1 - \beta_2^t} \\
        w_t &= w_{t-1} - \alpha \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}

    with :math:`m_0 = v_0 = 0`. The last line is computed in the equal form
    :math:`w_t = w_{t-1} - \frac{\alpha \sqrt{1 - \beta_2^t}}{1 - \beta_1^t}
    \frac{m_t}{\sqrt{v_t} + \epsilon \sqrt{1 - \beta_2^t}}`, which saves passes over memory.

    This is ``torch.optim.Adam`` exactly (defaults included; torch passes
    ``betas=(beta1, beta2)``). Keras's epsilon (default 1e-7) is the "epsilon hat" of the
    paper, added to :math:`\sqrt{v_t}` before the bias correction,
    :math:`w_t = w_{t-1} - \frac{\alpha \sqrt{1 - \beta_2^t}}{1 - \beta_1^t}
    \frac{m_t}{\sqrt{v_t} + \epsilon}`: given as ``epsilon=``, it enters the update there,
    as in Keras. Keras's ``weight_decay`` is decoupled, as in :class:`AdamW`, where here (as
    in torch) Adam's weight_decay is added to the gradient.

    Parameters
    ----------
    params : iterable of Parameter, optional
    lr : float, default 1e-3
    beta1, beta2 : float, default 0.9, 0.999
        Decay rates of the two running means, in [0, 1). PyTorch's ``betas=(beta1, beta2)``
        and Keras's ``beta_1``, ``beta_2`` are accepted too.
    eps : float, default 1e-8
        epsilon > 0, added to :math:`\sqrt{\hat v_t}` (PyTorch's).
    epsilon : float, optional
        Keras's epsilon > 0, added to :math:`\sqrt{v_t}` (see above); replaces ``eps``.
    weight_decay : float, default 0
        lambda >= 0: L2 penalty added to the gradient (see :class:`AdamW` for the decoupled form).
    amsgrad : bool, default False
        Divide by the largest v seen so far (never increases the step size).
    clipnorm, clipvalue : float, optional
        Gradient clipping before the update.

    References
    ----------
    Kingma and Ba, "Adam: a method for stochastic optimization", ICLR 2015; Reddi, Kale
    and Kumar, "On the convergence of Adam and beyond", ICLR 2018 (AMSGrad).

    Examples
    --------
    >>> from glassnet.layers import Parameter
    >>> w = Parameter(np.array([1.0, -2.0]))
    >>> opt = Adam([w], lr=0.1)
    >>> w.grad[...] = [0.5, -3.0]
    >>> opt.step()        # the first step moves each weight by about lr, against its gradient
    >>> w.data.round(6)
    array([ 0.9, -1.9])
    """

    name = "adam"
    config_keys = ("lr", "beta1", "beta2", "eps", "epsilon", "weight_decay", "amsgrad", "clipnorm",
                   "clipvalue")
    decoupled_weight_decay = False
    beta1, beta2, eps, epsilon, weight_decay, amsgrad = (Option() for _ in range(6))

    def __init__(
        self,
        params: Iterable[Tensor] | None = None,
        lr: float = 1e-3,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        **spellings: Any,
    ) -> None:
        given = other_spellings(type(self), spellings,
                                {"lr": lr, "beta1": beta1, "beta2": beta2, "eps": eps})
        lr = given["lr"]
        self.beta1 = check_hyperparameter("beta1", given["beta1"], 0.0, 1.0, high_open=True)
        self.beta2 = check_hyperparameter("beta2", given["beta2"], 0.0, 1.0, high_open=True)
        self.eps = check_hyperparameter("eps", eps, low_open=True)
        self.epsilon = keras_epsilon(type(self), given)
        self.weight_decay = check_hyperparameter("weight_decay", weight_decay)
        self.amsgrad = check_flag("amsgrad", amsgrad)
        super().__init__(params, lr, clipnorm, clipvalue)

    def _update(self, group: FlatGroup, g: np.ndarray) -> None:
        o = group.options
        lr, beta1, beta2, weight_decay, t = o["lr"], o["beta1"], o["beta2"], o["weight_decay"], group.steps
        correction2 = math.sqrt(1.0 - beta2**t)
        step = -lr * correction2 / (1.0 - beta1**t)
        eps = o["eps"] * correction2 if o["epsilon"] is None else o["epsilon"]
        decoupled = self.decoupled_weight_decay and weight_decay != 0
        decay = 1.0 - lr * weight_decay if decoupled else 1.0
        l2 = 0.0 if self.decoupled_weight_decay else weight_decay
        m, v = group.state_array("exp_avg"), group.state_array("exp_avg_sq")
        vmax = group.state_array("max_exp_avg_sq") if o["amsgrad"] else None
        kernel = group.kernel("adam")
        if kernel is not None:
            kernel(group.data, g, m, v, vmax, beta1, beta2, eps, step, l2, decay)
            return
        if decoupled:
            group.data *= decay
        g = self._add_weight_decay(group, g, l2)
        tmp = group.scratch("tmp")
        m *= beta1
        np.multiply(g, 1.0 - beta1, out=tmp)
        m += tmp
        v *= beta2
        np.multiply(g, g, out=tmp)
        tmp *= 1.0 - beta2
        v += tmp
        if vmax is not None:
            v = np.maximum(vmax, v, out=vmax)
        np.sqrt(v, out=tmp)
        tmp += eps
        np.divide(m, tmp, out=tmp)
        tmp *= step
        group.data += tmp


@OPTIMIZERS.register("adamw")
class AdamW(Adam):
    r"""Adam with decoupled weight decay: the weights shrink directly, outside the gradient.

    .. math::

        w_{t-1} \leftarrow (1 - \alpha \lambda)\, w_{t-1},

    then the :class:`Adam` step with :math:`g_t = \nabla J(w_{t-1})` (no lambda w term).
    In Adam with L2 weight decay, the penalty's gradient is divided by
    :math:`\sqrt{\hat v_t}` like the rest, so weights with large gradients are barely
    regularized; decoupling makes the decay the same for every weight.

    This is ``torch.optim.AdamW`` exactly (default weight_decay = 0.01). Keras's AdamW
    decays the same way, with default weight_decay = 0.004 and the epsilon difference
    described in :class:`Adam`.

    Parameters
    ----------
    params, lr, beta1, beta2, eps, epsilon, amsgrad, clipnorm, clipvalue
        As in :class:`Adam`.
    weight_decay : float, default 0.01
        lambda >= 0.

    References
    ----------
    Loshchilov and Hutter, "Decoupled weight decay regularization", ICLR 2019.

    Examples
    --------
    >>> w = gn.Parameter(np.array([1.0, -2.0], dtype=np.float32))
    >>> opt = gn.optim.AdamW([w], lr=0.1, weight_decay=0.01)
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> print(w.numpy())
    [ 0.899 -1.898]
    """

    name = "adamw"
    decoupled_weight_decay = True

    def __init__(
        self,
        params: Iterable[Tensor] | None = None,
        lr: float = 1e-3,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        **spellings: Any,
    ) -> None:
        super().__init__(params, lr, beta1, beta2, eps, weight_decay, amsgrad, clipnorm, clipvalue,
                         **spellings)
