"""The initializers' base class, the fans of a weight shape, and the plain draws:
constants, uniform and normal."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from glassnet._checks import check_hyperparameter
from glassnet._registry import Configurable

__all__ = ["Initializer", "Constant", "Zeros", "Ones", "RandomUniform", "RandomNormal", "Orthogonal",
           "compute_fans",
           "TRUNCATED_STD"]

#: Standard deviation of a standard normal truncated to [-2, 2].
TRUNCATED_STD = 0.87962566103423978


def compute_fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """Number of inputs (fan_in) and outputs (fan_out) of each unit, from a weight shape.

    - ``()``: (1, 1); ``(n,)``: (n, n) (a bias or a vector).
    - ``(inputs, units)``: a dense W as glassnet stores it (``z = a_prev @ W + b``):
      fan_in = inputs, fan_out = units.
    - ``(filters, in_channels, *kernel)``: a convolution kernel in PyTorch's layout
      (``(filters, in_channels, kh, kw)`` for Conv2D): with the receptive field
      r = kh * kw (the product of the kernel sizes), fan_in = in_channels * r and
      fan_out = filters * r.

    Parameters
    ----------
    shape : tuple of int
        A weight's shape.

    Returns
    -------
    (int, int)
        fan_in and fan_out.

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
    return check_hyperparameter(name, value, -math.inf)


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

    Examples
    --------
    A scheme of one's own implements ``sample``; ``W`` is (inputs, units), so fan_in is 3 here:

    >>> class Scaled(gn.initializers.Initializer):
    ...     def sample(self, shape, rng):
    ...         return rng.standard_normal(shape) / np.sqrt(shape[0])
    ...
    >>> W = Scaled()((3, 2), np.random.default_rng(0))
    >>> W.shape, W.dtype
    ((3, 2), dtype('float32'))
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


class Constant(Initializer):
    """Every value equal to ``value``.

    Parameters
    ----------
    value : float, default 0.0
        The value of every entry.

    Examples
    --------
    >>> gn.initializers.Constant(0.1)((2, 3))
    array([[0.1, 0.1, 0.1],
           [0.1, 0.1, 0.1]], dtype=float32)
    """

    name = "constant"
    config_keys = ("value",)
    symmetric = True

    def __init__(self, value: float = 0.0) -> None:
        self.value = _number("value", value)

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator | None) -> np.ndarray:
        return np.full(shape, self.value)


class Zeros(Constant):
    """All zeros: the usual bias initializer (and a symmetric, hence bad, weight one).

    Examples
    --------
    >>> gn.initializers.Zeros()((3,))
    array([0., 0., 0.], dtype=float32)
    """

    name = "zeros"
    config_keys = ()

    def __init__(self) -> None:
        super().__init__(0.0)


class Ones(Constant):
    """All ones (batch normalization's scale gamma starts here).

    Examples
    --------
    >>> gn.initializers.Ones()((3,))
    array([1., 1., 1.], dtype=float32)
    """

    name = "ones"
    config_keys = ()

    def __init__(self) -> None:
        super().__init__(1.0)


class RandomUniform(Initializer):
    """Independent draws from U(low, high) (Keras's defaults: -0.05, 0.05).

    Parameters
    ----------
    low : float, default -0.05
        The lower bound.
    high : float, default 0.05
        The upper bound, greater than ``low``.

    Examples
    --------
    >>> W = gn.initializers.RandomUniform(-0.1, 0.1)((100, 10), np.random.default_rng(0))
    >>> bool(W.min() >= -0.1 and W.max() < 0.1)
    True
    """

    name = "uniform"
    config_keys = ("low", "high")

    def __init__(self, low: float = -0.05, high: float = 0.05) -> None:
        self.low, self.high = _number("low", low), _number("high", high)
        if self.low >= self.high:
            raise ValueError(f"uniform needs low < high, got low={low!r}, high={high!r}")

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator | None) -> np.ndarray:
        return _generator(rng).uniform(self.low, self.high, shape)


class RandomNormal(Initializer):
    """Independent draws from N(mean, std^2), not truncated (Keras's defaults: 0, 0.05).

    Parameters
    ----------
    mean : float, default 0.0
        The mean.
    std : float, default 0.05
        The standard deviation, >= 0.

    Examples
    --------
    >>> W = gn.initializers.RandomNormal(0.0, 0.05)((200, 100), np.random.default_rng(0))
    >>> print(round(float(W.std()), 3))
    0.05
    """

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


class Orthogonal(Initializer):
    """A random orthogonal matrix times ``gain`` (Keras's and PyTorch's ``orthogonal``; the
    default recurrent kernel U of the recurrent layers).

    The shape is read as a matrix of ``prod(shape[:-1])`` rows and ``shape[-1]`` columns. A
    matrix of standard normal draws is factored as Q R; Q with each column's sign set by
    the diagonal of R is uniformly distributed among the orthogonal matrices (Saxe et al.,
    2014). Its rows are orthonormal when there are fewer rows than columns (a recurrent
    kernel (H, G H)), its columns otherwise, so h_{t-1} U keeps the norm of h_{t-1}.

    Parameters
    ----------
    gain : float, default 1.0
        The factor applied to the orthogonal matrix.

    Examples
    --------
    >>> U = gn.initializers.Orthogonal()((4, 4), np.random.default_rng(0))
    >>> np.allclose(U.T @ U, np.eye(4), atol=1e-6)
    True
    """

    name = "orthogonal"
    config_keys = ("gain",)

    def __init__(self, gain: float = 1.0) -> None:
        self.gain = _number("gain", gain)

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator | None) -> np.ndarray:
        if len(shape) < 2:
            raise ValueError(f"orthogonal needs a shape of at least 2 axes, got {shape}")
        rows, cols = int(np.prod(shape[:-1])), shape[-1]
        flat = _generator(rng).standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(flat)
        q *= np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return self.gain * q.reshape(shape)
