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
    """e^x, element-wise.

    Parameters
    ----------
    x : Tensor
        The input.

    Returns
    -------
    Tensor
        e^x; its gradient is e^x.

    Examples
    --------
    >>> print(gn.functional.exp(gn.tensor([0.0, 1.0])).numpy())
    [1.     2.7183]
    """
    return _ew.Exp.apply(_t(x))


@_graph_aware
def log(x: Tensor) -> Tensor:
    """Natural logarithm, element-wise.

    Parameters
    ----------
    x : Tensor
        The input, positive.

    Returns
    -------
    Tensor
        ln x; its gradient is 1 / x.

    Examples
    --------
    >>> print(gn.functional.log(gn.tensor([1.0, 10.0])).numpy())
    [0.     2.3026]
    """
    return _ew.Log.apply(_t(x))


@_graph_aware
def sqrt(x: Tensor) -> Tensor:
    """Square root, element-wise.

    Parameters
    ----------
    x : Tensor
        The input, non-negative.

    Returns
    -------
    Tensor
        sqrt(x); its gradient is 1 / (2 sqrt(x)).

    Examples
    --------
    >>> print(gn.functional.sqrt(gn.tensor([4.0, 2.0])).numpy())
    [2.     1.4142]
    """
    return _ew.Sqrt.apply(_t(x))


@_graph_aware
def abs(x: Tensor) -> Tensor:  # noqa: A001 - NumPy's name
    """|x|, element-wise.

    Parameters
    ----------
    x : Tensor
        The input.

    Returns
    -------
    Tensor
        |x|; its gradient is sign(x).

    Examples
    --------
    >>> print(gn.functional.abs(gn.tensor([-3.0, 2.0])).numpy())
    [3. 2.]
    """
    return _ew.Abs.apply(_t(x))


@_graph_aware
def sin(x: Tensor) -> Tensor:
    """sin x, element-wise (radians); the gradient is cos x.

    Parameters
    ----------
    x : Tensor
        Angles in radians.

    Returns
    -------
    Tensor
        sin x.

    Examples
    --------
    >>> print(gn.functional.sin(gn.tensor([0.0, np.pi / 2])).numpy())
    [0. 1.]
    """
    return _ew.Sin.apply(_t(x))


@_graph_aware
def cos(x: Tensor) -> Tensor:
    """cos x, element-wise (radians); the gradient is -sin x.

    Parameters
    ----------
    x : Tensor
        Angles in radians.

    Returns
    -------
    Tensor
        cos x.

    Examples
    --------
    >>> print(gn.functional.cos(gn.tensor([0.0, np.pi])).numpy())
    [ 1. -1.]
    """
    return _ew.Cos.apply(_t(x))


@_graph_aware
def clip(x: Tensor, low: float | None = None, high: float | None = None) -> Tensor:
    """x limited to [low, high]; the gradient is 1 inside, 0 outside.

    Parameters
    ----------
    x : Tensor
        The input.
    low : float, optional
        The lower bound; None for no bound.
    high : float, optional
        The upper bound; None for no bound.

    Returns
    -------
    Tensor
        x limited to [low, high].

    Examples
    --------
    >>> x = gn.tensor([-2.0, 0.5, 3.0], requires_grad=True)
    >>> y = gn.functional.clip(x, -1.0, 1.0)
    >>> print(y.numpy())
    [-1.   0.5  1. ]
    >>> y.sum().backward()
    >>> print(x.grad)
    [0. 1. 0.]
    """
    return _ew.Clip.apply(_t(x), low=low, high=high)


def maximum(a: Any, b: Any) -> Tensor:
    """Element-wise maximum of two tensors (broadcast).

    Parameters
    ----------
    a : Tensor or array_like
        The first operand.
    b : Tensor or array_like
        The second operand, broadcast against ``a``.

    Returns
    -------
    Tensor
        max(a, b), element-wise.

    Examples
    --------
    >>> print(gn.functional.maximum(gn.tensor([1.0, 5.0]), gn.tensor([3.0, 2.0])).numpy())
    [3. 5.]
    """
    a = _t(a, b if isinstance(b, Tensor) else None)
    return _ew.Maximum.apply(a, _t(b, a))


