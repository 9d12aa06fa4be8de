"""The search space: which values each hyperparameter may take.

A space maps each name to a distribution: :func:`uniform`, :func:`loguniform`,
:func:`intuniform`, :func:`choice`, or a plain list (a choice among its items). The same
mapping may be written in YAML::

    lr: {loguniform: [1.0e-4, 1.0e-1]}
    hidden: [[64], [128, 64]]          # a list: choose one of its items
    dropout: {uniform: [0.0, 0.5]}
    units: {intuniform: [16, 128]}
    activation: {choice: [relu, tanh]}

scikit-learn's habit, a frozen scipy distribution (``scipy.stats.uniform``, ``loguniform``,
``randint``), and Optuna's (``FloatDistribution``, ``IntDistribution``,
``CategoricalDistribution``) are taken with the same meaning.

Grid search enumerates the choices with scikit-learn's ``ParameterGrid``; random search
draws with ``ParameterSampler`` (scipy distributions for the continuous ones); Bayesian
search asks Optuna's trial (``suggest_float``, ``suggest_int``, ``suggest_categorical``).
"""

from __future__ import annotations

import dataclasses
import json
import math
import warnings
from pathlib import Path
from typing import Any

__all__ = ["Uniform", "LogUniform", "IntUniform", "Choice", "Space", "uniform", "loguniform", "intuniform",
           "choice"]

_FORMS = ("uniform", "loguniform", "intuniform", "choice")
_HOW = ("a list of choices, or a mapping with one key: {uniform: [low, high]}, {loguniform: [low, high]}, "
        "{intuniform: [low, high]} or {choice: [a, b, ...]}")


def _bounds(kind: str, low: Any, high: Any, integer: bool = False, positive: bool = False) -> tuple[Any, Any]:
    """Check ``low < high`` (numbers; integers for ``integer``; > 0 for ``positive``)."""
    kinds = (int,) if integer else (int, float)
    for name, value in (("low", low), ("high", high)):
        if isinstance(value, bool) or not isinstance(value, kinds) or not math.isfinite(value):
            what = "an integer" if integer else "a finite number"
            raise TypeError(f"{kind}: {name} must be {what}, got {value!r}")
    if positive and low <= 0:
        raise ValueError(f"{kind}: low must be > 0 (a logarithmic scale), got {low!r}")
    if not low < high:
        raise ValueError(f"{kind}: low must be smaller than high, got low={low!r}, high={high!r}")
    return (low, high) if integer else (float(low), float(high))


@dataclasses.dataclass(frozen=True)
class Uniform:
    """A float drawn uniformly from [low, high]."""

    low: float
    high: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "low", _bounds("uniform", self.low, self.high)[0])
        object.__setattr__(self, "high", float(self.high))

    def scipy(self) -> Any:
        """The frozen scipy distribution (for scikit-learn's ``ParameterSampler``)."""
        from scipy import stats

        return stats.uniform(self.low, self.high - self.low)

    def optuna(self) -> Any:
        """The Optuna distribution of the same values."""
        from optuna.distributions import FloatDistribution

        return FloatDistribution(self.low, self.high)

    def __repr__(self) -> str:
        return f"uniform({self.low!r}, {self.high!r})"


@dataclasses.dataclass(frozen=True)
class LogUniform:
    """A float whose logarithm is drawn uniformly from [log low, log high] (learning rates)."""

    low: float
    high: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "low", _bounds("loguniform", self.low, self.high, positive=True)[0])
        object.__setattr__(self, "high", float(self.high))

    def scipy(self) -> Any:
        """The frozen scipy distribution (for scikit-learn's ``ParameterSampler``)."""
        from scipy import stats

        return stats.loguniform(self.low, self.high)

    def optuna(self) -> Any:
        """The Optuna distribution of the same values."""
        from optuna.distributions import FloatDistribution

        return FloatDistribution(self.low, self.high, log=True)

    def __repr__(self) -> str:
        return f"loguniform({self.low!r}, {self.high!r})"


