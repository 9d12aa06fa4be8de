"""The variance-scaling family: the spread of the draws set from the fans of the weight shape
(Glorot, He, LeCun)."""

from __future__ import annotations

import math

import numpy as np

from glassnet.initializers.base import (
    TRUNCATED_STD,
    Initializer,
    _generator,
    _number,
    _truncated_normal,
    compute_fans,
)

__all__ = ["VarianceScaling", "GlorotUniform", "GlorotNormal", "HeUniform", "HeNormal", "LecunUniform",
           "LecunNormal"]


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


class GlorotUniform(_FixedScaling):
    r"""Glorot (Xavier) uniform: U(-limit, limit), limit = sqrt(6 / (fan_in + fan_out)).

    Keeps the variance of activations and of deltas about equal across layers of
    tanh/sigmoid-like units; Keras's default, and ``torch.nn.init.xavier_uniform_``.
    Reference: Glorot and Bengio, AISTATS 2010.

    Examples
    --------
    >>> W = gn.initializers.GlorotUniform()((300, 100), np.random.default_rng(0))
    >>> limit = np.sqrt(6 / (300 + 100))
    >>> print(round(float(limit), 4), bool(np.abs(W).max() <= limit))
    0.1225 True
    """

    name = "glorot_uniform"
    fixed = (1.0, "fan_avg", "uniform")


class GlorotNormal(_FixedScaling):
    """Glorot (Xavier) normal: std sqrt(2 / (fan_in + fan_out)), truncated at 2 std (Keras).

    Examples
    --------
    >>> W = gn.initializers.GlorotNormal()((300, 100), np.random.default_rng(0))
    >>> print(round(float(np.sqrt(2 / 400)), 4), round(float(W.std()), 3))
    0.0707 0.07
    """

    name = "glorot_normal"
    fixed = (1.0, "fan_avg", "truncated_normal")


class HeUniform(_FixedScaling):
    """He (Kaiming) uniform: U(-limit, limit), limit = sqrt(6 / fan_in).

    Equal to ``torch.nn.init.kaiming_uniform_`` with its default a = 0.
    Reference: He et al., "Delving deep into rectifiers", ICCV 2015.

    Examples
    --------
    >>> W = gn.initializers.HeUniform()((150, 100), np.random.default_rng(0))
    >>> print(round(float(np.sqrt(6 / 150)), 4), bool(np.abs(W).max() <= np.sqrt(6 / 150)))
    0.2 True
    """

    name = "he_uniform"
    fixed = (2.0, "fan_in", "uniform")


class HeNormal(_FixedScaling):
    """He (Kaiming) normal: std sqrt(2 / fan_in), truncated at 2 std as in Keras.

    A ReLU zeroes about half of its inputs, halving the variance that flows through; the
    factor 2 restores it. ``torch.nn.init.kaiming_normal_`` draws the same std without
    truncation (``VarianceScaling(2.0, "fan_in", "normal")``).
    Reference: He et al., "Delving deep into rectifiers", ICCV 2015.

    Examples
    --------
    >>> W = gn.initializers.HeNormal()((200, 100), np.random.default_rng(0))
    >>> print(round(float(np.sqrt(2 / 200)), 4), round(float(W.std()), 3))
    0.1 0.1
    """

    name = "he_normal"
    fixed = (2.0, "fan_in", "truncated_normal")


class LecunUniform(_FixedScaling):
    """LeCun uniform: U(-limit, limit), limit = sqrt(3 / fan_in).

    Examples
    --------
    >>> W = gn.initializers.LecunUniform()((300, 100), np.random.default_rng(0))
    >>> print(round(float(np.sqrt(3 / 300)), 4), bool(np.abs(W).max() <= np.sqrt(3 / 300)))
    0.1 True
    """

    name = "lecun_uniform"
    fixed = (1.0, "fan_in", "uniform")


class LecunNormal(_FixedScaling):
    """LeCun normal: std sqrt(1 / fan_in), truncated at 2 std (Keras).

    What SELU's self-normalization assumes (Klambauer et al., NeurIPS 2017).

    Examples
    --------
    >>> W = gn.initializers.LecunNormal()((100, 100), np.random.default_rng(0))
    >>> print(round(float(np.sqrt(1 / 100)), 4), round(float(W.std()), 3))
    0.1 0.1
    """

    name = "lecun_normal"
    fixed = (1.0, "fan_in", "truncated_normal")