def minimum(a: Any, b: Any) -> Tensor:
    """Element-wise minimum of two tensors (broadcast).

    Parameters
    ----------
    a : Tensor or array_like
        The first operand.
    b : Tensor or array_like
        The second operand, broadcast against ``a``.

    Returns
    -------
    Tensor
        min(a, b), element-wise.

    Examples
    --------
    >>> print(gn.functional.minimum(gn.tensor([1.0, 5.0]), gn.tensor([3.0, 2.0])).numpy())
    [1. 2.]
    """
    a = _t(a, b if isinstance(b, Tensor) else None)
    return _ew.Minimum.apply(a, _t(b, a))


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """``a`` where ``condition`` holds, else ``b`` (the condition is a boolean array).

    Parameters
    ----------
    condition : array_like of bool
        Where to take ``a``.
    a : Tensor or array_like
        The values where ``condition`` holds; they get the gradient there.
    b : Tensor or array_like
        The values elsewhere.

    Returns
    -------
    Tensor
        The chosen values, broadcast to one shape.

    Examples
    --------
    >>> x = gn.tensor([-1.0, 2.0])
    >>> print(gn.where(x.numpy() > 0, x, 0.0).numpy())
    [0. 2.]
    """
    condition = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    a = _t(a, b if isinstance(b, Tensor) else None)
    return _ew.Where.apply(a, _t(b, a), condition=condition.astype(bool))


