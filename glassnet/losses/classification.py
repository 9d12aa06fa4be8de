"""Classification losses over C classes: categorical cross-entropy, negative log-likelihood."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet import accel
from glassnet.activations import ACTIVATIONS
from glassnet.losses._outputs import (
    CrossEntropyBase,
    applied_twice,
    canonical,
    check_log_probabilities,
    check_target_rows,
    check_unit_interval,
    is_distribution,
    made_by,
)
from glassnet.losses.base import LOSSES, Loss, _check_target, _Reduce
from glassnet.tensor import Tensor

__all__ = ["CrossEntropy", "NLL"]


def _class_targets(name: str, y_pred: np.ndarray, y_true: Any) -> np.ndarray:
    """Integer labels (N,) checked against the number of classes, or a (N, C) distribution."""
    raw = np.asarray(y_true.data if isinstance(y_true, Tensor) else y_true)
    if y_pred.ndim != 2:
        raise ValueError(f"{name}: the prediction must be 2-D (samples, classes), got shape {y_pred.shape}")
    n, classes = y_pred.shape
    if raw.ndim == 2 and raw.shape[1] == 1 and classes > 1:
        raw = raw.reshape(-1)
    if raw.ndim == 1:
        if raw.shape[0] != n:
            raise ValueError(f"{name}: {raw.shape[0]} labels for {n} predictions")
        if raw.dtype.kind == "f":
            if not np.isfinite(raw).all() or (raw != np.round(raw)).any():
                raise ValueError(f"{name}: class labels must be whole numbers in [0, {classes})")
        elif raw.dtype.kind not in "iub":
            raise ValueError(f"{name}: class labels must be integers, got dtype {raw.dtype}")
        labels = raw.astype(np.intp)
        if n and (labels.min() < 0 or labels.max() >= classes):
            bad = labels[(labels < 0) | (labels >= classes)]
            raise ValueError(
                f"{name}: class labels must lie in [0, {classes}) for a prediction with {classes} "
                f"outputs; found {np.unique(bad)[:10].tolist()}. Encode labels as 0..C-1 "
                "(sklearn.preprocessing.LabelEncoder) or widen the output layer"
            )
        return labels
    if raw.shape != y_pred.shape:
        raise ValueError(
            f"{name}: target of shape {raw.shape} does not match prediction {y_pred.shape}; give "
            "integer labels (N,) or one-hot / probability rows (N, C)"
        )
    target = raw.astype(y_pred.dtype)
    _check_target(name, target)
    check_target_rows(name, target)
    return target


def _class_weight(owner: str, weight: Any) -> np.ndarray | None:
    """PyTorch's ``weight=``: one finite, non-negative number per class, not all zero."""
    if weight is None:
        return None
    try:
        w = np.asarray(weight, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{owner}: weight must be one number per class, got {weight!r}") from None
    if w.ndim != 1 or w.size == 0:
        raise ValueError(f"{owner}: weight must be a 1-D array of one number per class, got shape {w.shape}")
    if not np.isfinite(w).all() or (w < 0).any() or not w.any():
        raise ValueError(f"{owner}: weight must hold finite numbers >= 0, not all zero; got {w.tolist()}")
    return w


def _weigh_classes(class_weight: np.ndarray, target: np.ndarray, weights: Any,
                   dtype: np.dtype) -> tuple[np.ndarray, Any]:
    """PyTorch's class weights w_c: a label y weighs its sample by w_y (so "mean" divides by
    sum_i w_{y_i}); a probability row weighs each class, l = -sum_c w_c y_c ln p_c (the mean
    stays over the samples)."""
    w = class_weight.astype(dtype, copy=False)
    if target.ndim == 1:
        per_sample = w[target]
        return target, per_sample if weights is None else per_sample * weights
    return target * w, weights


def _check_weight_length(name: str, weight: np.ndarray | None, classes: int) -> None:
    if weight is not None and weight.size != classes:
        raise ValueError(f"{name}: weight has {weight.size} values for a prediction of {classes} classes")


class _CrossEntropy(_Reduce):
    """Softmax cross-entropy; from logits with integer labels by
    :func:`glassnet.accel.softmax_cross_entropy` (one pass per row where compiled)."""

    name = "cross_entropy"

    @staticmethod
    def forward(ctx: Any, y_pred: np.ndarray, target: np.ndarray, weights: Any, reduction: str,
                from_logits: bool, eps: float, class_weight: np.ndarray | None = None) -> np.ndarray:
        n = y_pred.shape[0]
        if class_weight is not None:
            target, weights = _weigh_classes(class_weight, target, weights, y_pred.dtype)
        ctx.target, ctx.from_logits, ctx.n = target, from_logits, n
        if from_logits and target.ndim == 1:
            ctx.p, elements = accel.softmax_cross_entropy(y_pred, target)
            return _Reduce.reduce(ctx, elements, weights, reduction)
        if from_logits:
            shifted = y_pred - np.maximum.reduce(y_pred, axis=1, keepdims=True)
            e = np.exp(shifted)
            s = np.add.reduce(e, axis=1, keepdims=True)
            e /= s
            ctx.p = e
            log_p = np.subtract(shifted, np.log(s), out=shifted)
        else:
            ctx.clipped = np.clip(y_pred, eps, None)
            log_p = np.log(ctx.clipped)
        if target.ndim == 1:
            elements = -log_p[np.arange(n), target]
        else:
            elements = -(target * log_p).sum(axis=1)
        return _Reduce.reduce(ctx, elements, weights, reduction)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        up = _Reduce.upstream(ctx, grad, (ctx.n,))
        up = np.reshape(up, (-1, 1)) if np.ndim(up) else up
        target = ctx.target
        if ctx.from_logits:
            if target.ndim == 1:
                return (accel.softmax_cross_entropy_grad(ctx.p, target, up),)
            return ((ctx.p * target.sum(axis=1, keepdims=True) - target) * up,)
        if target.ndim == 1:
            g = np.zeros_like(ctx.clipped)
            rows = np.arange(ctx.n)
            g[rows, target] = -1 / ctx.clipped[rows, target]
        else:
            g = -target / ctx.clipped
        return (g * up,)


@LOSSES.register("cross_entropy", "categorical_crossentropy", "sparse_categorical_crossentropy")
class CrossEntropy(CrossEntropyBase):
    """Categorical cross-entropy: l = -sum_c y_c ln p_c.

    From logits z, with p = softmax(z) fused in (stable, through the log-softmax):
    l = -z_y + ln sum_c e^{z_c}, dl/dz = p - onehot(y). Targets are integer labels of
    shape (N,) in [0, C) or one-hot / probability rows of shape (N, C).

    Parameters
    ----------
    reduction : {"mean", "sum", "none"}, default "mean"
    from_logits : bool or None, default None
        What ``y_pred`` holds. None: the output of a softmax node over the classes (a
        layer with ``activation="softmax"``, ``gn.functional.softmax``) is recognised and
        the loss is computed from that node's logits by the fused form (the same value
        and gradient, stably; the softmax output itself gets no ``.grad``); rows of
        other values are logits (PyTorch's ``CrossEntropyLoss``), except rows of numbers
        in [0, 1] that sum to 1, which could be either and raise a ValueError asking for
        ``from_logits``. Keras's habit (probabilities from a softmax; its default is
        ``from_logits=False``) computes what it means; probabilities made elsewhere (by
        ``predict``) need ``from_logits=False``.
        False: probabilities, differentiated through the given tensor (clipped at ``eps``;
        values outside [0, 1] raise). True: logits; the output of a softmax or sigmoid
        node raises, since the activation would be applied twice. A sigmoid output
        always raises: its rows are not a distribution over the classes.
    eps : float, default 1e-7
        Probabilities are clipped at eps before the log (in (0, 0.5)).
    weight : array of C numbers >= 0, optional
        Class weights, as PyTorch's ``weight=``: with labels, sample i counts w_{y_i} times
        and "mean" divides by sum_i w_{y_i}; with probability rows, l = -sum_c w_c y_c ln p_c.
        They multiply any ``sample_weight`` of the call.

    Examples
    --------
    >>> p = gn.functional.softmax(gn.tensor([[2.0, 0.5, -1.0]], requires_grad=True))
    >>> loss = CrossEntropy()(p, [0])   # from the logits, stably; equal to CrossEntropy()(z, [0])
    >>> print(round(loss.item(), 4))
    0.2413
    """

    function = _CrossEntropy

    def __init__(self, reduction: str | None = "mean", from_logits: bool | None = None, eps: float = 1e-7,
                 weight: Any = None) -> None:
        super().__init__(reduction, from_logits, eps)
        self.weight = _class_weight("CrossEntropy", weight)

    def _target(self, y_pred: np.ndarray, y_true: Any) -> np.ndarray:
        target = _class_targets(self.name, y_pred, y_true)
        _check_weight_length(self.name, self.weight, y_pred.shape[1])
        return target

    def _node_options(self, from_logits: bool) -> dict[str, Any]:
        return {**super()._node_options(from_logits), "class_weight": self.weight}

    def get_config(self) -> dict[str, Any]:
        weight = None if self.weight is None else self.weight.tolist()
        return {**super().get_config(), "weight": weight}

    def _options(self) -> dict[str, Any]:
        return self._node_options(self.from_logits is not False)

    def _input(self, y_pred: Tensor) -> tuple[Tensor, dict[str, Any]]:
        kind, z = made_by(y_pred)
        if kind == "sigmoid":
            raise _sigmoid_output(self.name)
        if kind == "softmax":
            if self.from_logits:
                raise applied_twice(self.name, kind, "CrossEntropy")
            return (z, self._node_options(True)) if self.from_logits is None else (y_pred, self._options())
        if self.from_logits is None and is_distribution(y_pred.data):
            raise ValueError(
                f"{self.name}: every row of y_pred lies in [0, 1] and sums to 1, as probabilities do, but "
                "no softmax node made it, so it could also be logits (PyTorch's CrossEntropyLoss reads "
                "logits, Keras's CategoricalCrossentropy probabilities). Say which: "
                "CrossEntropy(from_logits=False) for probabilities, from_logits=True for logits"
            )
        if self.from_logits is False:
            check_unit_interval(self.name, y_pred.data, "For logits pass CrossEntropy(from_logits=True).")
        return y_pred, self._options()

    def for_activation(self, activation: str | None) -> tuple[Loss, bool]:
        activation = canonical(activation)
        if activation == "sigmoid":
            raise _sigmoid_output(self.name)
        if activation == "softmax":
            if self.from_logits:
                raise applied_twice(self.name, activation, "CrossEntropy")
            return self._with_logits(True), True
        if self.from_logits is False and activation in ACTIVATIONS:
            raise ValueError(
                f"{self.name}: from_logits=False says the model's output holds probabilities, but its "
                f"activation is {activation!r}. Give the last layer activation='softmax' (it is then "
                "trained from its logits), or leave from_logits unset for logits"
            )
        return self._with_logits(self.from_logits is not False), False


def _sigmoid_output(name: str) -> ValueError:
    return ValueError(
        f"{name}: y_pred is the output of a sigmoid, whose rows are not a distribution over the classes. "
        "For one class per sample give the last layer activation='softmax' (or none, for logits); for "
        "several independent labels per sample use BinaryCrossEntropy()"
    )

class _NLL(_Reduce):
    name = "nll"

    @staticmethod
    def forward(ctx: Any, y_pred: np.ndarray, target: np.ndarray, weights: Any, reduction: str,
                class_weight: np.ndarray | None = None) -> np.ndarray:
        n = y_pred.shape[0]
        if class_weight is not None:
            target, weights = _weigh_classes(class_weight, target, weights, y_pred.dtype)
        ctx.target, ctx.shape = target, y_pred.shape
        if target.ndim == 1:
            elements = -y_pred[np.arange(n), target]
        else:
            elements = -(target * y_pred).sum(axis=1)
        return _Reduce.reduce(ctx, elements, weights, reduction)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        n = ctx.shape[0]
        up = _Reduce.upstream(ctx, grad, (n,))
        up = np.reshape(up, (-1, 1)) if np.ndim(up) else up
        if ctx.target.ndim == 1:
            g = np.zeros(ctx.shape, dtype=grad.dtype)
            g[np.arange(n), ctx.target] = -1
        else:
            g = -ctx.target
        return (g * up,)


@LOSSES.register("nll", "negative_log_likelihood")
class NLL(Loss):
    """Negative log-likelihood of log-probabilities: l = -ln p_y (input: ``log_softmax`` output);
    dl/d(ln p_c) = -1[c = y]. As PyTorch's ``NLLLoss``, except that an input which cannot be
    log-probabilities (a softmax or sigmoid output, a positive value) raises a ValueError.

    Parameters
    ----------
    reduction : {"mean", "sum", "none"}, default "mean"
    weight : array of C numbers >= 0, optional
        Class weights, as in :class:`CrossEntropy` (PyTorch's ``weight=``).

    Examples
    --------
    >>> log_p = gn.functional.log_softmax(gn.tensor([[2.0, 0.0, 0.0], [0.0, 3.0, 0.0]]))
    >>> print(round(gn.losses.NLL()(log_p, [0, 1]).item(), 4))
    0.1672
    """

    function = _NLL

    def __init__(self, reduction: str | None = "mean", weight: Any = None) -> None:
        super().__init__(reduction)
        self.weight = _class_weight("NLL", weight)

    def _target(self, y_pred: np.ndarray, y_true: Any) -> np.ndarray:
        target = _class_targets(self.name, y_pred, y_true)
        _check_weight_length(self.name, self.weight, y_pred.shape[1])
        return target

    def _options(self) -> dict[str, Any]:
        return {"class_weight": self.weight}

    def get_config(self) -> dict[str, Any]:
        return {"reduction": self.reduction, "weight": None if self.weight is None else self.weight.tolist()}

    def _input(self, y_pred: Tensor) -> tuple[Tensor, dict[str, Any]]:
        kind, _ = made_by(y_pred)
        if kind is not None:
            raise _not_log_probabilities(self.name, kind)
        check_log_probabilities(self.name, y_pred.data)
        return y_pred, self._options()

    def for_activation(self, activation: str | None) -> tuple[Loss, bool]:
        activation = canonical(activation)
        if activation != "log_softmax" and activation in ACTIVATIONS:
            raise _not_log_probabilities(self.name, activation)
        return self, False


def _not_log_probabilities(name: str, activation: str | None) -> ValueError:
    return ValueError(
        f"{name}: takes log-probabilities (the output of log_softmax), but y_pred is the output of "
        f"activation {activation!r}. Use CrossEntropy() on the softmax output or on logits, or end the "
        "model with activation='log_softmax'"
    )