@dataclasses.dataclass(frozen=True)
class IntUniform:
    """An integer drawn uniformly from low, low + 1, ..., high (both included)."""

    low: int
    high: int

    def __post_init__(self) -> None:
        _bounds("intuniform", self.low, self.high, integer=True)

    @property
    def values(self) -> list[int]:
        """Every value, for a grid."""
        return list(range(self.low, self.high + 1))

    def scipy(self) -> Any:
        """The frozen scipy distribution (for scikit-learn's ``ParameterSampler``)."""
        from scipy import stats

        return stats.randint(self.low, self.high + 1)

    def optuna(self) -> Any:
        """The Optuna distribution of the same values."""
        from optuna.distributions import IntDistribution

        return IntDistribution(self.low, self.high)

    def __repr__(self) -> str:
        return f"intuniform({self.low!r}, {self.high!r})"


def _native(value: Any) -> bool:
    """Whether Optuna stores ``value`` as a categorical choice as it is."""
    return value is None or isinstance(value, (bool, int, float, str))


@dataclasses.dataclass(frozen=True)
class Choice:
    """One of the given values, each equally likely. Values that are not numbers, text or
    None (lists such as hidden-layer widths) are shown to Optuna by their JSON text."""

    values: tuple[Any, ...]

    def __post_init__(self) -> None:
        values = tuple(self.values)
        if not values:
            raise ValueError("choice: give at least one value, got none")
        object.__setattr__(self, "values", values)
        if len(set(map(repr, self.labels))) != len(values):
            raise ValueError(f"choice: each value must be given once, got {list(values)!r}")

    @property
    def labels(self) -> list[Any]:
        """The values as Optuna stores them."""
        return [self.label(v) for v in self.values]

    def label(self, value: Any) -> Any:
        """``value`` as Optuna stores it: as it is, or its JSON text (its repr when not JSON)."""
        if all(map(_native, self.values)):
            return value
        try:
            return json.dumps(value)
        except TypeError:
            return repr(value)

    def value(self, label: Any) -> Any:
        """The value whose label is ``label``."""
        return self.values[self.labels.index(label)]

    def optuna(self) -> Any:
        """The Optuna distribution of the same values."""
        from optuna.distributions import CategoricalDistribution

        return CategoricalDistribution(self.labels)

    def __repr__(self) -> str:
        return f"choice({list(self.values)!r})"


Distribution = Uniform | LogUniform | IntUniform | Choice


def uniform(low: float, high: float) -> Uniform:
    """A float drawn uniformly from [low, high]: ``gn.tune.uniform(0.0, 0.5)``.

    Parameters
    ----------
    low : float
        The lower bound.
    high : float
        The upper bound.

    Returns
    -------
    Uniform
        The distribution, for a search space.

    Examples
    --------
    >>> gn.tune.Space({"dropout": gn.tune.uniform(0.0, 0.5)}).names
    ['dropout']
    """
    return Uniform(low, high)


def loguniform(low: float, high: float) -> LogUniform:
    """A float drawn uniformly on a log scale from [low, high], low > 0:
    ``gn.tune.loguniform(1e-4, 1e-1)``.

    Parameters
    ----------
    low : float
        The lower bound, > 0.
    high : float
        The upper bound.

    Returns
    -------
    LogUniform
        The distribution, for a search space.

    Examples
    --------
    >>> gn.tune.loguniform(1e-4, 1e-1)
    loguniform(0.0001, 0.1)
    """
    return LogUniform(low, high)


def intuniform(low: int, high: int) -> IntUniform:
    """An integer from low to high, both included: ``gn.tune.intuniform(16, 128)``.

    Parameters
    ----------
    low : int
        The smallest value.
    high : int
        The largest value.

    Returns
    -------
    IntUniform
        The distribution, for a search space.

    Examples
    --------
    >>> gn.tune.intuniform(16, 128)
    intuniform(16, 128)
    """
    return IntUniform(low, high)


def choice(*values: Any) -> Choice:
    """One of ``values``: ``gn.tune.choice("relu", "tanh")`` or ``gn.tune.choice(["relu", "tanh"])``.

    Parameters
    ----------
    *values : object
        The choices, or one list of them.

    Returns
    -------
    Choice
        The distribution, for a search space.

    Examples
    --------
    >>> gn.tune.choice("relu", "tanh") == gn.tune.choice(["relu", "tanh"])
    True
    """
    if len(values) == 1 and isinstance(values[0], (list, tuple)):
        values = tuple(values[0])
    return Choice(values)


