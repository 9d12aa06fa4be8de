"""ReduceLROnPlateau: cut the rate when a measured quantity stops improving, PyTorch's rule."""

from __future__ import annotations

import math
from typing import Any

from glassnet.optim.base import Optimizer
from glassnet.optim.lr_scheduler.base import LRScheduler, check_int, check_optimizer, check_positive

__all__ = ["ReduceLROnPlateau"]


class ReduceLROnPlateau(LRScheduler):
    r"""Multiply each group's rate by ``factor`` when ``scheduler.step(metric)`` has not
    improved for more than ``patience`` calls (``torch.optim.lr_scheduler.ReduceLROnPlateau``).

    A value improves on the best so far :math:`b` when it is below :math:`b (1 - \theta)`
    (``threshold_mode="rel"``) or :math:`b - \theta` ("abs"), or above :math:`b (1 + \theta)`
    / :math:`b + \theta` with ``mode="max"``. Each call without improvement adds one to a
    count; when the count exceeds ``patience``, every rate becomes
    :math:`\max(\alpha\, \text{factor}, \text{min\_lr})` (unless that changes it by eps or
    less), the count restarts and the next ``cooldown`` calls are not counted.

    PyTorch's ``patience`` is the number of bad epochs tolerated: ``patience=2`` cuts at the
    third bad epoch in a row. The callback ``gn.callbacks.ReduceLROnPlateau`` (for
    ``model.fit``) follows Keras, whose ``patience=2`` cuts at the second.

    Parameters
    ----------
    optimizer : Optimizer
    mode : {"min", "max"}, default "min"
    factor : float in (0, 1), default 0.1
    patience : int >= 0, default 10
    threshold : float >= 0, default 1e-4
    threshold_mode : {"rel", "abs"}, default "rel"
    cooldown : int >= 0, default 0
    min_lr : float or list of float, default 0
    eps : float >= 0, default 1e-8

    Examples
    --------
    >>> w = gn.Parameter(np.zeros(1, dtype=np.float32))
    >>> optimizer = gn.optim.SGD([w], lr=0.1)
    >>> scheduler = gn.optim.lr_scheduler.ReduceLROnPlateau(optimizer, "min", patience=1)
    >>> for val_loss in [1.0, 0.9, 0.9, 0.9, 0.9]:
    ...     scheduler.step(val_loss)
    ...
    >>> print(round(optimizer.param_groups[0]["lr"], 6))
    0.01
    """

    def __init__(self, optimizer: Optimizer, mode: str = "min", factor: float = 0.1, patience: int = 10,
                 threshold: float = 1e-4, threshold_mode: str = "rel", cooldown: int = 0,
                 min_lr: float | list[float] = 0, eps: float = 1e-8) -> None:
        owner = "ReduceLROnPlateau"
        self.optimizer = check_optimizer(owner, optimizer)
        if mode not in ("min", "max"):
            raise ValueError(f"{owner}: mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"{owner}: threshold_mode must be 'rel' or 'abs', got {threshold_mode!r}")
        self.mode, self.threshold_mode = mode, threshold_mode
        self.factor = check_positive(owner, "factor", factor)
        if self.factor >= 1:
            raise ValueError(f"{owner}: factor must be below 1 (it multiplies the rate), got {factor!r}")
        self.patience = check_int(owner, "patience", patience, 0)
        self.threshold = check_positive(owner, "threshold", threshold, allow_zero=True)
        self.cooldown = check_int(owner, "cooldown", cooldown, 0)
        self.eps = check_positive(owner, "eps", eps, allow_zero=True)
        groups = optimizer.param_groups
        floors = list(min_lr) if isinstance(min_lr, (list, tuple)) else [min_lr] * len(groups)
        if len(floors) != len(groups):
            raise ValueError(f"{owner}: min_lr must be a number or a list of {len(groups)} (one per "
                             f"parameter group), got {min_lr!r}")
        self.min_lrs = [check_positive(owner, "min_lr", v, allow_zero=True) for v in floors]
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = self.cooldown_counter = self.last_epoch = 0
        self._last_lr = [group["lr"] for group in groups]

    def _improves(self, value: float) -> bool:
        best, theta = self.best, self.threshold
        if self.mode == "min":
            return value < (best * (1.0 - theta) if self.threshold_mode == "rel" else best - theta)
        return value > (best * (theta + 1.0) if self.threshold_mode == "rel" else best + theta)

    def step(self, metrics: Any = None) -> None:  # type: ignore[override]
        """Take this epoch's value of the watched quantity (a number, or a 0-d array or Tensor).

        Raises
        ------
        TypeError
            Without a value, or with one that is not a number.
        """
        try:
            value = float(metrics.item() if hasattr(metrics, "item") else metrics)
        except (TypeError, ValueError, AttributeError):
            raise TypeError(f"ReduceLROnPlateau.step takes the watched quantity, e.g. "
                            f"scheduler.step(val_loss); got {metrics!r}") from None
        self.last_epoch += 1
        if self._improves(value):
            self.best, self.num_bad_epochs = value, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            self._reduce()
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _reduce(self) -> None:
        for group, floor in zip(self.optimizer.param_groups, self.min_lrs, strict=True):
            old = float(group["lr"])
            new = max(old * self.factor, floor)
            if old - new > self.eps:
                group["lr"] = new
