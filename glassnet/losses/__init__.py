"""Loss functions E(y_hat, y): MSE, MAE, Huber, binary and categorical cross-entropy, NLL,
and for probabilistic outputs the Gaussian negative log-likelihood and the pinball loss.

Every loss is called ``loss(y_pred, y_true, sample_weight=None)`` (PyTorch's order) and
returns a Tensor: a scalar for ``reduction="mean"`` or ``"sum"``, one value per sample
for ``"none"``. Each is one fused node whose backward is written next to its forward.

Reductions. With per-element losses l_ij (sample i, output j):

- ``"mean"``: the mean over all elements, (1/(n k)) sum_ij l_ij;
- ``"sum"``: the sum over all elements, sum_ij l_ij (so the textbook
  E = 1/2 sum (y_hat - y)^2 is ``MSE(reduction="sum", scale=0.5)``);
- ``"none"``: per sample, the mean over that sample's outputs.

With ``sample_weight`` w_i, "mean" is the weighted mean sum_i w_i l_i / sum_i w_i
(as scikit-learn's metrics) and "sum" is sum_i w_i l_i.

What the cross-entropies take (``from_logits=None``, the default of ``CrossEntropy`` and
``BinaryCrossEntropy`` and of every name for them): the output of a softmax (sigmoid) node
is computed from that node's logits by the stable fused form. With no such node,
``CrossEntropy`` reads logits, and asks for ``from_logits`` when the rows could be either
(numbers in [0, 1] summing to 1); ``BinaryCrossEntropy`` reads probabilities, and refuses
values outside [0, 1] unless given ``from_logits=True``. A compiled model's
softmax (sigmoid) output is trained from its logits in the same way. An activation that
would be applied twice, or an output the loss cannot read, raises a ValueError.

Adding a loss touches one file: its fused node and its :class:`Loss` subclass go in
``regression.py``, ``binary.py``, ``classification.py`` or ``probabilistic.py``, registered with
``@LOSSES.register(name)``.
"""

from __future__ import annotations

from typing import Any

from glassnet.losses.base import LOSSES, REDUCTIONS, Loss
from glassnet.losses.binary import BinaryCrossEntropy
from glassnet.losses.classification import NLL, CrossEntropy
from glassnet.losses.custom import FunctionLoss
from glassnet.losses.probabilistic import GaussianNLL, Pinball
from glassnet.losses.regression import MAE, MSE, Huber

__all__ = [
    "Loss", "MSE", "MAE", "Huber", "BinaryCrossEntropy", "CrossEntropy", "NLL", "GaussianNLL", "Pinball",
    "FunctionLoss", "get",
    "names", "LOSSES", "REDUCTIONS", "MeanSquaredError", "MeanAbsoluteError", "BinaryCrossentropy",
    "CategoricalCrossentropy", "SparseCategoricalCrossentropy",
]

# Keras's names for the same losses. The cross-entropies read integer labels and one-hot rows
# alike; a Keras user's from_logits=False on a softmax (sigmoid) output is trained from its logits
# with the same values.
MeanSquaredError = MSE
MeanAbsoluteError = MAE
BinaryCrossentropy = BinaryCrossEntropy
CategoricalCrossentropy = CrossEntropy
SparseCategoricalCrossentropy = CrossEntropy


def get(loss: str | Loss | Any) -> Loss:
    """Resolve a loss given by name (a new instance with defaults), class or object; a plain
    function is called ``fn(y_true, y_pred)``, Keras's order (:class:`FunctionLoss`).

    Parameters
    ----------
    loss : str, Loss class, Loss or callable
        A registered name, a class, an instance, or a function ``fn(y_true, y_pred)``.

    Returns
    -------
    Loss
        The loss object.

    Examples
    --------
    >>> gn.losses.get("mse")
    MSE(reduction='mean', scale=1.0)
    >>> print(gn.losses.get("sparse_categorical_crossentropy").name)
    cross_entropy
    """
    if isinstance(loss, str):
        return LOSSES.get(loss)()
    if isinstance(loss, type) and issubclass(loss, Loss):
        return loss()
    if isinstance(loss, Loss):
        return loss
    if callable(loss):
        return FunctionLoss(loss)
    raise TypeError(f"loss must be a name, a Loss or a function fn(y_true, y_pred), got "
                    f"{type(loss).__name__}")


def names() -> list[str]:
    """Every registered loss name (aliases included).

    Returns
    -------
    list of str
        The names ``get`` accepts.

    Examples
    --------
    >>> names = gn.losses.names()
    >>> "mse" in names, "binary_crossentropy" in names
    (True, True)
    """
    return LOSSES.names()
