"""An optimizer's state dict: saved, checked before any of it is used, and loaded."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["state_problem", "save", "load"]

_KEYS = ("config", "iterations", "param_groups", "shapes", "steps", "state")


def save(opt: Any) -> dict[str, Any]:
    """The state dict of ``opt`` (see :meth:`Optimizer.state_dict`)."""
    position = {id(p): i for i, p in enumerate(opt._params)}
    groups = opt._groups
    return {
        "config": opt.get_config(),
        "iterations": opt.iterations,
        "param_groups": [{**{k: v for k, v in group.items() if k != "params"},
                          "params": [position[id(p)] for p in group["params"]]}
                         for group in opt.param_groups],
        "shapes": [[str(g.dtype), g.shapes()] for g in groups],
        "steps": [g.steps for g in groups],
        "state": {f"{i}.{k}": a.copy() for i, g in enumerate(groups) for k, a in g.state.items()},
    }


def load(opt: Any, state: Any) -> None:
    """Put ``state`` (from :func:`save`) into ``opt``; kept for :meth:`bind` when ``opt`` holds
    no parameters yet."""
    owner = type(opt).__name__
    problem = state_problem(state)
    if problem:
        raise ValueError(f"{owner}.load_state_dict: not an optimizer state ({problem}); "
                         "pass what optimizer.state_dict() returned")
    config = dict(state["config"])
    if config.pop("name", opt.name) != opt.name:
        raise ValueError(f"cannot load the state of a {state['config']['name']!r} optimizer into "
                         f"{owner} ({opt.name!r})")
    fresh = type(opt)(**config)
    if not opt._groups:
        opt._pending_state = state
        return
    _check_layout(opt, state)
    for group, saved in zip(opt.param_groups, state["param_groups"], strict=True):
        dict.update(group, opt._group_options({k: v for k, v in saved.items() if k != "params"}, group))
    for group, steps in zip(opt._groups, state["steps"], strict=True):
        group.state, group.steps = {}, int(steps)
    for key, value in state["state"].items():
        index, _, name = key.partition(".")
        group = opt._groups[int(index)]
        group.state[name] = np.array(value, dtype=group.dtype).reshape(group.data.shape)
    opt.defaults = fresh.defaults
    opt.clipnorm, opt.clipvalue = fresh.clipnorm, fresh.clipvalue
    opt.iterations = int(state["iterations"])


def _check_layout(opt: Any, state: Mapping[str, Any]) -> None:
    """A ValueError when ``state`` was saved for other groups or parameter shapes than ``opt``'s."""
    sizes = [len(group["params"]) for group in opt.param_groups]
    saved = [len(group["params"]) for group in state["param_groups"]]
    if sizes != saved:
        raise ValueError(f"the state was saved for parameters in groups of {saved} parameter(s) but this "
                         f"optimizer holds groups of {sizes}")
    shapes = [[str(g.dtype), g.shapes()] for g in opt._groups]
    if [[str(d), [list(s) for s in ss]] for d, ss in state["shapes"]] != shapes:
        raise ValueError(f"the state was saved for parameters {state['shapes']} but this optimizer "
                         f"holds {shapes}")


def state_problem(state: Any) -> str | None:
    """What is wrong with the layout of ``state`` (as :meth:`Optimizer.state_dict` returns
    it), or None: a dict with exactly the keys config (a dict naming the optimizer),
    iterations (an int >= 0), param_groups (a list of dicts with "params"), shapes (one
    [dtype, shapes] pair per flat group), steps (one int >= 0 per flat group) and state
    (arrays named "<group>.<name>")."""
    if not isinstance(state, Mapping):
        return f"a dict is expected, got {type(state).__name__}"
    if set(state) != set(_KEYS):
        return f"the keys must be exactly {list(_KEYS)}, got {sorted(map(str, state))}"
    config, iterations, groups, shapes, steps, arrays = (state[k] for k in _KEYS)
    if not isinstance(config, Mapping) or not isinstance(config.get("name"), str):
        return f"'config' must be a dict of hyperparameters with the optimizer's 'name', got {config!r}"
    if not _count(iterations):
        return f"'iterations' must be an integer >= 0, got {iterations!r}"
    if not isinstance(groups, list) or not all(isinstance(g, Mapping) and "params" in g for g in groups):
        return f"'param_groups' must be a list of dicts with 'params', got {groups!r}"
    if not isinstance(shapes, list) or not all(
            isinstance(g, (list, tuple)) and len(g) == 2 and isinstance(g[0], str) for g in shapes):
        return f"'shapes' must be a list of [dtype, parameter shapes] pairs, got {shapes!r}"
    if not isinstance(steps, list) or len(steps) != len(shapes) or not all(map(_count, steps)):
        return f"'steps' must be a list of one integer >= 0 per entry of 'shapes', got {steps!r}"
    if not isinstance(arrays, Mapping):
        return f"'state' must be a dict of arrays named '<group>.<name>', got {type(arrays).__name__}"
    for key in arrays:
        index, _, name = str(key).partition(".")
        if not (index.isdigit() and int(index) < len(shapes) and name):
            return f"'state' holds {key!r}, which is not '<group>.<name>' with a group in [0, {len(shapes)})"
    return None


def _count(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, np.integer)) and value >= 0
