"""gn.tune.search with a storage: an interrupted search resumes without re-running finished trials."""

import numpy as np
import pytest
from tune_problems import blobs, build_mlp

import glassnet as gn

FIT = {"epochs": 1, "batch_size": 16}
SPACES = {"grid": {"units": [1, 2, 3], "lr": [0.01, 0.1]},
          "random": {"units": gn.tune.intuniform(1, 4), "lr": gn.tune.loguniform(1e-3, 1e-1)},
          "bayes": {"units": gn.tune.intuniform(1, 4), "lr": gn.tune.loguniform(1e-3, 1e-1)}}


class InterruptedBuild:
    """build_mlp, but its ``stop_at``-th call raises KeyboardInterrupt (as Ctrl-C would)."""

    def __init__(self, stop_at: int | None) -> None:
        self.stop_at, self.calls = stop_at, 0

    def __call__(self, params: dict) -> gn.Sequential:
        self.calls += 1
        if self.calls == self.stop_at:
            raise KeyboardInterrupt
        return build_mlp(params)


@pytest.mark.parametrize("method", ["grid", "random", "bayes"])
def test_an_interrupted_search_resumes_and_ends_with_exactly_n_trials(tmp_path, method):
    n_trials = 6
    search = dict(space=SPACES[method], data=blobs(), method=method, n_trials=None if method == "grid" else 6,
                  cv=2, fit_kwargs=FIT, storage=f"sqlite:///{tmp_path}/study.db", study_name="s",
                  pruning=False)
    # one call sees the first parameters, then 2 per trial: the 6th call is the 3rd trial's first fold
    with pytest.raises(KeyboardInterrupt):
        gn.tune.search(InterruptedBuild(stop_at=6), **search)
    build = InterruptedBuild(stop_at=None)
    result = gn.tune.search(build, **search)
    trials = result.trials
    assert trials["state"].tolist().count("interrupted") == 1
    finished = trials[trials["state"].isin(["complete", "pruned", "failed"])]
    assert len(finished) == n_trials
    assert build.calls == 1 + 2 * (n_trials - 2)
    if method != "bayes":
        expected = gn.tune.Space(SPACES[method])
        plan = expected.grid() if method == "grid" else expected.sample(n_trials, seed=0)
        got = sorted(zip(finished["param_units"], finished["param_lr"], strict=True))
        assert got == sorted((p["units"], p["lr"]) for p in plan)


def test_a_killed_search_leaves_running_trials_that_are_marked_interrupted_on_resume(tmp_path):
    optuna = pytest.importorskip("optuna")
    storage = f"sqlite:///{tmp_path}/study.db"
    search = dict(space=SPACES["bayes"], data=blobs(), method="bayes", n_trials=3, cv=2, fit_kwargs=FIT,
                  storage=storage, study_name="k")
    gn.tune.search(build_mlp, **{**search, "n_trials": 1})
    study = optuna.load_study(study_name="k", storage=storage)
    study.ask()  # a trial left running, as by a process that was killed
    result = gn.tune.search(build_mlp, **search)
    assert result.trials["state"].tolist() == ["complete", "interrupted", "complete", "complete"]
    assert np.isnan(result.trials["mean_score"][1])


def test_resuming_with_other_settings_is_refused(tmp_path):
    search = dict(data=blobs(), cv=2, fit_kwargs=FIT, storage=f"sqlite:///{tmp_path}/study.db",
                  study_name="s")
    gn.tune.search(build_mlp, {"units": [1, 2]}, **search)
    with pytest.raises(ValueError, match=r"study_name='s' holds a search with other settings \(space differ"):
        gn.tune.search(build_mlp, {"units": [1, 3]}, **search)


def test_a_resumed_bayesian_search_draws_new_parameters_not_the_first_ones_again(tmp_path):
    search = dict(space=SPACES["bayes"], data=blobs(), method="bayes", cv=2, fit_kwargs=FIT,
                  storage=f"sqlite:///{tmp_path}/study.db", study_name="b")
    gn.tune.search(build_mlp, n_trials=2, **search)
    result = gn.tune.search(build_mlp, n_trials=4, **search)
    params = list(zip(result.trials["param_units"], result.trials["param_lr"], strict=True))
    assert len(params) == 4 and len(set(params)) == 4


def test_resuming_on_other_data_is_refused(tmp_path):
    search = dict(cv=2, fit_kwargs=FIT, storage=f"sqlite:///{tmp_path}/study.db", study_name="d")
    gn.tune.search(build_mlp, {"units": [1, 2]}, data=blobs(seed=0), **search)
    with pytest.raises(ValueError, match=r"study_name='d' holds a search with other settings \(data differ"):
        gn.tune.search(build_mlp, {"units": [1, 2]}, data=blobs(seed=1), **search)
