"""PyTorch's learning-rate schedulers (``gn.optim.lr_scheduler``), for manual training loops.

Called as in PyTorch, with the same values::

    opt = gn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = gn.optim.lr_scheduler.StepLR(opt, step_size=30, gamma=0.1)
    for epoch in range(100):
        ...                       # opt.zero_grad(); loss.backward(); opt.step() per batch
        scheduler.step()          # after the optimizer's steps
        scheduler.get_last_lr()   # [rate of each parameter group]

A scheduler sets ``"lr"`` in each of ``optimizer.param_groups``. :class:`StepLR`,
:class:`MultiStepLR`, :class:`ExponentialLR` and :class:`CosineAnnealingLR` change the
rate the group has (so two of them on one optimizer combine, as in PyTorch); their
formulas are those of :mod:`glassnet.schedules`. :class:`LambdaLR` and :class:`OneCycleLR`
set it from the initial rate; :class:`ReduceLROnPlateau` cuts it when
``scheduler.step(metric)`` stops improving. With ``model.fit``, use the callbacks instead
(``gn.callbacks.LearningRateScheduler`` with a :mod:`glassnet.schedules` schedule,
``gn.callbacks.ReduceLROnPlateau``).
"""

from glassnet.optim.lr_scheduler.base import LRScheduler
from glassnet.optim.lr_scheduler.decay import CosineAnnealingLR, ExponentialLR, LambdaLR, MultiStepLR, StepLR
from glassnet.optim.lr_scheduler.one_cycle import OneCycleLR
from glassnet.optim.lr_scheduler.plateau import ReduceLROnPlateau

__all__ = ["LRScheduler", "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LambdaLR",
           "OneCycleLR", "ReduceLROnPlateau"]
