"""The settings of a training run: defaults, a YAML config file, command-line options.

Precedence: an option given on the command line wins over the config file, which wins
over the defaults. Every value is checked here, so a bad one is a usage error naming the
option, the value and what is accepted.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from glassnet._checks import outside

__all__ = ["TrainSettings", "CliError", "UsageError", "parse_hidden", "parse_units", "parse_features",
           "check_name", "load_config", "resolve", "MAX_SEED", "MAX_NAME", "UNCERTAINTY_METHODS", "SCALES"]


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
    window: int | None = None
    horizon: int | None = None
    hidden: list[int] = dataclasses.field(default_factory=lambda: [128, 64])
    activation: str = "relu"
    optimizer: str = "adam"
    lr: float | str = 1e-3
    epochs: int = 100
    batch_size: int = 32
    l2: float = 0.0
    dropout: float = 0.0
    uncertainty: str | None = None
    validation_split: float = 0.1
    test_split: float = 0.2
    patience: int = 10
    seed: int = 0
    units: dict[str, str] = dataclasses.field(default_factory=dict)
    features: list[str] | None = None
    scale: str = "standard"
    polynomial: int | None = None
    class_weight: str | None = None
    out: str = "runs"
    name: str | None = None
    quiet: bool = False

    def as_dict(self) -> dict[str, Any]:
        """The settings as plain YAML-able values."""
        return dataclasses.asdict(self)


_FIELDS = {f.name for f in dataclasses.fields(TrainSettings)}


def parse_hidden(value: Any, option: str = "--hidden") -> list[int]:
    """``"64,32"``, ``"64 32"`` or ``[64, 32]`` -> [64, 32]; ``""`` or ``[]`` means no hidden layer."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]
    if isinstance(value, str):
        text = value.strip()
        parts = [p.strip() for p in text.split(",")] if "," in text else text.split()
    elif isinstance(value, (list, tuple)):
        parts = list(value)
    else:
        raise UsageError(f"{option} must be layer widths separated by commas (e.g. 64,32), got {value!r}")
    sizes = []
    for part in parts:
        try:
            size = int(part)
        except (TypeError, ValueError):
            size = 0
        if isinstance(part, bool) or size < 1 or str(part).strip() != str(size):
            what = "an empty width" if str(part).strip() == "" else repr(part)
            raise UsageError(f"{option} must be positive integers separated by commas (e.g. 64,32; '' for "
                             f"no hidden layer); {what} in {value!r} is not one")
        sizes.append(size)
    return sizes


def parse_units(value: Any, option: str = "--units") -> dict[str, str]:
    """``"length=cm,mass=kg"`` or a mapping -> {"length": "cm", "mass": "kg"}."""
    if isinstance(value, dict):
        bad = [k for k, v in value.items() if not isinstance(v, (str, int, float)) or isinstance(v, bool)]
        if bad:
            raise UsageError(f"{option} must map columns to units written as text; {bad[0]!r} maps to "
                             f"{value[bad[0]]!r}")
        return {str(k): str(v) for k, v in value.items()}
    if not isinstance(value, str):
        raise UsageError(f"{option} must look like column=unit,column=unit; got {value!r}")
    units = {}
    for part in filter(None, (p.strip() for p in value.split(","))):
        column, sep, unit = part.partition("=")
        if not sep or not column.strip() or not unit.strip():
            raise UsageError(f"{option} must look like column=unit,column=unit; {part!r} is not column=unit")
        column, unit = column.strip(), unit.strip()
        if column in units:
            raise UsageError(f"{option} gives the unit of {column!r} twice ({units[column]!r} and {unit!r}); "
                             "give each column once")
        units[column] = unit
    return units


