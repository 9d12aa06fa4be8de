"""``gn.tune.search``: grid, random or Bayesian search, scored by cross-validation.

The parameters come from scikit-learn (grid, random) or Optuna's seeded TPE sampler
(Bayesian, with a median pruner on the validation score of each epoch). Every trial is
recorded in an Optuna study, so that a search with a ``storage`` and a ``study_name``
resumes after an interruption. The trials run through :class:`glassnet._backends.Pool`:
in this process, in local worker processes or on a Dask cluster, the data sent once.
"""

from __future__ import annotations

import dataclasses
import hashlib
import tempfile
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from glassnet import _backends
from glassnet._checks import check_seed
from glassnet.training.data import check_inputs
from glassnet.tune import objective as _objective
from glassnet.tune import study as _study
from glassnet.tune.result import SearchResult, trial_row
from glassnet.tune.space import Space

__all__ = ["search", "METHODS"]

METHODS = ("grid", "random", "bayes")
#: Trials of a random or Bayesian search when ``n_trials`` is not given (scikit-learn's ``n_iter``).
DEFAULT_TRIALS = 10


def _check(method: Any, n_trials: Any, timeout: Any, storage: Any, study_name: Any) -> None:
    if not isinstance(method, str) and hasattr(method, "__len__"):
        raise TypeError(f"method must be one of {', '.join(map(repr, METHODS))}, got a "
                        f"{type(method).__name__}: give the data as one pair, "
                        "search(build, space, data=(X, y))")
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(map(repr, METHODS))}, got {method!r}")
    if n_trials is not None and (isinstance(n_trials, bool) or not isinstance(n_trials, (int, np.integer))
                                 or n_trials < 1):
        raise ValueError(f"n_trials must be a positive integer or None, got {n_trials!r}")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float))
                                or not timeout > 0):
        raise ValueError(f"timeout must be a number of seconds > 0 or None, got {timeout!r}")
    if storage is not None and study_name is None:
        raise ValueError(f"storage={storage!r} keeps the study to resume it: give it a study_name= too")
    if study_name is not None and storage is None:
        warnings.warn(f"study_name={study_name!r} without storage= names a study kept in memory only: it "
                      "cannot be resumed. Give storage='sqlite:///study.db' to keep it", UserWarning,
                      stacklevel=3)


_FOLLOWS_SCORING = ("scoring: the direction follows it (a loss is minimized; accuracy, r2 and a scorer "
                    "are maximized), as result.direction says")
_FAILED_GOES_ON = "a trial that raises is recorded as failed with its message and the search goes on"
#: Other libraries' names of search arguments, and glassnet's.
_OTHER_NAMES = {"n_iter": "n_trials", "max_trials": "n_trials", "param_grid": "space",
                "param_distributions": "space", "random_state": "seed", "objective": "scoring",
                "n_jobs": _backends.N_JOBS, "sampler": "method",
                "pruner": "pruning", "refit": "result.best_model (refit on first use)",
                "callbacks": "on_trial, or fit_kwargs={'callbacks': [...]}",
                "epochs": "fit_kwargs={'epochs': ...}", "max_epochs": "fit_kwargs={'epochs': ...}",
                "direction": _FOLLOWS_SCORING, "directions": _FOLLOWS_SCORING,
                "project_name": "study_name (with storage=)", "directory": "storage='sqlite:///study.db'",
                "overwrite": "another study_name",
                "show_progress_bar": "on_trial (glassnet tune shows a live table)",
                "verbose": "on_trial=print (called with each finished trial's row)",
                "X": "data=(X, y)", "y": "data=(X, y)"}
#: Other libraries' arguments that glassnet needs not, and why.
_NOT_NEEDED = {"load_if_exists": "a search given storage= and the study_name of a stored search resumes it",
               "catch": _FAILED_GOES_ON, "error_score": _FAILED_GOES_ON}


