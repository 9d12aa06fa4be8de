"""OneCycleLR: the rate up to a maximum and down far below the start, per batch."""

from __future__ import annotations

import math
from typing import Any

from glassnet._checks import check_flag
from glassnet.optim.base import Optimizer
from glassnet.optim.lr_scheduler.base import LRScheduler, check_int, check_optimizer, check_positive

__all__ = ["OneCycleLR"]


def _anneal(start: float, end: float, pct: float, strategy: str) -> float:
    """From ``start`` (pct = 0) to ``end`` (pct = 1), along half a cosine or a line."""
    if strategy == "cos":
        return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
    return (end - start) * pct + start


def _per_group(owner: str, name: str, value: Any, n: int) -> list[float]:
    values = list(value) if isinstance(value, (list, tuple)) else [value] * n
    if len(values) != n:
        raise ValueError(f"{owner}: {name} must be a number or a list of {n} (one per parameter group), "
                         f"got {value!r}")
    return [check_positive(owner, name, v, allow_zero=True) for v in values]


class OneCycleLR(LRScheduler):
    r"""The 1cycle policy (``torch.optim.lr_scheduler.OneCycleLR``): the rate rises from
    ``max_lr / div_factor`` to ``max_lr`` over the first ``pct_start`` of ``total_steps``,
    then falls to ``max_lr / (div_factor * final_div_factor)``; the momentum (SGD's and
    RMSprop's ``momentum``, Adam's ``beta1``) moves the opposite way between
    ``max_momentum`` and ``base_momentum``. Call :meth:`step` after every batch.

    Each phase anneals from a start value s to an end value e with :math:`p` the fraction
    of the phase done: :math:`e + \tfrac{1}{2}(s - e)(1 + \cos \pi p)` ("cos") or
    :math:`s + (e - s)\, p` ("linear"). ``three_phase=True`` rises and falls symmetrically,
    then decays to the minimum in a third phase (the paper's form). The rates are PyTorch's,
    but one: the step after the last batch (step ``total_steps``, whose rate no batch uses)
    extrapolates the linear anneal below zero in PyTorch; here that rate is 0.

    Parameters
    ----------
    optimizer : Optimizer
    max_lr : float or list of float
        The peak rate (per group when a list).
    total_steps : int, optional
        The number of steps of the cycle; otherwise ``epochs * steps_per_epoch``.
    epochs, steps_per_epoch : int, optional
    pct_start : float in [0, 1], default 0.3
    anneal_strategy : {"cos", "linear"}, default "cos"
    cycle_momentum : bool, default True
    base_momentum, max_momentum : float or list of float, default 0.85, 0.95
    div_factor : float, default 25
    final_div_factor : float, default 1e4
    three_phase : bool, default False
    last_epoch : int, default -1

    References
    ----------
    Smith and Topin, "Super-convergence: very fast training of neural networks using large
    learning rates" (2017).

    Examples
    --------
    >>> opt = gn.optim.SGD([gn.Parameter(np.zeros(1, dtype=np.float32))], lr=0.1, momentum=0.9)
    >>> scheduler = gn.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=5)
    >>> rates = []
    >>> for batch in range(5):
    ...     rates.append(round(scheduler.get_last_lr()[0], 4))
    ...     opt.step()
    ...     scheduler.step()
    ...
    >>> rates
    [0.04, 0.9505, 0.6113, 0.1883, 0.0]
    """

    def __init__(self, optimizer: Optimizer, max_lr: float | list[float], total_steps: int | None = None,
                 epochs: int | None = None, steps_per_epoch: int | None = None, pct_start: float = 0.3,
                 anneal_strategy: str = "cos", cycle_momentum: bool = True,
                 base_momentum: float | list[float] = 0.85, max_momentum: float | list[float] = 0.95,
                 div_factor: float = 25.0, final_div_factor: float = 1e4, three_phase: bool = False,
                 last_epoch: int = -1) -> None:
        owner = "OneCycleLR"
        groups = check_optimizer(owner, optimizer).param_groups
        self.total_steps = self._total(total_steps, epochs, steps_per_epoch)
        pct_start = check_positive(owner, "pct_start", pct_start, allow_zero=True)
        if pct_start > 1:
            raise ValueError(f"{owner}: pct_start must be in [0, 1], got {pct_start!r}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"{owner}: anneal_strategy must be 'cos' or 'linear', got {anneal_strategy!r}")
        self.anneal_strategy = anneal_strategy
        self.phases = self._phases(pct_start, check_flag("three_phase", three_phase))
        self.cycle_momentum = check_flag("cycle_momentum", cycle_momentum)
        div_factor = check_positive(owner, "div_factor", div_factor)
        final_div_factor = check_positive(owner, "final_div_factor", final_div_factor)
        for group, peak in zip(groups, _per_group(owner, "max_lr", max_lr, len(groups)), strict=True):
            group["initial_lr"] = peak / div_factor
            group["max_lr"] = peak
            group["min_lr"] = group["initial_lr"] / final_div_factor
        if self.cycle_momentum:
            self.momentum_key = self._momentum_key(optimizer)
            top = _per_group(owner, "max_momentum", max_momentum, len(groups))
            bottom = _per_group(owner, "base_momentum", base_momentum, len(groups))
            for group, high, low in zip(groups, top, bottom, strict=True):
                group["max_momentum"], group["base_momentum"] = high, low
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _total(total_steps: Any, epochs: Any, steps_per_epoch: Any) -> int:
        if total_steps is not None:
            return check_int("OneCycleLR", "total_steps", total_steps, 1)
        if epochs is None or steps_per_epoch is None:
            raise ValueError("OneCycleLR: give total_steps, or epochs and steps_per_epoch "
                             "(e.g. steps_per_epoch=len(loader))")
        return check_int("OneCycleLR", "epochs", epochs, 1) * check_int(
            "OneCycleLR", "steps_per_epoch", steps_per_epoch, 1)

    def _phases(self, pct_start: float, three_phase: bool) -> list[tuple[float, str, str, str, str]]:
        """(last step, start rate, end rate, start momentum, end momentum) of each phase."""
        up = float(pct_start * self.total_steps) - 1
        last = self.total_steps - 1
        if three_phase:
            down = float(2 * pct_start * self.total_steps) - 2
            return [(up, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                    (down, "max_lr", "initial_lr", "base_momentum", "max_momentum"),
                    (last, "initial_lr", "min_lr", "max_momentum", "max_momentum")]
        return [(up, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (last, "max_lr", "min_lr", "base_momentum", "max_momentum")]

    @staticmethod
    def _momentum_key(optimizer: Optimizer) -> str:
        for key in ("momentum", "beta1"):
            if key in optimizer.option_keys:
                return key
        raise ValueError(f"OneCycleLR: {type(optimizer).__name__} has no momentum to cycle (SGD, RMSprop and "
                         "Adam have); pass cycle_momentum=False")

    def _rate(self, i: int, group: dict[str, Any], epoch: int) -> float:
        if epoch > self.total_steps:
            raise ValueError(f"OneCycleLR: step() was called {epoch} times, the cycle has total_steps="
                             f"{self.total_steps}; make the scheduler with the number of batches you train")
        start = 0.0
        for n, (end, lr_from, lr_to, m_from, m_to) in enumerate(self.phases):
            if epoch <= end or n == len(self.phases) - 1:
                pct = (epoch - start) / (end - start)
                if self.cycle_momentum:
                    group[self.momentum_key] = _anneal(group[m_from], group[m_to], pct, self.anneal_strategy)
                return max(_anneal(group[lr_from], group[lr_to], pct, self.anneal_strategy), 0.0)
            start = end
        raise AssertionError("unreachable: the last phase always matches")
