"""The distributions of a search space: :func:`uniform`, :func:`loguniform`,
:func:`intuniform` and :func:`choice`, each able to give the Optuna distribution of the same
values. :mod:`glassnet.tune.space` builds a space of them.
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

__all__ = ["Uniform", "LogUniform", "IntUniform", "Choice", "Distribution", "uniform", "loguniform",
           "intuniform", "choice"]


def _bounds(kind: str, low: Any, high: Any, integer: bool = False, positive: bool = False) -> tuple[Any, Any]:
    """Check ``low < high`` (numbers; integers for ``integer``; > 0 for ``positive``)."""
    kinds = (int,) if integer else (int, float)
    for name, value in (("low", low), ("high", high)):
        if isinstance(value, bool) or not isinstance(value, kinds) or not math.isfinite(value):
            what = "an integer" if integer else "a finite number"
            raise TypeError(f"{kind}: {name} must be {what}, got {value!r}")
    if positive and low <= 0:
        raise ValueError(f"{kind}: low must be > 0 (a logarithmic scale), got {low!r}")
    if not low < high:
        raise ValueError(f"{kind}: low must be smaller than high, got low={low!r}, high={high!r}")
    return (low, high) if integer else (float(low), float(high))


@dataclasses.dataclass(frozen=True)
class Uniform:
    """A float drawn uniformly from [low, high]."""

    low: float
    high: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "low", _bounds("uniform", self.low, self.high)[0])
        object.__setattr__(self, "high", float(self.high))

    def scipy(self) -> Any:
        """The frozen scipy distribution (for scikit-learn's ``ParameterSampler``)."""
        from scipy import stats

        return stats.uniform(self.low, self.high - self.low)

    def optuna(self) -> Any:
        """The Optuna distribution of the same values."""
        from optuna.distributions import FloatDistribution

        return FloatDistribution(self.low, self.high)

    def __repr__(self) -> str:
        return f"uniform({self.low!r}, {self.high!r})"


@dataclasses.dataclass(frozen=True)
class LogUniform:
    """A float whose logarithm is drawn uniformly from [log low, log high] (learning rates)."""

    low: float
    high: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "low", _bounds("loguniform", self.low, self.high, positive=True)[0])
        object.__setattr__(self, "high", float(self.high))

    def scipy(self) -> Any:
        """The frozen scipy distribution (for scikit-learn's ``ParameterSampler``)."""
        from scipy import stats

        return stats.loguniform(self.low, self.high)

    def optuna(self) -> Any:
        """The Optuna distribution of the same values."""
        from optuna.distributions import FloatDistribution

        return FloatDistribution(self.low, self.high, log=True)

    def __repr__(self) -> str:
        return f"loguniform({self.low!r}, {self.high!r})"


@dataclasses.dataclass(frozen=True)
class IntUniform:
    """An integer drawn uniformly from low, low + 1, ..., high (both included)."""

    low: int
    high: int

    def __post_init__(self) -> None:
        _bounds("intuniform", self.low, self.high, integer=True)

    @property
    def values(self) -> list[int]:
        """Every value, for a grid."""
        return list(range(self.low, self.high + 1))

    def scipy(self) -> Any:
        """The frozen scipy distribution (for scikit-learn's ``ParameterSampler``)."""
        from scipy import stats

        return stats.randint(self.low, self.high + 1)

    def optuna(self) -> Any:
        """The Optuna distribution of the same values."""
        from optuna.distributions import IntDistribution

        return IntDistribution(self.low, self.high)

    def __repr__(self) -> str:
        return f"intuniform({self.low!r}, {self.high!r})"


def _native(value: Any) -> bool:
    """Whether Optuna stores ``value`` as a categorical choice as it is."""
    return value is None or isinstance(value, (bool, int, float, str))


@dataclasses.dataclass(frozen=True)
class Choice:
    """One of the given values, each equally likely. Values that are not numbers, text or
    None (lists such as hidden-layer widths) are shown to Optuna by their JSON text."""

    values: tuple[Any, ...]

    def __post_init__(self) -> None:
        values = tuple(self.values)
        if not values:
            raise ValueError("choice: give at least one value, got none")
        object.__setattr__(self, "values", values)
        if len(set(map(repr, self.labels))) != len(values):
            raise ValueError(f"choice: each value must be given once, got {list(values)!r}")

    @property
    def labels(self) -> list[Any]:
        """The values as Optuna stores them."""
        return [self.label(v) for v in self.values]

    def label(self, value: Any) -> Any:
        """``value`` as Optuna stores it: as it is, or its JSON text (its repr when not JSON)."""
        if all(map(_native, self.values)):
            return value
        try:
            return json.dumps(value)
        except TypeError:
            return repr(value)

    def value(self, label: Any) -> Any:
        """The value whose label is ``label``."""
        return self.values[self.labels.index(label)]

    def optuna(self) -> Any:
        """The Optuna distribution of the same values."""
        from optuna.distributions import CategoricalDistribution

        return CategoricalDistribution(self.labels)

    def __repr__(self) -> str:
        return f"choice({list(self.values)!r})"


Distribution = Uniform | LogUniform | IntUniform | Choice


def uniform(low: float, high: float) -> Uniform:
    """A float drawn uniformly from [low, high]: ``gn.tune.uniform(0.0, 0.5)``.

    Parameters
    ----------
    low : float
        The lower bound.
    high : float
        The upper bound.

    Returns
    -------
    Uniform
        The distribution, for a search space.

    Examples
    --------
    >>> gn.tune.Space({"dropout": gn.tune.uniform(0.0, 0.5)}).names
    ['dropout']
    """
    return Uniform(low, high)


def loguniform(low: float, high: float) -> LogUniform:
    """A float drawn uniformly on a log scale from [low, high], low > 0:
    ``gn.tune.loguniform(1e-4, 1e-1)``.

    Parameters
    ----------
    low : float
        The lower bound, > 0.
    high : float
        The upper bound.

    Returns
    -------
    LogUniform
        The distribution, for a search space.

    Examples
    --------
    >>> gn.tune.loguniform(1e-4, 1e-1)
    loguniform(0.0001, 0.1)
    """
    return LogUniform(low, high)


def intuniform(low: int, high: int) -> IntUniform:
    """An integer from low to high, both included: ``gn.tune.intuniform(16, 128)``.

    Parameters
    ----------
    low : int
        The smallest value.
    high : int
        The largest value.

    Returns
    -------
    IntUniform
        The distribution, for a search space.

    Examples
    --------
    >>> gn.tune.intuniform(16, 128)
    intuniform(16, 128)
    """
    return IntUniform(low, high)


def choice(*values: Any) -> Choice:
    """One of ``values``: ``gn.tune.choice("relu", "tanh")`` or ``gn.tune.choice(["relu", "tanh"])``.

    Parameters
    ----------
    *values : object
        The choices, or one list of them.

    Returns
    -------
    Choice
        The distribution, for a search space.

    Examples
    --------
    >>> gn.tune.choice("relu", "tanh") == gn.tune.choice(["relu", "tanh"])
    True
    """
    if len(values) == 1 and isinstance(values[0], (list, tuple)):
        values = tuple(values[0])
    return Choice(values)
