"""One trial of a search: build the model for its parameters, train it on each fold, score it.

:func:`run_trial` is the task a worker runs (anywhere: it takes plain data and returns plain
data). The model comes from ``build``: a function ``build(params)`` returning a compiled
glassnet model (or a scikit-learn estimator), or an estimator class or instance whose
parameters are set (on a clone of the instance).

Scores: a model's ``evaluate`` value named by ``scoring`` (its loss by default: lower is
better) on the held-out fold; an estimator's ``score`` (greater is better) or the scikit-learn
scorer named by ``scoring``; or ``scoring(model, X, y)`` (greater is better).
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from typing import Any

import numpy as np

from glassnet import _random

__all__ = ["TrialSpec", "make", "is_estimator", "check_scoring", "check_cv", "direction", "fit_kwargs_for",
           "fit", "run_trial", "first_model", "DEFAULT_VALIDATION_SPLIT"]

#: The part of the data held out when ``cv="validation"`` and ``fit_kwargs`` name no validation data.
DEFAULT_VALIDATION_SPLIT = 0.2


def is_estimator(obj: Any) -> bool:
    """Whether ``obj`` is a scikit-learn-style estimator (class or instance)."""
    return hasattr(obj, "fit") and hasattr(obj, "get_params") and hasattr(obj, "set_params")


def make(build: Any, params: dict[str, Any], seed: int) -> Any:
    """The model of a trial: ``build(params)``, an estimator class built with ``params``, or a
    clone of an estimator instance with ``params`` set. The weights a model draws without a
    seed of its own come from ``seed``: every trial starts from the same draws."""
    return _checked(_built(build, params, seed))


def _built(build: Any, params: dict[str, Any], seed: int) -> Any:
    if isinstance(build, type) and is_estimator(build):
        return build(**params)
    if is_estimator(build):
        from sklearn.base import clone

        return clone(build).set_params(**params)
    with _random.program_seeds(np.random.SeedSequence(seed)):
        return build(params)


def _checked(model: Any) -> Any:
    """``model``, or a TypeError when it is neither a compiled glassnet model nor an estimator."""
    if not is_estimator(model) and not getattr(model, "compiled", False):
        raise TypeError(f"build(params) must return a compiled glassnet model (call model.compile(...) in "
                        f"it) or a scikit-learn estimator, got {model!r}")
    return model


def check_scoring(scoring: Any) -> None:
    """A TypeError/ValueError unless ``scoring`` is None, a callable or one score's name."""
    if scoring is None or callable(scoring):
        return
    if isinstance(scoring, (list, tuple, set, dict)):
        raise TypeError(f"scoring must be one score (the search optimizes one), got {scoring!r}: give one "
                        "name such as 'accuracy', or a callable scoring(model, X, y)")
    if not isinstance(scoring, str) or not scoring:
        raise ValueError(f"scoring must be the name of a score (such as 'loss' or 'accuracy'), a "
                         f"callable scoring(model, X, y) or None, got {scoring!r}")


def check_cv(model: Any, folds: list[Any] | None) -> None:
    """A ValueError when ``cv="validation"`` (``folds`` None) is given with an estimator."""
    if folds is None and is_estimator(model):
        raise ValueError("cv='validation' needs a glassnet model (its fit holds out validation data); give "
                         "an estimator cv=5 or a scikit-learn splitter")


def direction(model: Any, scoring: Any) -> tuple[str, str]:
    """(``"minimize"`` or ``"maximize"``, the score's name) for a trial's ``model`` (None when
    unknown) and ``scoring``; a ValueError when ``scoring`` names no score of the model (for an
    estimator, no scikit-learn scorer)."""
    if callable(scoring):
        return "maximize", getattr(scoring, "__name__", "score")
    if is_estimator(model):
        if scoring is not None:
            from sklearn.metrics import get_scorer_names

            if scoring not in get_scorer_names():
                raise ValueError(f"scoring={scoring!r} is not a scikit-learn scorer name, which an estimator "
                                 "is scored by; see sklearn.metrics.get_scorer_names() (such as 'accuracy', "
                                 "'neg_mean_squared_error')")
        return "maximize", scoring or "score"
    from glassnet.training.monitor import Monitor

    name = scoring or "loss"
    if getattr(model, "metrics_names", None) is not None:
        _check_named(name, model.metrics_names, "model.evaluate(...) gives")
    return ("maximize" if Monitor("gn.tune.search", name).maximize else "minimize"), name


