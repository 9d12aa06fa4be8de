"""Binary cross-entropy: from probabilities, or from logits with the sigmoid fused in."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.activations import ACTIVATIONS, _sigmoid
from glassnet.losses._outputs import CrossEntropyBase, applied_twice, canonical, check_unit_interval, made_by
from glassnet.losses.base import LOSSES, Loss, _as_target, _Reduce
from glassnet.tensor import Tensor

__all__ = ["BinaryCrossEntropy"]


class _BinaryCrossEntropy(_Reduce):
    name = "binary_cross_entropy"

    @staticmethod
    def forward(ctx: Any, y_pred: np.ndarray, target: np.ndarray, weights: Any, reduction: str,
                from_logits: bool, eps: float) -> np.ndarray:
        ctx.target, ctx.from_logits, ctx.shape = target, from_logits, y_pred.shape
        if from_logits:
            z = y_pred
            ctx.p = _sigmoid(z)
            elements = np.maximum(z, 0) - z * target + np.log1p(np.exp(-np.abs(z)))
        else:
            ctx.p = np.clip(y_pred, eps, 1 - eps)
            ctx.inside = (y_pred >= eps) & (y_pred <= 1 - eps)
            elements = -(target * np.log(ctx.p) + (1 - target) * np.log1p(-ctx.p))
        return _Reduce.reduce(ctx, elements, weights, reduction)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        up = _Reduce.upstream(ctx, grad, ctx.shape)
        if ctx.from_logits:
            return (up * (ctx.p - ctx.target),)
        p = ctx.p
        return (up * ctx.inside * (p - ctx.target) / (p * (1 - p)),)


@LOSSES.register("binary_cross_entropy", "bce", "binary_crossentropy")
class BinaryCrossEntropy(CrossEntropyBase):
    """Binary cross-entropy: l = -[y ln p + (1 - y) ln(1 - p)];  dl/dp = (p - y) / (p (1 - p)).

    From logits z, with p = sigmoid(z) fused in: l = max(z, 0) - z y + ln(1 + e^{-|z|}),
    dl/dz = sigmoid(z) - y (stable for any z).

    Parameters
    ----------
    reduction : {"mean", "sum", "none"}, default "mean"
    from_logits : bool or None, default None
        What ``y_pred`` holds. None: the output of a sigmoid node (a layer with
        ``activation="sigmoid"``, ``gn.functional.sigmoid``) is recognised and the loss
        is computed from that node's logits by the fused form (the same value and
        gradient, stably; the sigmoid output itself gets no ``.grad``); anything else
        must be probabilities in [0, 1], and values outside [0, 1] raise a ValueError.
        False: probabilities, differentiated through the given tensor (values outside
        [0, 1] raise). True: logits; the output of a sigmoid or softmax node raises, since
        the activation would be applied twice. Keras's default (``from_logits=False``,
        probabilities) and PyTorch's ``BCELoss`` (probabilities) mean the same here;
        PyTorch's ``BCEWithLogitsLoss`` is ``from_logits=True``.
    eps : float, default 1e-7
        Probabilities are clipped to [eps, 1 - eps] so that ln never sees 0 (in (0, 0.5)).

    Examples
    --------
    >>> p = gn.functional.sigmoid(gn.tensor([[0.3], [-1.2]], requires_grad=True))
    >>> loss = BinaryCrossEntropy()(p, [1, 0])   # from the logits [0.3, -1.2], stably
    >>> print(round(loss.item(), 4))
    0.4088
    """

    function = _BinaryCrossEntropy

    def _target(self, y_pred: np.ndarray, y_true: Any) -> np.ndarray:
        target = _as_target(self.name, y_pred, y_true)
        if ((target < 0) | (target > 1)).any():
            raise ValueError(f"{self.name}: targets must lie in [0, 1] (class labels 0 and 1)")
        return target

    def _options(self) -> dict[str, Any]:
        return self._node_options(bool(self.from_logits))

    def _input(self, y_pred: Tensor) -> tuple[Tensor, dict[str, Any]]:
        kind, z = made_by(y_pred)
        if kind is not None and self.from_logits:
            raise applied_twice(self.name, kind, "BinaryCrossEntropy")
        if kind == "sigmoid" and self.from_logits is None:
            return z, self._node_options(True)
        if self.from_logits:
            return y_pred, self._node_options(True)
        check_unit_interval(self.name, y_pred.data, _BCE_FIX)
        return y_pred, self._node_options(False)

    def for_activation(self, activation: str | None) -> tuple[Loss, bool]:
        activation = canonical(activation)
        if activation in ("sigmoid", "softmax") and self.from_logits:
            raise applied_twice(self.name, activation, "BinaryCrossEntropy")
        if activation == "sigmoid":
            return self._with_logits(True), True
        if activation == "softmax" or self.from_logits or (
                self.from_logits is False and activation not in ACTIVATIONS):
            return self._with_logits(bool(self.from_logits)), False
        raise ValueError(
            f"{self.name}: the model's output has activation {activation!r}, so it does not hold "
            "probabilities in [0, 1]. Give the last layer activation='sigmoid' (it is then trained from "
            "its logits), or say what the output holds: BinaryCrossEntropy(from_logits=True) for logits "
            "(PyTorch's BCEWithLogitsLoss), from_logits=False for probabilities"
        )


_BCE_FIX = ("For logits pass BinaryCrossEntropy(from_logits=True) (PyTorch's BCEWithLogitsLoss); for "
            "probabilities end the model with activation='sigmoid'")