def parse_features(value: Any, option: str = "--features") -> list[str] | None:
    """``"length,mass"`` or ``["length", "mass"]`` -> ["length", "mass"]; None: every column.

    Raises
    ------
    UsageError
        For an empty name or a name given twice.

    Examples
    --------
    >>> parse_features("length, mass")
    ['length', 'mass']
    """
    if value is None:
        return None
    if isinstance(value, str):
        names = [part.strip() for part in value.split(",")]
    elif isinstance(value, (list, tuple)) and all(isinstance(v, (str, int, float)) for v in value):
        names = [str(v).strip() for v in value]
    else:
        raise UsageError(f"{option} must be column names separated by commas (e.g. length,mass), got "
                         f"{value!r}")
    if not names or any(not name for name in names):
        raise UsageError(f"{option} must be column names separated by commas (e.g. length,mass); {value!r} "
                         "has an empty name")
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise UsageError(f"{option} names {twice} twice; give each column once")
    return names


#: The choices of --scale: how the numeric features are scaled.
SCALES = ["standard", "minmax", "none"]
#: Largest --polynomial degree (degree d of k columns makes C(k + d, d) - 1 features).
MAX_POLYNOMIAL = 10
#: Largest --seed: the splits take seeds below 2**32.
MAX_SEED = 2**32 - 1
#: Longest --name in bytes: the run folder's name (date-time, "-", name, "-2") must fit in 255.
MAX_NAME = 200
#: The choices of --uncertainty (see :mod:`glassnet.cli.uncertainty`).
UNCERTAINTY_METHODS = ["ensemble", "mc-dropout", "gaussian", "quantile"]


def _option(name: str) -> str:
    return "--" + name.replace("_", "-")


def _number(label: str, value: Any, kind: type, low: float, high: float = math.inf,
            low_open: bool = False, high_open: bool = False) -> Any:
    integer = kind is int
    try:
        if isinstance(value, bool) or (integer and isinstance(value, float)):
            raise ValueError
        number = kind(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError, OverflowError):
        number = None
    interval = None if number is None else outside(number, low, high, low_open, high_open)
    if number is None or interval:
        if integer and high == math.inf:
            accepted = f"an integer >= {low:g}"
        elif integer:
            accepted = f"an integer from {low:g} to {high:d}"
        else:
            accepted = f"a number in {outside(math.nan, low, high, low_open, high_open)}"
        raise UsageError(f"{label} must be {accepted}, got {value!r}")
    return number


def _choice(label: str, value: Any, choices: list[str]) -> str:
    if not isinstance(value, str) or value.lower() not in choices:
        raise UsageError(f"{label} {value!r} is not available; choose one of: {', '.join(choices)}")
    return value.lower()


def _text(label: str, value: Any, optional: bool = True) -> str | None:
    """A setting that is text (a number in a YAML file is taken as its text)."""
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)) or not str(value).strip():
        raise UsageError(f"{label} must be a non-empty text, got {value!r}")
    return str(value)


def check_name(label: str, name: Any) -> str | None:
    """``--name``: the name of one folder inside ``--out`` (no path, not empty), or None."""
    if name is None:
        return None
    text = name if isinstance(name, str) else _text(label, name)
    seps = {"/", "\\", os.sep, os.altsep} - {None}
    if not text.strip() or any(sep in text for sep in seps) or set(text) == {"."} \
            or any(ord(c) < 32 for c in text) or len(text.encode("utf-8", "replace")) > MAX_NAME:
        raise UsageError(f"{label} must be a folder name: not empty, without '/' or '\\', not '.' "
                         f"or '..', at most {MAX_NAME} bytes in UTF-8 (the run folder is made inside --out); "
                         f"got {name!r}")
    return text


