"""Learning-rate schedules: the learning rate alpha as a function of the epoch.

A schedule is called as ``schedule(epoch)`` or ``schedule(epoch, lr)`` (the current
rate, which these schedules ignore: they depend on the epoch only) and returns the rate
for that epoch, counted from 0. A learning-rate callback sets ``optimizer.lr`` from it
at the start of every epoch. Any function ``f(epoch, lr) -> float`` works the same way.

This module is the one home of the decay formulas: the functions :func:`step_decay`,
:func:`multi_step_decay`, :func:`exponential_decay` and :func:`cosine_annealing` give the
rate of an epoch from the rate of the epoch before, as ``torch.optim.lr_scheduler``
computes it, and serve both the schedules here (which apply them epoch after epoch from
the initial rate) and the PyTorch-style schedulers of :mod:`glassnet.optim.lr_scheduler`.
So each schedule gives the values of the ``torch.optim.lr_scheduler`` class named in its
docstring after ``epoch`` calls of ``scheduler.step()``, bit for bit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from glassnet._checks import check_hyperparameter

__all__ = ["Schedule", "StepDecay", "ExponentialDecay", "CosineDecay", "step_decay", "multi_step_decay",
           "exponential_decay", "cosine_annealing"]


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


def step_decay(lr: float, epoch: int, gamma: float, every: int) -> float:
    """The rate of ``epoch`` (>= 1) from ``lr``, the previous epoch's: times ``gamma`` when
    ``epoch`` is a multiple of ``every``.

    Parameters
    ----------
    lr : float
        The previous epoch's rate.
    epoch : int
        The epoch, >= 1.
    gamma : float
        The factor.
    every : int
        The period, in epochs.

    Returns
    -------
    float
        The rate of ``epoch``.

    Examples
    --------
    >>> gn.schedules.step_decay(0.1, 9, 0.5, every=10), gn.schedules.step_decay(0.1, 10, 0.5, every=10)
    (0.1, 0.05)
    """
    return lr * gamma if epoch % every == 0 else lr


def multi_step_decay(lr: float, epoch: int, gamma: float, milestones: Mapping[int, int]) -> float:
    """The rate of ``epoch`` (>= 1) from ``lr``: times ``gamma`` to the number of times
    ``epoch`` is among the milestones (``milestones`` counts them).

    Parameters
    ----------
    lr : float
        The previous epoch's rate.
    epoch : int
        The epoch, >= 1.
    gamma : float
        The factor.
    milestones : mapping of int to int
        How many times each milestone epoch was given.

    Returns
    -------
    float
        The rate of ``epoch``.

    Examples
    --------
    >>> print(round(gn.schedules.multi_step_decay(0.1, 5, 0.1, {5: 1, 8: 1}), 6))
    0.01
    >>> gn.schedules.multi_step_decay(0.1, 6, 0.1, {5: 1})
    0.1
    """
    count = milestones.get(epoch, 0)
    return lr * gamma**count if count else lr


def exponential_decay(lr: float, epoch: int, gamma: float) -> float:
    """The rate of ``epoch`` (>= 1) from ``lr``: times ``gamma``.

    Parameters
    ----------
    lr : float
        The previous epoch's rate.
    epoch : int
        The epoch, >= 1 (every epoch decays).
    gamma : float
        The factor.

    Returns
    -------
    float
        The rate of ``epoch``.

    Examples
    --------
    >>> gn.schedules.exponential_decay(0.1, 1, 0.5)
    0.05
    """
    return lr * gamma


def cosine_annealing(lr: float, epoch: int, period: int, initial_lr: float, min_lr: float) -> float:
    r"""The rate of ``epoch`` (>= 1) from ``lr`` on the cosine from ``initial_lr`` at epoch 0
    down to ``min_lr`` at ``period``, and back up over the next ``period`` epochs (periodic):

    .. math::

        \alpha_e = \alpha_{\min} + (\alpha_{e-1} - \alpha_{\min})
            \frac{1 + \cos(\pi e / T)}{1 + \cos(\pi (e - 1) / T)},

    and at the start of a climb (the denominator 0), :math:`\alpha_e = \alpha_{e-1} +
    \tfrac{1}{2} (\alpha_0 - \alpha_{\min}) (1 - \cos(\pi / T))`. Both keep
    :math:`\alpha_e = \alpha_{\min} + \tfrac{1}{2} (\alpha_0 - \alpha_{\min})(1 + \cos(\pi e / T))`
    when nothing else changes the rate; written from the previous rate, as PyTorch's
    ``CosineAnnealingLR`` writes it, a rate changed by someone else is annealed from there.

    Parameters
    ----------
    lr : float
        The previous epoch's rate.
    epoch : int
        The epoch, >= 1.
    period : int
        T, the epochs from the top to the bottom of the cosine.
    initial_lr : float
        The rate at epoch 0.
    min_lr : float
        The rate at the bottom.

    Returns
    -------
    float
        The rate of ``epoch``.

    Examples
    --------
    >>> lr = 0.1
    >>> for e in range(1, 5):
    ...     lr = gn.schedules.cosine_annealing(lr, e, period=4, initial_lr=0.1, min_lr=0.0)
    ...     print(e, round(lr, 4))
    ...
    1 0.0854
    2 0.05
    3 0.0146
    4 0.0
    """
    if (epoch - 1 - period) % (2 * period) == 0:
        return lr + (initial_lr - min_lr) * (1 - math.cos(math.pi / period)) / 2
    ratio = (1 + math.cos(math.pi * epoch / period)) / (1 + math.cos(math.pi * (epoch - 1) / period))
    return ratio * (lr - min_lr) + min_lr


class Schedule:
    """Base of the schedules: ``__call__(epoch, lr=None)`` and ``get_config``.

    A subclass gives ``next_rate(lr, epoch)``, the rate of ``epoch`` >= 1 from that of the
    epoch before; the rate of an epoch applies it from ``initial_lr`` epoch after epoch (from
    the last epoch asked, when that is earlier).

    Examples
    --------
    A schedule of one's own gives the rate of an epoch from the rate before:

    >>> class Halve(gn.schedules.Schedule):
    ...     config_keys = ("initial_lr",)
    ...     def __init__(self, initial_lr):
    ...         self.initial_lr = initial_lr
    ...     def next_rate(self, lr, epoch):
    ...         return lr / 2
    ...
    >>> [Halve(1.0)(e) for e in range(4)]
    [1.0, 0.5, 0.25, 0.125]
    """

    config_keys: tuple[str, ...] = ()
    initial_lr: float

    def __call__(self, epoch: int, lr: float | None = None) -> float:
        """The learning rate for ``epoch`` (0, 1, 2, ...); ``lr`` is accepted and ignored."""
        if isinstance(epoch, bool) or not isinstance(epoch, (int, np.integer)) or epoch < 0:
            raise ValueError(f"epoch must be an integer >= 0, got {epoch!r}")
        return self.rate(int(epoch))

    def rate(self, epoch: int) -> float:
        """The rate of ``epoch``, continuing from the epoch asked last when it is not later
        (a callback asks epoch after epoch) and the settings are unchanged."""
        settings = tuple(getattr(self, key) for key in self.config_keys)
        start, rate, seen = getattr(self, "_last", (0, self.initial_lr, settings))
        if start > epoch or seen != settings:
            start, rate = 0, self.initial_lr
        for e in range(start + 1, epoch + 1):
            rate = self.next_rate(rate, e)
        self._last = (epoch, rate, settings)
        return rate

    def next_rate(self, lr: float, epoch: int) -> float:
        raise NotImplementedError(f"{type(self).__name__} does not define next_rate()")

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

    Parameters
    ----------
    initial_lr : float
        The rate at epoch 0.
    drop : float, default 0.5
        The factor, in (0, 1].
    every : int, default 10
        The period, in epochs.

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

    def next_rate(self, lr: float, epoch: int) -> float:
        return step_decay(lr, epoch, self.drop, self.every)


class ExponentialDecay(Schedule):
    r"""Multiply the rate by ``gamma`` (in (0, 1]) every epoch.

    .. math:: \alpha_e = \alpha_0\, \gamma^e

    Same values as ``torch.optim.lr_scheduler.ExponentialLR(gamma=gamma)``.

    Parameters
    ----------
    initial_lr : float
        The rate at epoch 0.
    gamma : float
        The factor per epoch, in (0, 1].

    Examples
    --------
    >>> ExponentialDecay(0.1, gamma=0.5)(3)
    0.0125
    """

    config_keys = ("initial_lr", "gamma")

    def __init__(self, initial_lr: float, gamma: float) -> None:
        self.initial_lr = _positive("initial_lr", initial_lr)
        self.gamma = _factor("gamma", gamma)

    def next_rate(self, lr: float, epoch: int) -> float:
        return exponential_decay(lr, epoch, self.gamma)


class CosineDecay(Schedule):
    r"""Half a cosine from ``initial_lr`` down to ``min_lr`` over ``epochs`` epochs.

    .. math::

        \alpha_e = \alpha_{\min} + \tfrac{1}{2} (\alpha_0 - \alpha_{\min})
            \left(1 + \cos\frac{\pi e}{E}\right) \quad (e \le E), \qquad
        \alpha_e = \alpha_{\min} \quad (e > E)

    Same values as ``torch.optim.lr_scheduler.CosineAnnealingLR(T_max=epochs,
    eta_min=min_lr)`` for e <= E; after E, torch's cosine climbs back up (it is
    periodic) while this schedule stays at ``min_lr``, as Keras's ``CosineDecay`` does.

    Parameters
    ----------
    initial_lr : float
        The rate at epoch 0.
    epochs : int
        E, the epochs to reach ``min_lr``.
    min_lr : float, default 0.0
        The final rate.

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

    def next_rate(self, lr: float, epoch: int) -> float:
        if epoch > self.epochs:
            return self.min_lr
        return cosine_annealing(lr, epoch, self.epochs, self.initial_lr, self.min_lr)
