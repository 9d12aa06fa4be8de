"""Learning-rate schedules: the learning rate alpha as a function of the epoch.

A schedule is called as ``schedule(epoch)`` or ``schedule(epoch, lr)`` (the current
rate, which these schedules ignore: they depend on the epoch only) and returns the rate
for that epoch, counted from 0. A learning-rate callback sets ``optimizer.lr`` from it
at the start of every epoch. Any function ``f(epoch, lr) -> float`` works the same way.

Each one gives the same values as the ``torch.optim.lr_scheduler`` class named in its
docstring after ``epoch`` calls of ``scheduler.step()``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from glassnet._checks import check_hyperparameter

__all__ = ["Schedule", "StepDecay", "ExponentialDecay", "CosineDecay"]


def _positive(name: str, value: Any, allow_zero: bool = False) -> float:
    return check_hyperparameter(name, value, 0.0, low_open=not allow_zero)


def _factor(name: str, value: Any) -> float:
    """A decay factor in (0, 1]: the rate is multiplied by it (0.5 halves the rate)."""
    factor = _positive(name, value)
    if factor > 1:
        raise ValueError(
            f"{name} must be in (0, 1], the factor that multiplies the rate (0.5 halves it); got "
            f"{value!r}, which would make the rate grow"
        )
    return factor


def _count(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    return int(value)


class Schedule:
    """Base of the schedules: ``__call__(epoch, lr=None)`` and ``get_config``."""

    config_keys: tuple[str, ...] = ()

    def __call__(self, epoch: int, lr: float | None = None) -> float:
        """The learning rate for ``epoch`` (0, 1, 2, ...); ``lr`` is accepted and ignored."""
        if isinstance(epoch, bool) or not isinstance(epoch, (int, np.integer)) or epoch < 0:
            raise ValueError(f"epoch must be an integer >= 0, got {epoch!r}")
        return self.rate(int(epoch))

    def rate(self, epoch: int) -> float:
        raise NotImplementedError(f"{type(self).__name__} does not define rate()")

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments (``cls(**config)`` rebuilds the schedule)."""
        return {key: getattr(self, key) for key in self.config_keys}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Schedule:
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{key}={getattr(self, key)!r}" for key in self.config_keys)
        return f"{type(self).__name__}({args})"


class StepDecay(Schedule):
    r"""Multiply the rate by ``drop`` (in (0, 1]) every ``every`` epochs.

    .. math:: \alpha_e = \alpha_0 \cdot \text{drop}^{\lfloor e / \text{every} \rfloor}

    Same values as ``torch.optim.lr_scheduler.StepLR(step_size=every, gamma=drop)``.

    Examples
    --------
    >>> schedule = StepDecay(0.1, drop=0.5, every=10)
    >>> [schedule(e) for e in (0, 9, 10, 25)]
    [0.1, 0.1, 0.05, 0.025]
    """

    config_keys = ("initial_lr", "drop", "every")

    def __init__(self, initial_lr: float, drop: float = 0.5, every: int = 10) -> None:
        self.initial_lr = _positive("initial_lr", initial_lr)
        self.drop = _factor("drop", drop)
        self.every = _count("every", every)

    def rate(self, epoch: int) -> float:
        return self.initial_lr * self.drop ** (epoch // self.every)


class ExponentialDecay(Schedule):
    r"""Multiply the rate by ``gamma`` (in (0, 1]) every epoch.

    .. math:: \alpha_e = \alpha_0\, \gamma^e

    Same values as ``torch.optim.lr_scheduler.ExponentialLR(gamma=gamma)``.

    Examples
    --------
    >>> ExponentialDecay(0.1, gamma=0.5)(3)
    0.0125
    """

    config_keys = ("initial_lr", "gamma")

    def __init__(self, initial_lr: float, gamma: float) -> None:
        self.initial_lr = _positive("initial_lr", initial_lr)
        self.gamma = _factor("gamma", gamma)

    def rate(self, epoch: int) -> float:
        return self.initial_lr * self.gamma**epoch


class CosineDecay(Schedule):
    r"""Half a cosine from ``initial_lr`` down to ``min_lr`` over ``epochs`` epochs.

    .. math::

        \alpha_e = \alpha_{\min} + \tfrac{1}{2} (\alpha_0 - \alpha_{\min})
            \left(1 + \cos\frac{\pi e}{E}\right) \quad (e \le E), \qquad
        \alpha_e = \alpha_{\min} \quad (e > E)

    Same values as ``torch.optim.lr_scheduler.CosineAnnealingLR(T_max=epochs,
    eta_min=min_lr)`` for e <= E; after E, torch's cosine climbs back up (it is
    periodic) while this schedule stays at ``min_lr``, as Keras's ``CosineDecay`` does.

    Examples
    --------
    >>> schedule = CosineDecay(0.1, epochs=10)
    >>> [round(schedule(e), 6) for e in (0, 5, 10, 12)]
    [0.1, 0.05, 0.0, 0.0]
    """

    config_keys = ("initial_lr", "epochs", "min_lr")

    def __init__(self, initial_lr: float, epochs: int, min_lr: float = 0.0) -> None:
        self.initial_lr = _positive("initial_lr", initial_lr)
        self.epochs = _count("epochs", epochs)
        self.min_lr = _positive("min_lr", min_lr, allow_zero=True)
        if self.min_lr > self.initial_lr:
            raise ValueError(f"min_lr ({min_lr!r}) must not exceed initial_lr ({initial_lr!r})")

    def rate(self, epoch: int) -> float:
        if epoch >= self.epochs:
            return self.min_lr
        cosine = 0.5 * (1.0 + math.cos(math.pi * epoch / self.epochs))
        return self.min_lr + (self.initial_lr - self.min_lr) * cosine
