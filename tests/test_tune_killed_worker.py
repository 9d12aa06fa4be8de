"""gn.tune.search when a worker process dies mid-trial: that trial runs again or fails; the others
complete as they do in this process."""

import dataclasses
import os
import signal

import numpy as np
import pytest
from tune_problems import blobs, build_mlp

import glassnet as gn

pytest.importorskip("optuna")
FIT = {"epochs": 2, "batch_size": 16}
GRID = {"units": [2, 3, 4, 5]}


@dataclasses.dataclass
class KillOnce:
    """build_mlp, but the first process to build 3 units dies at once (as under SIGKILL)."""

    marker: str

    def __call__(self, params: dict) -> gn.Sequential:
        if params["units"] == 3 and not os.path.exists(self.marker):
            open(self.marker, "w").close()
            os.kill(os.getpid(), signal.SIGKILL)
        return build_mlp(params)


@pytest.mark.parametrize("backend", ["processes", "dask"])
def test_a_worker_killed_mid_trial_leaves_the_other_trials_as_they_run_locally(backend, tmp_path):
    if backend == "dask":
        pytest.importorskip("distributed")
    local = gn.tune.search(build_mlp, GRID, data=blobs(), cv=2, fit_kwargs=FIT)
    local = local.trials.set_index("param_units")
    spread = gn.tune.search(KillOnce(str(tmp_path / "killed")), GRID, data=blobs(), cv=2, fit_kwargs=FIT,
                            backend=backend, n_workers=2).trials.set_index("param_units")
    assert (tmp_path / "killed").exists() and sorted(spread.index) == GRID["units"]
    assert spread.loc[3, "state"] == "complete" or spread.loc[3, "error"]   # run again, or failed saying why
    done = spread[spread["state"] == "complete"]
    assert len(done) >= 3
    np.testing.assert_array_equal(done["mean_score"], local.loc[done.index, "mean_score"])
