"""Optimizers: SGD (momentum, Nesterov), Adagrad, RMSprop, Adam, AdamW; gradient clipping.

Every optimizer follows ``torch.optim`` exactly (update formulas and defaults), so the
same model trained here and in PyTorch gives the same numbers. Build one with
hyperparameters only (``Adam(lr=1e-3)``, bound later by ``model.compile``) or with the
parameters for a manual loop::

    opt = gn.optim.Adam(model.parameters(), lr=1e-3)
    opt.zero_grad(); loss.backward(); opt.step()

As in PyTorch, a list of dicts gives parameter groups with options of their own
(``Adam([{"params": a.parameters()}, {"params": b.parameters(), "lr": 1e-3}], lr=1e-2)``),
read and changed in ``opt.param_groups``; ``opt.state_dict()`` / ``opt.load_state_dict()``
save and restore them with the state. The learning-rate schedulers of a manual loop are in
:mod:`glassnet.optim.lr_scheduler` (``StepLR``, ``CosineAnnealingLR``, ``OneCycleLR``, ...).

Names for :func:`get`: "sgd" and "gd", "momentum" (SGD with momentum 0.9), "nesterov"
(SGD with Nesterov momentum 0.9), "adagrad", "rmsprop", "adam", "adamw".

SGD, Adam and AdamW run as compiled single-pass kernels where the install could build
them, with the same numbers as their NumPy code (:mod:`glassnet.accel`; ``with
glassnet.reference():`` runs the NumPy code).
"""

from __future__ import annotations

import warnings
from typing import Any

from glassnet import accel
from glassnet._checks import check_flag
from glassnet.optim.adam import Adam, AdamW
from glassnet.optim.adaptive import Adagrad, RMSprop
from glassnet.optim.base import OPTIMIZERS, Optimizer
from glassnet.optim.clip import clip_grad_norm_, clip_grad_value_
from glassnet.optim.sgd import SGD

__all__ = [
    "Optimizer", "SGD", "Adagrad", "RMSprop", "Adam", "AdamW",
    "clip_grad_norm_", "clip_grad_value_", "fused_kernels", "get", "names", "lr_scheduler",
]


@OPTIMIZERS.register("momentum")
def _momentum(**overrides: Any) -> SGD:
    """SGD with momentum 0.9."""
    return SGD(**{"momentum": 0.9, **overrides})


@OPTIMIZERS.register("nesterov")
def _nesterov(**overrides: Any) -> SGD:
    """SGD with Nesterov momentum 0.9."""
    return SGD(**{"momentum": 0.9, "nesterov": True, **overrides})


def names() -> list[str]:
    """The names :func:`get` accepts.

    Returns
    -------
    list of str
        The registered names, aliases included.

    Examples
    --------
    >>> names = gn.optim.names()
    >>> "adam" in names, "sgd" in names, "rmsprop" in names
    (True, True, True)
    """
    return OPTIMIZERS.names()


def get(optimizer: str | dict[str, Any] | Optimizer | type[Optimizer], **overrides: Any) -> Optimizer:
    """Resolve an optimizer given by name, config dict, class or instance.

    Parameters
    ----------
    optimizer : str, dict, Optimizer subclass or Optimizer
        A registered name ("adam"), a ``get_config()`` dict, a class, or an instance
        (returned as is).
    **overrides
        Hyperparameters for a new optimizer, e.g. ``get("adam", lr=0.01)``.

    Raises
    ------
    ValueError
        For an unknown name; the message lists the valid names.
    TypeError
        For another type, or overrides given with an instance.

    Examples
    --------
    >>> opt = get("momentum", lr=0.1)
    >>> type(opt).__name__, opt.lr, opt.momentum
    ('SGD', 0.1, 0.9)
    """
    return OPTIMIZERS.resolve(optimizer, Optimizer, "'adam' or 'sgd'", **overrides)


def fused_kernels(enable: bool | None = None) -> bool:
    """Deprecated: whether compiled kernels run in the calling thread; ``enable`` sets it.

    Use ``with glassnet.reference():`` to run without compiled code (which also turns off
    the replay of recorded training steps) and :func:`glassnet.accel.compiled_in_use` to
    ask. This alias reads and sets that same per-thread state: ``fused_kernels(False)``
    puts the calling thread in reference mode until ``fused_kernels(True)``.

    Parameters
    ----------
    enable : bool, optional
        True or False to set the calling thread's mode; None only asks.

    Returns
    -------
    bool
        Whether compiled kernels run in the calling thread (after the change).

    Raises
    ------
    TypeError
        If ``enable`` is not None, True or False.
    RuntimeError
        If ``enable`` is True and the kernels were not built (no C compiler at install time).

    Examples
    --------
    >>> import warnings
    >>> with gn.reference(), warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     print(gn.optim.fused_kernels())
    ...
    False
    >>> caught[0].category.__name__
    'DeprecationWarning'
    """
    warnings.warn(
        "glassnet.optim.fused_kernels() is deprecated: run without compiled code with "
        "`with glassnet.reference():` and ask with glassnet.accel.compiled_in_use()",
        DeprecationWarning, stacklevel=2,
    )
    if enable is not None:
        enable = check_flag("enable", enable)
        if enable and not accel.compiled_available():
            raise RuntimeError(
                "the compiled kernels are not built (no C compiler at install time); install "
                "gcc or clang and reinstall glassnet"
            )
        accel._mode.reference = not enable
    return accel.compiled_in_use()


def __getattr__(name: str) -> Any:
    """``gn.optim.lr_scheduler`` (PyTorch's schedulers) is imported on first use."""
    if name == "lr_scheduler":
        import importlib

        return importlib.import_module("glassnet.optim.lr_scheduler")
    raise AttributeError(f"module 'glassnet.optim' has no attribute {name!r}")
