"""Checks of the arguments of ``fit``, ``evaluate`` and ``predict``, once per call, before any work.

Each check raises a TypeError (wrong kind of value) or a ValueError (value out of range)
that names the argument, shows the value received and says what is accepted.
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable, Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np

from glassnet import _checks
from glassnet._checks import check_flag
from glassnet.training import streams as _streams
from glassnet.training.callbacks import Callback

__all__ = [
    "check_fit", "check_validation_freq", "check_validation_steps", "check_validation_source", "validates",
    "check_steps", "check_seed", "check_batch_size",
    "check_verbose", "check_class_weight",
    "data_argument", "check_names",
]

_SPLIT_MODES = ("random", "last")


def _is_int(value: Any) -> bool:
    return isinstance(value, Integral) and not isinstance(value, (bool, np.bool_))


def data_argument(call: str, X: Any, x: Any) -> Any:
    """The data given as ``X`` or, as Keras spells it, ``x``; both or neither is an error."""
    if X is not None and x is not None:
        raise TypeError(f"{call}() got the data twice, as X and as x; give one")
    if X is None and x is None:
        raise TypeError(f"{call}() needs the input data X (an array, a pandas object or a list of arrays)")
    return X if x is None else x


@functools.cache
def _parameters(function: Callable[..., Any]) -> tuple[str, ...]:
    return tuple(inspect.signature(function).parameters)


def check_names(call: str, kwargs: dict[str, Any], function: Callable[..., Any]) -> None:
    """Refuse keyword arguments that ``function`` does not take, listing the ones it does."""
    accepted = _parameters(function)
    unknown = [name for name in kwargs if name not in accepted]
    if unknown:
        options = ", ".join(name for name in accepted if name not in ("model", "X", "y"))
        raise TypeError(f"{call}() got unknown argument(s) {', '.join(map(repr, unknown))}; it accepts "
                        f"X, y and {options}")


def check_batch_size(batch_size: Any) -> None:
    """``batch_size`` is a positive integer or None (all samples in one batch)."""
    if batch_size is not None and (not _is_int(batch_size) or batch_size < 1):
        raise ValueError(f"batch_size must be a positive integer or None (full batch), got {batch_size!r}")


def check_verbose(verbose: Any) -> int:
    """``verbose`` as 0, 1 or 2 (True/False and Keras's "auto", which means 1, accepted)."""
    if type(verbose) is int and 0 <= verbose <= 2:
        return verbose
    if isinstance(verbose, str) and verbose == "auto":
        return 1
    if isinstance(verbose, (bool, np.bool_)) or (_is_int(verbose) and verbose in (0, 1, 2)):
        return int(verbose)
    raise ValueError(f"verbose must be 0 (silent), 1 or 2, got {verbose!r}")


def check_seed(seed: Any) -> None:
    """``seed`` is None or an integer >= 0."""
    _checks.check_seed(seed)


def check_fit(epochs: Any, batch_size: Any, verbose: Any, shuffle: Any, validation_split: Any,
              validation_data: Any, callbacks: Any, seed: Any, class_weight: Any,
              validation_split_mode: Any, track_gradients: Any, initial_epoch: Any,
              validation_freq: Any = 1, steps_per_epoch: Any = None) -> None:
    """Check every argument of ``fit`` that does not depend on the data."""
    check_validation_freq(validation_freq)
    if steps_per_epoch is not None and (not _is_int(steps_per_epoch) or steps_per_epoch < 1):
        raise ValueError(f"steps_per_epoch must be a positive integer or None (one pass over the data "
                         f"per epoch), got {steps_per_epoch!r}")
    if not _is_int(epochs) or epochs < 1:
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
    check_batch_size(batch_size)
    check_verbose(verbose)
    check_flag("shuffle", shuffle)
    check_flag("track_gradients", track_gradients)
    _check_split(validation_split, validation_split_mode, validation_data)
    _check_callbacks(callbacks)
    check_seed(seed)
    if not _is_int(initial_epoch) or not 0 <= initial_epoch < epochs:
        raise ValueError(
            f"initial_epoch must be an integer in [0, epochs) = [0, {epochs}), got {initial_epoch!r}; "
            "epochs counts from the start of the run, as in Keras")
    check_class_weight(class_weight)


def check_validation_steps(validation_steps: Any, name: str = "validation_steps", batches: bool = True,
                           data: str = "validation_data") -> None:
    """``validation_steps`` (or ``steps``) is None (one pass) or a positive integer, and given only
    where it counts batches: ``batches`` says whether ``data`` is a source of batches."""
    if validation_steps is None:
        return
    if not _is_int(validation_steps) or validation_steps < 1:
        raise ValueError(f"{name} must be a positive integer or None (one pass over the batches), got "
                         f"{validation_steps!r}")
    if not batches:
        raise ValueError(
            f"{name} counts the batches read from a source of batches (a DataLoader, a generator, "
            f"gn.data.from_parquet or from_csv, Dask), but {data} holds arrays, which are used whole: "
            f"leave {name} out, or give {data} as gn.data.DataLoader(..., batch_size=...)")


def check_validation_source(validation_data: Any, validation_steps: int | None, validation_freq: Any,
                            initial_epoch: int, epochs: int) -> None:
    """A generator given as ``validation_data`` gives its batches once: more than one validation
    needs ``validation_steps``, the batches each one reads."""
    if validation_steps is not None or not _streams.is_batches(validation_data):
        return
    validations = sum(validates(validation_freq, e) for e in range(initial_epoch, epochs))
    if validations > 1 and _streams.one_shot(validation_data):
        raise ValueError(
            f"validation_data is a generator, which gives its batches once, and fit validates {validations} "
            "times; give validation_steps (the batches of each validation, as in Keras), pass a "
            "re-iterable source (a DataLoader, gn.data.from_parquet, an object whose __iter__ starts a new "
            "pass), or validate once (validation_freq)")


def check_validation_freq(validation_freq: Any) -> None:
    """Keras's ``validation_freq``: an integer n >= 1 (every n-th epoch) or a list of epochs,
    counted from 1."""
    if _is_int(validation_freq) and validation_freq >= 1:
        return
    if isinstance(validation_freq, (list, tuple, set, range)) and all(
            _is_int(e) and e >= 1 for e in validation_freq):
        return
    raise ValueError(f"validation_freq must be an integer >= 1 (validate every n-th epoch) or a list of "
                     f"epochs counted from 1 ([1, 5, 10]), got {validation_freq!r}")


def validates(validation_freq: int | Any, epoch: int) -> bool:
    """Whether the epoch ``epoch`` (counted from 0) is validated under ``validation_freq``."""
    if _is_int(validation_freq):
        return (epoch + 1) % validation_freq == 0
    return epoch + 1 in validation_freq


def check_steps(steps_per_epoch: int | None, per_pass: int, n: int, batch_size: int | None) -> None:
    """``steps_per_epoch`` at most the batches of one pass over the training data."""
    if steps_per_epoch is not None and steps_per_epoch > per_pass:
        raise ValueError(
            f"steps_per_epoch={steps_per_epoch} is more than the {per_pass} batch(es) of one pass over the "
            f"{n} training samples at batch_size={batch_size}; the data would run out (Keras stops there). "
            "Leave steps_per_epoch unset for one pass per epoch, or lower it")


def _check_split(fraction: Any, mode: Any, validation_data: Any) -> None:
    if isinstance(fraction, (bool, np.bool_)) or not isinstance(fraction, Real):
        raise TypeError(f"validation_split must be a number in [0, 1), got {fraction!r} "
                        f"({type(fraction).__name__})")
    if not 0 <= fraction < 1:
        raise ValueError(f"validation_split must be in [0, 1) (the fraction held out), got {fraction!r}")
    if mode not in _SPLIT_MODES:
        raise ValueError(f"validation_split_mode must be 'random' or 'last', got {mode!r}")
    if validation_data is None or _streams.is_batches(validation_data):
        return
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
        raise ValueError("validation_data must be a tuple (X_val, y_val) or (X_val, y_val, sample_weight), "
                         f"got {type(validation_data).__name__}"
                         + (f" of length {len(validation_data)}" if isinstance(validation_data, Sequence)
                            else ""))
    if validation_data[0] is None or validation_data[1] is None:
        raise ValueError("validation_data holds None; pass (X_val, y_val) arrays")


def _check_callbacks(callbacks: Any) -> None:
    if callbacks is None:
        return
    if isinstance(callbacks, Callback):
        raise TypeError("callbacks must be a list of Callback objects; put the one callback in a list: "
                        f"callbacks=[{type(callbacks).__name__}(...)]")
    if not isinstance(callbacks, (list, tuple)):
        raise TypeError(f"callbacks must be a list of Callback objects, got {type(callbacks).__name__}")
    for cb in callbacks:
        if not isinstance(cb, Callback):
            raise TypeError(
                f"callbacks holds {cb!r} ({type(cb).__module__}.{type(cb).__name__}), which is not a "
                "glassnet Callback; use the ones in gn.callbacks or subclass gn.callbacks.Callback")


def check_class_weight(class_weight: Any) -> None:
    """``class_weight`` is None, "balanced", or a dict {class: weight} of finite weights >= 0
    (the classes themselves are checked against ``y`` later)."""
    if class_weight is None or (isinstance(class_weight, str) and class_weight == "balanced"):
        return
    if not isinstance(class_weight, dict):
        raise TypeError(f"class_weight must be a dict {{class: weight}} or 'balanced', got {class_weight!r}")
    for label, weight in class_weight.items():
        if isinstance(weight, (bool, np.bool_)) or not isinstance(weight, Real):
            raise TypeError(f"class_weight[{label!r}] must be a number, got {weight!r}")
        if not math.isfinite(weight) or weight < 0:
            raise ValueError(f"class_weight[{label!r}] = {weight!r}; class weights must be finite and >= 0 "
                             "(a negative weight would make the loss negative)")
