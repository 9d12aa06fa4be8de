"""Schedulers that decay the rate epoch by epoch: StepLR, MultiStepLR, ExponentialLR,
CosineAnnealingLR (formulas from :mod:`glassnet.schedules`), and LambdaLR."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from glassnet import schedules
from glassnet.optim.base import Optimizer
from glassnet.optim.lr_scheduler.base import LRScheduler, check_int, check_optimizer, check_positive

__all__ = ["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LambdaLR"]


class StepLR(LRScheduler):
    r"""Multiply each group's rate by ``gamma`` every ``step_size`` epochs
    (``torch.optim.lr_scheduler.StepLR``).

    .. math:: \alpha_e = \alpha_0 \cdot \gamma^{\lfloor e / \text{step\_size} \rfloor}

    Parameters
    ----------
    optimizer : Optimizer
    step_size : int >= 1
    gamma : float > 0, default 0.1
    last_epoch : int, default -1

    Examples
    --------
    >>> opt = gn.optim.SGD([gn.Parameter(np.zeros(1, dtype=np.float32))], lr=0.1)
    >>> scheduler = gn.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.1)
    >>> rates = []
    >>> for epoch in range(5):
    ...     rates.append(round(scheduler.get_last_lr()[0], 6))
    ...     opt.step()
    ...     scheduler.step()
    ...
    >>> rates
    [0.1, 0.1, 0.01, 0.01, 0.001]
    """

    chainable = True

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        self.step_size = check_int("StepLR", "step_size", step_size, 1)
        self.gamma = check_positive("StepLR", "gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def _rate(self, i: int, group: dict[str, Any], epoch: int) -> float:
        return schedules.step_decay(group["lr"], epoch, self.gamma, self.step_size)


class MultiStepLR(LRScheduler):
    r"""Multiply each group's rate by ``gamma`` at each milestone epoch
    (``torch.optim.lr_scheduler.MultiStepLR``).

    .. math:: \alpha_e = \alpha_0 \cdot \gamma^{\#\{m \in \text{milestones} : m \le e\}}

    Parameters
    ----------
    optimizer : Optimizer
    milestones : iterable of int >= 1
        A milestone given twice multiplies by gamma twice, as in PyTorch.
    gamma : float > 0, default 0.1
    last_epoch : int, default -1

    Examples
    --------
    >>> opt = gn.optim.SGD([gn.Parameter(np.zeros(1, dtype=np.float32))], lr=0.1)
    >>> scheduler = gn.optim.lr_scheduler.MultiStepLR(opt, milestones=[2, 4], gamma=0.1)
    >>> rates = []
    >>> for epoch in range(5):
    ...     rates.append(round(scheduler.get_last_lr()[0], 6))
    ...     opt.step()
    ...     scheduler.step()
    ...
    >>> rates
    [0.1, 0.1, 0.01, 0.01, 0.001]
    """

    chainable = True

    def __init__(self, optimizer: Optimizer, milestones: Iterable[int], gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        if isinstance(milestones, (str, bytes)) or not isinstance(milestones, Iterable):
            raise TypeError(f"MultiStepLR: milestones must be a list of epochs, got {milestones!r}")
        self.milestones = Counter(check_int("MultiStepLR", "each milestone", m, 1) for m in milestones)
        self.gamma = check_positive("MultiStepLR", "gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def _rate(self, i: int, group: dict[str, Any], epoch: int) -> float:
        return schedules.multi_step_decay(group["lr"], epoch, self.gamma, self.milestones)


class ExponentialLR(LRScheduler):
    r"""Multiply each group's rate by ``gamma`` every epoch (``torch.optim.lr_scheduler.ExponentialLR``).

    .. math:: \alpha_e = \alpha_0\, \gamma^e

    Parameters
    ----------
    optimizer : Optimizer
    gamma : float > 0
        Below 1 decays; above 1 grows (as in a learning-rate range test).
    last_epoch : int, default -1

    Examples
    --------
    >>> opt = gn.optim.SGD([gn.Parameter(np.zeros(1, dtype=np.float32))], lr=0.1)
    >>> scheduler = gn.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
    >>> rates = []
    >>> for epoch in range(4):
    ...     rates.append(round(scheduler.get_last_lr()[0], 6))
    ...     opt.step()
    ...     scheduler.step()
    ...
    >>> rates
    [0.1, 0.05, 0.025, 0.0125]
    """

    chainable = True

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = check_positive("ExponentialLR", "gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def _rate(self, i: int, group: dict[str, Any], epoch: int) -> float:
        return schedules.exponential_decay(group["lr"], epoch, self.gamma)


class CosineAnnealingLR(LRScheduler):
    r"""Anneal each group's rate along a cosine from its initial rate down to ``eta_min`` at
    ``T_max`` epochs, then back up over the next ``T_max`` (periodic), as
    ``torch.optim.lr_scheduler.CosineAnnealingLR``.

    .. math::

        \alpha_e = \eta_{\min} + \tfrac{1}{2} (\alpha_0 - \eta_{\min})
            \left(1 + \cos\frac{\pi e}{T_{\max}}\right)

    computed from the previous rate (:func:`glassnet.schedules.cosine_annealing`). To stay
    at ``eta_min`` after ``T_max`` (Keras's ``CosineDecay``), use
    :class:`glassnet.schedules.CosineDecay` with :class:`LambdaLR` or a callback.

    Parameters
    ----------
    optimizer : Optimizer
    T_max : int >= 1
        Epochs from the initial rate down to ``eta_min``.
    eta_min : float >= 0, default 0
    last_epoch : int, default -1

    Examples
    --------
    >>> opt = gn.optim.SGD([gn.Parameter(np.zeros(1, dtype=np.float32))], lr=0.1)
    >>> scheduler = gn.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=4)
    >>> rates = []
    >>> for epoch in range(5):
    ...     rates.append(round(scheduler.get_last_lr()[0], 6))
    ...     opt.step()
    ...     scheduler.step()
    ...
    >>> rates
    [0.1, 0.085355, 0.05, 0.014645, 0.0]
    """

    chainable = True

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1) -> None:
        self.T_max = check_int("CosineAnnealingLR", "T_max", T_max, 1)
        self.eta_min = check_positive("CosineAnnealingLR", "eta_min", eta_min, allow_zero=True)
        super().__init__(optimizer, last_epoch)

    def _rate(self, i: int, group: dict[str, Any], epoch: int) -> float:
        return schedules.cosine_annealing(group["lr"], epoch, self.T_max, self.base_lrs[i], self.eta_min)


class LambdaLR(LRScheduler):
    r"""Each group's rate is its initial rate times ``lr_lambda(epoch)``
    (``torch.optim.lr_scheduler.LambdaLR``).

    .. math:: \alpha_e = \alpha_0 \cdot \lambda(e)

    Parameters
    ----------
    optimizer : Optimizer
    lr_lambda : callable or list of callables
        ``lr_lambda(epoch) -> factor``, one for all groups or one per group.
    last_epoch : int, default -1

    Examples
    --------
    >>> opt = gn.optim.SGD([gn.Parameter(np.zeros(1, dtype=np.float32))], lr=0.1)
    >>> warmup = gn.optim.lr_scheduler.LambdaLR(opt, lambda epoch: min(1.0, (epoch + 1) / 5))
    >>> rates = []
    >>> for epoch in range(6):
    ...     rates.append(round(warmup.get_last_lr()[0], 6))
    ...     opt.step()
    ...     warmup.step()
    ...
    >>> rates
    [0.02, 0.04, 0.06, 0.08, 0.1, 0.1]
    """

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], float] | list[Callable[[int], float]],
                 last_epoch: int = -1) -> None:
        groups = check_optimizer("LambdaLR", optimizer).param_groups
        lambdas = list(lr_lambda) if isinstance(lr_lambda, (list, tuple)) else [lr_lambda] * len(groups)
        if len(lambdas) != len(groups) or not all(callable(f) for f in lambdas):
            raise TypeError(f"LambdaLR: lr_lambda must be a function epoch -> factor, or a list of "
                            f"{len(groups)} (one per parameter group), got {lr_lambda!r}")
        self.lr_lambdas = lambdas
        super().__init__(optimizer, last_epoch)

    def _rate(self, i: int, group: dict[str, Any], epoch: int) -> float:
        return self.base_lrs[i] * self.lr_lambdas[i](epoch)
