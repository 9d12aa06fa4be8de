"""Hyperparameter search (``gn.tune``): grid, random and Bayesian, on one machine or a Dask cluster.

Grid and random parameters come from scikit-learn, Bayesian ones from Optuna (a seeded TPE
sampler, a median pruner); the trials run through :mod:`glassnet._backends`. Optuna and Dask
come with ``pip install "glassnet[tune]"`` and are imported only when a search runs.

Examples
--------
>>> rng = np.random.default_rng(0)
>>> X = rng.normal(size=(40, 2))
>>> y = (X[:, 0] > 0).astype(int)
>>> def build(params):
...     model = gn.Sequential([gn.Input(shape=(2,)), gn.layers.Dense(params["units"], activation="relu"),
...                            gn.layers.Dense(2, activation="softmax")], seed=0)
...     model.compile(optimizer=gn.optim.Adam(learning_rate=params["lr"]),
...                   loss="sparse_categorical_crossentropy")
...     return model
...
>>> result = gn.tune.search(build, {"units": [2, 8], "lr": gn.tune.loguniform(1e-3, 1e-1)}, data=(X, y),
...                         method="bayes", n_trials=3, cv=2, fit_kwargs={"epochs": 2, "verbose": 0})
>>> len(result.trials), sorted(result.best_params)
(3, ['lr', 'units'])
"""

from glassnet.tune.distributions import choice, intuniform, loguniform, uniform
from glassnet.tune.pruning import PruningCallback
from glassnet.tune.result import SearchResult
from glassnet.tune.search import METHODS, search
from glassnet.tune.space import Space

__all__ = ["search", "SearchResult", "Space", "uniform", "loguniform", "intuniform", "choice",
           "PruningCallback", "METHODS"]
