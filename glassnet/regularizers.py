r"""Weight penalties added to the loss: L1, L2 and both (Keras conventions).

A regularizer maps one or more weight tensors W to a scalar Tensor (one fused node with its
exact gradient), so that ``backward`` differentiates it alongside the loss:

.. math::

    E_{\text{total}} = E + \ell_1 \sum_i |W_i| + \ell_2 \sum_i W_i^2, \qquad
    \frac{\partial}{\partial W_i} = \ell_1\, \mathrm{sign}(W_i) + 2\, \ell_2\, W_i

How the L2 coefficient relates to other libraries' (with E a mean over a batch of n):

- ``torch.optim`` ``weight_decay`` = lambda adds lambda W to the gradient, i.e. a penalty
  (lambda / 2) sum W^2: it equals ``L2(l2=lambda / 2)``.
- scikit-learn's MLP ``alpha`` adds (alpha / (2 n)) sum W^2 to the mean loss of a batch:
  it equals ``L2(l2=alpha / (2 n))``.
- Hence, for the same number c, Keras's ``c sum W^2`` penalizes twice as strongly as the
  ``(c / 2) sum W^2`` convention (gradient 2 c W instead of c W).

A frozen weight (``requires_grad`` False, e.g. after ``layer.trainable = False``) receives
no gradient from its penalty and never moves, but its penalty still counts in the loss
that training reports (``reg_loss``), as in Keras, whose ``model.losses`` keep the
penalties of frozen layers. The graph and the replayed training steps agree on both.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet._checks import check_hyperparameter
from glassnet._registry import Configurable, Registry
from glassnet.function import Function
from glassnet.tensor import Tensor

__all__ = ["Regularizer", "L1", "L2", "L1L2", "l1", "l2", "l1_l2", "get", "names"]

REGULARIZERS = Registry("regularizer")


class Regularizer(Configurable):
    """Base of the penalties: ``penalty(W) -> scalar Tensor``, ``get_config``.

    Examples
    --------
    A penalty of one's own sets ``l1`` and ``l2``, and may be given to a layer:

    >>> class Decay(gn.regularizers.Regularizer):
    ...     l2 = 0.5
    ...
    >>> print(Decay()(gn.tensor([[1.0, -2.0]])).item())
    2.5
    >>> layer = gn.layers.Dense(2, kernel_regularizer=Decay())
    """

    name = "regularizer"
    l1 = 0.0
    l2 = 0.0
    config_keys: tuple[str, ...] = ()

    def __call__(self, *weights: Tensor | np.ndarray) -> Tensor:
        r"""The penalty :math:`\sum_W (\ell_1 \sum |W| + \ell_2 \sum W^2)` of one or more
        weight tensors, as one scalar node of their dtype."""
        if not weights:
            raise TypeError(f"{type(self).__name__} needs at least one weight tensor")
        tensors = [w if isinstance(w, Tensor) else Tensor(np.asarray(w)) for w in weights]
        return _Penalty.apply(*tensors, l1=self.l1, l2=self.l2)

    @property
    def active(self) -> bool:
        """Whether any coefficient is non-zero (a zero penalty needs no node)."""
        return bool(self.l1 or self.l2)


def _sum_of_squares(W: np.ndarray) -> float:
    """sum W^2, as NumPy's dot product of W with itself."""
    flat = W.reshape(-1)
    return float(np.dot(flat, flat))


class _Penalty(Function):
    """E = sum_W (l1 sum |W| + l2 sum W^2);  dE/dW = l1 sign(W) + 2 l2 W.

    Fused, and over several tensors at once: composed of engine ops the penalty records five
    nodes per weight tensor, and on small batches a training step's cost is mostly per-node
    overhead.
    """

    name = "penalty"

    @staticmethod
    def forward(ctx: Any, *Ws: np.ndarray, l1: float, l2: float) -> np.ndarray:
        ctx.Ws, ctx.l1, ctx.l2 = Ws, l1, l2
        value = 0.0
        for W in Ws:
            flat = W.reshape(-1)
            if l2:
                value += l2 * _sum_of_squares(W)
            if l1:
                value += l1 * float(np.abs(flat).sum())
        return np.asarray(value, dtype=Ws[0].dtype)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray, ...]:
        upstream = float(grad)  # a Python float keeps W's dtype in the products below
        grads = []
        for W in ctx.Ws:
            g = W * (2.0 * ctx.l2 * upstream)
            if ctx.l1:
                g += np.sign(W) * (ctx.l1 * upstream)
            grads.append(g)
        return tuple(grads)


