"""Operations, activations and losses as plain functions on Tensors (``gn.functional`` / ``F``).

Examples
--------
>>> import glassnet as gn
>>> F = gn.functional
>>> z = gn.tensor([[-1.0, 0.0, 2.0]])
>>> F.relu(z).numpy()
array([[0., 0., 2.]], dtype=float32)
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from glassnet.activations import (
    binary_step,
    elu,
    gaussian,
    gelu,
    identity,
    inverse_multiquadric,
    leaky_relu,
    log_softmax,
    multiquadric,
    relu,
    selu,
    sigmoid,
    softmax,
    softplus,
    tanh,
)
from glassnet.losses import MAE, MSE, NLL, BinaryCrossEntropy, CrossEntropy, GaussianNLL, Huber, Pinball
from glassnet.ops import elementwise as _ew
from glassnet.ops import linalg as _linalg
from glassnet.ops import reduce as _reduce
from glassnet.ops import shape as _shape
from glassnet.ops._axis import axis_or_dim
from glassnet.ops.conv import conv1d, conv2d
from glassnet.ops.conv_transpose import conv_transpose2d
from glassnet.ops.pool import avg_pool2d, global_avg_pool2d, max_pool1d, max_pool2d
from glassnet.ops.resize import upsample2d
from glassnet.symbolic import Symbolic
from glassnet.tensor import Tensor

__all__ = [
    "identity", "binary_step", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "gelu",
    "softplus", "softmax", "log_softmax", "gaussian", "multiquadric", "inverse_multiquadric",
    "exp", "log", "sqrt", "abs", "sin", "cos", "clip", "maximum", "minimum", "where", "sum", "mean", "max",
    "logsumexp", "reshape", "transpose", "concatenate", "cat", "stack", "pad", "broadcast_to",
    "matmul", "linear",
    "mse_loss", "mae_loss", "huber_loss", "binary_cross_entropy", "cross_entropy", "nll_loss",
    "gaussian_nll", "pinball_loss",
    "conv2d", "conv1d", "conv_transpose2d", "upsample2d",
    "max_pool2d", "avg_pool2d", "max_pool1d", "global_avg_pool2d",
]


def _graph_aware(fn: Callable[..., Tensor]) -> Callable[..., Any]:
    """``fn`` that records a node of a functional graph when its first argument is symbolic
    (``gn.functional.exp(log_var)`` on a layer's output, as in a term of ``Model.add_loss``)."""
    @functools.wraps(fn)
    def wrapper(x: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(x, Symbolic):
            return Symbolic.record(wrapper, x, *args, **kwargs)
        return fn(x, *args, **kwargs)

    return wrapper


def _t(x: Any, like: Tensor | None = None) -> Tensor:
    if isinstance(x, Tensor):
        return x
    dtype = like.dtype if like is not None else None
    return Tensor(np.asarray(x, dtype=dtype) if dtype is not None else x)


@_graph_aware
def exp(x: Tensor) -> Tensor:
    """e^x, element-wise."""
    return _ew.Exp.apply(_t(x))


@_graph_aware
def log(x: Tensor) -> Tensor:
    """Natural logarithm, element-wise."""
    return _ew.Log.apply(_t(x))


@_graph_aware
def sqrt(x: Tensor) -> Tensor:
    """Square root, element-wise."""
    return _ew.Sqrt.apply(_t(x))


@_graph_aware
def abs(x: Tensor) -> Tensor:  # noqa: A001 - NumPy's name
    """|x|, element-wise."""
    return _ew.Abs.apply(_t(x))


@_graph_aware
def sin(x: Tensor) -> Tensor:
    """sin x, element-wise (radians); the gradient is cos x."""
    return _ew.Sin.apply(_t(x))


@_graph_aware
def cos(x: Tensor) -> Tensor:
    """cos x, element-wise (radians); the gradient is -sin x."""
    return _ew.Cos.apply(_t(x))


@_graph_aware
def clip(x: Tensor, low: float | None = None, high: float | None = None) -> Tensor:
    """x limited to [low, high]; the gradient is 1 inside, 0 outside."""
    return _ew.Clip.apply(_t(x), low=low, high=high)


def maximum(a: Any, b: Any) -> Tensor:
    """Element-wise maximum of two tensors (broadcast)."""
    a = _t(a, b if isinstance(b, Tensor) else None)
    return _ew.Maximum.apply(a, _t(b, a))


def minimum(a: Any, b: Any) -> Tensor:
    """Element-wise minimum of two tensors (broadcast)."""
    a = _t(a, b if isinstance(b, Tensor) else None)
    return _ew.Minimum.apply(a, _t(b, a))


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """``a`` where ``condition`` holds, else ``b`` (the condition is a boolean array)."""
    condition = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    a = _t(a, b if isinstance(b, Tensor) else None)
    return _ew.Where.apply(a, _t(b, a), condition=condition.astype(bool))


@_graph_aware
def sum(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Sum over ``axis`` (all axes when None)."""
    return _reduce.Sum.apply(_t(x), axis=axis, keepdims=keepdims)


@_graph_aware
def mean(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Mean over ``axis`` (all axes when None)."""
    return _reduce.Mean.apply(_t(x), axis=axis, keepdims=keepdims)


@_graph_aware
def max(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Maximum over ``axis``; ties share the gradient evenly."""
    return _reduce.Max.apply(_t(x), axis=axis, keepdims=keepdims)


@_graph_aware
def logsumexp(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    """ln sum e^x over ``axis``, computed stably."""
    return _reduce.LogSumExp.apply(_t(x), axis=axis, keepdims=keepdims)


def reshape(x: Tensor, shape: Sequence[int]) -> Tensor:
    """Same values in a new shape."""
    return _shape.Reshape.apply(_t(x), shape=tuple(shape))


def transpose(x: Tensor, axes: Sequence[int] | None = None) -> Tensor:
    """Permute the axes (reverse them when None)."""
    return _shape.Transpose.apply(_t(x), axes=None if axes is None else tuple(axes))


def concatenate(tensors: Sequence[Tensor], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join tensors along an existing axis (0 by default, as NumPy and ``torch.cat``; ``dim=``
    is PyTorch's name for ``axis``). In a functional model, axis 0 is the batch: it is
    refused there (Keras's ``concatenate`` joins the last axis by default; give ``axis=-1``)."""
    axis = axis_or_dim(axis, dim, "concatenate", default=0)
    if not tensors:
        raise ValueError("concatenate needs at least one tensor")
    if any(isinstance(x, Symbolic) for x in tensors):
        _refuse_batch_axis("concatenate", axis, _sample_rank(tensors))
        return Symbolic.record(concatenate, list(tensors), axis=axis)
    return _shape.Concatenate.apply(*[_t(x) for x in tensors], axis=axis)


#: PyTorch's name for :func:`concatenate` (``torch.cat``).
cat = concatenate


def stack(tensors: Sequence[Tensor], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join tensors of equal shape along a new axis (``dim=``: PyTorch's name for ``axis``)."""
    axis = axis_or_dim(axis, dim, "stack", default=0)
    if not tensors:
        raise ValueError("stack needs at least one tensor")
    if any(isinstance(x, Symbolic) for x in tensors):
        _refuse_batch_axis("stack", axis, _sample_rank(tensors) + 1)
        return Symbolic.record(stack, list(tensors), axis=axis)
    return _shape.Stack.apply(*[_t(x) for x in tensors], axis=axis)


def _sample_rank(tensors: Sequence[Any]) -> int:
    """The number of per-sample axes of the symbolic tensors among ``tensors``."""
    return next(len(x.shape) for x in tensors if isinstance(x, Symbolic))


def _refuse_batch_axis(name: str, axis: int, sample_rank: int) -> None:
    """In a model, axis 0 of a symbolic tensor is the batch (samples of ``sample_rank`` axes
    follow it): joining along it, by 0 or by a negative index, mixes samples."""
    if isinstance(axis, (int, np.integer)) and (axis if axis >= 0 else axis + sample_rank + 1) == 0:
        raise ValueError(
            f"gn.{name}(..., axis={axis}) in a model would join along the batch axis, mixing the samples. "
            f"Join the features with axis=-1 (gn.{name}([a, b], axis=-1), Keras's default for "
            "concatenate), or another axis of the samples")


def pad(x: Tensor, pad_width: Sequence[tuple[int, int]]) -> Tensor:
    """Zero padding, ``pad_width`` as in ``numpy.pad`` (one (before, after) pair per axis)."""
    return _shape.Pad.apply(_t(x), pad_width=tuple(tuple(p) for p in pad_width))


def broadcast_to(x: Tensor, shape: Sequence[int]) -> Tensor:
    """Broadcast to ``shape``; the gradient is summed back."""
    return _shape.BroadcastTo.apply(_t(x), shape=tuple(shape))


def matmul(a: Tensor, b: Tensor) -> Tensor:
    """Matrix product (batched and broadcast as ``numpy.matmul``)."""
    return _linalg.MatMul.apply(_t(a), _t(b))


def linear(a: Tensor, W: Tensor, b: Tensor | None = None) -> Tensor:  # noqa: N803
    """The dense layer's affine map z = a W + b, fused into one node."""
    W = _t(W, a if isinstance(a, Tensor) else None)
    a = _t(a, W)
    return _linalg.Linear.apply(a, W) if b is None else _linalg.Linear.apply(a, W, _t(b, W))


def mse_loss(y_pred: Tensor, y_true: Any, reduction: str = "mean") -> Tensor:
    """Mean squared error (see :class:`glassnet.losses.MSE`)."""
    return MSE(reduction)(y_pred, y_true)


def mae_loss(y_pred: Tensor, y_true: Any, reduction: str = "mean") -> Tensor:
    """Mean absolute error (see :class:`glassnet.losses.MAE`)."""
    return MAE(reduction)(y_pred, y_true)


def huber_loss(y_pred: Tensor, y_true: Any, delta: float = 1.0, reduction: str = "mean") -> Tensor:
    """Huber loss (see :class:`glassnet.losses.Huber`)."""
    return Huber(reduction, delta)(y_pred, y_true)


def binary_cross_entropy(y_pred: Tensor, y_true: Any, from_logits: bool | None = None,
                         reduction: str = "mean") -> Tensor:
    """Binary cross-entropy; ``from_logits`` as in :class:`glassnet.losses.BinaryCrossEntropy`."""
    return BinaryCrossEntropy(reduction, from_logits)(y_pred, y_true)


def cross_entropy(y_pred: Tensor, y_true: Any, from_logits: bool | None = None,
                  reduction: str = "mean") -> Tensor:
    """Categorical cross-entropy; ``from_logits`` as in :class:`glassnet.losses.CrossEntropy`."""
    return CrossEntropy(reduction, from_logits)(y_pred, y_true)


def nll_loss(log_probs: Tensor, y_true: Any, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of log-probabilities (see :class:`glassnet.losses.NLL`)."""
    return NLL(reduction)(log_probs, y_true)


def gaussian_nll(input: Any, target: Any, var: Any, full: bool = False, eps: float = 1e-6,  # noqa: A002
                 reduction: str = "mean") -> Tensor:
    """Gaussian negative log-likelihood of ``target`` under N(input, var), in PyTorch's argument
    order (``torch.nn.functional.gaussian_nll_loss``); see :class:`glassnet.losses.GaussianNLL`
    for the formula and its gradients.

    ``input`` (the mean) and ``target`` have shape (N, ...); ``var`` has their shape, or one
    value per sample (the shape without its last axis, or with a last axis of 1) for a
    variance shared by a sample's outputs, as PyTorch allows. ``reduction="none"`` gives one
    value per sample, the mean over its outputs (PyTorch's is element by element; they agree
    for a mean of shape (N,)).
    """
    mean = _t(input, var if isinstance(var, Tensor) else None)
    var = _t(var, mean)
    if mean.ndim == 0:
        raise ValueError("gaussian_nll: input must have a batch axis, shape (N, ...), got a scalar")
    if var.shape != mean.shape:
        if var.shape == mean.shape[:-1]:
            var = reshape(var, (*var.shape, 1))
        if var.shape[:-1] != mean.shape[:-1] or var.shape[-1] != 1:
            raise ValueError(
                f"gaussian_nll: var of shape {var.shape} does not fit input of shape {mean.shape}: give the "
                "same shape, or one variance per sample (the shape without the last axis, or with a last "
                "axis of 1)")
        var = broadcast_to(var, mean.shape)
    n = mean.shape[0]
    both = concatenate([reshape(mean, (n, -1)), reshape(var, (n, -1))], axis=-1)
    target = np.reshape(target.data if isinstance(target, Tensor) else np.asarray(target), (n, -1))
    return GaussianNLL(full, eps, reduction)(both, target)


def pinball_loss(y_pred: Tensor, y_true: Any, quantiles: Sequence[float] = (0.05, 0.5, 0.95),
                 reduction: str = "mean") -> Tensor:
    """Pinball (quantile) loss of predictions (N, m k) for ``quantiles`` (see
    :class:`glassnet.losses.Pinball`)."""
    return Pinball(quantiles, reduction)(y_pred, y_true)
