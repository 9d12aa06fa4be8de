"""Radial basis activations: a unit's output as a function of its z read as a distance,
g(z) = phi(z), largest (Gaussian, inverse multiquadric) or smallest (multiquadric) at z = 0.
The RBF layer (:class:`glassnet.layers.RBF`) applies the same functions to the distance to a centre.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glassnet.function import Function
from glassnet.tensor import Tensor

__all__ = ["Gaussian", "Multiquadric", "InverseMultiquadric", "gaussian", "multiquadric",
           "inverse_multiquadric"]


class Gaussian(Function):
    """Radial basis activation: g(z) = e^{-z^2};  g'(z) = -2 z e^{-z^2}.

    Examples
    --------
    >>> z = gn.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    >>> a = gn.activations.gaussian(z)
    >>> print(a.numpy())
    [0.3679 1.     0.0183]
    >>> a.sum().backward()
    >>> print(z.grad)
    [ 0.7358 -0.     -0.0733]
    """

    name = "gaussian"

    @staticmethod
    def forward(ctx: Any, z: np.ndarray) -> np.ndarray:
        ctx.z = z
        ctx.a = np.exp(-z * z)
        return ctx.a

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        return (grad * -2 * ctx.z * ctx.a,)


class Multiquadric(Function):
    """Radial basis activation: g(z) = sqrt(1 + z^2);  g'(z) = z / sqrt(1 + z^2) = z / g(z).

    Grows like |z|: far from its centre a multiquadric unit is large, not zero.

    Examples
    --------
    >>> z = gn.tensor([-0.75, 0.0, 0.75], requires_grad=True)
    >>> a = gn.activations.multiquadric(z)
    >>> print(a.numpy())
    [1.25 1.   1.25]
    >>> a.sum().backward()
    >>> print(z.grad)
    [-0.6  0.   0.6]
    """

    name = "multiquadric"

    @staticmethod
    def forward(ctx: Any, z: np.ndarray) -> np.ndarray:
        ctx.z = z
        ctx.a = np.sqrt(1 + z * z)
        return ctx.a

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        return (grad * ctx.z / ctx.a,)


class InverseMultiquadric(Function):
    """Radial basis activation: g(z) = 1 / sqrt(1 + z^2);  g'(z) = -z / (1 + z^2)^{3/2} = -z g(z)^3.

    Peaks at 1 for z = 0 and decays like 1 / |z|.

    Examples
    --------
    >>> z = gn.tensor([-0.75, 0.0, 0.75], requires_grad=True)
    >>> a = gn.activations.inverse_multiquadric(z)
    >>> print(a.numpy())
    [0.8 1.  0.8]
    >>> a.sum().backward()
    >>> print(z.grad)
    [ 0.384 -0.    -0.384]
    """

    name = "inverse_multiquadric"

    @staticmethod
    def forward(ctx: Any, z: np.ndarray) -> np.ndarray:
        ctx.z = z
        ctx.a = 1 / np.sqrt(1 + z * z)
        return ctx.a

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        return (grad * -ctx.z * ctx.a ** 3,)


def gaussian(z: Tensor) -> Tensor:
    """g(z) = e^{-z^2};  g'(z) = -2 z e^{-z^2}.

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
    >>> print(gn.activations.gaussian(gn.tensor([0.0, 1.0])).numpy())
    [1.     0.3679]
    """
    return Gaussian.apply(z)


def multiquadric(z: Tensor) -> Tensor:
    """g(z) = sqrt(1 + z^2);  g'(z) = z / sqrt(1 + z^2).

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
    >>> import glassnet as gn
    >>> multiquadric(gn.tensor([0.0, 0.75])).numpy().round(4)
    array([1.  , 1.25], dtype=float32)
    """
    return Multiquadric.apply(z)


def inverse_multiquadric(z: Tensor) -> Tensor:
    """g(z) = 1 / sqrt(1 + z^2);  g'(z) = -z / (1 + z^2)^{3/2}.

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
    >>> import glassnet as gn
    >>> inverse_multiquadric(gn.tensor([0.0, 0.75])).numpy().round(4)
    array([1. , 0.8], dtype=float32)
    """
    return InverseMultiquadric.apply(z)
