"""The loss machinery: the registry, input checks, reductions and the Loss base class."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet._checks import check_finite, check_sample_weight
from glassnet._registry import Registry
from glassnet.errors import NonFiniteError
from glassnet.function import Function
from glassnet.tensor import Tensor

__all__ = ["LOSSES", "REDUCTIONS", "Loss"]

LOSSES = Registry("loss")
REDUCTIONS = ("mean", "sum", "none")


def _check_prediction(name: str, array: np.ndarray) -> None:
    check_finite(f"{name}: the prediction", array, "the model diverged or its input is not finite (lower the "
                 "learning rate, scale the inputs, or check the data for NaN)", NonFiniteError)


def _check_target(name: str, target: np.ndarray) -> None:
    check_finite(f"{name}: the target", target, "clean or impute it first", NonFiniteError)


def _as_target(name: str, y_pred: np.ndarray, y_true: Any) -> np.ndarray:
    target = np.asarray(y_true.data if isinstance(y_true, Tensor) else y_true, dtype=y_pred.dtype)
    _check_target(name, target)
    if target.shape != y_pred.shape:
        if target.size == y_pred.size and target.shape[:1] == y_pred.shape[:1]:
            target = target.reshape(y_pred.shape)
        else:
            raise ValueError(
                f"{name}: prediction of shape {y_pred.shape} and target of shape {target.shape} "
                "do not match (they need the same number of samples and outputs)"
            )
    return target


def _weights(sample_weight: Any, n: int, dtype: np.dtype) -> np.ndarray | None:
    return None if sample_weight is None else check_sample_weight("sample_weight", sample_weight, n, dtype)


#: Keras's spelling of the same reduction: None is per sample. (Keras's "sum_over_batch_size"
#: divides weighted losses by the batch size, glassnet's "mean" by the sum of the weights:
#: it is refused, with that said.)
_KERAS_REDUCTIONS = {None: "none"}


def _reduction(owner: str, reduction: Any) -> str:
    if isinstance(reduction, str) and reduction in REDUCTIONS:
        return reduction
    if reduction == "sum_over_batch_size":
        raise ValueError(
            f"{owner}: Keras's reduction='sum_over_batch_size' divides a weighted loss by the batch size; "
            "glassnet's reduction='mean' divides it by the sum of the sample weights (PyTorch's rule). "
            "Without sample or class weights the two agree: use reduction='mean'")
    if (reduction is None or isinstance(reduction, str)) and reduction in _KERAS_REDUCTIONS:
        return _KERAS_REDUCTIONS[reduction]
    raise ValueError(
        f"{owner}: reduction must be one of {', '.join(map(repr, REDUCTIONS))} (or Keras's None), "
        f"got {reduction!r}"
    )


class _Reduce(Function):
    """Shared reduction of per-element losses and the matching scale of the gradient.

    ``forward`` sets ``ctx.coef``: the per-element factor dE/dl_ij (ones-shaped weights
    divided by the normaliser), and ``ctx.none`` for per-sample output.

    The weighted mean of a batch whose samples all weigh 0 (a ``class_weight`` of 0 and a
    batch holding only that class) is 0, with zero gradients: the batch counts for nothing,
    as in Keras (PyTorch's weighted mean gives NaN there). ``fit`` and ``evaluate`` refuse
    data whose weights are all zero before they start.
    """

    saves_values = False  # every loss keeps arrays it computed, not its inputs

    @staticmethod
    def reduce(ctx: Any, elements: np.ndarray, weights: np.ndarray | None, reduction: str) -> np.ndarray:
        n = elements.shape[0] if elements.ndim else 1
        k = elements.size // n if n else 1
        ctx.reduction = reduction
        if weights is None:
            if reduction == "none":
                ctx.coef = 1.0 / k
                return elements.reshape(n, -1).mean(axis=1)
            if elements.size == 0:
                raise ValueError("the loss is undefined for zero samples")
            ctx.coef = 1.0 if reduction == "sum" else 1.0 / elements.size
            return np.asarray(elements.sum() * ctx.coef, dtype=elements.dtype)
        w = weights.reshape((n,) + (1,) * (elements.ndim - 1))
        per_sample = elements.reshape(n, -1).sum(axis=1)
        if reduction == "none":
            ctx.coef = w / k
            return per_sample * weights / k
        if reduction == "sum":
            ctx.coef = w
            return np.asarray((per_sample * weights).sum(), dtype=elements.dtype)
        denominator = k * weights.sum()
        if n == 0:
            raise ValueError("the loss is undefined for zero samples")
        if denominator == 0:  # a batch of samples that all weigh 0 counts for nothing
            ctx.coef = np.zeros_like(w)
            return np.zeros((), dtype=elements.dtype)
        ctx.coef = w / denominator
        return np.asarray((per_sample * weights).sum() / denominator, dtype=elements.dtype)

    @staticmethod
    def upstream(ctx: Any, grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        """dE/dl_ij for every element, from the upstream gradient of the reduced loss."""
        if ctx.reduction == "none":
            g = grad.reshape((shape[0],) + (1,) * (len(shape) - 1)) if shape else grad
            return g * ctx.coef
        return grad * ctx.coef


class Loss:
    """Base of the losses: validates ``reduction`` and the inputs, then applies the fused node.

    Parameters
    ----------
    reduction : {"mean", "sum", "none"} or None, default 'mean'
        How the per-sample losses are combined; ``"none"`` keeps one value per sample.

    Examples
    --------
    Every loss is called ``loss(y_pred, y_true, sample_weight=None)`` and returns a Tensor:

    >>> y_pred = gn.tensor([[1.0], [3.0]], requires_grad=True)
    >>> loss = gn.losses.MSE(reduction="none")
    >>> print(loss(y_pred, [[0.0], [1.0]]).numpy())
    [1. 4.]
    >>> isinstance(loss, gn.losses.Loss)
    True
    """

    function: type[Function]

    def __init__(self, reduction: str | None = "mean") -> None:
        self.reduction = _reduction(type(self).__name__, reduction)

    @property
    def name(self) -> str:
        return self.function.name

    def __call__(self, y_pred: Tensor, y_true: Any, sample_weight: Any = None) -> Tensor:
        if not isinstance(y_pred, Tensor):
            y_pred = Tensor(y_pred)
        if isinstance(y_true, Tensor) and y_true.requires_grad:
            raise ValueError(
                f"{self.name}: y_true requires grad, as a model's output does. The losses take "
                "(y_pred, y_true), in PyTorch's order; Keras's losses take (y_true, y_pred): swap "
                "the arguments (or pass y_true.detach() for a computed target)"
            )
        _check_prediction(self.name, y_pred.data)
        y_pred, options = self._input(y_pred)
        target = self._target(y_pred.data, y_true)
        weights = _weights(sample_weight, y_pred.shape[0] if y_pred.ndim else 1, y_pred.dtype)
        with np.errstate(over="ignore"):  # a loss too large for the dtype is inf, not a warning
            return self.function.apply(y_pred, target=target, weights=weights, reduction=self.reduction,
                                       **options)

    def _input(self, y_pred: Tensor) -> tuple[Tensor, dict[str, Any]]:
        """The tensor the node takes and the node's options, for a direct call on ``y_pred``."""
        return y_pred, self._options()

    def for_activation(self, activation: str | None) -> tuple[Loss, bool]:
        """The loss to train an output whose final activation is ``activation`` (a name, or
        None), and whether it takes that output's logits z instead of a = g(z).

        The training loop asks once per ``fit``/``evaluate``; the cross-entropies take the
        logits of a softmax (sigmoid) output and refuse an activation they cannot follow.
        """
        return self, False

    def prepare_target(self, y_true: Any, output_shape: tuple[int, ...], dtype: Any) -> np.ndarray:
        """Validate and convert targets once for predictions of ``output_shape`` (the training
        loop does this for the whole data set, then calls :meth:`apply_prepared` per batch)."""
        return self._target(np.empty(output_shape, dtype=dtype), y_true)

    def apply_prepared(self, y_pred: Tensor, target: np.ndarray, weights: np.ndarray | None = None) -> Tensor:
        """The loss node for a target from :meth:`prepare_target`, without per-call checks.

        A non-finite prediction gives a non-finite loss, which the training loop detects.
        """
        return self.function.apply(y_pred, target=target, weights=weights, reduction=self.reduction,
                                   **self._options())

    def targets_per_sample(self, output_shape: tuple[int, ...]) -> int:
        """How many target values a sample has for a per-sample output of ``output_shape``:
        one per output, except for a loss that reads several outputs per target."""
        return int(np.prod(output_shape))

    def _target(self, y_pred: np.ndarray, y_true: Any) -> np.ndarray:
        return _as_target(self.name, y_pred, y_true)

    def _options(self) -> dict[str, Any]:
        return {}

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, for saving and :func:`get`."""
        return {"reduction": self.reduction}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"
