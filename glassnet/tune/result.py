"""What a search found: every trial, the best parameters and score, the best model refit."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from glassnet.tune import objective as _objective
from glassnet.tune.distributions import Choice
from glassnet.tune.space import Space

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = ["SearchResult", "trial_row"]

_STATES = {"COMPLETE": "complete", "PRUNED": "pruned", "FAIL": "failed", "RUNNING": "running",
           "WAITING": "waiting"}


def _values(stored: dict[str, Any], space: Space) -> dict[str, Any]:
    """Parameters as the model gets them (choices from their Optuna labels)."""
    dists = space.distributions
    return {name: (dists[name].value(stored[name]) if isinstance(dists[name], Choice) else stored[name])
            for name in dists if name in stored}


def trial_row(trial: Any, space: Space) -> dict[str, Any]:
    """One row of :attr:`SearchResult.trials` for an Optuna trial."""
    attrs = trial.user_attrs
    scores = attrs.get("scores") or []
    state = _STATES.get(trial.state.name, trial.state.name.lower())
    state = "interrupted" if attrs.get("interrupted") else state
    row = {"number": trial.number, **{f"param_{k}": v for k, v in _values(trial.params, space).items()}}
    row.update({"mean_score": float(trial.value) if state == "complete" else math.nan,
                "std_score": float(np.std(scores)) if state == "complete" else math.nan,
                "epochs": attrs.get("epochs", 0), "seconds": attrs.get("seconds", math.nan),
                "state": state, "worker": attrs.get("worker", ""), "error": attrs.get("error", "")})
    return row


class SearchResult:
    """The trials of a search and the best of them.

    Parameters
    ----------
    study : optuna.Study
        The study that recorded the trials.
    space : Space
        The searched space.
    spec : object
        What ``search`` was given as ``build``.
    data : (ndarray, ndarray)
        The searched data, for ``best_model``.
    scoring : str
        The score's name.
    direction : {"minimize", "maximize"}
        Whether lower or higher is better.

    Attributes
    ----------
    trials : pandas.DataFrame
        One row per trial, in the order they started: ``number``, ``param_<name>`` for each
        parameter, ``mean_score`` and ``std_score`` (over the folds), ``epochs`` (summed over
        the folds), ``seconds``, ``state`` ("complete", "pruned", "failed", "interrupted"),
        ``worker`` (``host:pid``) and ``error`` (the message of a failed trial).
    scoring : str
        The name of the score ("loss", "accuracy", "score", ...).
    direction : {"minimize", "maximize"}
        Whether a lower or a higher score is better.
    best_params : dict
    best_score : float
        The best trial's mean score over the folds.
    study : optuna.Study
        The Optuna study that recorded the trials.

    Examples
    --------
    A search returns one (see :func:`search`):

    >>> def build(params):
    ...     model = gn.Sequential([gn.layers.Dense(1, input_dim=1)], seed=params["seed"])
    ...     model.compile(loss="mse")
    ...     return model
    ...
    >>> X = np.linspace(0, 1, 20).reshape(-1, 1)
    >>> result = gn.tune.search(build, {"seed": [0, 1]}, data=(X, 2 * X), cv=2, fit_kwargs={"verbose": 0})
    >>> isinstance(result, gn.tune.SearchResult), result.scoring, list(result.trials["state"])
    (True, 'loss', ['complete', 'complete'])
    """

    def __init__(self, study: Any, space: Space, spec: Any, data: tuple[np.ndarray, np.ndarray],
                 scoring: str, direction: str) -> None:
        self.study, self.space, self._spec, self._data = study, space, spec, data
        self.scoring, self.direction = scoring, direction
        best = study.best_trial
        self.best_params = _values(best.params, space)
        self.best_score = float(best.value)
        self.best_trial = best.number
        self.trials = self._frame()
        self._best_model: Any = None

    def _frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame([trial_row(trial, self.space) for trial in self.study.get_trials(deepcopy=False)])

    @property
    def best_model(self) -> Any:
        """The model of :attr:`best_params` trained on all the data (refit on first use, as
        scikit-learn's ``GridSearchCV(refit=True)``; with ``cv="validation"`` the same
        training as the best trial's, validation split included)."""
        if self._best_model is None:
            spec, (X, y) = self._spec, self._data
            model = _objective.make(spec.build, self.best_params, spec.seed)
            kwargs = _objective.fit_kwargs_for(model, spec.fit_kwargs, self.best_params,
                                               validation=spec.folds is None)
            _objective.fit(model, X, y, kwargs, spec.seed)
            self._best_model = model
        return self._best_model

    def plot(self, folder: str | Path | None = None) -> list[Figure]:
        """The figures of the search: the score against each parameter, the heat map of two
        parameters, the optimization history, the parameter importances of a Bayesian search
        (see :func:`glassnet.tune.plots.search_figures`; ``figure.get_label()`` names each),
        saved as ``<name>.png`` in ``folder`` when given."""
        from glassnet.tune.plots import search_figures

        return search_figures(self, folder)

    def to_csv(self, path: str | Path | None = None) -> str | None:
        """Write :attr:`trials` to a CSV file; without a path, return the CSV text (as pandas)."""
        return self.trials.to_csv(path, index=False)

    def __repr__(self) -> str:
        better = "lower" if self.direction == "minimize" else "higher"
        return (f"SearchResult({len(self.trials)} trials, best {self.scoring} {self.best_score:.4g} "
                f"({better} is better) with {self.best_params})")
