"""How a function of :mod:`glassnet.functional` takes its first argument: a symbolic one records a
node of a functional graph, anything else becomes a Tensor."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from glassnet.symbolic import Symbolic
from glassnet.tensor import Tensor


def _graph_aware(fn: Callable[..., Tensor]) -> Callable[..., Any]:
    """``fn`` that records a node of a functional graph when its first argument is symbolic
    (``gn.functional.exp(log_var)`` on a layer's output, as in a term of ``Model.add_loss``)."""
    @functools.wraps(fn)
    def wrapper(x: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(x, Symbolic):
            return Symbolic.record(wrapper, x, *args, **kwargs)
        return fn(x, *args, **kwargs)

    return wrapper


def _t(x: Any, like: Tensor | None = None) -> Tensor:
    if isinstance(x, Tensor):
        return x
    dtype = like.dtype if like is not None else None
    return Tensor(np.asarray(x, dtype=dtype) if dtype is not None else x)