@_graph_aware
def sum(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Sum over ``axis`` (all axes when None).

    Parameters
    ----------
    x : Tensor
        The input.
    axis : int, tuple of int or None, default None
        The axes to sum over; all when None.
    keepdims : bool, default False
        Keep the summed axes with length 1.

    Returns
    -------
    Tensor
        The sums.

    Examples
    --------
    >>> x = gn.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> print(gn.functional.sum(x).numpy(), gn.functional.sum(x, axis=0).numpy())
    10.0 [4. 6.]
    """
    return _reduce.Sum.apply(_t(x), axis=axis, keepdims=keepdims)


@_graph_aware
def mean(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Mean over ``axis`` (all axes when None).

    Parameters
    ----------
    x : Tensor
        The input.
    axis : int, tuple of int or None, default None
        The axes to average over; all when None.
    keepdims : bool, default False
        Keep the averaged axes with length 1.

    Returns
    -------
    Tensor
        The means.

    Examples
    --------
    >>> x = gn.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> print(gn.functional.mean(x).numpy(), gn.functional.mean(x, axis=1).numpy())
    2.5 [1.5 3.5]
    """
    return _reduce.Mean.apply(_t(x), axis=axis, keepdims=keepdims)


@_graph_aware
def max(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Maximum over ``axis``; ties share the gradient evenly.

    Parameters
    ----------
    x : Tensor
        The input.
    axis : int, tuple of int or None, default None
        The axes to reduce; all when None.
    keepdims : bool, default False
        Keep the reduced axes with length 1.

    Returns
    -------
    Tensor
        The maxima.

    Examples
    --------
    >>> x = gn.tensor([1.0, 3.0, 3.0], requires_grad=True)
    >>> m = gn.functional.max(x)
    >>> m.backward()
    >>> print(m.numpy(), x.grad)
    3.0 [0.  0.5 0.5]
    """
    return _reduce.Max.apply(_t(x), axis=axis, keepdims=keepdims)


@_graph_aware
def logsumexp(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    """ln sum e^x over ``axis``, computed stably.

    Parameters
    ----------
    x : Tensor
        The input.
    axis : int, tuple of int or None, default None
        The axes to reduce; all when None.
    keepdims : bool, default False
        Keep the reduced axes with length 1.

    Returns
    -------
    Tensor
        ln sum e^x; its gradient is softmax(x).

    Examples
    --------
    >>> print(gn.functional.logsumexp(gn.tensor([1000.0, 1000.0])).numpy())
    1000.6932
    """
    return _reduce.LogSumExp.apply(_t(x), axis=axis, keepdims=keepdims)


def reshape(x: Tensor, shape: Sequence[int]) -> Tensor:
    """Same values in a new shape.

    Parameters
    ----------
    x : Tensor
        The input.
    shape : tuple of int
        The new shape; one entry may be -1.

    Returns
    -------
    Tensor
        The same values in ``shape``.

    Examples
    --------
    >>> gn.functional.reshape(gn.tensor([1.0, 2.0, 3.0, 4.0]), (2, -1)).shape
    (2, 2)
    """
    return _shape.Reshape.apply(_t(x), shape=tuple(shape))


def transpose(x: Tensor, axes: Sequence[int] | None = None) -> Tensor:
    """Permute the axes (reverse them when None).

    Parameters
    ----------
    x : Tensor
        The input.
    axes : tuple of int, optional
        The new order of the axes; reversed when None.

    Returns
    -------
    Tensor
        The permuted tensor.

    Examples
    --------
    >>> gn.functional.transpose(gn.tensor(np.zeros((2, 3, 4)))).shape
    (4, 3, 2)
    >>> gn.functional.transpose(gn.tensor(np.zeros((2, 3, 4))), (0, 2, 1)).shape
    (2, 4, 3)
    """
    return _shape.Transpose.apply(_t(x), axes=None if axes is None else tuple(axes))


def concatenate(tensors: Sequence[Tensor], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join tensors along an existing axis (0 by default, as NumPy and ``torch.cat``; ``dim=``
    is PyTorch's name for ``axis``). In a functional model, axis 0 is the batch: it is
    refused there (Keras's ``concatenate`` joins the last axis by default; give ``axis=-1``).

    Parameters
    ----------
    tensors : sequence of Tensor
        Tensors whose shapes agree except along ``axis``.
    axis : int, default 0
        The axis to join along.
    dim : int, optional
        PyTorch's name for ``axis``.

    Returns
    -------
    Tensor
        The joined tensor; the gradient is split back to each input.

    Examples
    --------
    >>> a, b = gn.tensor([[1.0, 2.0]]), gn.tensor([[3.0, 4.0]])
    >>> print(gn.concatenate([a, b]).numpy())
    [[1. 2.]
     [3. 4.]]
    >>> print(gn.concatenate([a, b], axis=-1).numpy())
    [[1. 2. 3. 4.]]
    """
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
    """Join tensors of equal shape along a new axis (``dim=``: PyTorch's name for ``axis``).

    Parameters
    ----------
    tensors : sequence of Tensor
        Tensors of one shape.
    axis : int, default 0
        Where the new axis goes.
    dim : int, optional
        PyTorch's name for ``axis``.

    Returns
    -------
    Tensor
        The stacked tensor, one axis more than the inputs.

    Examples
    --------
    >>> a, b = gn.tensor([1.0, 2.0]), gn.tensor([3.0, 4.0])
    >>> gn.stack([a, b]).shape, gn.stack([a, b], axis=1).shape
    ((2, 2), (2, 2))
    """
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
    """Zero padding, ``pad_width`` as in ``numpy.pad`` (one (before, after) pair per axis).

    Parameters
    ----------
    x : Tensor
        The input.
    pad_width : sequence of (int, int)
        Zeros to add before and after, one pair per axis.

    Returns
    -------
    Tensor
        The padded tensor; the gradient is the inner part.

    Examples
    --------
    >>> print(gn.functional.pad(gn.tensor([[1.0, 2.0]]), [(0, 0), (1, 1)]).numpy())
    [[0. 1. 2. 0.]]
    """
    return _shape.Pad.apply(_t(x), pad_width=tuple(tuple(p) for p in pad_width))


def broadcast_to(x: Tensor, shape: Sequence[int]) -> Tensor:
    """Broadcast to ``shape``; the gradient is summed back.

    Parameters
    ----------
    x : Tensor
        The input.
    shape : tuple of int
        A shape ``x`` broadcasts to.

    Returns
    -------
    Tensor
        ``x`` repeated to ``shape``.

    Examples
    --------
    >>> x = gn.tensor([1.0, 2.0], requires_grad=True)
    >>> y = gn.functional.broadcast_to(x, (3, 2))
    >>> y.sum().backward()
    >>> print(y.shape, x.grad)
    (3, 2) [3. 3.]
    """
    return _shape.BroadcastTo.apply(_t(x), shape=tuple(shape))


def matmul(a: Tensor, b: Tensor) -> Tensor:
    """Matrix product (batched and broadcast as ``numpy.matmul``).

    Parameters
    ----------
    a : Tensor
        The left factor, (..., n, k).
    b : Tensor
        The right factor, (..., k, m).

    Returns
    -------
    Tensor
        a @ b, (..., n, m).

    Examples
    --------
    >>> a = gn.tensor([[1.0, 2.0]])
    >>> b = gn.tensor([[3.0], [4.0]])
    >>> print(gn.functional.matmul(a, b).numpy())
    [[11.]]
    """
    return _linalg.MatMul.apply(_t(a), _t(b))


def linear(a: Tensor, W: Tensor, b: Tensor | None = None) -> Tensor:  # noqa: N803
    """The dense layer's affine map z = a W + b, fused into one node.

    Parameters
    ----------
    a : Tensor
        The inputs a_prev, (N, inputs).
    W : Tensor
        The weights, (inputs, units).
    b : Tensor, optional
        The biases, (units,).

    Returns
    -------
    Tensor
        z = a W + b, (N, units).

    Examples
    --------
    >>> a = gn.tensor([[1.0, 2.0]])
    >>> W = gn.tensor([[1.0, 0.0], [0.5, -1.0]])
    >>> b = gn.tensor([0.1, 0.2])
    >>> print(gn.functional.linear(a, W, b).numpy())
    [[ 2.1 -1.8]]
    """
    W = _t(W, a if isinstance(a, Tensor) else None)
    a = _t(a, W)
    return _linalg.Linear.apply(a, W) if b is None else _linalg.Linear.apply(a, W, _t(b, W))


def mse_loss(y_pred: Tensor, y_true: Any, reduction: str = "mean") -> Tensor:
    """Mean squared error (see :class:`glassnet.losses.MSE`).

    Parameters
    ----------
    y_pred : Tensor
        The predictions, (N, outputs).
    y_true : array_like
        The targets, the shape of ``y_pred``.
    reduction : str, default 'mean'
        ``"mean"``, ``"sum"`` or ``"none"`` (one value per sample).

    Returns
    -------
    Tensor
        The loss.

    Examples
    --------
    >>> print(gn.functional.mse_loss(gn.tensor([[1.0], [2.0]]), [[0.0], [2.0]]).numpy())
    0.5
    """
    return MSE(reduction)(y_pred, y_true)


def mae_loss(y_pred: Tensor, y_true: Any, reduction: str = "mean") -> Tensor:
    """Mean absolute error (see :class:`glassnet.losses.MAE`).

    Parameters
    ----------
    y_pred : Tensor
        The predictions, (N, outputs).
    y_true : array_like
        The targets, the shape of ``y_pred``.
    reduction : str, default 'mean'
        ``"mean"``, ``"sum"`` or ``"none"`` (one value per sample).

    Returns
    -------
    Tensor
        The loss.

    Examples
    --------
    >>> print(gn.functional.mae_loss(gn.tensor([[1.0], [2.0]]), [[0.0], [4.0]]).numpy())
    1.5
    """
    return MAE(reduction)(y_pred, y_true)


def huber_loss(y_pred: Tensor, y_true: Any, delta: float = 1.0, reduction: str = "mean") -> Tensor:
    """Huber loss (see :class:`glassnet.losses.Huber`).

    Parameters
    ----------
    y_pred : Tensor
        The predictions, (N, outputs).
    y_true : array_like
        The targets, the shape of ``y_pred``.
    delta : float, default 1.0
        Where the loss turns from quadratic to linear.
    reduction : str, default 'mean'
        ``"mean"``, ``"sum"`` or ``"none"`` (one value per sample).

    Returns
    -------
    Tensor
        The loss.

    Examples
    --------
    >>> print(gn.functional.huber_loss(gn.tensor([[0.5], [3.0]]), [[0.0], [0.0]]).numpy())
    1.3125
    """
    return Huber(reduction, delta)(y_pred, y_true)


def binary_cross_entropy(y_pred: Tensor, y_true: Any, from_logits: bool | None = None,
                         reduction: str = "mean") -> Tensor:
    """Binary cross-entropy; ``from_logits`` as in :class:`glassnet.losses.BinaryCrossEntropy`.

    Parameters
    ----------
    y_pred : Tensor
        Probabilities in (0, 1), or logits with ``from_logits=True``.
    y_true : array_like
        Labels 0 or 1.
    from_logits : bool, optional
        Whether ``y_pred`` holds logits; None reads it from the graph (a sigmoid output is
        probabilities).
    reduction : str, default 'mean'
        ``"mean"``, ``"sum"`` or ``"none"`` (one value per sample).

    Returns
    -------
    Tensor
        The loss.

    Examples
    --------
    >>> p = gn.tensor([[0.9], [0.2]])
    >>> print(round(float(gn.functional.binary_cross_entropy(p, [[1.0], [0.0]]).numpy()), 4))
    0.1643
    """
    return BinaryCrossEntropy(reduction, from_logits)(y_pred, y_true)


def cross_entropy(y_pred: Tensor, y_true: Any, from_logits: bool | None = None,
                  reduction: str = "mean") -> Tensor:
    """Categorical cross-entropy; ``from_logits`` as in :class:`glassnet.losses.CrossEntropy`.

    Parameters
    ----------
    y_pred : Tensor
        Class probabilities (N, classes), or logits with ``from_logits=True``.
    y_true : array_like
        Class indices (N,) or one-hot rows (N, classes).
    from_logits : bool, optional
        Whether ``y_pred`` holds logits; None reads it from the graph (a softmax output is
        probabilities).
    reduction : str, default 'mean'
        ``"mean"``, ``"sum"`` or ``"none"`` (one value per sample).

    Returns
    -------
    Tensor
        The loss.

    Examples
    --------
    >>> logits = gn.tensor([[2.0, 0.0, 0.0], [0.0, 3.0, 0.0]])
    >>> print(round(float(gn.functional.cross_entropy(logits, [0, 1], from_logits=True).numpy()), 4))
    0.1672
    """
    return CrossEntropy(reduction, from_logits)(y_pred, y_true)


def nll_loss(log_probs: Tensor, y_true: Any, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of log-probabilities (see :class:`glassnet.losses.NLL`).

    Parameters
    ----------
    log_probs : Tensor
        Log-probabilities (N, classes), e.g. from ``log_softmax``.
    y_true : array_like
        Class indices (N,).
    reduction : str, default 'mean'
        ``"mean"``, ``"sum"`` or ``"none"`` (one value per sample).

    Returns
    -------
    Tensor
        -mean log p of the true classes.

    Examples
    --------
    >>> log_p = gn.functional.log_softmax(gn.tensor([[2.0, 0.0, 0.0], [0.0, 3.0, 0.0]]))
    >>> print(round(float(gn.functional.nll_loss(log_p, [0, 1]).numpy()), 4))
    0.1672
    """
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

    Parameters
    ----------
    input : object
        The predicted means, (N, ...).
    target : object
        The targets, the shape of ``input``.
    var : object
        The predicted variances, positive.
    full : bool, default False
        Add the constant ln(2 pi) / 2, as PyTorch's ``full=True``.
    eps : float, default 1e-06
        Variances are clamped to at least ``eps``.
    reduction : str, default 'mean'
        ``"mean"``, ``"sum"`` or ``"none"`` (one value per sample).

    Returns
    -------
    Tensor
        The loss.

    Examples
    --------
    >>> mean = gn.tensor([[0.0], [1.0]])
    >>> var = gn.tensor([[1.0], [4.0]])
    >>> print(round(float(gn.functional.gaussian_nll(mean, [[1.0], [1.0]], var).numpy()), 4))
    0.5966
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
    :class:`glassnet.losses.Pinball`).

    Parameters
    ----------
    y_pred : Tensor
        The predicted quantiles, (N, outputs * len(quantiles)).
    y_true : array_like
        The targets, (N, outputs).
    quantiles : sequence of float, default (0.05, 0.5, 0.95)
        The quantile levels in (0, 1), one column each.
    reduction : str, default 'mean'
        ``"mean"``, ``"sum"`` or ``"none"`` (one value per sample).

    Returns
    -------
    Tensor
        The loss.

    Examples
    --------
    >>> pred = gn.tensor([[0.0, 1.0, 2.0]])
    >>> print(round(float(gn.functional.pinball_loss(pred, [[1.5]]).numpy()), 4))
    0.1167
    """
    return Pinball(quantiles, reduction)(y_pred, y_true)