@REGULARIZERS.register("l1")
class L1(Regularizer):
    r"""Lasso penalty :math:`\ell_1 \sum_i |W_i|`; gradient :math:`\ell_1 \mathrm{sign}(W_i)` (0 at 0).

    Pushes weights to exactly zero (sparse weights).

    Parameters
    ----------
    l1 : float, default 0.01
        The coefficient, >= 0.

    Examples
    --------
    >>> import glassnet as gn
    >>> L1(0.5)(gn.tensor([[1.0, -2.0]], dtype=np.float64)).item()
    1.5
    """

    name = "l1"
    config_keys = ("l1",)

    def __init__(self, l1: float = 0.01) -> None:
        self.l1 = check_hyperparameter("l1", l1)


@REGULARIZERS.register("l2")
class L2(Regularizer):
    r"""Ridge penalty (weight decay) :math:`\ell_2 \sum_i W_i^2`; gradient :math:`2 \ell_2 W_i`.

    Keras's convention (no factor 1/2): ``L2(l2)`` equals ``torch.optim`` weight_decay
    = 2 l2 and scikit-learn's MLP ``alpha`` = 2 n l2 for batches of n (module docstring).

    Parameters
    ----------
    l2 : float, default 0.01
        The coefficient, >= 0.

    Examples
    --------
    >>> import glassnet as gn
    >>> L2(0.1)(gn.tensor([[1.0, -2.0]], dtype=np.float64)).item()
    0.5
    """

    name = "l2"
    config_keys = ("l2",)

    def __init__(self, l2: float = 0.01) -> None:
        self.l2 = check_hyperparameter("l2", l2)


@REGULARIZERS.register("l1_l2", "l1l2")
class L1L2(Regularizer):
    r"""Elastic-net penalty :math:`\ell_1 \sum_i |W_i| + \ell_2 \sum_i W_i^2` (both default to 0).

    Parameters
    ----------
    l1 : float, default 0.0
        The coefficient of sum |W|, >= 0.
    l2 : float, default 0.0
        The coefficient of sum W^2, >= 0.

    Examples
    --------
    >>> penalty = gn.regularizers.L1L2(l1=0.1, l2=0.1)
    >>> W = gn.tensor([[1.0, -2.0]], dtype=np.float64, requires_grad=True)
    >>> E = penalty(W)
    >>> E.backward()
    >>> print(round(E.item(), 4), W.grad)
    0.8 [[ 0.3 -0.5]]
    """

    name = "l1_l2"
    config_keys = ("l1", "l2")

    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        self.l1 = check_hyperparameter("l1", l1)
        self.l2 = check_hyperparameter("l2", l2)


#: Keras's lower-case spellings of the same classes (``keras.regularizers.l2(1e-4)``).
l1, l2, l1_l2 = L1, L2, L1L2


def names() -> list[str]:
    """The names :func:`get` accepts.

    Returns
    -------
    list of str
        The registered names, aliases included.

    Examples
    --------
    >>> "l2" in gn.regularizers.names(), "l1_l2" in gn.regularizers.names()
    (True, True)
    """
    return REGULARIZERS.names()


def get(regularizer: str | dict[str, Any] | Regularizer | None) -> Regularizer | None:
    """Resolve a regularizer given by name (default coefficients), config dict or instance.

    ``None`` (no penalty) is returned as ``None``.

    Parameters
    ----------
    regularizer : str, dict, Regularizer or None
        A name (default coefficients), a config dict, an instance or None.

    Returns
    -------
    Regularizer or None
        The penalty, or None for none.

    Raises
    ------
    ValueError
        For an unknown name; the message lists the valid names.
    TypeError
        For anything else.

    Examples
    --------
    >>> get("l2")
    L2(l2=0.01)
    >>> get({"name": "l1_l2", "l1": 0.001, "l2": 0.01})
    L1L2(l1=0.001, l2=0.01)
    """
    if regularizer is None:
        return None
    return REGULARIZERS.resolve(regularizer, Regularizer, "'l1', 'l2' or 'l1_l2'")
