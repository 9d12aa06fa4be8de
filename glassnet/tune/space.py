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

import math
import warnings
from pathlib import Path
from typing import Any

from glassnet.tune.distributions import Choice, Distribution, IntUniform, LogUniform, Uniform

__all__ = ["Space"]

_FORMS = ("uniform", "loguniform", "intuniform", "choice")
_HOW = ("a list of choices, or a mapping with one key: {uniform: [low, high]}, {loguniform: [low, high]}, "
        "{intuniform: [low, high]} or {choice: [a, b, ...]}")


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
