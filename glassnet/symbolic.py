"""Symbolic tensors of the functional model API: ``x = gn.Input((4,)); h = Dense(8)(x)``.

A :class:`Symbolic` holds no data: it records which operation (a layer, or a function
such as ``+`` or ``gn.concatenate``) made it from which inputs, and its per-sample shape.
``gn.Model(inputs, outputs)`` replays that record on real Tensors.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["Symbolic", "Input"]


class Symbolic:
    """A placeholder for a Tensor in a model graph (shape excludes the batch axis).

    Parameters
    ----------
    shape : tuple of int
        The per-sample shape.
    op : callable, optional
        The operation that makes it from ``inputs``; None for an input.
    inputs : tuple, default ()
        The operation's inputs (Symbolic or constants).
    options : dict, optional
        The operation's keyword arguments.
    name : str, optional
        A label.

    Examples
    --------
    ``gn.Input`` makes one; layers and operations on it record the graph of a functional model:

    >>> x = gn.Input((3,))
    >>> h = gn.layers.Dense(2)(x) * 2
    >>> type(h).__name__, h.shape
    ('Symbolic', (2,))
    """

    __slots__ = ("shape", "op", "inputs", "options", "name")

    def __init__(
        self,
        shape: tuple[int, ...],
        op: Callable[..., Any] | None = None,
        inputs: tuple[Any, ...] = (),
        options: dict[str, Any] | None = None,
        name: str | None = None,
    ) -> None:
        self.shape = tuple(int(n) for n in shape)
        self.op = op
        self.inputs = inputs
        self.options = options or {}
        self.name = name

    @classmethod
    def record(cls, op: Callable[..., Any], *inputs: Any, **options: Any) -> Symbolic:
        """A new node: ``op(*inputs, **options)``; its shape is found by running ``op`` on
        zeros of batch size 1 (layers report theirs through ``compute_output_shape``)."""
        from glassnet.tensor import Tensor, no_grad

        if hasattr(op, "compute_output_shape"):
            shape = op.compute_output_shape(inputs[0].shape)
        else:
            def dummy(x: Any) -> Any:
                if isinstance(x, Symbolic):
                    return Tensor(np.zeros((1, *x.shape), dtype=np.float32))
                if isinstance(x, (list, tuple)):
                    return type(x)(dummy(i) for i in x)
                return x

            with no_grad():
                shape = op(*[dummy(i) for i in inputs], **options).shape[1:]
        return cls(shape, op, inputs, options)

    def __repr__(self) -> str:
        op = "Input" if self.op is None else getattr(self.op, "name", getattr(self.op, "__name__", "op"))
        return f"Symbolic(shape=(None, {', '.join(map(str, self.shape))}), op={op})"

    def _binary(self, fn: Callable[[Any, Any], Any], other: Any, reverse: bool = False) -> Symbolic:
        return Symbolic.record(fn, other, self) if reverse else Symbolic.record(fn, self, other)

    def __add__(self, other: Any) -> Symbolic:
        return self._binary(operator.add, other)

    def __radd__(self, other: Any) -> Symbolic:
        return self._binary(operator.add, other, reverse=True)

    def __sub__(self, other: Any) -> Symbolic:
        return self._binary(operator.sub, other)

    def __rsub__(self, other: Any) -> Symbolic:
        return self._binary(operator.sub, other, reverse=True)

    def __mul__(self, other: Any) -> Symbolic:
        return self._binary(operator.mul, other)

    def __rmul__(self, other: Any) -> Symbolic:
        return self._binary(operator.mul, other, reverse=True)

    def __truediv__(self, other: Any) -> Symbolic:
        return self._binary(operator.truediv, other)

    def __pow__(self, other: Any) -> Symbolic:
        return self._binary(operator.pow, other)

    def __rpow__(self, other: Any) -> Symbolic:
        return self._binary(operator.pow, other, reverse=True)

    def __neg__(self) -> Symbolic:
        return Symbolic.record(operator.neg, self)

    def __getitem__(self, index: Any) -> Symbolic:
        return Symbolic.record(operator.getitem, self, index)


def Input(shape: tuple[int, ...] | int, name: str | None = None) -> Symbolic:  # noqa: N802 - Keras's name
    """The input of a functional model, with per-sample ``shape`` (no batch axis).

    Parameters
    ----------
    shape : tuple of int or int
        The per-sample shape (no batch axis).
    name : str, optional
        A label for the summary.

    Returns
    -------
    Symbolic
        The placeholder to build the model from.

    Examples
    --------
    >>> x = Input((4,))
    >>> x.shape
    (4,)
    """
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    if not shape or any(int(n) < 1 for n in shape):
        raise ValueError(f"Input: shape must be a tuple of positive sizes (no batch axis), got {shape!r}")
    return Symbolic(shape, name=name)
