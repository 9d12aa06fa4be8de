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

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from glassnet._registry import Configurable, Registry
from glassnet.activations import name_of

__all__ = [
    "Initializer", "Constant", "Zeros", "Ones", "RandomUniform", "RandomNormal",
    "VarianceScaling", "GlorotUniform", "GlorotNormal", "HeUniform", "HeNormal",
    "LecunUniform", "LecunNormal", "compute_fans", "default_for", "get", "names",
]

INITIALIZERS = Registry("initializer")

#: Standard deviation of a standard normal truncated to [-2, 2].
TRUNCATED_STD = 0.87962566103423978

RELU_FAMILY = ("relu", "leaky_relu", "elu", "gelu")


def compute_fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """Number of inputs (fan_in) and outputs (fan_out) of each unit, from a weight shape.

    - ``()``: (1, 1); ``(n,)``: (n, n) (a bias or a vector).
    - ``(inputs, units)``: a dense W as glassnet stores it (``z = a_prev @ W + b``):
      fan_in = inputs, fan_out = units.
    - ``(filters, in_channels, *kernel)``: a convolution kernel in PyTorch's layout
      (``(filters, in_channels, kh, kw)`` for Conv2D): with the receptive field
      r = kh * kw (the product of the kernel sizes), fan_in = in_channels * r and
      fan_out = filters * r.

    Examples
    --------
    >>> compute_fans((784, 256))
    (784, 256)
    >>> compute_fans((6, 1, 5, 5))
    (25, 150)
    """
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def _units(shape: tuple[int, ...]) -> int:
    """How many units a weight of this shape feeds (see :func:`compute_fans`): the columns of
    a dense W (inputs, units), the filters of a kernel (filters, in_channels, *kernel); one
    for a vector, whose entries feed no separate units."""
    if len(shape) < 2:
        return 1
    return shape[1] if len(shape) == 2 else shape[0]


def _check_shape(shape: Any) -> tuple[int, ...]:
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    if isinstance(shape, str):
        raise TypeError(f"shape must be a tuple of ints, got {shape!r}")
    try:
        items = tuple(shape)
    except TypeError:
        raise TypeError(f"shape must be a tuple of ints, got {shape!r}") from None
    if not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in items):
        raise TypeError(f"shape must be a tuple of ints, got {shape!r}")
    dims = tuple(int(n) for n in items)
    if any(n < 0 for n in dims):
        raise ValueError(f"shape must have sizes >= 0, got {shape!r}")
    return dims


def _check_dtype(dtype: Any) -> np.dtype:
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        resolved = None
    if resolved is None or resolved.kind != "f":
        shown = repr(dtype) if resolved is None else resolved
        raise TypeError(f"weights are floating-point: dtype must be float32 or float64, got {shown}")
    return resolved


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return float(value)


def _generator(rng: Any) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng must be a numpy.random.Generator (e.g. np.random.default_rng(0)), got {rng!r}"
        )
    return rng


def _truncated_normal(rng: np.random.Generator, size: int) -> np.ndarray:
    """Standard normal draws restricted to [-2, 2]: values outside are drawn again."""
    out = rng.standard_normal(size)
    redo = np.flatnonzero(np.abs(out) > 2)
    while redo.size:
        out[redo] = rng.standard_normal(redo.size)
        redo = redo[np.abs(out[redo]) > 2]
    return out


class Initializer(Configurable):
    """Base of the initializers.

    Subclasses implement ``sample(shape, rng)`` returning float64 values, and list their
    constructor arguments in ``config_keys`` (for ``get_config``). Initializers that give
    every value the same number (constants, a normal of std 0) have ``symmetric`` True:
    used on the weights of a layer of several units or filters they warn, because identical
    weights make every unit compute, and learn, the same thing. A layer of one unit has no
    symmetry to break and gets no warning.
    """

    name = "initializer"
    config_keys: tuple[str, ...] = ()
    symmetric = False

    def __call__(
        self,
        shape: tuple[int, ...],
        rng: np.random.Generator | None = None,
        dtype: Any = np.float32,
        *,
        for_weights: bool = False,
    ) -> np.ndarray:
        """An array of ``shape`` and ``dtype``; ``for_weights=True`` when it will be a W.

        Raises
        ------
        TypeError
            If ``rng`` is not a Generator (random initializers) or ``dtype`` not floating.
        """
        shape, dtype = _check_shape(shape), _check_dtype(dtype)
        if for_weights and self.symmetric and _units(shape) > 1:
            warnings.warn(
                f"initializer {self!r} gives every weight the same value: all units of the layer "
                "would compute the same output, receive the same gradient and learn the same "
                "thing (the symmetry is never broken). Use a random initializer such as "
                "'glorot_uniform' or 'he_normal' for weights; constants suit biases.",
                UserWarning,
                stacklevel=2,
            )
        return np.asarray(self.sample(shape, rng)).astype(dtype, copy=False)

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator | None) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} does not define sample()")