@dataclasses.dataclass
class TrialSpec:
    """Everything a trial needs besides the data."""

    build: Any
    params: dict[str, Any]
    folds: list[tuple[np.ndarray, np.ndarray]] | None  # None: cv="validation"
    scoring: Any
    maximize: bool
    fit_kwargs: Any  # a dict, or a function of the parameters returning one
    seed: int
    link: Any = None  # a StudyLink when the trial reports each epoch to a pruner
    trial_id: int | None = None


def fit_kwargs_for(model: Any, fit_kwargs: Any, params: dict[str, Any], validation: bool) -> dict[str, Any]:
    """The keywords of ``fit`` (``fit_kwargs``, or ``fit_kwargs(params)`` when it is a function):
    as given for an estimator; for a glassnet model silent, and holding out validation data for
    ``cv="validation"`` when none is named."""
    given = fit_kwargs(params) if callable(fit_kwargs) else fit_kwargs
    if not isinstance(given, dict):
        raise TypeError(f"fit_kwargs must be a dict of fit's keywords or a function of the parameters "
                        f"returning one, got {given!r}")
    if is_estimator(model):
        return dict(given)
    kwargs = {"verbose": 0, **given}
    if validation and not kwargs.get("validation_split") and kwargs.get("validation_data") is None:
        kwargs["validation_split"] = DEFAULT_VALIDATION_SPLIT
    return kwargs


def fit(model: Any, X: Any, y: Any, kwargs: dict[str, Any], seed: int) -> Any:
    """Train ``model``; its History (None for an estimator). A loss that became NaN or inf is
    an error (the trial fails with that message)."""
    if is_estimator(model):
        model.fit(X, y, **kwargs)
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a diverging loss is reported as the error
        history = model.fit(X, y, seed=seed, **kwargs)
    losses = np.asarray(history.history.get("loss", []), dtype=float)
    if not np.isfinite(losses).all():
        bad = losses[~np.isfinite(losses)][0]
        raise FloatingPointError(history.stopped_reason or f"the loss became {bad}")
    return history


def _evaluate(model: Any, X: Any, y: Any, scoring: Any) -> float:
    """The score of a trained model on held-out data."""
    if callable(scoring):
        return float(scoring(model, X, y))
    if is_estimator(model):
        if scoring is None:
            return float(model.score(X, y))
        from sklearn.metrics import get_scorer

        return float(get_scorer(scoring)(model, X, y))
    scores = model.evaluate(X, y, verbose=0, return_dict=True)
    return _named(scores, scoring or "loss", "model.evaluate(...) gives")


def _check_named(name: str, names: Any, where: str) -> None:
    """A ValueError when ``name`` is not among the model's ``names`` of scores."""
    if name not in names:
        raise ValueError(f"scoring={name!r} is not a score of this model; {where} {sorted(names)} (add the "
                         "metric in model.compile(metrics=[...]))")


def _named(values: dict[str, Any], name: str, where: str) -> float:
    _check_named(name, values, where)
    return float(values[name])


