"""The compile settings in a model file: optimizer, losses and metrics, by registered name.

A file holds names and numbers, never code, so a custom loss, optimizer or metric (a
Python function or a class outside glassnet's registries) cannot travel in it. Such a
model still saves: the file records what it was compiled with, and loading compiles it
with everything that can be named and warns about the rest — without the custom metric
(the model is compiled with the others), or uncompiled when its loss or optimizer was
custom (compile it again before ``fit``/``evaluate``).
"""

from __future__ import annotations

import json
import os
import warnings
from typing import Any

__all__ = ["compile_config", "restore_compile"]


def _loss_entry(loss: Any) -> dict[str, Any] | None:
    from glassnet import losses

    name = getattr(loss, "name", None)
    if not isinstance(loss, losses.Loss) or name not in losses.LOSSES or \
            losses.LOSSES.get(name) is not type(loss):
        return None
    return _jsonable({"name": name, "config": loss.get_config()})


def _jsonable(config: dict[str, Any]) -> dict[str, Any] | None:
    try:
        json.dumps(config, allow_nan=False)
    except (TypeError, ValueError):
        return None
    return config


def _optimizer_config(optimizer: Any) -> dict[str, Any] | None:
    from glassnet import optim

    try:
        config = optimizer.get_config()
        same = type(optim.get(dict(config))) is type(optimizer)
    except (AttributeError, TypeError, ValueError):
        return None
    return _jsonable(config) if same else None


def _metric_name(name: str, fn: Any) -> str | None:
    """The registered name of a metric, or None for a function of the user's."""
    from glassnet import metrics

    try:
        return name if metrics.get(name) is fn else None
    except (TypeError, ValueError):
        return None


def _describe(obj: Any) -> str:
    return getattr(obj, "__name__", None) or type(obj).__name__


def compile_config(model: Any) -> dict[str, Any] | None:
    """The compile settings of ``model`` as JSON: what can be named, and under ``custom``
    a description of each custom loss, optimizer or metric the file cannot hold."""
    if not model.compiled:
        return None
    custom: dict[str, list[str]] = {}
    entries = [_loss_entry(loss) for loss in model.loss_fns]
    if any(e is None for e in entries):
        custom["loss"] = [_describe(loss) for loss, e in zip(model.loss_fns, entries) if e is None]
    optimizer = _optimizer_config(model.optimizer)
    if optimizer is None:
        custom["optimizer"] = [_describe(model.optimizer)]
    names = [_metric_name(n, fn) for n, fn in zip(model.metric_names, model._metric_fns)]
    if None in names:
        custom["metrics"] = [n for n, known in zip(model.metric_names, names) if known is None]
    return {"optimizer": optimizer, "loss": entries, "metrics": [n for n in names if n is not None],
            "custom": custom}


def restore_compile(model: Any, config: Any, path: str | os.PathLike) -> None:
    """Compile ``model`` with the saved settings; warn about each custom part left out.

    Raises
    ------
    ModelFileError
        When the settings are malformed or name something this glassnet does not have.
    """
    from glassnet import losses, optim
    from glassnet.io.config import ModelFileError

    custom = config.get("custom", {}) if isinstance(config, dict) else None
    if not isinstance(custom, dict) or set(config) - {"optimizer", "loss", "metrics", "custom"} or \
            set(custom) - {"optimizer", "loss", "metrics"}:
        raise ModelFileError(f"the saved compile settings in {path} are malformed")
    for part, names in custom.items():
        warnings.warn(
            f"{path}: the model was compiled with the custom {part} {names}, which a model file cannot "
            f"hold (it saves names, not code); the model is loaded "
            + ("compiled without it" if part == "metrics" else "uncompiled")
            + ". Call model.compile(...) with it again before fit or evaluate", UserWarning, stacklevel=3)
    if "loss" in custom or "optimizer" in custom:
        return
    try:
        loss = [losses.LOSSES.get(e["name"])(**e["config"]) for e in config["loss"]]
        metrics = config["metrics"]
        if not isinstance(metrics, list) or not all(isinstance(m, str) for m in metrics):
            raise TypeError(f"metrics must be a list of names, got {metrics!r}")
        model.compile(optimizer=optim.get(dict(config["optimizer"])), loss=loss if len(loss) > 1 else loss[0],
                      metrics=list(metrics))
    except (KeyError, TypeError, ValueError, IndexError) as err:
        raise ModelFileError(f"the saved compile settings in {path} cannot be restored: {err}") from None