def _flag(label: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise UsageError(f"{label} must be true or false, got {value!r}")
    return value


def _validate(s: TrainSettings, label: Callable[[str], str] = _option) -> TrainSettings:
    """Check and normalize every setting; ``label(name)`` names a setting in the messages."""
    from glassnet import activations, optim

    s.hidden = parse_hidden(s.hidden, label("hidden"))
    s.units = parse_units(s.units, label("units"))
    s.features = parse_features(s.features, label("features"))
    s.scale = _choice(label("scale"), s.scale, SCALES)
    s.polynomial = None if s.polynomial is None else _number(label("polynomial"), s.polynomial, int, 1,
                                                             MAX_POLYNOMIAL)
    if s.class_weight is not None and str(s.class_weight).lower() != "none":
        s.class_weight = _choice(label("class_weight"), s.class_weight, ["balanced"])
    else:
        s.class_weight = None
    s.model = _choice(label("model"), s.model, ["mlp", "cnn", "lstm"])
    s.window = None if s.window is None else _number(label("window"), s.window, int, 1)
    s.horizon = None if s.horizon is None else _number(label("horizon"), s.horizon, int, 1)
    if s.horizon is not None and s.window is None:
        raise UsageError(f"{label('horizon')} is the forecast distance of --window samples; "
                         "give --window too")
    s.activation = _choice(label("activation"), s.activation, activations.names())
    s.optimizer = _choice(label("optimizer"), s.optimizer, optim.names())
    if s.task is not None and str(s.task).lower() != "auto":
        s.task = _choice(label("task"), s.task, ["classification", "regression"])
    else:
        s.task = None
    if isinstance(s.lr, str) and s.lr.strip().lower() == "auto":
        s.lr = "auto"
    else:
        s.lr = _number(label("lr"), s.lr, float, 0, low_open=True)
    s.epochs = _number(label("epochs"), s.epochs, int, 1)
    s.batch_size = _number(label("batch_size"), s.batch_size, int, 1)
    s.l2 = _number(label("l2"), s.l2, float, 0)
    s.dropout = _number(label("dropout"), s.dropout, float, 0, 1, high_open=True)
    if s.uncertainty is not None and str(s.uncertainty).lower() != "none":
        s.uncertainty = _choice(label("uncertainty"), s.uncertainty, UNCERTAINTY_METHODS)
    else:
        s.uncertainty = None
    s.validation_split = _number(label("validation_split"), s.validation_split, float, 0, 1, high_open=True)
    s.test_split = _number(label("test_split"), s.test_split, float, 0, 1, low_open=True, high_open=True)
    s.patience = _number(label("patience"), s.patience, int, 0)
    s.seed = _number(label("seed"), s.seed, int, 0, MAX_SEED)
    s.data = _text(label("data"), s.data, optional=False)
    s.out = _text(label("out"), s.out, optional=False)
    s.target = _text(label("target"), s.target)
    s.name = check_name(label("name"), s.name)
    s.quiet = _flag(label("quiet"), s.quiet)
    return s


def _unique_keys_loader() -> type:
    """A safe YAML loader that refuses a key given twice in a mapping (PyYAML keeps the last)."""
    import yaml

    class UniqueKeys(yaml.SafeLoader):
        def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
            keys = [str(self.construct_object(key, deep=deep)) for key, _ in node.value]
            twice = sorted({key for key in keys if keys.count(key) > 1})
            if twice:
                raise UsageError(f"{', '.join(map(repr, twice))} given twice in the mapping at line "
                                 f"{node.start_mark.line + 1}; give each key once")
            return super().construct_mapping(node, deep=deep)

    return UniqueKeys


def load_config(path: str | Path) -> dict[str, Any]:
    """The settings in a YAML file (such as a run's config.yaml), checked for unknown keys."""
    import yaml

    if not str(path).strip():
        raise UsageError("--config is empty; give the path of a YAML file such as runs/<run>/config.yaml")
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"--config: there is no file {str(path)!r}; give the path of a YAML file such as "
                         "runs/<run>/config.yaml")
    try:
        values = yaml.load(path.read_text(encoding="utf-8"), Loader=_unique_keys_loader())
    except UnicodeDecodeError:
        raise UsageError(f"--config: {path} is not UTF-8 text; save it as UTF-8") from None
    except UsageError as err:
        raise UsageError(f"--config: {path}: {err}") from None
    except yaml.YAMLError as err:
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
    """Defaults, overridden by the config file, overridden by the options given (not None).

    The config file's own values are checked first, so that an error in it names the file.
    """
    values = load_config(config) if config is not None else {}
    given = {k: v for k, v in options.items() if v is not None and k in _FIELDS}
    from_file = {k: v for k, v in values.items() if k not in given}
    if from_file:
        _validate(TrainSettings(**from_file), lambda name: f"--config {config}: {name}")
    return _validate(TrainSettings(**{**values, **given}))
