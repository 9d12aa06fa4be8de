"""A loss written as a function ``fn(y_true, y_pred)`` on tensors, as Keras's ``compile`` takes it."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from glassnet.losses.base import Loss, _check_prediction, _check_target, _weights
from glassnet.tensor import Tensor

__all__ = ["FunctionLoss"]

#: First parameter names that say a function takes the prediction first (glassnet's and PyTorch's order).
_PREDICTION_FIRST = ("y_pred", "pred", "input", "output", "logits", "log_probs")


class FunctionLoss(Loss):
    """A loss computed by a function of the user's, called ``fn(y_true, y_pred)`` (Keras's order).

    ``model.compile(loss=fn)`` wraps a plain function in this class. ``fn`` receives the
    targets and the model's output as Tensors and returns a Tensor built from ``y_pred``
    with glassnet's operations (Tensor methods, :mod:`glassnet.functional`), so that its
    gradient exists: one loss per sample, shape (N,) or (N, ...), or a scalar.

    Per-sample values are reduced as the built-in losses reduce them: the mean over
    everything, or with sample weights w_i the weighted mean
    :math:`\\sum_i w_i \\bar l_i / \\sum_i w_i` of each sample's mean :math:`\\bar l_i`
    (Keras divides by the batch size instead of the sum of the weights). A scalar is
    used as it is, and cannot be weighted.

    Targets reach ``fn`` in the model's float dtype, given the rank of the output when
    they differ by a trailing axis of one, as Keras does: labels (N,) for an output (N, 1)
    arrive as (N, 1); labels (N,) for an output (N, C) arrive as they are.

    Parameters
    ----------
    fn : callable
        ``fn(y_true, y_pred) -> Tensor``.

    Examples
    --------
    >>> def mean_squared(y_true, y_pred):
    ...     return ((y_true - y_pred) ** 2).mean(axis=-1)
    >>> # model.compile(optimizer="adam", loss=mean_squared)
    """

    def __init__(self, fn: Callable[[Tensor, Tensor], Tensor]) -> None:
        super().__init__("mean")
        if not callable(fn):
            raise TypeError(f"FunctionLoss: fn must be callable as fn(y_true, y_pred), got {fn!r}")
        _check_order(fn)
        self.fn = fn
        self.__name__ = getattr(fn, "__name__", type(fn).__name__)

    @property
    def name(self) -> str:
        return self.__name__

    def __call__(self, y_pred: Tensor, y_true: Any, sample_weight: Any = None) -> Tensor:
        if not isinstance(y_pred, Tensor):
            y_pred = Tensor(y_pred)
        _check_prediction(self.name, y_pred.data)
        target = self.prepare_target(y_true, y_pred.shape, y_pred.dtype)
        _check_target(self.name, target)
        weights = _weights(sample_weight, y_pred.shape[0] if y_pred.ndim else 1, y_pred.dtype)
        return self.apply_prepared(y_pred, target, weights)

    def prepare_target(self, y_true: Any, output_shape: tuple[int, ...], dtype: Any) -> np.ndarray:
        target = np.asarray(y_true.data if isinstance(y_true, Tensor) else y_true, dtype=dtype)
        if target.ndim == len(output_shape) - 1 and output_shape[-1] == 1:
            return target[..., None]
        if target.ndim == len(output_shape) + 1 and target.shape[-1] == 1:
            return target[..., 0]
        return target

    def apply_prepared(self, y_pred: Tensor, target: np.ndarray, weights: np.ndarray | None = None) -> Tensor:
        values = self.fn(Tensor._make(target, False, None), y_pred)
        self._check_result(values, y_pred)
        if values.ndim == 0:
            if weights is not None:
                raise ValueError(
                    f"loss function {self.name!r} returned one number for the batch, which sample or class "
                    "weights cannot weight; return one loss per sample (e.g. .mean(axis=-1), not .mean())")
            return values
        n = y_pred.shape[0]
        per_sample = values.reshape(n, -1).mean(axis=1) if values.ndim > 1 else values
        if weights is None:
            return per_sample.mean()
        if n == 0:
            raise ValueError("the loss is undefined for zero samples")
        total = weights.sum()  # 0: a batch of samples that all weigh 0 counts for nothing (as built-ins)
        scale = weights / total if total else np.zeros_like(weights)
        return (per_sample * Tensor._make(scale, False, None)).sum()

    def _check_result(self, values: Any, y_pred: Tensor) -> None:
        """A TypeError unless ``values`` is a Tensor with a gradient path to ``y_pred`` (when it
        has one) and either a scalar or one entry per sample."""
        if not isinstance(values, Tensor):
            raise TypeError(
                f"loss function {self.name!r} returned a {type(values).__name__}; it must return a Tensor "
                "computed from y_pred with glassnet's operations (Tensor methods such as .mean(axis=-1), "
                "gn.functional), not with NumPy, so that its gradient exists")
        if y_pred.requires_grad and not values.requires_grad:
            raise TypeError(
                f"loss function {self.name!r} returned a Tensor that does not depend on y_pred through "
                "glassnet's operations (was it computed with NumPy, or from y_pred.data?), so training "
                "could not change the weights")
        n = y_pred.shape[0] if y_pred.ndim else 1
        if values.ndim and values.shape[0] != n:
            raise ValueError(
                f"loss function {self.name!r} returned shape {values.shape} for a batch of {n} samples; "
                "return one loss per sample (N,) or a scalar")

    def get_config(self) -> dict[str, Any]:
        return {"fn": self.name}

    def __repr__(self) -> str:
        return f"FunctionLoss({self.name})"


def _check_order(fn: Callable[..., Any]) -> None:
    """A TypeError for a function whose first parameter is named as a prediction: it would
    receive the targets."""
    try:
        first = next(iter(inspect.signature(fn).parameters), None)
    except (TypeError, ValueError):
        return
    if first in _PREDICTION_FIRST:
        raise TypeError(
            f"compile(loss=...) calls a loss function as fn(y_true, y_pred), in Keras's order, but "
            f"{getattr(fn, '__name__', fn)!r} takes {first!r} first; put y_true first, or pass a glassnet "
            "loss by name ('mse', 'sparse_categorical_crossentropy') or as an object (gn.losses.MSE())")
