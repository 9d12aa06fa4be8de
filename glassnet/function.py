"""The Function base: one differentiable operation, its forward and its backward side by side."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from glassnet._saved import Saved
from glassnet.tensor import Tensor, _mode

__all__ = ["Function", "unbroadcast", "recording"]

#: Per thread: the list that ``Function.apply`` appends its calls to while :func:`recording`.
_recorder = threading.local()


class recording:  # noqa: N801 - used like a function: ``with recording() as calls:``
    """Note every ``Function.apply`` of this thread inside the block, in order, as
    ``(cls, inputs, options, output)``; the training loop replays them
    (:mod:`glassnet.training.replay`).

    Examples
    --------
    >>> x = gn.tensor([1.0, 2.0], requires_grad=True)
    >>> with gn.function.recording() as calls:
    ...     y = (x * 2).sum()
    ...
    >>> [cls.name for cls, inputs, options, output in calls]
    ['mul', 'sum']
    """

    __slots__ = ("calls", "previous")

    def __init__(self) -> None:
        self.calls: list[tuple[type[Function], tuple[Tensor, ...], dict[str, Any], Tensor]] = []
        self.previous = None

    def __enter__(self) -> list[tuple[type[Function], tuple[Tensor, ...], dict[str, Any], Tensor]]:
        self.previous = getattr(_recorder, "calls", None)
        _recorder.calls = self.calls
        return self.calls

    def __exit__(self, *exc: object) -> None:
        _recorder.calls = self.previous


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` back to ``shape``, undoing NumPy broadcasting in the forward pass.

    A value broadcast along an axis was used once per position of that axis, so by the
    chain rule its gradient is the sum along that axis.

    Parameters
    ----------
    grad : ndarray
        The gradient of a broadcast result.
    shape : tuple of int
        The shape of the input that was broadcast.

    Returns
    -------
    ndarray
        The gradient summed to ``shape``.

    Examples
    --------
    >>> gn.function.unbroadcast(np.ones((2, 3)), (3,))
    array([2., 2., 2.])
    >>> gn.function.unbroadcast(np.ones((2, 3)), (2, 1))
    array([[3.],
           [3.]])
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad


class Function:
    """A node of the graph: subclasses define ``forward`` and ``backward``.

    ``forward(ctx, *arrays, **options)`` computes the output array from the parents'
    arrays and may save what backward needs on ``ctx``. ``backward(ctx, grad)`` receives
    dE/d(output) and returns one gradient per parent (``None`` where a parent needs
    none, see ``ctx.needs_input_grad``), each of that parent's shape.

    The class attribute ``name`` labels the node for graph drawing and tracing.
    ``saves_values`` says whether ``backward`` reads the values of the inputs or of the
    output (True unless a subclass declares otherwise): a recorded node of such a class
    protects them against in-place changes until its backward (see "In-place changes" in
    :class:`~glassnet.tensor.Tensor`); one that only keeps shapes or arrays it computed
    itself (add, sum, reshape, the losses) needs no protection.

    Examples
    --------
    An op of one's own, its forward and its local chain rule side by side:

    >>> class Cube(gn.function.Function):
    ...     name = "cube"
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.x = x
    ...         return x ** 3
    ...     @staticmethod
    ...     def backward(ctx, grad):
    ...         return (3 * ctx.x ** 2 * grad,)
    ...
    >>> x = gn.tensor([2.0], requires_grad=True)
    >>> Cube.apply(x).backward()
    >>> x.grad
    array([12.], dtype=float32)
    """

    name = "function"
    saves_values = True
    saved: Saved | None = None
    parents: tuple[Tensor, ...]
    #: Per input, whether backward must return its gradient; () when none does.
    needs_input_grad: list[bool] | tuple[()] = ()

    @staticmethod
    def forward(ctx: Any, *arrays: Any, **options: Any) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs: Tensor, **options: Any) -> Tensor:
        """Run forward on the inputs' data and, if any input requires grad, record the node."""
        ctx = cls()
        needs = [t.requires_grad for t in inputs] if _mode.enabled else []
        requires = True in needs
        ctx.needs_input_grad = needs if requires else ()
        # NumPy returns a scalar, not a 0-d array, from a ufunc on 0-d input: keep .data an array.
        out = np.asarray(cls.forward(ctx, *[t.data for t in inputs], **options))
        if requires:
            ctx.parents = inputs
            if cls.saves_values:
                ctx.saved = Saved(inputs, out)
            result = Tensor._make(out, True, ctx)
        else:
            result = Tensor._make(out, False, None)
        calls = getattr(_recorder, "calls", None)
        if calls is not None:
            calls.append((cls, inputs, options, result))
        return result
