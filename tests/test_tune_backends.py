"""gn.tune.search on worker processes and on a Dask cluster: the same trials as in this process."""

import numpy as np
import pytest
from tune_problems import blobs, build_mlp

import glassnet as gn

pytest.importorskip("optuna")
FIT = {"epochs": 2, "batch_size": 16}
GRID = {"units": [2, 3, 4, 5]}


@pytest.mark.parametrize("backend", ["processes", "dask"])
def test_a_grid_on_two_workers_gives_the_local_results_from_two_processes(backend):
    if backend == "dask":
        pytest.importorskip("distributed")
    local = gn.tune.search(build_mlp, GRID, data=blobs(), cv=2, fit_kwargs=FIT)
    spread = gn.tune.search(build_mlp, GRID, data=blobs(), cv=2, fit_kwargs=FIT, backend=backend, n_workers=2)
    assert spread.trials["worker"].nunique() == 2
    assert set(spread.trials["worker"]).isdisjoint(local.trials["worker"])
    by_units = spread.trials.sort_values("param_units")
    np.testing.assert_array_equal(by_units["mean_score"], local.trials["mean_score"])
    assert spread.best_params == local.best_params