def _from_mapping(name: str, spec: dict[Any, Any]) -> Distribution:
    """``{loguniform: [low, high]}`` and the like."""
    if len(spec) != 1 or next(iter(spec)) not in _FORMS:
        raise ValueError(f"space: {name!r} must be {_HOW}; got {spec!r}")
    form, args = next(iter(spec.items()))
    if form == "choice":
        if not isinstance(args, (list, tuple)):
            raise ValueError(f"space: {name!r}: choice takes a list of values, got {args!r}")
        return Choice(tuple(args))
    if not isinstance(args, (list, tuple)) or len(args) != 2:
        raise ValueError(f"space: {name!r}: {form} takes [low, high], got {args!r}")
    if form == "intuniform":
        return IntUniform(*args)
    low, high = (_number(a) for a in args)  # YAML reads 1e-4 (no dot) as text
    return (Uniform if form == "uniform" else LogUniform)(low, high)


def _number(value: Any) -> Any:
    try:
        return float(value) if isinstance(value, str) else value
    except ValueError:
        return value


def _from_scipy(name: str, spec: Any) -> Distribution:
    """scikit-learn's habit: a frozen scipy distribution (uniform, loguniform, randint)."""
    low, high = (_plain(end) for end in spec.support())
    kind = spec.dist.name
    if kind == "uniform":
        return Uniform(low, high)
    if kind in ("loguniform", "reciprocal"):
        return LogUniform(low, high)
    if kind == "randint":
        return IntUniform(int(low), int(high))
    raise TypeError(f"space: {name!r} is scipy's {kind} distribution; glassnet searches uniform, loguniform "
                    "and randint ones, written gn.tune.uniform(low, high), gn.tune.loguniform(low, high) and "
                    "gn.tune.intuniform(low, high)")


def _from_optuna(name: str, spec: Any) -> Distribution:
    """Optuna's habit: a FloatDistribution, IntDistribution or CategoricalDistribution."""
    kind = type(spec).__name__
    if kind == "CategoricalDistribution":
        return Choice(tuple(spec.choices))
    if getattr(spec, "step", None) not in (None, 1) or (kind == "IntDistribution" and spec.log):
        raise TypeError(f"space: {name!r} is {spec!r}; glassnet's distributions have no step and no "
                        "logarithmic integers: give the values as a list, or gn.tune.intuniform(low, high)")
    if kind == "IntDistribution":
        return IntUniform(spec.low, spec.high)
    return (LogUniform if spec.log else Uniform)(spec.low, spec.high)


def _distribution(name: str, spec: Any) -> Distribution:
    if isinstance(spec, (Uniform, LogUniform, IntUniform, Choice)):
        return spec
    if isinstance(spec, (list, tuple)):
        return Choice(tuple(spec))
    if isinstance(spec, dict):
        return _from_mapping(name, spec)
    if hasattr(spec, "dist") and hasattr(spec, "support"):
        return _from_scipy(name, spec)
    if type(spec).__module__.startswith("optuna.distributions"):
        return _from_optuna(name, spec)
    raise TypeError(f"space: {name!r} must be {_HOW} (or gn.tune.uniform(...) and the like); got {spec!r}")