def _refuse(others: dict[str, Any]) -> None:
    """A TypeError for keywords search does not take, giving glassnet's name for other libraries'."""
    if not others:
        return
    name = next(iter(others))
    if name in _NOT_NEEDED:
        raise TypeError(f"search() got {name}=...; glassnet needs no {name}: {_NOT_NEEDED[name]}")
    if name in _OTHER_NAMES:
        raise TypeError(f"search() got {name}=...; glassnet spells it {_OTHER_NAMES[name]}")
    raise TypeError(f"search() got an unexpected keyword argument {name!r}")


def _check_build(build: Any, fit_kwargs: Any) -> None:
    if not callable(build) and not _objective.is_estimator(build):
        raise TypeError(f"build must be a function build(params) returning a new compiled model, or a "
                        f"scikit-learn estimator class or instance, got {build!r}")
    if fit_kwargs is not None and not callable(fit_kwargs) and not isinstance(fit_kwargs, dict):
        raise TypeError(f"fit_kwargs must be a dict of fit's keywords or a function of the parameters "
                        f"returning one, got {fit_kwargs!r}")
    if isinstance(fit_kwargs, dict) and "seed" in fit_kwargs:
        raise ValueError("fit_kwargs must not hold a seed: every fit is seeded with search's seed=")


def _data(data: Any) -> tuple[np.ndarray, np.ndarray]:
    from glassnet.training import data as _tdata

    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise TypeError(f"data must be a pair (X, y), got {type(data).__name__}")
    X, y = _tdata.as_array(data[0], None, "X"), _tdata.as_array(data[1], None, "y")
    if len(X) != len(y):
        raise ValueError(f"data: X and y must have as many rows, got {len(X)} and {len(y)}")
    return X, y


def _folds(X: np.ndarray, y: np.ndarray, cv: Any, seed: int) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """The (train, held-out) indices of each fold; None for ``cv="validation"``."""
    if isinstance(cv, str):
        if cv != "validation":
            raise ValueError(f"cv must be a number of folds, a scikit-learn splitter or 'validation', "
                             f"got {cv!r}")
        return None
    from glassnet.data import folds

    return folds(X, y, cv, seed)


def _fingerprint(X: np.ndarray, y: np.ndarray) -> str:
    """The shapes and a digest of the data, kept with a stored study: a search resumed on other data
    is refused rather than mixing its trials' scores with the stored ones."""
    digest = hashlib.sha256()
    for array in (X, y):
        digest.update(str((array.shape, array.dtype.str)).encode())
        values = "\0".join(map(str, array.ravel())).encode() if array.dtype == object else array.tobytes()
        digest.update(values)
    return f"X {X.shape}, y {y.shape}, sha256 {digest.hexdigest()[:16]}"


def _plan(space: Space, method: str, n_trials: int | None, seed: int) -> list[dict[str, Any]] | None:
    """The parameters of every trial of a grid or random search (None for Bayesian search)."""
    if method == "grid":
        grid = space.grid()
        if n_trials and n_trials > len(grid):
            warnings.warn(f"grid search: the space has {len(grid)} combinations, fewer than "
                          f"n_trials={n_trials}; each is tried once", UserWarning, stacklevel=3)
        return grid[:n_trials] if n_trials else grid
    if method == "random":
        return space.sample(n_trials or DEFAULT_TRIALS, seed)
    return None


