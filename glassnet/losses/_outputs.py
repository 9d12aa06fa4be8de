"""What a classification loss receives: the node that made ``y_pred``, and checks of its values.

A tensor made by a softmax or sigmoid node carries that node (``y_pred._ctx``), whose
parent is the logit z. The cross-entropies use it to compute the loss from z by their
stable from-logits form, and to refuse a ``from_logits=True`` that would apply the
activation a second time. A tensor without such a node (a NumPy array, an output
computed under ``no_grad``) is judged by its values.
"""

from __future__ import annotations

import numpy as np

from glassnet.activations import ACTIVATIONS, Sigmoid, Softmax
from glassnet.tensor import Tensor

__all__ = ["made_by", "canonical", "is_distribution", "check_unit_interval", "check_log_probabilities"]


def made_by(y_pred: Tensor) -> tuple[str | None, Tensor | None]:
    """``("softmax", z)`` if ``y_pred = softmax(z)`` over its last axis, ``("sigmoid", z)``
    if ``y_pred = sigmoid(z)``, else ``(None, None)`` (also where no graph was recorded)."""
    ctx = y_pred._ctx
    kind = type(ctx)
    if kind is Sigmoid:
        return "sigmoid", ctx.parents[0]
    if kind is Softmax and ctx.axis in (-1, y_pred.ndim - 1):
        return "softmax", ctx.parents[0]
    return None, None


def canonical(activation: str | None) -> str | None:
    """A layer's activation by its function's own name ("logistic" is "sigmoid"); "identity"
    for no activation (None, "linear"); a user's own function by the name it was given."""
    if activation is None:
        return "identity"
    if activation not in ACTIVATIONS:
        return activation
    return ACTIVATIONS.get(activation).__name__


def is_distribution(values: np.ndarray) -> bool:
    """Whether every row of a (N, C) array, C >= 2, holds numbers in [0, 1] summing to 1
    (to the rounding of its dtype): probabilities, which logits practically never are."""
    if values.ndim != 2 or values.shape[1] < 2 or values.size == 0:
        return False
    if values.min() < 0 or values.max() > 1:
        return False
    tolerance = max(1e-6, 64 * values.shape[1] * float(np.finfo(values.dtype).eps))
    return bool((np.abs(np.add.reduce(values, axis=1) - 1) <= tolerance).all())


def check_unit_interval(name: str, values: np.ndarray, fix: str) -> None:
    """Raise unless every value lies in [0, 1], as probabilities do."""
    if values.size and (values.min() < 0 or values.max() > 1):
        raise ValueError(
            f"{name}: y_pred is read as probabilities, but its values range from {values.min():.4g} to "
            f"{values.max():.4g}, outside [0, 1], so they are not probabilities. {fix}"
        )


def check_log_probabilities(name: str, values: np.ndarray) -> None:
    """Raise if any value is positive: log-probabilities are <= 0."""
    if values.size and values.max() > 0:
        raise ValueError(
            f"{name}: y_pred must hold log-probabilities (<= 0, the output of log_softmax), but its "
            f"largest value is {values.max():.4g}. For logits use CrossEntropy() (PyTorch's "
            "CrossEntropyLoss); for log-probabilities end the model with activation='log_softmax'"
        )
