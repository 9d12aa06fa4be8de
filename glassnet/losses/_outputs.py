"""What a classification loss receives: the node that made ``y_pred``, and checks of its values.

A tensor made by a softmax or sigmoid node carries that node (``y_pred._ctx``), whose
parent is the logit z. The cross-entropies use it to compute the loss from z by their
stable from-logits form, and to refuse a ``from_logits=True`` that would apply the
activation a second time. A tensor without such a node (a NumPy array, an output
computed under ``no_grad``) is judged by its values.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet._checks import check_flag, check_hyperparameter
from glassnet.activations import ACTIVATIONS, Sigmoid, Softmax
from glassnet.losses.base import Loss
from glassnet.tensor import Tensor

__all__ = [
    "made_by", "canonical", "is_distribution", "check_unit_interval", "check_log_probabilities",
    "applied_twice", "CrossEntropyBase", "check_target_rows",
]


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


def canonical(activation: str | None) -> str:
    """A layer's activation by its function's own name ("logistic" is "sigmoid"); "identity"
    for no activation (None, "linear"); a user's own function by the name it was given."""
    if activation is None:
        return "identity"
    if activation not in ACTIVATIONS:
        return activation
    return ACTIVATIONS.get(activation).__name__


def is_distribution(values: np.ndarray) -> bool:
    """Whether every row of a (N, C) array, C >= 2, holds numbers in [0, 1] summing to 1
    (to the rounding of its dtype), as probabilities do and logits rarely do."""
    if values.ndim != 2 or values.shape[1] < 2 or values.size == 0:
        return False
    if values.min() < 0 or values.max() > 1:
        return False
    tolerance = max(1e-6, 64 * values.shape[1] * float(np.finfo(values.dtype).eps))
    return bool((np.abs(np.add.reduce(values, axis=1) - 1) <= tolerance).all())


def check_target_rows(name: str, target: np.ndarray) -> None:
    """Raise unless every row of one-hot / probability targets (N, C) holds numbers >= 0
    summing to 1 (to the rounding of its dtype): other rows make the cross-entropy
    meaningless (it can even go negative)."""
    if target.size == 0:
        return
    if target.min() < 0:
        rows = np.unique(np.nonzero(target < 0)[0])
        raise ValueError(f"{name}: one-hot / probability targets must be >= 0, but rows "
                         f"{rows[:5].tolist()} hold negative values (e.g. {target.min():.4g})")
    sums = np.add.reduce(target, axis=1)
    tolerance = max(1e-5, 64 * target.shape[1] * float(np.finfo(target.dtype).eps))
    off = np.abs(sums - 1) > tolerance
    if off.any():
        rows = np.nonzero(off)[0]
        raise ValueError(
            f"{name}: each row of one-hot / probability targets must sum to 1, but {len(rows)} row(s) do "
            f"not (row {rows[0]} sums to {sums[rows[0]]:.6g}). Give integer class labels (N,), one-hot "
            "rows, or normalized probabilities (y / y.sum(axis=1, keepdims=True))")


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


def applied_twice(name: str, activation: str, spelling: str) -> ValueError:
    """The error for ``from_logits=True`` on the output of ``activation``, with both fixes."""
    return ValueError(
        f"{name}: from_logits=True says y_pred holds logits, but it is the output of a {activation}, which "
        f"would be applied a second time. Either leave from_logits unset ({spelling}(): the loss is then "
        f"computed from the {activation}'s logits), or remove the {activation} from the model's last layer "
        "and keep from_logits=True"
    )


class CrossEntropyBase(Loss):
    """What the two cross-entropies share: ``from_logits``, ``eps`` and their config."""

    def __init__(self, reduction: str | None = "mean", from_logits: bool | None = None,
                 eps: float = 1e-7) -> None:
        super().__init__(reduction)
        owner = type(self).__name__
        self.from_logits = None if from_logits is None else check_flag(f"{owner}: from_logits", from_logits)
        self.eps = check_hyperparameter(f"{owner}: eps", eps, 0.0, 0.5, low_open=True, high_open=True)

    def _with_logits(self, from_logits: bool) -> CrossEntropyBase:
        """This loss with ``from_logits`` said explicitly."""
        return type(self)(**{**self.get_config(), "from_logits": from_logits})

    def _node_options(self, from_logits: bool) -> dict[str, Any]:
        return {"from_logits": from_logits, "eps": self.eps}

    def get_config(self) -> dict[str, Any]:
        return {"reduction": self.reduction, "from_logits": self.from_logits, "eps": self.eps}
