"""Element-wise mathematics and reductions on Tensors: exp, log, sqrt, abs, sin, cos, clip,
maximum, minimum, where, sum, mean, max and logsumexp. Re-exported by :mod:`glassnet.functional`."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.functional._wrap import _graph_aware, _t
from glassnet.ops import elementwise as _ew
from glassnet.ops import reduce as _reduce
from glassnet.tensor import Tensor

__all__ = ["exp", "log", "sqrt", "abs", "sin", "cos", "clip", "maximum", "minimum", "where", "sum", "mean",
           "max", "logsumexp"]


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
def sum(x: Tensor, axis: Any = None, keepdims: bool = False, *, dim: Any = None,  # noqa: A001
        keepdim: bool | None = None) -> Tensor:
    """Sum over ``axis`` (all axes when None), as :meth:`Tensor.sum`.

    Parameters
    ----------
    x : Tensor
        The input.
    axis : int, tuple of int or None, default None
        The axes to sum over; all when None.
    keepdims : bool, default False
        Keep the summed axes with length 1.
    dim, keepdim : optional
        PyTorch's names for ``axis`` and ``keepdims``.

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
    return _t(x).sum(axis, keepdims, dim=dim, keepdim=keepdim)


@_graph_aware
def mean(x: Tensor, axis: Any = None, keepdims: bool = False, *, dim: Any = None,
         keepdim: bool | None = None) -> Tensor:
    """Mean over ``axis`` (all axes when None), as :meth:`Tensor.mean`.

    Parameters
    ----------
    x : Tensor
        The input.
    axis : int, tuple of int or None, default None
        The axes to average over; all when None.
    keepdims : bool, default False
        Keep the averaged axes with length 1.
    dim, keepdim : optional
        PyTorch's names for ``axis`` and ``keepdims``.

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
    return _t(x).mean(axis, keepdims, dim=dim, keepdim=keepdim)


@_graph_aware
def max(x: Tensor, axis: Any = None, keepdims: bool = False, *, dim: Any = None,  # noqa: A001
        keepdim: bool | None = None) -> Any:
    """Maximum over ``axis``; ties share the gradient evenly, as :meth:`Tensor.max`.

    Parameters
    ----------
    x : Tensor
        The input.
    axis : int, tuple of int or None, default None
        The axes to reduce; all when None.
    keepdims : bool, default False
        Keep the reduced axes with length 1.
    dim, keepdim : optional
        PyTorch's names for ``axis`` and ``keepdims``; one ``dim`` gives the pair
        (values, indices), as ``torch.max(x, dim)``.

    Returns
    -------
    Tensor or (Tensor, Tensor)
        The maxima (and their indices for one ``dim``).

    Examples
    --------
    >>> x = gn.tensor([1.0, 3.0, 3.0], requires_grad=True)
    >>> m = gn.functional.max(x)
    >>> m.backward()
    >>> print(m.numpy(), x.grad)
    3.0 [0.  0.5 0.5]
    """
    return _t(x).max(dim, keepdim, axis=axis, keepdims=keepdims)


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
