"""The arguments every optimizer takes: the parameters to update, and hyperparameters given
in Keras's or PyTorch's spelling."""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from glassnet._checks import check_hyperparameter
from glassnet.tensor import Tensor

__all__ = ["other_spellings", "group_spellings", "is_number", "check_leading_number", "keras_epsilon"]

NO_PARAMETERS = (
    "the model has no parameters yet: build it (give input_dim or call it on data) "
    "before creating the optimizer"
)

#: Keras's and PyTorch's names for hyperparameters that mean here what they mean there.
_SAME_MEANING = {"learning_rate": "lr", "beta_1": "beta1", "beta_2": "beta2", "alpha": "rho"}


def other_spellings(owner: type, spellings: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """``values`` (glassnet's names) updated from ``spellings``, the keyword arguments given
    in Keras's or PyTorch's names: ``learning_rate``, ``beta_1``/``beta_2``, ``betas=(b1, b2)``
    and RMSprop's ``alpha`` (PyTorch's rho). Keras's ``epsilon``, which enters the update
    where Keras adds it (not where ``eps`` does), is passed on as ``values["epsilon"]``
    (see :func:`keras_epsilon`).

    Raises
    ------
    TypeError
        For any name that is not an argument of the optimizer class ``owner`` (the message
        lists the accepted ones), and for a setting given in both spellings.
    """
    name, values = owner.__name__, dict(values)
    for key, value in spellings.items():
        if key == "betas" and "beta1" in values:
            if not isinstance(value, (tuple, list)) or len(value) != 2:
                raise TypeError(f"{name}: betas must be a pair (beta1, beta2), got {value!r}")
            _given_once(owner, key, ("beta1", "beta2"), values)
            values["beta1"], values["beta2"] = value
        elif _SAME_MEANING.get(key) in values:
            _given_once(owner, key, (_SAME_MEANING[key],), values)
            values[_SAME_MEANING[key]] = value
        elif key == "epsilon" and "eps" in values:
            if value is not None:
                _given_once(owner, key, ("eps",), values)
            values["epsilon"] = value
        elif key == "global_clipnorm":
            raise TypeError(f"{name}: pass clipnorm={value!r}: glassnet's clipnorm rescales the gradients to "
                            "a global norm, as Keras's global_clipnorm does")
        else:
            raise TypeError(
                f"{name} got an unexpected argument {key!r}; it takes params and "
                f"{', '.join(getattr(owner, 'config_keys', values))}"
            )
    return values


#: Hyperparameters of some optimizer (glassnet's, PyTorch's or Keras's): in a parameter group of an
#: optimizer that does not take one of them, it is an error rather than a key of the user's own.
_OPTION_NAMES = frozenset({
    "lr", "momentum", "dampening", "nesterov", "weight_decay", "beta1", "beta2", "eps", "amsgrad",
    "rho", "centered", "lr_decay", "initial_accumulator_value", "clipnorm", "clipvalue", "betas",
    "epsilon", "maximize", "foreach", "capturable", "differentiable", "fused", "decoupled_weight_decay",
    "global_clipnorm", *_SAME_MEANING,
})

#: Set on the optimizer, for all its parameters together.
_OPTIMIZER_WIDE = ("clipnorm", "clipvalue")


def group_spellings(owner: type, entries: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The entries of a parameter group (without "params") split into (options, other keys),
    the options in glassnet's names (PyTorch's ``betas`` and ``alpha`` and Keras's names
    translated as :func:`other_spellings` does).

    Raises
    ------
    TypeError
        For an option the optimizer ``owner`` does not take, clipnorm or clipvalue (which apply
        to all parameters together), or one setting given in two spellings.
    """
    names = [k for k in owner.config_keys if k not in _OPTIMIZER_WIDE]
    options: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in entries.items():
        if key in _OPTIMIZER_WIDE:
            raise TypeError(f"{owner.__name__}: {key} applies to all parameters together; give it to "
                            f"the optimizer ({owner.__name__}(..., {key}={value!r})), not to a group")
        if key in names:
            given = {key: value}
        elif key == "betas" and "beta1" in names:
            if not isinstance(value, (tuple, list)) or len(value) != 2:
                raise TypeError(f"{owner.__name__}: betas must be a pair (beta1, beta2), got {value!r}")
            given = {"beta1": value[0], "beta2": value[1]}
        elif _SAME_MEANING.get(key) in names:
            given = {_SAME_MEANING[key]: value}
        elif key in _OPTION_NAMES:
            other_spellings(owner, {key: value}, {})  # raises the message for a foreign option
            continue
        else:
            extra[key] = value
            continue
        for name in given:
            if name in options:
                raise TypeError(f"{owner.__name__}: a parameter group gives {name} twice (as {key} and "
                                f"{name}); give it once")
        options.update(given)
    return options, extra


def _given_once(owner: type, spelling: str, names: tuple[str, ...], values: dict[str, Any]) -> None:
    """A TypeError when one of ``names`` was also given (differs from its default in
    ``owner.__init__``) besides its other spelling: the two would disagree silently."""
    defaults = inspect.signature(owner.__init__).parameters
    both = [n for n in names if n in defaults and values[n] != defaults[n].default]
    if both:
        raise TypeError(f"{owner.__name__}: give {both[0]} or {spelling} (the same setting), not both")


def keras_epsilon(owner: type, given: dict[str, Any]) -> float | None:
    """Keras's ``epsilon`` from what :func:`other_spellings` returned: None when it was not
    given, else a number > 0."""
    value = given.get("epsilon")
    return None if value is None else check_hyperparameter(f"{owner.__name__}: epsilon", value, low_open=True)


def is_number(value: Any) -> bool:
    """Whether ``value`` is a real number (not a bool)."""
    return isinstance(value, (int, float, np.number)) and not isinstance(value, (bool, np.bool_))


def check_leading_number(owner: type, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Allow Keras's ``Adam(0.001)``, a learning rate as the only positional argument, and
    refuse what would be read otherwise than Keras reads it.

    Raises
    ------
    TypeError
        For a number given by name as ``params``; for more positional arguments after it (Keras
        and glassnet order them differently); for a learning rate also given by name.
    """
    name = owner.__name__
    if not args:
        _check_params(kwargs["params"])
    if len(args) > 1:
        raise TypeError(
            f"{name}({', '.join(map(repr, args))}): a number first is read as the learning rate, as in "
            "Keras; give the other settings by name, e.g. beta_1=..., momentum=... (glassnet's positional "
            "order is params, lr, ..., as in PyTorch, so Keras's second positional argument would land "
            "elsewhere)"
        )
    given = [key for key in ("lr", "learning_rate") if key in kwargs]
    if given:
        raise TypeError(f"{name}: the learning rate was given twice, as {args[0]!r} and as {given[0]}=; "
                        "give it once")


def _check_params(params: Any) -> list[Tensor]:
    if is_number(params):
        raise TypeError(
            f"params must be an iterable of Parameters, got the number {params!r}: give the learning rate "
            f"first without a name (Adam({params!r}), as in Keras) or by name, lr={params!r} (or "
            f"learning_rate={params!r})"
        )
    if isinstance(params, Tensor) or hasattr(params, "parameters"):
        raise TypeError(
            f"params must be an iterable of Parameters, got a {type(params).__name__}; "
            "pass model.parameters() (or a list of tensors)"
        )
    try:
        items = list(params)
    except TypeError:
        raise TypeError(
            f"params must be an iterable of Parameters, got {type(params).__name__}"
        ) from None
    unique: dict[int, Tensor] = {}
    for i, p in enumerate(items):
        if not isinstance(p, Tensor) or p._ctx is not None:
            raise TypeError(
                f"params[{i}] must be a Parameter (a leaf Tensor, not the result of an operation), "
                f"got {p!r}"
            )
        unique.setdefault(id(p), p)
    if not unique:
        raise ValueError(NO_PARAMETERS)
    return list(unique.values())
