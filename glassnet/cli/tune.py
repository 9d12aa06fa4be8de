"""``glassnet tune``: search the settings of ``glassnet train`` and keep the best run.

Each trial is a ``glassnet train`` run of the settings it tries (the same split,
preprocessing, network and fit), scored by its best epoch's validation loss, or by the
mean loss over ``--cv`` folds of the training rows. The run folder ``<out>/<date-time>-tune-<name>/``
holds trials.csv, the search's figures, and ``best/``: the ``glassnet train`` run of the
best settings, whose ``config.yaml`` repeats it (``glassnet train --config``).
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

from glassnet.cli.data import load_table
from glassnet.cli.network import build_model, check_size
from glassnet.cli.paths import check_out_folder
from glassnet.cli.settings import TrainSettings, UsageError, resolve
from glassnet.cli.train import Run, check_splits, fit_arguments, fit_target, run_folder, split, train

__all__ = ["TuneOptions", "TuneRun", "tune", "DEFAULT_SPACE", "TUNABLE", "load_space"]

#: The space searched without ``--space``: the hidden layers, the learning rate and dropout.
DEFAULT_SPACE = {"hidden": [[64], [128, 64], [256, 128]], "lr": {"loguniform": [1e-4, 1e-2]},
                 "dropout": {"uniform": [0.0, 0.3]}}
#: The settings of ``glassnet train`` a space may search.
TUNABLE = ("model", "hidden", "activation", "optimizer", "lr", "epochs", "batch_size", "l2", "dropout",
           "patience")
#: Trials of a random or Bayesian search without ``--trials``.
DEFAULT_TRIALS = 20


@dataclasses.dataclass
class TuneOptions:
    """The options of ``glassnet tune`` beyond the training settings."""

    space: str | None = None
    method: str = "bayes"
    trials: int | None = None
    cv: int | None = None
    backend: str = "local"
    workers: int | None = None
    address: str | None = None
    storage: str | None = None
    study: str | None = None


@dataclasses.dataclass
class TuneRun:
    """What ``glassnet tune`` produced."""

    folder: Path
    result: Any
    best: Run
    best_settings: TrainSettings
    files: list[str]


def _count(option: str, value: Any, minimum: int) -> int | None:
    if value is None:
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        number = None
    if number is None or number < minimum or str(value).strip() != str(number):
        raise UsageError(f"{option} must be an integer >= {minimum}, got {value!r}")
    return number


def check_options(o: TuneOptions) -> TuneOptions:
    """Each option of ``glassnet tune`` checked (a UsageError naming the option)."""
    from glassnet import _backends
    from glassnet.tune import METHODS

    if o.method not in METHODS:
        raise UsageError(f"--method {o.method!r} is not available; choose one of: {', '.join(METHODS)}")
    o.trials, o.cv, o.workers = _count("--trials", o.trials, 1), _count("--cv", o.cv, 2), _count("--workers",
                                                                                                o.workers, 1)
    if o.backend not in _backends.BACKENDS:
        raise UsageError(f"--backend {o.backend!r} is not available; choose one of: "
                         f"{', '.join(_backends.BACKENDS)}")
    if o.address is not None and o.backend != "dask":
        raise UsageError(f"--address {o.address!r} names a Dask scheduler; give --backend dask with it")
    if o.workers is not None and o.backend == "local":
        raise UsageError("--workers sizes the worker processes of --backend processes or dask; give one of "
                         "them too (--backend local trains one trial at a time)")
    if o.address is not None and o.workers is not None:
        raise UsageError(f"--workers sizes the local cluster started without --address; the cluster at "
                         f"{o.address} has the workers started there: leave --workers out")
    if o.storage is not None and o.study is None:
        raise UsageError(f"--storage {o.storage!r} keeps the search to resume it: give --study NAME too")
    if o.study is not None and o.storage is None:
        raise UsageError(f"--study {o.study!r} names the search kept in --storage: give --storage "
                         "sqlite:///study.db too")
    return o


def load_space(path: str | None, base: TrainSettings, method: str) -> Any:
    """The space of ``--space`` (a YAML file) or :data:`DEFAULT_SPACE`, each of its values checked
    as the training setting it sets (and as a grid's lists for ``method="grid"``)."""
    from glassnet.tune import Space
    from glassnet.tune.distributions import Choice

    try:
        space = Space(DEFAULT_SPACE if path is None else Path(path))
    except (TypeError, ValueError, FileNotFoundError) as err:
        raise UsageError(f"--space {path}: {err}") from None
    if method == "grid":
        try:
            space.grid()
        except ValueError as err:
            raise UsageError(f"--space {path or '(default)'}: {err}") from None
    unknown = [name for name in space.names if name not in TUNABLE]
    if unknown:
        raise UsageError(f"--space {path}: {unknown[0]!r} is not a setting to search; the settings are: "
                         f"{', '.join(TUNABLE)}")
    for name, dist in space.distributions.items():
        for value in dist.values if isinstance(dist, Choice) else (dist.low, dist.high):
            try:
                resolve(None, {**base.as_dict(), name: value})
            except UsageError as err:
                raise UsageError(f"--space {path or '(default)'}: {name} may be {value!r}: {err}") from None
    return space


@dataclasses.dataclass
class SettingsModel:
    """``build(params)`` of the search: the network ``glassnet train`` builds for the base
    settings with ``params`` in place."""

    base: TrainSettings
    n_inputs: int
    n_outputs: int
    task: str
    image_shape: tuple[int, ...] | None

    def settings(self, params: dict[str, Any]) -> TrainSettings:
        """The base settings with ``params`` in place, checked as ``glassnet train`` checks them."""
        return resolve(None, {**self.base.as_dict(), **params})

    def __call__(self, params: dict[str, Any]) -> Any:
        s = self.settings(params)
        check_size(s, self.n_inputs, self.n_outputs, self.image_shape)
        return build_model(s, self.n_inputs, self.n_outputs, self.task, self.image_shape, s.data)


@dataclasses.dataclass
class SettingsFit:
    """``fit_kwargs(params)`` of the search: how ``glassnet train`` fits (epochs, batch size,
    validation split, early stopping) for the base settings with ``params`` in place."""

    build: SettingsModel

    def __call__(self, params: dict[str, Any]) -> dict[str, Any]:
        return fit_arguments(self.build.settings(params))


def _search_data(base: TrainSettings, o: TuneOptions) -> tuple[Any, Any, SettingsModel, str]:
    """The training rows as ``glassnet train`` fits them, the model builder, the data's name."""
    table = load_table(base.data, base.target, base.task, base.seed)
    check_splits(base, len(table.y), len(table.classes or []))
    X_train, _, y_train, _, prep = split(base, table)
    X_fit = prep.transform(X_train, warn=False)
    y_fit = fit_target(table.task, y_train)[0]
    n_out = len(table.classes) if table.classes else 1
    if o.cv is None and not base.validation_split:
        raise UsageError("--validation-split 0 leaves no validation rows to score the trials by; give "
                         "a validation split (such as 0.1) or --cv 5")
    return X_fit, y_fit, SettingsModel(base, X_fit.shape[1], n_out, table.task, table.image_shape), table.name


def tune(base: TrainSettings, o: TuneOptions, console: Any) -> TuneRun:
    """Run ``glassnet tune``: search, write the run folder, train the best settings into ``best/``."""
    from glassnet import tune as gn_tune
    from glassnet.cli.tune_display import TrialsDisplay
    from glassnet.tune.study import import_optuna

    check_out_folder(base.out)
    o = check_options(o)
    import_optuna()  # its ImportError says how to install it before any data is read or trial shown
    space = load_space(o.space, base, o.method)
    X, y, build, name = _search_data(base, o)
    n_trials = o.trials if o.trials is not None or o.method == "grid" else DEFAULT_TRIALS
    total = min(n_trials or len(space.grid()), len(space.grid())) if o.method == "grid" else n_trials
    started = time.perf_counter()
    title = ("score: the best epoch's validation loss" if o.cv is None
             else f"score: the mean loss over {o.cv} folds") + ", lower is better"
    try:
        with TrialsDisplay(console, space.names, total, title, quiet=base.quiet) as display:
            result = gn_tune.search(build, space, data=(X, y), method=o.method, n_trials=n_trials,
                                    cv=o.cv or "validation", fit_kwargs=SettingsFit(build), seed=base.seed,
                                    backend=o.backend, n_workers=o.workers, address=o.address,
                                    storage=o.storage, study_name=o.study, on_trial=display.add)
    except KeyboardInterrupt:
        if o.storage is not None:
            console.print(f"the finished trials are kept in {o.storage} (study {o.study!r}): run the same "
                          "command again to resume the search")
        raise
    folder = run_folder(base, f"tune-{name}")
    folder.mkdir(parents=True)
    result.to_csv(folder / "trials.csv")
    figures = [f"{figure.get_label()}.png" for figure in result.plot(folder)]
    best_settings = build.settings(result.best_params)
    if not base.quiet:
        console.print(f"{len(result.trials)} trials in {time.perf_counter() - started:.1f} s; training the "
                      f"best settings into {folder / 'best'}")
    best = train(best_settings, console, folder=folder / "best")
    return TuneRun(folder, result, best, best_settings, ["trials.csv", *figures, "best/"])

