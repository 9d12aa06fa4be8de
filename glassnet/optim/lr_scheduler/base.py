"""The base of the learning-rate schedulers: PyTorch's calling convention on ``param_groups``."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from glassnet.optim.base import Optimizer

__all__ = ["LRScheduler", "check_optimizer", "check_int", "check_positive"]


def check_optimizer(owner: str, optimizer: Any) -> Optimizer:
    """``optimizer``, or an error when it is not a glassnet optimizer holding parameters."""
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{owner}: optimizer must be a glassnet optimizer such as "
                        f"gn.optim.SGD(model.parameters(), lr=0.1), got {type(optimizer).__name__}")
    if not optimizer.param_groups:
        raise ValueError(
            f"{owner}: the optimizer holds no parameters yet; create it with them "
            "(gn.optim.SGD(model.parameters(), lr=0.1)), or, with model.fit, use the callbacks "
            "gn.callbacks.LearningRateScheduler and gn.callbacks.ReduceLROnPlateau"
        )
    return optimizer


def check_int(owner: str, name: str, value: Any, minimum: int) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{owner}: {name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def check_positive(owner: str, name: str, value: Any, allow_zero: bool = False) -> float:
    number = not isinstance(value, bool) and isinstance(value, (int, float, np.integer, np.floating))
    if not number or not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        accepted = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{owner}: {name} must be a finite number {accepted}, got {value!r}")
    return float(value)


class LRScheduler:
    """Base of the schedulers: sets each parameter group's ``"lr"`` for epoch 0 at
    construction and for the next epoch at every :meth:`step`.

    Subclasses give ``_rate(i, group, epoch)``, the rate of group ``i`` for ``epoch``.
    A chainable one (``chainable = True``) computes it from the rate the group has, and
    leaves the rate as it is at epoch 0.

    Parameters
    ----------
    optimizer : Optimizer
        A glassnet optimizer holding its parameters. Each group keeps its first rate as
        ``"initial_lr"`` (the first scheduler sets it, as in PyTorch).
    last_epoch : int, default -1
        Only -1 (start at epoch 0): to resume, load the scheduler's ``state_dict()``.

    Attributes
    ----------
    base_lrs : list of float
        The ``"initial_lr"`` of each group.
    last_epoch : int
        The epoch whose rates are set (0 after construction, +1 at each step).

    Examples
    --------
    >>> w = gn.Parameter(np.zeros(1, dtype=np.float32))
    >>> opt = gn.optim.SGD([w], lr=0.1)
    >>> scheduler = gn.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    >>> isinstance(scheduler, gn.optim.lr_scheduler.LRScheduler)
    True
    >>> rates = []
    >>> for epoch in range(5):
    ...     rates.append(scheduler.get_last_lr()[0])
    ...     opt.step()
    ...     scheduler.step()
    ...
    >>> rates
    [0.1, 0.1, 0.05, 0.05, 0.025]
    """

    chainable = False

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        owner = type(self).__name__
        self.optimizer = check_optimizer(owner, optimizer)
        if isinstance(last_epoch, bool) or last_epoch != -1:
            raise ValueError(
                f"{owner}: last_epoch must be -1 (start at epoch 0), got {last_epoch!r}; to resume a "
                "schedule, create it and call scheduler.load_state_dict(saved) with what "
                "scheduler.state_dict() returned"
            )
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = 0
        self._step_count = 0
        self._apply()

    def _rate(self, i: int, group: dict[str, Any], epoch: int) -> float:
        raise NotImplementedError(f"{type(self).__name__} does not define _rate()")

    def _apply(self) -> None:
        groups = self.optimizer.param_groups
        if len(groups) != len(self.base_lrs):
            raise ValueError(f"{type(self).__name__}: the optimizer has {len(groups)} parameter groups, "
                             f"it had {len(self.base_lrs)} when the scheduler was made; make the scheduler "
                             "again after add_param_group")
        if not (self.chainable and self.last_epoch == 0):
            for i, group in enumerate(groups):
                group["lr"] = self._rate(i, group, self.last_epoch)
        self._last_lr = [group["lr"] for group in groups]

    def step(self, epoch: None = None) -> None:
        """Set the rates of the next epoch; call it after ``optimizer.step()``.

        Raises
        ------
        TypeError
            For an epoch given (PyTorch's deprecated ``step(epoch)``): call ``step()`` once per epoch.
        """
        if epoch is not None:
            raise TypeError(f"{type(self).__name__}.step() takes no epoch (PyTorch's step(epoch) is "
                            f"deprecated): call scheduler.step() once per epoch, got epoch={epoch!r}")
        if self._step_count == 0 and self.optimizer.iterations == 0:
            warnings.warn(
                f"{type(self).__name__}.step() was called before optimizer.step(): the first rate of the "
                "schedule is skipped. Call optimizer.step() first, then scheduler.step()",
                UserWarning, stacklevel=2,
            )
        self._step_count += 1
        self.last_epoch += 1
        self._apply()

    def get_last_lr(self) -> list[float]:
        """The rate of each parameter group set by the last step (or the constructor)."""
        return list(self._last_lr)

    def get_lr(self) -> list[float]:
        """Refused: PyTorch's ``get_lr()`` outside ``step()`` computes a rate again; use
        :meth:`get_last_lr` for the rates in use."""
        raise AttributeError(f"{type(self).__name__}: use scheduler.get_last_lr() for the rates in use "
                             "(get_lr() is PyTorch's internal step, which warns when called from outside)")

    def state_dict(self) -> dict[str, Any]:
        """The scheduler's settings and position (everything but the optimizer and functions)."""
        return {key: value for key, value in vars(self).items() if key != "optimizer" and not callable(value)
                and not (isinstance(value, list) and value and callable(value[0]))}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Continue from what :meth:`state_dict` returned (load the optimizer's state too).

        Raises
        ------
        ValueError
            If ``state`` holds names this scheduler does not have.
        """
        unknown = sorted(set(state) - set(vars(self)))
        if unknown:
            raise ValueError(f"{type(self).__name__}.load_state_dict: {unknown} are not settings of this "
                             "scheduler; pass what scheduler.state_dict() returned")
        self.__dict__.update(state)