class Space:
    """Named distributions, in the order given.

    Parameters
    ----------
    spec : dict, Space, YAML text or path of a YAML file
        Each name maps to :func:`uniform`, :func:`loguniform`, :func:`intuniform`,
        :func:`choice` or a list of choices (or their YAML forms, see the module).

    Examples
    --------
    >>> space = gn.tune.Space({"units": [16, 64], "lr": gn.tune.loguniform(1e-4, 1e-1)})
    >>> space.names
    ['units', 'lr']
    >>> space.distributions["units"]
    choice([16, 64])
    """

    def __init__(self, spec: Any) -> None:
        if isinstance(spec, Space):
            spec = spec.distributions
        elif isinstance(spec, (str, Path)):
            spec = _load_yaml(spec)
        if not isinstance(spec, dict) or not spec:
            raise TypeError(f"space must be a non-empty dict of name: distribution, a YAML text or the path "
                            f"of a YAML file, got {spec!r}")
        bad = [name for name in spec if not isinstance(name, str) or not name]
        if bad:
            raise TypeError(f"space: the names must be non-empty strings, got {bad[0]!r}")
        self.distributions: dict[str, Distribution] = {
            name: _distribution(name, s) for name, s in spec.items()}

    @property
    def names(self) -> list[str]:
        """The parameters' names, in the order given."""
        return list(self.distributions)

    def grid(self) -> list[dict[str, Any]]:
        """Every combination of the choices (scikit-learn's ``ParameterGrid`` order)."""
        from sklearn.model_selection import ParameterGrid

        continuous = {n: d for n, d in self.distributions.items() if isinstance(d, (Uniform, LogUniform))}
        if continuous:
            name, dist = next(iter(continuous.items()))
            raise ValueError(f"method='grid' needs a list of values for each parameter; {name!r} is "
                             f"{dist!r}, a continuous distribution. Give a list of values to try (e.g. "
                             "[0.001, 0.01, 0.1]), "
                             "or use method='random' or method='bayes'")
        lists = {n: list(d.values) for n, d in self.distributions.items()}
        return [self._ordered(params) for params in ParameterGrid(lists)]

    def sample(self, n: int, seed: int) -> list[dict[str, Any]]:
        """``n`` draws (scikit-learn's ``ParameterSampler``, seeded), as plain Python values.

        When every parameter is a choice, the draws are distinct combinations: a space of fewer
        than ``n`` gives each once (with a warning).
        """
        from sklearn.model_selection import ParameterSampler

        spec = {name: (list(d.values) if isinstance(d, Choice) else d.scipy())
                for name, d in self.distributions.items()}
        sizes = [len(d.values) for d in self.distributions.values() if isinstance(d, Choice)]
        if len(sizes) == len(spec) and math.prod(sizes) < n:
            warnings.warn(f"random search: the space has {math.prod(sizes)} combinations of choices, fewer "
                          f"than n_trials={n}; each is tried once", UserWarning, stacklevel=3)
            n = math.prod(sizes)
        return [self._ordered({k: _plain(v) for k, v in p.items()})
                for p in ParameterSampler(spec, n_iter=n, random_state=seed)]

    def suggest(self, trial: Any) -> dict[str, Any]:
        """The values of an Optuna trial (fixed ones when enqueued, else its sampler's)."""
        params = {}
        for name, dist in self.distributions.items():
            if isinstance(dist, Choice):
                params[name] = dist.value(trial.suggest_categorical(name, dist.labels))
            elif isinstance(dist, IntUniform):
                params[name] = trial.suggest_int(name, dist.low, dist.high)
            else:
                log = isinstance(dist, LogUniform)
                params[name] = trial.suggest_float(name, dist.low, dist.high, log=log)
        return params

    def labels(self, params: dict[str, Any]) -> dict[str, Any]:
        """``params`` as Optuna stores them (choices by their labels)."""
        return {name: (dist.label(params[name]) if isinstance(dist, Choice) else params[name])
                for name, dist in self.distributions.items()}

    def _ordered(self, params: dict[str, Any]) -> dict[str, Any]:
        return {name: params[name] for name in self.distributions}

    def __repr__(self) -> str:
        return f"Space({self.distributions!r})"


def _plain(value: Any) -> Any:
    """NumPy scalars as Python numbers."""
    return value.item() if hasattr(value, "item") and getattr(value, "ndim", 1) == 0 else value


def _load_yaml(spec: str | Path) -> Any:
    """The mapping in a YAML file, or in YAML text."""
    import yaml

    text = str(spec)
    if isinstance(spec, Path) or ("\n" not in text and text.endswith((".yaml", ".yml"))):
        path = Path(spec)
        if not path.is_file():
            raise FileNotFoundError(f"space: there is no file {str(path)!r}; give a YAML file or YAML text")
        text = path.read_text(encoding="utf-8")
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ValueError(f"space: not valid YAML ({err})") from None
