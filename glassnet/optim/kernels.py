"""The compiled optimizer updates and the switch between them and the NumPy code.

SGD, Adam and AdamW have compiled kernels (``glassnet/optim/_fused.c``, built by the
install where a C compiler exists) that do a whole update in one pass over memory instead
of one pass per NumPy call, with the same rounded operations in the same order: both paths
give the same numbers bit for bit. Without a compiler at install time the module is
absent and the NumPy paths run.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

from glassnet._checks import check_flag

try:
    from glassnet.optim import _fused
except ImportError:  # installed without a C compiler: the NumPy paths compute the same
    _fused = None

__all__ = ["fused_kernels", "for_dtype"]

_STATE = {"enabled": _fused is not None}
_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def fused_kernels(enable: bool | None = None) -> bool:
    """Whether SGD, Adam and AdamW update float32/float64 parameters with the compiled,
    single-pass kernels; ``enable`` switches them on or off first.

    Both paths give the same numbers bit for bit; the kernels are several times faster
    on large models (``python benchmarks/optim_step.py``). Without a C compiler at
    install time they are absent and this returns False.

    Raises
    ------
    TypeError
        If ``enable`` is not None, True or False.
    RuntimeError
        If ``enable`` is True and the kernels were not built; reinstall with a C compiler
        (``pip install -e .`` with gcc or clang on the PATH).
    """
    if enable is not None:
        enable = check_flag("enable", enable)
        if enable and _fused is None:
            raise RuntimeError(
                "the compiled optimizer kernels are not built (no C compiler at install "
                "time); install gcc or clang and reinstall glassnet"
            )
        _STATE["enabled"] = enable
    return _STATE["enabled"]


def for_dtype(dtype: Any) -> ModuleType | None:
    """The kernels module when it is in use for parameters of ``dtype``, else None."""
    return _fused if _STATE["enabled"] and np.dtype(dtype) in _DTYPES else None