def search(build: Any, space: Any, data: tuple[Any, Any], method: str = "grid", n_trials: int | None = None,
           cv: Any = 5, scoring: Any = None, fit_kwargs: dict[str, Any] | None = None, seed: int = 0,
           backend: str = "local", n_workers: int | None = None, address: str | None = None,
           storage: str | None = None, study_name: str | None = None, timeout: float | None = None,
           pruning: bool = True, on_trial: Callable[[dict[str, Any]], None] | None = None,
           **others: Any) -> SearchResult:
    """Search hyperparameters: train a model for each trial's parameters and score it.

    Parameters
    ----------
    build : callable, estimator class or estimator instance
        ``build(params)`` returns a new compiled glassnet model (or a scikit-learn estimator);
        an estimator class is built as ``build(**params)``; an instance is cloned and given
        ``params`` (``set_params``).
    space : dict, Space, YAML text or path of a YAML file
        Each name maps to a list of choices, :func:`~glassnet.tune.uniform`,
        :func:`~glassnet.tune.loguniform`, :func:`~glassnet.tune.intuniform` or
        :func:`~glassnet.tune.choice`.
    data : (X, y)
    method : {"grid", "random", "bayes"}, default "grid"
        Every combination (scikit-learn's ``ParameterGrid``); seeded random draws
        (``ParameterSampler``); or Optuna's TPE sampler seeded with ``seed``.
    n_trials : int, optional
        Trials of a random or Bayesian search (default 10); a grid runs every combination, or
        its first ``n_trials``.
    cv : int, scikit-learn splitter, list of (train, validation) index pairs or "validation", default 5
        k-fold cross-validation (stratified for class labels, shuffled with ``seed``), the
        splitter's folds, the folds given, or one training per trial scored by its best
        epoch's validation value (``fit_kwargs``' ``validation_split``, 0.2 by default), as
        Keras Tuner does.
    scoring : str or callable, optional
        A model: the value of ``model.evaluate`` to score (default "loss", lower is better;
        "accuracy" and the like: greater is better; Keras Tuner's "val_loss" means "loss").
        An estimator: a scikit-learn scorer name (default: its ``score``; greater is better).
        A callable ``scoring(model, X, y)``: greater is better. :attr:`SearchResult.direction`
        says which.
    fit_kwargs : dict or callable, optional
        Passed to every ``fit`` (epochs, batch_size, callbacks, ...); a function
        ``fit_kwargs(params)`` returning them when parameters of the space go to ``fit``
        (a batch size, a number of epochs).
    seed : int, default 0
        Seeds the sampler, the folds, and every glassnet model: its ``fit`` and the weights it
        draws without a seed of its own, so that each trial starts from the same draws (an
        estimator keeps its own ``random_state``).
    backend : {"local", "processes", "dask"}, default "local"
        Where the trials run (see :mod:`glassnet._backends`); ``n_workers`` and ``address``
        (a Dask scheduler) choose the workers. Up to ``n_workers`` trials run at once.
    storage : str, optional
        An Optuna storage URL (``"sqlite:///study.db"``, a PostgreSQL URL) keeping the study;
        run the search again with the same ``study_name`` to resume it after an interruption:
        the finished trials are not run again.
    study_name : str, optional
        The study's name in ``storage`` (without a storage it only names the study in memory,
        which cannot be resumed: a warning says so).
    timeout : float, optional
        No trial starts after this many seconds (the first always does); those running finish.
    pruning : bool, default True
        Bayesian search: stop a trial whose validation score at an epoch is worse than the
        median of the earlier trials' at the same epoch (Optuna's ``MedianPruner``).
    on_trial : callable, optional
        Called as ``on_trial(row)`` when a trial finishes, ``row`` a dict as a row of
        :attr:`SearchResult.trials` (to show the search's progress).
    **others
        Refused: scikit-learn's, Keras Tuner's and Optuna's names (``n_iter``, ``param_grid``,
        ``random_state``, ``max_trials``, ``objective``, ``n_jobs``, ...) get a TypeError giving
        glassnet's.

    Returns
    -------
    SearchResult

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(40, 2))
    >>> y = (X[:, 0] > 0).astype(int)
    >>> def build(params):
    ...     model = gn.Sequential([gn.Input(shape=(2,)), gn.layers.Dense(params["units"], activation="relu"),
    ...                            gn.layers.Dense(2, activation="softmax")], seed=0)
    ...     model.compile(optimizer=gn.optim.Adam(learning_rate=0.05), loss="sparse_categorical_crossentropy")
    ...     return model
    ...
    >>> result = gn.tune.search(build, {"units": [2, 8]}, data=(X, y), cv=2,
    ...                         fit_kwargs={"epochs": 3, "verbose": 0})
    >>> result.trials[["param_units", "state"]]
       param_units     state
    0            2  complete
    1            8  complete
    >>> result.best_params, result.scoring, result.direction
    ({'units': 8}, 'loss', 'minimize')
    """
    _refuse(others)
    optuna = _study.import_optuna()
    _check(method, n_trials, timeout, storage, study_name)
    _objective.check_scoring(scoring)
    if isinstance(scoring, str) and scoring.startswith("val_"):
        scoring = scoring[len("val_"):]  # the value scored on held-out data, as Keras Tuner's objective
    check_seed(seed, optional=False)
    _backends.check_backend(backend, n_workers, address)
    _check_build(build, fit_kwargs)
    space = Space(space)
    X, y = _data(data)
    fit_kwargs = fit_kwargs if callable(fit_kwargs) else dict(fit_kwargs or {})
    plan = _plan(space, method, n_trials, seed)
    first = _objective.first_model(build, (plan or space.sample(1, seed))[0], seed)
    if first is not None and not _objective.is_estimator(first):
        check_inputs(X, y, "data X", "data y")  # NaN or inf fail every training: said once, here
    folds = _folds(X, y, cv, seed)
    _objective.check_cv(first, folds)
    direction, score_name = _objective.direction(first, scoring)
    if method == "bayes":
        sampler = optuna.samplers.TPESampler(seed=seed)
        pruner = optuna.pruners.MedianPruner() if pruning else optuna.pruners.NopPruner()
    else:
        sampler, pruner = optuna.samplers.RandomSampler(seed=seed), optuna.pruners.NopPruner()
    signature = {"method": method, "space": repr(space), "seed": seed, "scoring": score_name, "cv": repr(cv),
                 "data": _fingerprint(X, y)}
    spec = _objective.TrialSpec(build, {}, folds, scoring, direction == "maximize", fit_kwargs, seed)
    with tempfile.TemporaryDirectory(prefix="glassnet-tune-") as temporary, _study.quiet_optuna(), \
            _backends.Pool(backend, n_workers, address) as pool:
        study, link = _study.open_study(storage, study_name, direction, sampler, pruner, signature, pool,
                                        temporary)
        _study.mark_interrupted(study)
        _reseed_resumed(study, method, seed)
        runner = _Runner(study, space, spec, pool, link if method == "bayes" and pruning else None, on_trial)
        runner.run(_Budget(study, plan, n_trials or DEFAULT_TRIALS, timeout), (X, y))
        study = _study.detached(study, link, storage)
    _check_completed(study)
    return SearchResult(study, space, spec, (X, y), score_name, direction)


