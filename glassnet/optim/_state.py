"""The structure of an optimizer's state dict, checked before any of it is used."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["state_problem"]

_KEYS = ("config", "iterations", "shapes", "state")


def state_problem(state: Any) -> str | None:
    """What is wrong with the layout of ``state`` (as :meth:`Optimizer.state_dict` returns
    it), or None: a dict with exactly the keys config (a dict naming the optimizer),
    iterations (an int >= 0), shapes (one [dtype, shapes] pair per group) and state
    (arrays named "<group>.<name>")."""
    if not isinstance(state, Mapping):
        return f"a dict is expected, got {type(state).__name__}"
    if set(state) != set(_KEYS):
        return f"the keys must be exactly {list(_KEYS)}, got {sorted(map(str, state))}"
    config, iterations, shapes, arrays = (state[k] for k in _KEYS)
    if not isinstance(config, Mapping) or not isinstance(config.get("name"), str):
        return f"'config' must be a dict of hyperparameters with the optimizer's 'name', got {config!r}"
    if isinstance(iterations, bool) or not isinstance(iterations, (int, np.integer)) or iterations < 0:
        return f"'iterations' must be an integer >= 0, got {iterations!r}"
    if not isinstance(shapes, list) or not all(
            isinstance(g, (list, tuple)) and len(g) == 2 and isinstance(g[0], str) for g in shapes):
        return f"'shapes' must be a list of [dtype, parameter shapes] pairs, got {shapes!r}"
    if not isinstance(arrays, Mapping):
        return f"'state' must be a dict of arrays named '<group>.<name>', got {type(arrays).__name__}"
    for key in arrays:
        index, _, name = str(key).partition(".")
        if not (index.isdigit() and int(index) < len(shapes) and name):
            return f"'state' holds {key!r}, which is not '<group>.<name>' with a group in [0, {len(shapes)})"
    return None