def _best_validation(history: Any, scoring: Any, maximize: bool) -> float:
    """The best epoch's validation score (as Keras Tuner scores a trial)."""
    name = "val_" + (scoring or "loss")
    if name not in history.history:
        raise ValueError(f"cv='validation' scores the validation value {name!r}, which fit did not log; it "
                         f"logged {sorted(history.history)}")
    values = np.asarray(history.history[name], dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        raise FloatingPointError(f"no epoch gave a finite {name}")
    return float(values.max() if maximize else values.min())


def _callbacks(spec: TrialSpec, kwargs: dict[str, Any], epochs_done: int) -> list[Any]:
    """The user's callbacks, and the pruning callback when the trial reports to a pruner."""
    callbacks = list(kwargs.get("callbacks") or [])
    if spec.link is None or callable(spec.scoring):
        return callbacks
    from glassnet.tune.pruning import PruningCallback

    trial = spec.link.trial(spec.trial_id)
    return [*callbacks, PruningCallback(trial, "val_" + (spec.scoring or "loss"), epochs_done)]


def _iterations(estimator: Any) -> int:
    """The iterations an estimator's fit ran: its ``n_iter_`` (the most of them when it is an array, as
    scikit-learn's one-versus-rest models give one per class), 0 without one."""
    n_iter = getattr(estimator, "n_iter_", None)
    return 0 if n_iter is None else int(np.max(n_iter))


def _one_fold(spec: TrialSpec, X: Any, y: Any, fold: tuple[np.ndarray, np.ndarray] | None,
              epochs_done: int) -> tuple[float, int, bool]:
    """(score, epochs, pruned) of one fold (``fold`` None: the validation split of fit)."""
    model = make(spec.build, spec.params, spec.seed)
    kwargs = fit_kwargs_for(model, spec.fit_kwargs, spec.params, validation=fold is None)
    estimator = is_estimator(model)
    check_cv(model, spec.folds)
    train, held_out = fold if fold is not None else (slice(None), None)
    if not estimator:
        if fold is not None and spec.link is not None and "validation_data" not in kwargs \
                and not kwargs.get("validation_split"):
            kwargs["validation_data"] = (X[held_out], y[held_out])  # the pruner follows the held-out fold
        kwargs["callbacks"] = _callbacks(spec, kwargs, epochs_done)
    history = fit(model, X[train], y[train], kwargs, spec.seed)
    pruned = any(getattr(cb, "pruned", False) for cb in kwargs.get("callbacks", []))
    epochs = _iterations(model) if estimator else len(history.epoch)
    if pruned:
        return math.nan, epochs, True
    score = (_best_validation(history, spec.scoring, spec.maximize) if fold is None
             else _evaluate(model, X[held_out], y[held_out], spec.scoring))
    if not math.isfinite(score):
        raise FloatingPointError(f"the score is {score}")
    return score, epochs, False


def run_trial(data: tuple[Any, Any], spec: TrialSpec) -> dict[str, Any]:
    """Train and score the model of ``spec.params`` on every fold.

    Returns
    -------
    dict
        ``scores`` (one per fold), ``epochs`` (summed over the folds) and ``pruned``.
    """
    X, y = data
    scores: list[float] = []
    epochs = 0
    for fold in spec.folds if spec.folds is not None else [None]:
        score, n, pruned = _one_fold(spec, X, y, fold, epochs)
        epochs += n
        if pruned:
            return {"scores": scores, "epochs": epochs, "pruned": True}
        scores.append(score)
    return {"scores": scores, "epochs": epochs, "pruned": False}


def first_model(build: Any, params: dict[str, Any], seed: int) -> Any:
    """A model built for ``params`` (to learn the kind of model and the score's direction), or
    None when building raises (that trial records the error); a TypeError at once when ``build``
    returns something else than a compiled model or an estimator (it would for every trial)."""
    try:
        model = _built(build, params, seed)
    except AttributeError as err:
        if str(err).startswith("'dict' object has no attribute"):  # trial.suggest_float, hp.Int, ...
            raise TypeError(f"build gets a dict of the parameters (params['lr']), not an Optuna trial or a "
                            f"Keras Tuner hp ({err}); give their distributions in the space: "
                            "{'lr': gn.tune.loguniform(1e-4, 1e-1)}") from err
        return None
    except Exception:  # the trial with these parameters records the error
        return None
    return _checked(model)
