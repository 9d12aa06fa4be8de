"""The settings of a training run: defaults, a YAML config file, command-line options.

Precedence: an option given on the command line wins over the config file, which wins
over the defaults. Every value is checked here, so a bad one is a usage error naming the
option, the value and what is accepted.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

from glassnet._checks import outside

__all__ = ["TrainSettings", "CliError", "UsageError", "parse_hidden", "parse_units", "load_config", "resolve"]


class CliError(Exception):
    """An error the command reports in one paragraph, without a traceback (exit code 1)."""

    exit_code = 1


class UsageError(CliError):
    """The command line or config file asks for something that does not exist (exit code 2)."""

    exit_code = 2


@dataclasses.dataclass
class TrainSettings:
    """Every setting of ``glassnet train`` with its default (also the keys of config.yaml)."""

    data: str = "digits"
    target: str | None = None
    task: str | None = None
    model: str = "mlp"
    hidden: list[int] = dataclasses.field(default_factory=lambda: [128, 64])
    activation: str = "relu"
    optimizer: str = "adam"
    lr: float | str = 1e-3
    epochs: int = 100
    batch_size: int = 32
    l2: float = 0.0
    dropout: float = 0.0
    validation_split: float = 0.1
    test_split: float = 0.2
    patience: int = 10
    seed: int = 0
    units: dict[str, str] = dataclasses.field(default_factory=dict)
    out: str = "runs"
    name: str | None = None
    quiet: bool = False

    def as_dict(self) -> dict[str, Any]:
        """The settings as plain YAML-able values."""
        return dataclasses.asdict(self)


_FIELDS = {f.name for f in dataclasses.fields(TrainSettings)}


def parse_hidden(value: Any) -> list[int]:
    """``"64,32"`` or ``[64, 32]`` -> [64, 32]; ``""`` or ``[]`` means no hidden layer."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]
    if isinstance(value, str):
        parts = [p.strip() for p in value.replace(" ", ",").split(",") if p.strip()]
    elif isinstance(value, (list, tuple)):
        parts = list(value)
    else:
        raise UsageError(f"--hidden must be layer widths separated by commas (e.g. 64,32), got {value!r}")
    sizes = []
    for part in parts:
        try:
            size = int(part)
        except (TypeError, ValueError):
            size = 0
        if size < 1 or str(part).strip() != str(size):
            raise UsageError(f"--hidden must be positive integers separated by commas (e.g. 64,32); "
                             f"{part!r} in {value!r} is not one")
        sizes.append(size)
    return sizes


def parse_units(value: Any) -> dict[str, str]:
    """``"length=cm,mass=kg"`` or a mapping -> {"length": "cm", "mass": "kg"}."""
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    if not isinstance(value, str):
        raise UsageError(f"--units must look like column=unit,column=unit; got {value!r}")
    units = {}
    for part in filter(None, (p.strip() for p in value.split(","))):
        column, sep, unit = part.partition("=")
        if not sep or not column.strip() or not unit.strip():
            raise UsageError(f"--units must look like column=unit,column=unit; {part!r} is not column=unit")
        units[column.strip()] = unit.strip()
    return units


def _number(name: str, value: Any, kind: type, low: float, high: float = math.inf,
            low_open: bool = False, high_open: bool = False) -> Any:
    option = "--" + name.replace("_", "-")
    try:
        if isinstance(value, bool) or (kind is int and isinstance(value, float) and not value.is_integer()):
            raise ValueError
        number = kind(value)
    except (TypeError, ValueError):
        what = "an integer" if kind is int else "a number"
        raise UsageError(f"{option} must be {what}, got {value!r}") from None
    interval = outside(number, low, high, low_open, high_open)
    if interval:
        raise UsageError(f"{option} must be in {interval}, got {value!r}")
    return number


def _choice(name: str, value: Any, choices: list[str]) -> str:
    if not isinstance(value, str) or value.lower() not in choices:
        option = "--" + name.replace("_", "-")
        raise UsageError(f"{option} {value!r} is not available; choose one of: {', '.join(choices)}")
    return value.lower()


def _validate(s: TrainSettings) -> TrainSettings:
    from glassnet import activations, optim

    s.hidden = parse_hidden(s.hidden)
    s.units = parse_units(s.units)
    s.model = _choice("model", s.model, ["mlp", "cnn"])
    s.activation = _choice("activation", s.activation, activations.names())
    s.optimizer = _choice("optimizer", s.optimizer, optim.names())
    if s.task is not None and str(s.task).lower() != "auto":
        s.task = _choice("task", s.task, ["classification", "regression"])
    else:
        s.task = None
    if str(s.lr).lower() == "auto":
        s.lr = "auto"
    else:
        s.lr = _number("lr", s.lr, float, 0, low_open=True)
    s.epochs = _number("epochs", s.epochs, int, 1)
    s.batch_size = _number("batch_size", s.batch_size, int, 1)
    s.l2 = _number("l2", s.l2, float, 0)
    s.dropout = _number("dropout", s.dropout, float, 0, 1, high_open=True)
    s.validation_split = _number("validation_split", s.validation_split, float, 0, 1, high_open=True)
    s.test_split = _number("test_split", s.test_split, float, 0, 1, low_open=True, high_open=True)
    s.patience = _number("patience", s.patience, int, 0)
    s.seed = _number("seed", s.seed, int, 0)
    for key in ("data", "out"):
        if not isinstance(getattr(s, key), str) or not getattr(s, key):
            raise UsageError(f"--{key} must be a non-empty text, got {getattr(s, key)!r}")
    for key in ("target", "name"):
        if getattr(s, key) is not None and not isinstance(getattr(s, key), str):
            setattr(s, key, str(getattr(s, key)))
    s.quiet = bool(s.quiet)
    return s


def load_config(path: str | Path) -> dict[str, Any]:
    """The settings in a YAML file (such as a run's config.yaml), checked for unknown keys."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise UsageError(f"--config: there is no file {str(path)!r}; give the path of a YAML file such as "
                         "runs/<run>/config.yaml")
    try:
        values = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise UsageError(f"--config: {path} is not valid YAML ({err})") from None
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise UsageError(f"--config: {path} must hold a mapping of setting: value, got "
                         f"{type(values).__name__}")
    unknown = sorted(str(k) for k in values if k not in _FIELDS)
    if unknown:
        raise UsageError(f"--config: {path} has unknown setting(s) {unknown}; the settings are: "
                         f"{', '.join(sorted(_FIELDS))}")
    return values


def resolve(config: str | Path | None, options: dict[str, Any]) -> TrainSettings:
    """Defaults, overridden by the config file, overridden by the options given (not None)."""
    values = load_config(config) if config is not None else {}
    values.update({k: v for k, v in options.items() if v is not None and k in _FIELDS})
    return _validate(TrainSettings(**values))
