"""The rectifier family: ReLU, leaky ReLU, ELU, SELU, GELU and softplus, each a = g(z) of the
unit's own z, linear (or nearly) for large z so that deep networks keep their gradients."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from glassnet import accel
from glassnet._checks import check_hyperparameter
from glassnet.activations._arrays import _relu, _sigmoid
from glassnet.function import Function
from glassnet.tensor import Tensor

__all__ = ["relu", "leaky_relu", "elu", "selu", "gelu", "softplus", "ReLU", "LeakyReLU", "ELU", "SELU",
           "GELU", "Softplus", "SELU_LAMBDA", "SELU_ALPHA"]

SELU_LAMBDA = 1.0507009873554804934193349852946
SELU_ALPHA = 1.6732632423543772848170429916717


class ReLU(Function):
    """Rectified linear unit: g(z) = max(0, z);  g'(z) = 1 if z > 0 else 0 (0 at z = 0, as PyTorch).

    Examples
    --------
    >>> z = gn.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    >>> a = gn.activations.ReLU.apply(z)
    >>> print(a.numpy())
    [0. 0. 2.]
    >>> a.sum().backward()
    >>> print(z.grad)
    [0. 0. 1.]
    """

    name = "relu"

    @staticmethod
    def forward(ctx: Any, z: np.ndarray) -> np.ndarray:
        ctx.a = _relu(z)
        return ctx.a

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        return (accel.relu_grad(grad, ctx.a),)


class LeakyReLU(Function):
    """g(z) = z if z >= 0 else s z;  g'(z) = 1 if z > 0 else s (slope s, default 0.01).

    Examples
    --------
    >>> z = gn.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    >>> a = gn.activations.leaky_relu(z, slope=0.1)
    >>> print(a.numpy())
    [-0.1  0.   2. ]
    >>> a.sum().backward()
    >>> print(z.grad)
    [0.1 0.1 1. ]
    """

    name = "leaky_relu"

    @staticmethod
    def forward(ctx: Any, z: np.ndarray, slope: float = 0.01) -> np.ndarray:
        ctx.scale = np.where(z > 0, 1, slope).astype(z.dtype)
        return z * ctx.scale

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        return (grad * ctx.scale,)


def _scaled_elu(ctx: Any, z: np.ndarray, alpha: float, scale: float) -> np.ndarray:
    """scale (z if z > 0 else alpha (e^z - 1)), keeping on ``ctx`` what the derivative
    scale if z > 0 else scale alpha e^z needs (ELU is scale 1, SELU lambda)."""
    ctx.positive, ctx.scale = z > 0, scale
    ctx.neg = scale * alpha * np.exp(np.minimum(z, 0))
    return np.where(ctx.positive, scale * z, ctx.neg - scale * alpha)


class ELU(Function):
    """Exponential linear unit: g(z) = z if z > 0 else alpha (e^z - 1);
    g'(z) = 1 if z > 0 else alpha e^z (alpha = 1.0 by default).

    Examples
    --------
    >>> z = gn.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    >>> a = gn.activations.elu(z)
    >>> print(a.numpy())
    [-0.6321  0.      2.    ]
    >>> a.sum().backward()
    >>> print(z.grad)
    [0.3679 1.     1.    ]
    """

    name = "elu"

    @staticmethod
    def forward(ctx: Any, z: np.ndarray, alpha: float = 1.0) -> np.ndarray:
        return _scaled_elu(ctx, z, alpha, 1)

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        return (grad * np.where(ctx.positive, ctx.scale, ctx.neg),)


class SELU(Function):
    """Scaled ELU: g(z) = lambda z if z > 0 else lambda alpha (e^z - 1);
    g'(z) = lambda if z > 0 else lambda alpha e^z,
    with lambda = 1.0507009873554805 and alpha = 1.6732632423543772 (self-normalizing).

    Examples
    --------
    >>> z = gn.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    >>> a = gn.activations.selu(z)
    >>> print(a.numpy())
    [-1.1113  0.      2.1014]
    >>> a.sum().backward()
    >>> print(z.grad)
    [0.6468 1.7581 1.0507]
    """

    name = "selu"

    @staticmethod
    def forward(ctx: Any, z: np.ndarray) -> np.ndarray:
        return _scaled_elu(ctx, z, SELU_ALPHA, SELU_LAMBDA)

    backward = staticmethod(ELU.backward)


class GELU(Function):
    """Gaussian error linear unit: g(z) = z Phi(z) = z/2 (1 + erf(z / sqrt 2));
    g'(z) = Phi(z) + z phi(z), with phi the standard normal density.

    ``approximate="tanh"``: g(z) = z/2 (1 + tanh(sqrt(2/pi) (z + 0.044715 z^3))), as PyTorch.

    Examples
    --------
    >>> z = gn.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    >>> a = gn.activations.gelu(z)
    >>> print(a.numpy())
    [-0.1587  0.      1.9545]
    >>> a.sum().backward()
    >>> print(z.grad)
    [-0.0833  0.5     1.0852]
    """

    name = "gelu"

    @staticmethod
    def forward(ctx: Any, z: np.ndarray, approximate: str = "none") -> np.ndarray:
        ctx.z, ctx.approximate = z, approximate
        if approximate == "tanh":
            k = math.sqrt(2 / math.pi)
            ctx.t = np.tanh(k * (z + 0.044715 * z**3))
            return 0.5 * z * (1 + ctx.t)
        if approximate != "none":
            raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
        from scipy.special import erf

        ctx.cdf = 0.5 * (1 + erf(z / math.sqrt(2))).astype(z.dtype)
        return z * ctx.cdf

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        z = ctx.z
        if ctx.approximate == "tanh":
            k = math.sqrt(2 / math.pi)
            dt = (1 - ctx.t**2) * k * (1 + 3 * 0.044715 * z**2)
            return (grad * (0.5 * (1 + ctx.t) + 0.5 * z * dt),)
        pdf = np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
        return (grad * (ctx.cdf + z * pdf),)


class Softplus(Function):
    """g(z) = ln(1 + e^z), computed stably as max(z, 0) + ln(1 + e^{-|z|});
    g'(z) = 1 / (1 + e^{-z}) (the sigmoid).

    Examples
    --------
    >>> z = gn.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    >>> a = gn.activations.softplus(z)
    >>> print(a.numpy())
    [0.3133 0.6931 2.1269]
    >>> a.sum().backward()
    >>> print(z.grad)
    [0.2689 0.5    0.8808]
    """

    name = "softplus"

    @staticmethod
    def forward(ctx: Any, z: np.ndarray) -> np.ndarray:
        ctx.z = z
        return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> tuple[np.ndarray]:
        return (grad * _sigmoid(ctx.z),)


def _real(op: str, name: str, value: Any) -> float:
    return check_hyperparameter(f"{op}: {name}", value, -math.inf)


def relu(z: Tensor) -> Tensor:
    """g(z) = max(0, z);  g'(z) = 1[z > 0].

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
    >>> z = gn.tensor([-1.0, 2.0], requires_grad=True)
    >>> a = gn.activations.relu(z)
    >>> print(a.numpy())
    [0. 2.]
    >>> a.sum().backward()
    >>> print(z.grad)
    [0. 1.]
    """
    return ReLU.apply(z)


def leaky_relu(z: Tensor, slope: float = 0.01, *, negative_slope: float | None = None) -> Tensor:
    """g(z) = z if z >= 0 else slope z;  g'(z) = 1 if z > 0 else slope.

    Parameters
    ----------
    z : Tensor
        The pre-activation.
    slope : float, default 0.01
        The slope s for z < 0.
    negative_slope : float, optional
        Keras's and PyTorch's name for ``slope``.

    Returns
    -------
    Tensor
        g(z), the same shape as ``z``.

    Examples
    --------
    >>> print(gn.activations.leaky_relu(gn.tensor([-1.0, 2.0]), slope=0.1).numpy())
    [-0.1  2. ]
    """
    if negative_slope is not None:
        if slope != 0.01 and slope != negative_slope:
            raise TypeError(f"leaky_relu: give slope or negative_slope (Keras's and PyTorch's name for it), "
                            f"not both; got slope={slope!r}, negative_slope={negative_slope!r}")
        slope = negative_slope
    return LeakyReLU.apply(z, slope=_real("leaky_relu", "slope", slope))


def elu(z: Tensor, alpha: float = 1.0) -> Tensor:
    """g(z) = z if z > 0 else alpha (e^z - 1);  g'(z) = 1 if z > 0 else alpha e^z.

    Parameters
    ----------
    z : Tensor
        The pre-activation.
    alpha : float, default 1.0
        The value approached as z -> -inf is -alpha.

    Returns
    -------
    Tensor
        g(z), the same shape as ``z``.

    Examples
    --------
    >>> print(gn.activations.elu(gn.tensor([-1.0, 2.0])).numpy())
    [-0.6321  2.    ]
    """
    return ELU.apply(z, alpha=_real("elu", "alpha", alpha))


def selu(z: Tensor) -> Tensor:
    """g(z) = lambda (z if z > 0 else alpha (e^z - 1)), lambda = 1.0507..., alpha = 1.6732...

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
    >>> print(gn.activations.selu(gn.tensor([-1.0, 2.0])).numpy())
    [-1.1113  2.1014]
    """
    return SELU.apply(z)


def gelu(z: Tensor, approximate: str = "none") -> Tensor:
    """g(z) = z Phi(z);  g'(z) = Phi(z) + z phi(z). ``approximate="tanh"`` for the tanh form.

    Parameters
    ----------
    z : Tensor
        The pre-activation.
    approximate : str, default 'none'
        ``"none"`` for the exact form with erf, ``"tanh"`` for the tanh approximation.

    Returns
    -------
    Tensor
        g(z), the same shape as ``z``.

    Examples
    --------
    >>> z = gn.tensor([-1.0, 1.0])
    >>> print(gn.activations.gelu(z).numpy())
    [-0.1587  0.8413]
    >>> print(gn.activations.gelu(z, approximate="tanh").numpy())
    [-0.1588  0.8412]
    """
    return GELU.apply(z, approximate=approximate)


def softplus(z: Tensor) -> Tensor:
    """g(z) = ln(1 + e^z);  g'(z) = 1 / (1 + e^{-z}).

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
    >>> print(gn.activations.softplus(gn.tensor([-1.0, 0.0, 2.0])).numpy())
    [0.3133 0.6931 2.1269]
    """
    return Softplus.apply(z)
