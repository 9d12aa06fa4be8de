"""Weight initializers: the starting values of a layer's W and b.

Each initializer is a small object called as ``init(shape, rng, dtype)`` that returns a
NumPy array; randomness comes only from the ``numpy.random.Generator`` passed in, so a
seeded generator gives the same weights every time. Values are drawn in float64 and
rounded to ``dtype``, so float32 and float64 layers start from the same numbers.

The variance-scaling family (Glorot, He, LeCun) sets the spread from the layer's fans
so that the variance of the activations (forward) or of the deltas (backward) stays
about the same from layer to layer (see :func:`compute_fans` for the shapes).
Truncated normals follow Keras: cut at two standard deviations and rescaled so that the
final standard deviation is exactly the formula's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from glassnet._registry import Registry
from glassnet.activations import name_of
from glassnet.initializers.base import (
    TRUNCATED_STD,
    Constant,
    Initializer,
    Ones,
    Orthogonal,
    RandomNormal,
    RandomUniform,
    Zeros,
    compute_fans,
)
from glassnet.initializers.scaling import (
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    LecunNormal,
    LecunUniform,
    VarianceScaling,
)

__all__ = [
    "Initializer", "Constant", "Zeros", "Ones", "RandomUniform", "RandomNormal", "Orthogonal",
    "VarianceScaling", "GlorotUniform", "GlorotNormal", "HeUniform", "HeNormal",
    "LecunUniform", "LecunNormal", "compute_fans", "default_for", "get", "names", "TRUNCATED_STD",
]

#: Every initializer: the class, then the names :func:`get` knows it by.
_TABLE: tuple[tuple[type[Initializer], tuple[str, ...]], ...] = (
    (Constant, ("constant",)),
    (Zeros, ("zeros",)),
    (Ones, ("ones",)),
    (RandomUniform, ("uniform", "random_uniform")),
    (RandomNormal, ("normal", "random_normal")),
    (VarianceScaling, ("variance_scaling",)),
    (GlorotUniform, ("glorot_uniform", "xavier_uniform")),
    (GlorotNormal, ("glorot_normal",)),
    (HeUniform, ("he_uniform",)),
    (HeNormal, ("he_normal",)),
    (LecunUniform, ("lecun_uniform",)),
    (LecunNormal, ("lecun_normal",)),
    (Orthogonal, ("orthogonal",)),
)

INITIALIZERS = Registry("initializer")
for _class, _names in _TABLE:
    INITIALIZERS.register(*_names)(_class)
del _class, _names

RELU_FAMILY = ("relu", "leaky_relu", "elu", "gelu")


def default_for(activation: str | Callable[..., Any] | None) -> Initializer:
    """The weight initializer that suits an activation (what Dense uses when none is given).

    - He normal for the ReLU family ("relu", "leaky_relu", "elu", "gelu"): they pass about
      half of the signal, and He's factor 2 keeps the variance from shrinking layer by layer.
    - LeCun normal for "selu": its self-normalizing property needs Var(W) = 1 / fan_in.
    - Glorot uniform for everything else (sigmoid, tanh, softmax, linear, a custom
      callable): Keras's default for every layer. (PyTorch's nn.Linear uses instead
      U(-1/sqrt(fan_in), 1/sqrt(fan_in)) whatever the activation.)

    Parameters
    ----------
    activation : str, callable or None
        The layer's activation.

    Returns
    -------
    Initializer
        The weight initializer for it.

    Examples
    --------
    >>> default_for("relu")
    HeNormal()
    >>> default_for(None)
    GlorotUniform()
    """
    if activation is not None and not isinstance(activation, str):
        activation = name_of(activation)
    key = (activation or "").lower()
    if key in RELU_FAMILY:
        return HeNormal()
    if key == "selu":
        return LecunNormal()
    return GlorotUniform()


def names() -> list[str]:
    """The names :func:`get` accepts.

    Returns
    -------
    list of str
        The registered names, aliases included.

    Examples
    --------
    >>> names = gn.initializers.names()
    >>> "glorot_uniform" in names, "he_normal" in names
    (True, True)
    """
    return INITIALIZERS.names()


def get(initializer: str | dict[str, Any] | Initializer | type[Initializer]) -> Initializer:
    """Resolve an initializer given by name, config dict, class or instance.

    Custom schemes subclass :class:`Initializer` (implement ``sample``).

    Parameters
    ----------
    initializer : str, dict, Initializer or Initializer class
        A name (``"he_normal"``), a config ``{"class_name": ..., "config": ...}``, a class or an
        instance.

    Returns
    -------
    Initializer
        An instance.

    Raises
    ------
    ValueError
        For an unknown name; the message lists the valid names.
    TypeError
        For anything else.

    Examples
    --------
    >>> get("he_normal")
    HeNormal()
    >>> get({"name": "constant", "value": 0.1})
    Constant(value=0.1)
    """
    return INITIALIZERS.resolve(initializer, Initializer, "'glorot_uniform'")
