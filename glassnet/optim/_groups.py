"""Parameter groups: parameters that share hyperparameters (``optimizer.param_groups``), as in PyTorch."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from glassnet.optim._arguments import _check_params
from glassnet.tensor import Tensor

__all__ = ["ParamGroup", "group_entries", "Option"]

#: Checks changed entries of a group against the group's current ones; returns them in glassnet's
#: names, validated (an optimizer's ``_group_options``).
Checker = Callable[[Mapping[str, Any], Mapping[str, Any]], dict[str, Any]]

#: PyTorch's names read from a group whose options carry glassnet's names.
_READ_ALIASES = {"betas": ("beta1", "beta2"), "alpha": ("rho",), "learning_rate": ("lr",)}


class ParamGroup(dict):
    """One entry of ``optimizer.param_groups``: ``"params"`` (its parameters) and a value for
    every hyperparameter of the optimizer, plus any keys of your own.

    A plain dict to read and write, as in PyTorch (``group["lr"] = 0.01``), with two
    differences: a hyperparameter is validated when set (a bad value fails at once, with the
    optimizer's message), and it is stored under glassnet's name (setting ``group["betas"] =
    (0.9, 0.99)`` sets ``"beta1"`` and ``"beta2"``; ``group["betas"]`` reads them back).
    ``"params"`` is fixed: add parameters with ``optimizer.add_param_group``.
    """

    def __init__(self, entries: Mapping[str, Any], check: Checker) -> None:
        super().__init__(entries)
        self._check = check

    def __reduce__(self) -> tuple[Any, ...]:
        return (ParamGroup, (dict(self), self._check))

    def __setitem__(self, key: str, value: Any) -> None:
        if key == "params":
            raise TypeError(
                "the parameters of a group are fixed once the optimizer holds them: add others "
                "with optimizer.add_param_group({'params': [...]}), or create the optimizer again"
            )
        for name, checked in self._check({key: value}, self).items():
            super().__setitem__(name, checked)

    def update(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def __contains__(self, key: object) -> bool:
        """True for the keys the group holds and for PyTorch's names it reads them under
        (``"betas" in group``), as ``group[key]`` finds them."""
        names = _READ_ALIASES.get(key, ()) if isinstance(key, str) else ()
        return dict.__contains__(self, key) or bool(names) and all(dict.__contains__(self, n) for n in names)

    def __missing__(self, key: str) -> Any:
        names = _READ_ALIASES.get(key, ())
        if names and all(name in self for name in names):
            values = tuple(self[name] for name in names)
            return values if len(values) > 1 else values[0]
        raise KeyError(f"{key!r}: this parameter group holds {sorted(k for k in self if k != 'params')} "
                       "besides 'params'")


def group_entries(params: Any) -> list[dict[str, Any]]:
    """The groups given to an optimizer: a list of dicts, each with its checked ``"params"``
    and the options given for it, from parameters (one group) or from dicts (PyTorch's
    per-group options).

    Raises
    ------
    TypeError
        When dicts and parameters are mixed, a dict has no "params", or a parameter is not a leaf.
    """
    if isinstance(params, Mapping):
        return [_entry(params, 0)]
    if isinstance(params, Iterable) and not isinstance(params, Tensor) and not hasattr(params, "parameters"):
        params = list(params)
        dicts = [isinstance(item, Mapping) for item in params]
        if params and all(dicts):
            return [_entry(item, i) for i, item in enumerate(params)]
        if any(dicts):
            raise TypeError("params must be parameters or dicts of parameter groups "
                            "({'params': [...], 'lr': ...}), not a mix of both")
    return [{"params": _check_params(params)}]


def _entry(group: Mapping[str, Any], index: int) -> dict[str, Any]:
    if "params" not in group:
        raise TypeError(f"parameter group {index} has no 'params': give each group as "
                        "{'params': model.parameters(), 'lr': ...}")
    params = group["params"]
    return {**group, "params": _check_params([params] if isinstance(params, Tensor) else params)}


class Option:
    """A hyperparameter read and set as an attribute of the optimizer (``opt.momentum``).

    Reading gives the value its parameter groups share (an error says so when they differ);
    setting it sets it in every group and in the defaults of groups added later. During
    construction it stores the constructor's (validated) value in ``opt.defaults``.
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, opt: Any, owner: type | None = None) -> Any:
        if opt is None:
            return self
        return opt._shared_option(self.name)

    def __set__(self, opt: Any, value: Any) -> None:
        opt._set_option(self.name, value)