def _reseed_resumed(study: Any, method: str, seed: int) -> None:
    """Seed the sampler of a resumed Bayesian search from ``seed`` and the number of trials the study
    holds: its first draws are then new ones, not those of the trials that already ran."""
    started = len(study.get_trials(deepcopy=False))
    if method == "bayes" and started:
        optuna = _study.import_optuna()
        study.sampler = optuna.samplers.TPESampler(
            seed=int(np.random.SeedSequence([seed, started]).generate_state(1)[0]))


def _check_completed(study: Any) -> None:
    """A ValueError with the first errors when no trial completed."""
    optuna = _study.import_optuna()
    trials = study.get_trials(deepcopy=False)
    if any(t.state == optuna.trial.TrialState.COMPLETE for t in trials):
        return
    errors = [f"trial {t.number}: {t.user_attrs.get('error', t.state.name.lower())}" for t in trials][:3]
    raise ValueError(f"no trial of the search completed ({len(trials)} ran); the first: {'; '.join(errors)}. "
                     "Check build, data and fit_kwargs (run build(params) and fit once by hand)")


class _Budget:
    """Which trial comes next: the remaining planned parameters (grid, random) or new
    suggestions (Bayesian) up to ``n_trials`` finished trials; none after ``timeout``."""

    def __init__(self, study: Any, plan: list[dict[str, Any]] | None, n_trials: int,
                 timeout: float | None) -> None:
        finished = _study.finished_trials(study)
        self.plan = plan
        if plan is not None:
            done = {t.user_attrs.get("plan_index") for t in finished}
            self.todo = [i for i in range(len(plan)) if i not in done]
        else:
            self.todo = list(range(max(n_trials - len(finished), 0)))
        self.deadline = None if timeout is None else time.monotonic() + timeout
        self.started = 0

    def next(self) -> tuple[int, dict[str, Any] | None] | None:
        """(plan index, parameters) of the next trial (parameters None: the sampler's); None when
        done. The first trial always starts, as in Optuna's ``optimize(timeout=...)``."""
        late = self.started and self.deadline is not None and time.monotonic() > self.deadline
        if not self.todo or late:
            return None
        self.started += 1
        index = self.todo.pop(0)
        return index, (self.plan[index] if self.plan is not None else None)


