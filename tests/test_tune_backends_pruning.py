"""Bayesian search on worker processes and on a Dask cluster: the pruner reads the study
through a storage the workers reach."""

import pytest
from tune_problems import blobs, build_mlp

import glassnet as gn

pytest.importorskip("optuna")


@pytest.mark.parametrize("backend", ["processes", "dask"])
def test_bayes_on_workers_prunes_through_a_study_the_workers_reach(backend):
    if backend == "dask":
        pytest.importorskip("distributed")
    space = {"lr": gn.tune.loguniform(1e-4, 1.0), "units": gn.tune.intuniform(1, 8)}
    result = gn.tune.search(build_mlp, space, data=blobs(), method="bayes", n_trials=12, cv=2,
                            fit_kwargs={"epochs": 5, "batch_size": 16}, backend=backend, n_workers=2)
    states = result.trials["state"]
    assert len(states) == 12 and set(states) <= {"complete", "pruned"} and (states == "pruned").any()
    assert result.trials.loc[states == "pruned", "epochs"].lt(10).all()
    figures = result.plot()  # the study outlives the pool: Optuna's importances read it
    assert figures[-1].get_label() == "importances"
