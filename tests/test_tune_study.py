"""The study of a search, reached by trials running in other processes or on a Dask cluster."""

import multiprocessing
import pickle
from concurrent.futures import ProcessPoolExecutor
from types import SimpleNamespace

import pytest

optuna = pytest.importorskip("optuna")

from glassnet.tune import study as tune_study  # noqa: E402


def _report(link, trial_id, value):
    """What a trial's pruning callback does on a worker: report, then ask whether to stop."""
    trial = link.trial(trial_id)
    trial.report(value, 0)
    return trial.should_prune()


def _open(storage, pool, folder):
    pruner = optuna.pruners.MedianPruner(n_startup_trials=1)
    sampler = optuna.samplers.RandomSampler(seed=0)
    study, link = tune_study.open_study(storage, "s", "minimize", sampler, pruner, {"method": "bayes"}, pool,
                                        folder)
    first = study.ask()
    first.report(1.0, 0)
    study.tell(first, 1.0)
    return study, link, study.ask()


@pytest.mark.parametrize("storage", ["sqlite", None])
def test_a_trial_in_another_process_reports_through_the_storage_and_is_pruned(tmp_path, storage):
    url = f"sqlite:///{tmp_path}/study.db" if storage else None
    study, link, trial = _open(url, SimpleNamespace(backend="processes"), tmp_path)
    remote = link.remote()
    assert remote.study is None and pickle.loads(pickle.dumps(remote)).study_name == "s"
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as other:
        assert other.submit(_report, remote, trial._trial_id, 5.0).result()
    assert study.trials[1].intermediate_values == {0: 5.0}
    kept = tune_study.detached(study, link, url)
    assert (kept is study) == (url is not None)
    assert [t.intermediate_values for t in kept.trials] == [{0: 1.0}, {0: 5.0}]


def test_a_trial_on_a_dask_worker_reports_through_daskstorage(tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=1,
                            dashboard_address=":0") as client:
        study, link, trial = _open(None, SimpleNamespace(backend="dask", client=client), tmp_path)
        assert type(link.storage).__name__ == "DaskStorage"
        assert client.submit(_report, link.remote(), trial._trial_id, 5.0).result()
        assert study.trials[1].intermediate_values == {0: 5.0}
        kept = tune_study.detached(study, link, None)
    assert [t.intermediate_values for t in kept.trials] == [{0: 1.0}, {0: 5.0}]
    assert kept.user_attrs == {"glassnet": {"method": "bayes"}}
