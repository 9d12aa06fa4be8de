"""The classic element-wise activations a = g(z) of the lectures' first neurons: identity, the
binary step, sigmoid and tanh. Each unit's output depends on its own z only."""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.activations._arrays import _sigmoid, _tanh
from glassnet.function import Function
from glassnet.tensor import Tensor

__all__ = ["identity", "binary_step", "sigmoid", "tanh", "Identity", "BinaryStep", "Sigmoid", "Tanh"]


class Identity(Function):
    """g(z) = z;  g'(z) = 1.

    Examples
    --------
    >>> z = gn.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    >>> gn.activations.Identity.apply(z).sum().backward()
    >>> print(z.grad)
    [1. 1. 1.]
    """

    name = "identity"
    saves_values = False

    @staticmethod
    def forward(ctx: Any, z: np.ndarray) -> np.ndarray:
        return z

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        return (grad,)


class BinaryStep(Function):
    """Heaviside step: g(z) = 1 if z > 0 else 0;  g'(z) = 0 (undefined at 0).

    The perceptron's activation. Its derivative is zero wherever it exists, so the
    chain rule passes no signal back: a network of steps cannot be trained by gradient
    descent (use the perceptron rule, or a smooth activation such as sigmoid). The value
    at z = 0 is 0, as in the lectures' festival example (output 1 iff w.x > threshold).

    Examples
    --------
    >>> z = gn.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    >>> a = gn.activations.BinaryStep.apply(z)
    >>> print(a.numpy())
    [0. 0. 1.]
    >>> a.sum().backward()
    >>> print(z.grad)
    [0. 0. 0.]
    """

    name = "binary_step"
    saves_values = False

    @staticmethod
    def forward(ctx: Any, z: np.ndarray) -> np.ndarray:
        return (z > 0).astype(z.dtype)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        return (np.zeros_like(grad),)


class Sigmoid(Function):
    """Logistic sigmoid: g(z) = 1 / (1 + e^{-z});  g'(z) = g(z) (1 - g(z)).

    Stable for large |z| (no overflow); backward reuses the saved output.

    Examples
    --------
    >>> z = gn.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    >>> a = gn.activations.Sigmoid.apply(z)
    >>> print(a.numpy())
    [0.2689 0.5    0.8808]
    >>> a.sum().backward()
    >>> print(z.grad)
    [0.1966 0.25   0.105 ]
    """

    name = "sigmoid"

    @staticmethod
    def forward(ctx: Any, z: np.ndarray) -> np.ndarray:
        ctx.a = _sigmoid(z)
        return ctx.a

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        a = ctx.a
        return (grad * a * (1 - a),)


class Tanh(Function):
    """g(z) = tanh z = (e^z - e^{-z}) / (e^z + e^{-z});  g'(z) = 1 - g(z)^2.

    Examples
    --------
    >>> z = gn.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    >>> a = gn.activations.Tanh.apply(z)
    >>> print(a.numpy())
    [-0.7616  0.      0.964 ]
    >>> a.sum().backward()
    >>> print(z.grad)
    [0.42   1.     0.0707]
    """

    name = "tanh"

    @staticmethod
    def forward(ctx: Any, z: np.ndarray) -> np.ndarray:
        ctx.a = _tanh(z)
        return ctx.a

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        return (grad * (1 - ctx.a * ctx.a),)


def identity(z: Tensor) -> Tensor:
    """g(z) = z;  g'(z) = 1.

    Parameters
    ----------
    z : Tensor
        The pre-activation.

    Returns
    -------
    Tensor
        ``z`` itself, as a node of the graph.

    Examples
    --------
    >>> print(gn.activations.identity(gn.tensor([-1.0, 2.0])).numpy())
    [-1.  2.]
    """
    return Identity.apply(z)


def binary_step(z: Tensor) -> Tensor:
    """Heaviside step, g(z) = 1 if z > 0 else 0; its gradient is zero (see :class:`BinaryStep`).

    Parameters
    ----------
    z : Tensor
        The pre-activation.

    Returns
    -------
    Tensor
        1 where z > 0, else 0.

    Examples
    --------
    >>> print(gn.activations.binary_step(gn.tensor([-1.0, 0.0, 2.0])).numpy())
    [0. 0. 1.]
    """
    return BinaryStep.apply(z)


def sigmoid(z: Tensor) -> Tensor:
    """g(z) = 1 / (1 + e^{-z});  g'(z) = g(z) (1 - g(z)).

    Parameters
    ----------
    z : Tensor
        The pre-activation.

    Returns
    -------
    Tensor
        g(z), the same shape as ``z``.

    Examples
    --------
    >>> z = gn.tensor([0.0, 2.0], requires_grad=True)
    >>> a = gn.activations.sigmoid(z)
    >>> print(a.numpy())
    [0.5    0.8808]
    >>> a.sum().backward()
    >>> print(z.grad)
    [0.25  0.105]
    """
    return Sigmoid.apply(z)


def tanh(z: Tensor) -> Tensor:
    """g(z) = tanh z;  g'(z) = 1 - tanh^2 z.

    Parameters
    ----------
    z : Tensor
        The pre-activation.

    Returns
    -------
    Tensor
        g(z), the same shape as ``z``.

    Examples
    --------
    >>> z = gn.tensor([0.0, 1.0], requires_grad=True)
    >>> a = gn.activations.tanh(z)
    >>> print(a.numpy())
    [0.     0.7616]
    >>> a.sum().backward()
    >>> print(z.grad)
    [1.   0.42]
    """
    return Tanh.apply(z)