@INITIALIZERS.register("constant")
class Constant(Initializer):
    """Every value equal to ``value``."""

    name = "constant"
    config_keys = ("value",)
    symmetric = True

    def __init__(self, value: float = 0.0) -> None:
        self.value = _number("value", value)

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator | None) -> np.ndarray:
        return np.full(shape, self.value)


@INITIALIZERS.register("zeros")
class Zeros(Constant):
    """All zeros: the usual bias initializer (and a symmetric, hence bad, weight one)."""

    name = "zeros"
    config_keys = ()

    def __init__(self) -> None:
        super().__init__(0.0)


@INITIALIZERS.register("ones")
class Ones(Constant):
    """All ones (batch normalization's scale gamma starts here)."""

    name = "ones"
    config_keys = ()

    def __init__(self) -> None:
        super().__init__(1.0)


@INITIALIZERS.register("uniform", "random_uniform")
class RandomUniform(Initializer):
    """Independent draws from U(low, high) (Keras's defaults: -0.05, 0.05)."""

    name = "uniform"
    config_keys = ("low", "high")

    def __init__(self, low: float = -0.05, high: float = 0.05) -> None:
        self.low, self.high = _number("low", low), _number("high", high)
        if self.low >= self.high:
            raise ValueError(f"uniform needs low < high, got low={low!r}, high={high!r}")

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator | None) -> np.ndarray:
        return _generator(rng).uniform(self.low, self.high, shape)


@INITIALIZERS.register("normal", "random_normal")
class RandomNormal(Initializer):
    """Independent draws from N(mean, std^2), not truncated (Keras's defaults: 0, 0.05)."""

    name = "normal"
    config_keys = ("mean", "std")

    def __init__(self, mean: float = 0.0, std: float = 0.05) -> None:
        self.mean, self.std = _number("mean", mean), _number("std", std)
        if self.std < 0:
            raise ValueError(f"std must be >= 0, got {std!r}")

    @property
    def symmetric(self) -> bool:  # type: ignore[override]
        """A standard deviation of 0 gives every weight the mean."""
        return self.std == 0

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator | None) -> np.ndarray:
        return _generator(rng).normal(self.mean, self.std, shape)


@INITIALIZERS.register("variance_scaling")
class VarianceScaling(Initializer):
    r"""Draws with variance ``scale / n``, n a fan of the weight shape.

    .. math::

        n = \text{fan\_in}, \ \text{fan\_out} \text{ or } \tfrac{1}{2}(\text{fan\_in} + \text{fan\_out}),
        \qquad \sigma = \sqrt{\text{scale} / n}

    - ``"uniform"``: U(-limit, limit) with :math:`\text{limit} = \sqrt{3\, \text{scale} / n}`
      (a uniform's variance is limit^2 / 3).
    - ``"truncated_normal"``: N(0, (sigma / 0.8796)^2) cut at two of its standard
      deviations (outliers drawn again), whose standard deviation is then sigma (Keras).
    - ``"normal"``: N(0, sigma^2), not truncated (``torch.nn.init.kaiming_normal_``).

    Parameters
    ----------
    scale : float, default 1.0
    mode : {"fan_in", "fan_out", "fan_avg"}, default "fan_in"
    distribution : {"truncated_normal", "normal", "uniform"}, default "truncated_normal"

    Examples
    --------
    PyTorch's default for ``nn.Linear``, U(-1/sqrt(fan_in), 1/sqrt(fan_in)):

    >>> init = VarianceScaling(1 / 3, "fan_in", "uniform")
    >>> W = init((100, 10), np.random.default_rng(0))
    >>> bool(np.abs(W).max() <= 0.1)
    True
    """

    name = "variance_scaling"
    config_keys = ("scale", "mode", "distribution")
    MODES = ("fan_in", "fan_out", "fan_avg")
    DISTRIBUTIONS = ("truncated_normal", "normal", "uniform")

    def __init__(
        self, scale: float = 1.0, mode: str = "fan_in", distribution: str = "truncated_normal"
    ) -> None:
        self.scale = _number("scale", scale)
        if self.scale <= 0:
            raise ValueError(f"scale must be > 0, got {scale!r}")
        if mode not in self.MODES:
            raise ValueError(f"mode must be one of {self.MODES}, got {mode!r}")
        if distribution not in self.DISTRIBUTIONS:
            raise ValueError(f"distribution must be one of {self.DISTRIBUTIONS}, got {distribution!r}")
        self.mode, self.distribution = mode, distribution

    def std(self, shape: tuple[int, ...]) -> float:
        """sigma = sqrt(scale / n) for a weight of this shape."""
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        return math.sqrt(self.scale / max(n, 1))

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator | None) -> np.ndarray:
        rng, sigma = _generator(rng), self.std(shape)
        if self.distribution == "uniform":
            limit = math.sqrt(3.0) * sigma
            return rng.uniform(-limit, limit, shape)
        if self.distribution == "normal":
            return rng.normal(0.0, sigma, shape)
        return (sigma / TRUNCATED_STD * _truncated_normal(rng, math.prod(shape))).reshape(shape)


