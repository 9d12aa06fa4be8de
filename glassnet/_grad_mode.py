"""Whether operations record the graph for ``backward``: per thread, switched by
:func:`no_grad` and :func:`enable_grad`."""

from __future__ import annotations

import contextlib
import threading

__all__ = ["no_grad", "enable_grad", "is_grad_enabled"]


class _GradMode(threading.local):
    """Whether operations record the graph, per thread (as in PyTorch): ``no_grad`` in one
    thread leaves the others recording, and a new thread starts with recording on."""

    enabled = True


_mode = _GradMode()


def is_grad_enabled() -> bool:
    """Whether operations currently record the graph for ``backward`` in this thread."""
    return _mode.enabled


class _SetGrad:
    """Switches graph recording on or off inside a ``with`` block, then restores it (a plain
    class rather than a generator: it is entered on every prediction)."""

    __slots__ = ("enabled", "previous")

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.previous = True

    def __enter__(self) -> None:
        self.previous = _mode.enabled
        _mode.enabled = self.enabled

    def __exit__(self, *exc: object) -> None:
        _mode.enabled = self.previous


def no_grad() -> contextlib.AbstractContextManager[None]:
    """Context in which no graph is recorded (inference, parameter updates), in the thread
    that enters it only.

    Examples
    --------
    >>> import glassnet as gn
    >>> x = gn.tensor([1.0], requires_grad=True)
    >>> with gn.no_grad():
    ...     y = x * 2
    >>> y.requires_grad
    False
    """
    return _SetGrad(False)


def enable_grad() -> contextlib.AbstractContextManager[None]:
    """Context that records the graph again inside a ``no_grad`` block."""
    return _SetGrad(True)
