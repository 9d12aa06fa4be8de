r"""Weight penalties added to the loss: L1, L2 and both (Keras conventions).

A regularizer maps a weight tensor W to a scalar Tensor built from engine ops, so that
``backward`` differentiates it exactly alongside the loss:

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
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet._registry import Configurable, Registry
from glassnet.tensor import Tensor

__all__ = ["Regularizer", "L1", "L2", "L1L2", "get", "names"]

REGULARIZERS = Registry("regularizer")


def _coefficient(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)


class Regularizer(Configurable):
    """Base of the penalties: ``penalty(W) -> scalar Tensor``, ``get_config``."""

    name = "regularizer"
    l1 = 0.0
    l2 = 0.0
    config_keys: tuple[str, ...] = ()

    def __call__(self, W: Tensor | np.ndarray) -> Tensor:
        r"""The penalty :math:`\ell_1 \sum |W| + \ell_2 \sum W^2` as a scalar Tensor of W's dtype."""
        if not isinstance(W, Tensor):
            W = Tensor(np.asarray(W))
        terms = []
        if self.l1:
            terms.append(W.abs().sum() * self.l1)
        if self.l2:
            terms.append((W * W).sum() * self.l2)
        if not terms:
            return Tensor(np.zeros((), W.dtype))
        return terms[0] if len(terms) == 1 else terms[0] + terms[1]


@REGULARIZERS.register("l1")
class L1(Regularizer):
    r"""Lasso penalty :math:`\ell_1 \sum_i |W_i|`; gradient :math:`\ell_1 \mathrm{sign}(W_i)` (0 at 0).

    Pushes weights to exactly zero (sparse weights).

    Examples
    --------
    >>> import glassnet as gn
    >>> L1(0.5)(gn.tensor([[1.0, -2.0]], dtype=np.float64)).item()
    1.5
    """

    name = "l1"
    config_keys = ("l1",)

    def __init__(self, l1: float = 0.01) -> None:
        self.l1 = _coefficient("l1", l1)


@REGULARIZERS.register("l2")
class L2(Regularizer):
    r"""Ridge penalty (weight decay) :math:`\ell_2 \sum_i W_i^2`; gradient :math:`2 \ell_2 W_i`.

    Keras's convention (no factor 1/2): ``L2(l2)`` equals ``torch.optim`` weight_decay
    = 2 l2 and scikit-learn's MLP ``alpha`` = 2 n l2 for batches of n (module docstring).

    Examples
    --------
    >>> import glassnet as gn
    >>> L2(0.1)(gn.tensor([[1.0, -2.0]], dtype=np.float64)).item()
    0.5
    """

    name = "l2"
    config_keys = ("l2",)

    def __init__(self, l2: float = 0.01) -> None:
        self.l2 = _coefficient("l2", l2)


@REGULARIZERS.register("l1_l2", "l1l2")
class L1L2(Regularizer):
    r"""Elastic-net penalty :math:`\ell_1 \sum_i |W_i| + \ell_2 \sum_i W_i^2` (both default to 0)."""

    name = "l1_l2"
    config_keys = ("l1", "l2")

    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        self.l1 = _coefficient("l1", l1)
        self.l2 = _coefficient("l2", l2)


def names() -> list[str]:
    """The names :func:`get` accepts."""
    return REGULARIZERS.names()


def get(regularizer: str | dict[str, Any] | Regularizer | None) -> Regularizer | None:
    """Resolve a regularizer given by name (default coefficients), config dict or instance.

    ``None`` (no penalty) is returned as ``None``.

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
    if regularizer is None or isinstance(regularizer, Regularizer):
        return regularizer
    if isinstance(regularizer, dict):
        config = dict(regularizer)
        return REGULARIZERS.get(config.pop("name", None) or "")(**config)
    if isinstance(regularizer, str):
        return REGULARIZERS.get(regularizer)()
    raise TypeError(
        "regularizer must be a name ('l1', 'l2', 'l1_l2'), a config dict, a Regularizer or None, "
        f"got {type(regularizer).__name__}"
    )
