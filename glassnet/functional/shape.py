"""Shapes and products of Tensors: reshape, transpose, concatenate, stack, pad, broadcast_to,
matmul and linear. Re-exported by :mod:`glassnet.functional`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from glassnet.functional._wrap import _t
from glassnet.ops import linalg as _linalg
from glassnet.ops import shape as _shape
from glassnet.ops._axis import axis_or_dim
from glassnet.symbolic import Symbolic
from glassnet.tensor import Tensor

__all__ = ["reshape", "transpose", "concatenate", "cat", "stack", "pad", "broadcast_to", "matmul", "linear"]


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

    W is (inputs, units), as a Dense layer's ``W``. PyTorch's ``F.linear(input, weight, bias)``
    takes ``weight`` as (units, inputs) and computes a weight^T + b: pass ``weight.T`` here (for
    a square weight, passing it as is would silently use its transpose).

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
