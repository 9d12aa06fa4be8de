"""Activation functions a = g(z) and their derivatives g'(z), as in the lectures' table.

Each activation is one :class:`~glassnet.function.Function`: ``forward`` computes g(z),
``backward`` multiplies the upstream gradient by g'(z) (the chain rule
dE/dz = dE/da * g'(z)). Reach them by name with :func:`get`, or call the functions here
(also exported by :mod:`glassnet.functional`).

The activations live by family: :mod:`~glassnet.activations.elementwise` (the classic ones,
one unit's output from its own z), :mod:`~glassnet.activations.rectifiers` (the ReLU family),
:mod:`~glassnet.activations.radial` (radial basis functions of z) and
:mod:`~glassnet.activations.over_axis` (softmax and log-softmax over an axis). An
activation is added by writing its Function and function in its family's module and one
row of :data:`_TABLE` below.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from glassnet._registry import Registry
from glassnet.activations._arrays import _sigmoid as _sigmoid
from glassnet.activations.elementwise import (
    BinaryStep,
    Identity,
    Sigmoid,
    Tanh,
    binary_step,
    identity,
    sigmoid,
    tanh,
)
from glassnet.activations.over_axis import LogSoftmax, Softmax, log_softmax, softmax
from glassnet.activations.radial import (
    Gaussian,
    InverseMultiquadric,
    Multiquadric,
    gaussian,
    inverse_multiquadric,
    multiquadric,
)
from glassnet.activations.rectifiers import (
    ELU,
    GELU,
    SELU,
    SELU_ALPHA,
    SELU_LAMBDA,
    LeakyReLU,
    ReLU,
    Softplus,
    elu,
    gelu,
    leaky_relu,
    relu,
    selu,
    softplus,
)
from glassnet.tensor import Tensor

__all__ = [
    "get", "names", "name_of", "identity", "binary_step", "sigmoid", "tanh", "relu", "leaky_relu", "elu",
    "selu", "gelu", "softplus", "softmax", "log_softmax", "gaussian", "multiquadric",
    "inverse_multiquadric", "ACTIVATIONS", "Identity", "BinaryStep", "Sigmoid", "Tanh", "ReLU", "LeakyReLU",
    "ELU", "SELU", "GELU", "Softplus", "Gaussian", "Multiquadric", "InverseMultiquadric", "Softmax",
    "LogSoftmax", "SELU_LAMBDA", "SELU_ALPHA",
]

#: Every activation: the function, then the names :func:`get` knows it by.
_TABLE: tuple[tuple[Callable[..., Tensor], tuple[str, ...]], ...] = (
    (identity, ("identity", "linear")),
    (binary_step, ("binary_step", "heaviside", "step")),
    (sigmoid, ("sigmoid", "logistic")),
    (tanh, ("tanh",)),
    (relu, ("relu",)),
    (leaky_relu, ("leaky_relu",)),
    (elu, ("elu",)),
    (selu, ("selu",)),
    (gelu, ("gelu",)),
    (softplus, ("softplus",)),
    (softmax, ("softmax",)),
    (log_softmax, ("log_softmax",)),
    (gaussian, ("gaussian", "rbf")),
    (multiquadric, ("multiquadric",)),
    (inverse_multiquadric, ("inverse_multiquadric",)),
)

ACTIVATIONS = Registry("activation")
for _function, _names in _TABLE:
    ACTIVATIONS.register(*_names)(_function)
del _function, _names

def get(activation: str | Callable[[Tensor], Tensor] | None) -> Callable[[Tensor], Tensor]:
    """Resolve an activation given by name, as a callable, or None (identity).

    Parameters
    ----------
    activation : str, callable or None
        A registered name (``"relu"``, ...), a callable mapping a Tensor to a Tensor, or None for
        the identity.

    Returns
    -------
    callable
        The activation function.

    Raises
    ------
    ValueError
        For an unknown name; the message lists the valid names.
    TypeError
        For a callable that does not map a Tensor to a Tensor of the same shape (a NumPy
        function such as ``np.tanh`` does not: it has no gradient); it is tried once here,
        on a small Tensor, so that the layer fails at construction rather than in ``fit``.

    Examples
    --------
    >>> f = gn.activations.get("relu")
    >>> print(f.__name__, f(gn.tensor([-1.0, 2.0])).numpy())
    relu [0. 2.]
    >>> gn.activations.get(None).__name__
    'identity'
    """
    if activation is None:
        return identity
    if callable(activation):
        if not _is_registered(activation):
            _try_callable(activation)
        return activation
    return ACTIVATIONS.get(activation)


def _is_registered(activation: Callable[[Tensor], Tensor]) -> bool:
    return any(ACTIVATIONS.get(name) is activation for name in ACTIVATIONS.names())


def _try_callable(activation: Callable[[Tensor], Tensor]) -> None:
    """Call a user's activation on a small Tensor; a TypeError saying what is expected if it fails."""
    name = getattr(activation, "__name__", type(activation).__name__)
    spelling = f" (use activation={name!r}, glassnet's own)" if name in ACTIVATIONS.names() else ""
    expected = ("an activation callable must take a glassnet Tensor z and return a Tensor of the same "
                "shape, computed with glassnet operations so that it has a gradient, e.g. "
                "lambda z: z * gn.functional.sigmoid(z); NumPy functions such as np.tanh work on arrays, not "
                f"Tensors{spelling}")
    probe = Tensor(np.array([[-1.0, 0.0, 1.0]], dtype=np.float32))
    try:
        out = activation(probe)
    except Exception as err:
        raise TypeError(f"activation {name!r} failed on a Tensor ({type(err).__name__}: {err}); {expected}") \
            from None
    if not isinstance(out, Tensor) or out.shape != probe.shape:
        got = f"a Tensor of shape {out.shape}" if isinstance(out, Tensor) else type(out).__name__
        raise TypeError(f"activation {name!r} returned {got} for a Tensor of shape {probe.shape}; {expected}")


def name_of(activation: Callable[[Tensor], Tensor]) -> str | None:
    """The registered name of an activation function, or None for a user's own callable.

    Parameters
    ----------
    activation : callable
        An activation function.

    Returns
    -------
    str or None
        Its registered name, or None for a user's own callable.

    Examples
    --------
    >>> gn.activations.name_of(gn.activations.tanh)
    'tanh'
    >>> print(gn.activations.name_of(lambda z: z))
    None
    """
    return activation.__name__ if _is_registered(activation) else None


def names() -> list[str]:
    """Every registered activation name (aliases included).

    Returns
    -------
    list of str
        The names ``get`` accepts.

    Examples
    --------
    >>> names = gn.activations.names()
    >>> "relu" in names, "softmax" in names
    (True, True)
    """
    return ACTIVATIONS.names()
