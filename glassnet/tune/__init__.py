"""Hyperparameter search (``gn.tune``): grid, random and Bayesian, on one machine or a Dask cluster.

Grid and random parameters come from scikit-learn, Bayesian ones from Optuna (a seeded TPE
sampler, a median pruner); the trials run through :mod:`glassnet._backends`. Optuna and Dask
come with ``pip install "glassnet[tune]"`` and are imported only when a search runs.

Examples
--------
>>> def build(params):
...     model = gn.Sequential([gn.Input(shape=(64,)), gn.layers.Dense(params["units"], activation="relu"),
...                            gn.layers.Dense(10, activation="softmax")])
...     model.compile(optimizer=gn.optim.Adam(learning_rate=params["lr"]),
...                   loss="sparse_categorical_crossentropy")
...     return model
>>> result = gn.tune.search(build, {"units": [16, 64], "lr": gn.tune.loguniform(1e-4, 1e-1)},
...                         data=(X, y), method="bayes", n_trials=20, fit_kwargs={"epochs": 10})
>>> result.best_params, result.best_score, result.trials
"""

from glassnet.tune.pruning import PruningCallback
from glassnet.tune.result import SearchResult
from glassnet.tune.search import METHODS, search
from glassnet.tune.space import Space, choice, intuniform, loguniform, uniform

__all__ = ["search", "SearchResult", "Space", "uniform", "loguniform", "intuniform", "choice",
           "PruningCallback", "METHODS"]
