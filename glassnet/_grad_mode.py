"""Whether operations record the graph for ``backward``: per thread, switched by
:func:`no_grad` and :func:`enable_grad`."""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["no_grad", "enable_grad", "is_grad_enabled"]

_F = TypeVar("_F", bound=Callable[..., Any])


class _GradMode(threading.local):
    """Whether operations record the graph, per thread (as in PyTorch): ``no_grad`` in one
    thread leaves the others recording, and a new thread starts with recording on."""

    enabled = True


_mode = _GradMode()


def is_grad_enabled() -> bool:
    """Whether operations currently record the graph for ``backward`` in this thread.

    Returns
    -------
    bool
        False inside ``no_grad``.

    Examples
    --------
    >>> gn.is_grad_enabled()
    True
    >>> with gn.no_grad():
    ...     print(gn.is_grad_enabled())
    ...
    False
    """
    return _mode.enabled


class _SetGrad:
    """Switches graph recording on or off inside a ``with`` block, then restores it (a plain
    class rather than a generator: it is entered on every prediction). Used as a decorator,
    it does the same around every call of the function."""

    __slots__ = ("enabled", "previous")

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.previous = True

    def __enter__(self) -> None:
        self.previous = _mode.enabled
        _mode.enabled = self.enabled

    def __exit__(self, *exc: object) -> None:
        _mode.enabled = self.previous

    def __call__(self, function: _F) -> _F:
        enabled = self.enabled
        name = "enable_grad" if enabled else "no_grad"
        if not callable(function):
            raise TypeError(f"{name} decorates a function (@gn.{name}() above a def), got {function!r}; "
                            f"as a context it takes no argument: with gn.{name}():")
        if inspect.isgeneratorfunction(function) or inspect.isasyncgenfunction(function):
            raise TypeError(f"{name} does not decorate a generator function ({function.__name__}): its "
                            f"body runs later, outside the call. Put `with gn.{name}():` inside it instead")

        @functools.wraps(function)
        def switched(*args: Any, **kwargs: Any) -> Any:
            with _SetGrad(enabled):  # one per call: each call restores its own thread's mode
                return function(*args, **kwargs)

        return switched  # type: ignore[return-value]


def no_grad(function: _F | None = None) -> Any:
    """Context in which no graph is recorded (inference, parameter updates), in the thread
    that enters it only; also a decorator, ``@gn.no_grad()`` or ``@gn.no_grad``, as in PyTorch.

    Parameters
    ----------
    function : callable, optional
        The function to decorate; None for the context manager.

    Examples
    --------
    >>> import glassnet as gn
    >>> x = gn.tensor([1.0], requires_grad=True)
    >>> with gn.no_grad():
    ...     y = x * 2
    >>> y.requires_grad
    False
    >>> @gn.no_grad()
    ... def double(t):
    ...     return t * 2
    >>> double(x).requires_grad
    False
    """
    return _SetGrad(False) if function is None else _SetGrad(False)(function)


def enable_grad(function: _F | None = None) -> Any:
    """Context that records the graph again inside a ``no_grad`` block; also a decorator,
    ``@gn.enable_grad()`` or ``@gn.enable_grad``.

    Parameters
    ----------
    function : callable, optional
        The function to decorate; None for the context manager.

    Examples
    --------
    >>> x = gn.tensor([1.0], requires_grad=True)
    >>> with gn.no_grad():
    ...     with gn.enable_grad():
    ...         y = x * 2
    ...
    >>> y.requires_grad
    True
    """
    return _SetGrad(True) if function is None else _SetGrad(True)(function)