class _FixedScaling(VarianceScaling):
    """A VarianceScaling whose arguments are fixed by the subclass (nothing to configure)."""

    config_keys = ()
    fixed: tuple[float, str, str] = (1.0, "fan_in", "truncated_normal")

    def __init__(self) -> None:
        super().__init__(*self.fixed)


@INITIALIZERS.register("glorot_uniform", "xavier_uniform")
class GlorotUniform(_FixedScaling):
    r"""Glorot (Xavier) uniform: U(-limit, limit), limit = sqrt(6 / (fan_in + fan_out)).

    Keeps the variance of activations and of deltas about equal across layers of
    tanh/sigmoid-like units; Keras's default, and ``torch.nn.init.xavier_uniform_``.
    Reference: Glorot and Bengio, AISTATS 2010.
    """

    name = "glorot_uniform"
    fixed = (1.0, "fan_avg", "uniform")


@INITIALIZERS.register("glorot_normal")
class GlorotNormal(_FixedScaling):
    """Glorot (Xavier) normal: std sqrt(2 / (fan_in + fan_out)), truncated at 2 std (Keras)."""

    name = "glorot_normal"
    fixed = (1.0, "fan_avg", "truncated_normal")


@INITIALIZERS.register("he_uniform")
class HeUniform(_FixedScaling):
    """He (Kaiming) uniform: U(-limit, limit), limit = sqrt(6 / fan_in).

    Equal to ``torch.nn.init.kaiming_uniform_`` with its default a = 0.
    Reference: He et al., "Delving deep into rectifiers", ICCV 2015.
    """

    name = "he_uniform"
    fixed = (2.0, "fan_in", "uniform")


@INITIALIZERS.register("he_normal")
class HeNormal(_FixedScaling):
    """He (Kaiming) normal: std sqrt(2 / fan_in), truncated at 2 std as in Keras.

    A ReLU zeroes about half of its inputs, halving the variance that flows through; the
    factor 2 restores it. ``torch.nn.init.kaiming_normal_`` draws the same std without
    truncation (``VarianceScaling(2.0, "fan_in", "normal")``).
    Reference: He et al., "Delving deep into rectifiers", ICCV 2015.
    """

    name = "he_normal"
    fixed = (2.0, "fan_in", "truncated_normal")


@INITIALIZERS.register("lecun_uniform")
class LecunUniform(_FixedScaling):
    """LeCun uniform: U(-limit, limit), limit = sqrt(3 / fan_in)."""

    name = "lecun_uniform"
    fixed = (1.0, "fan_in", "uniform")


@INITIALIZERS.register("lecun_normal")
class LecunNormal(_FixedScaling):
    """LeCun normal: std sqrt(1 / fan_in), truncated at 2 std (Keras).

    What SELU's self-normalization assumes (Klambauer et al., NeurIPS 2017).
    """

    name = "lecun_normal"
    fixed = (1.0, "fan_in", "truncated_normal")


def default_for(activation: str | Callable[..., Any] | None) -> Initializer:
    """The weight initializer that suits an activation (what Dense uses when none is given).

    - He normal for the ReLU family ("relu", "leaky_relu", "elu", "gelu"): they pass about
      half of the signal, and He's factor 2 keeps the variance from shrinking layer by layer.
    - LeCun normal for "selu": its self-normalizing property needs Var(W) = 1 / fan_in.
    - Glorot uniform for everything else (sigmoid, tanh, softmax, linear, a custom
      callable): Keras's default for every layer. (PyTorch's nn.Linear uses instead
      U(-1/sqrt(fan_in), 1/sqrt(fan_in)) whatever the activation.)

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
    """The names :func:`get` accepts."""
    return INITIALIZERS.names()


def get(initializer: str | dict[str, Any] | Initializer | type[Initializer]) -> Initializer:
    """Resolve an initializer given by name, config dict, class or instance.

    Custom schemes subclass :class:`Initializer` (implement ``sample``).

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