class _Runner:
    """Keeps up to ``pool.n_workers`` trials running (Optuna's ask and tell) and records each."""

    def __init__(self, study: Any, space: Space, spec: Any, pool: Any, link: Any,
                 on_trial: Callable[[dict[str, Any]], None] | None) -> None:
        self.study, self.space, self.spec, self.pool, self.on_trial = study, space, spec, pool, on_trial
        self.link = None if link is None else (link if pool.backend == "local" else link.remote())
        self.running: dict[int, Any] = {}

    def run(self, budget: _Budget, data: tuple[np.ndarray, np.ndarray]) -> None:
        """Run the budget's trials, recording each as it finishes; the trials still running when
        an error or Ctrl-C stops the search are recorded as interrupted."""
        shared = self.pool.share(data)
        try:
            while len(self.running) < self.pool.n_workers and self._launch(budget, shared):
                pass
            for outcome in self.pool.results() if self.running else ():
                trial = self.running.pop(outcome.index)
                self._record(trial, outcome)
                if self.on_trial is not None:
                    self.on_trial(trial_row(self.study._storage.get_trial(trial._trial_id), self.space))
                while len(self.running) < self.pool.n_workers and self._launch(budget, shared):
                    pass
                if not self.running:
                    break
        finally:
            for trial in self.running.values():
                _study.fail(self.study, trial._trial_id, _study.INTERRUPTED, interrupted=True)
            self.running.clear()

    def _launch(self, budget: _Budget, data: Any) -> bool:
        step = budget.next()
        if step is None:
            return False
        index, params = step
        if params is not None:
            self.study.enqueue_trial(self.space.labels(params), user_attrs={"plan_index": index})
        trial = self.study.ask()
        spec = dataclasses.replace(self.spec, params=self.space.suggest(trial), link=self.link,
                                   trial_id=trial._trial_id)
        self.running[self.pool.submit(_objective.run_trial, data, spec)] = trial
        return True

    def _record(self, trial: Any, outcome: Any) -> None:
        optuna = _study.import_optuna()
        trial.set_user_attr("seconds", round(outcome.seconds, 6))
        trial.set_user_attr("worker", outcome.worker)
        if not outcome.ok:
            trial.set_user_attr("error", outcome.error)
            self.study.tell(trial, state=optuna.trial.TrialState.FAIL)
            return
        value = outcome.value
        trial.set_user_attr("scores", value["scores"])
        trial.set_user_attr("epochs", value["epochs"])
        if value["pruned"]:
            self.study.tell(trial, state=optuna.trial.TrialState.PRUNED)
        else:
            self.study.tell(trial, float(np.mean(value["scores"])))
