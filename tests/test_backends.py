"""The backends of independent trainings (glassnet._backends): "local", "processes" (loky
worker processes) and "dask" (a LocalCluster, or a running cluster at an address) give the
same outcomes; failures and dead workers stay with their task; bad options fail at once."""

from __future__ import annotations

import os
import signal
import socket
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import glassnet as gn
from glassnet import _random
from glassnet._backends import Pool, run_all, worker_id
from glassnet._backends import dask as dask_backend
from glassnet.layers import Dense

distributed = pytest.importorskip("distributed")

WORKER_BACKENDS = ["processes", "dask"]
WAIT = 30  # seconds a task waits for the others before giving up


@pytest.fixture(scope="module")
def pools():
    """``pools(backend)``: this module's pool of that backend (two workers), opened on first
    use, for the tests that leave its workers alive."""
    opened = {}

    def get(backend):
        if backend not in opened:
            opened[backend] = Pool(backend, n_workers=None if backend == "local" else 2)
        return opened[backend]

    yield get
    for pool in reversed(opened.values()):
        pool.close()


@pytest.fixture(params=["local", *WORKER_BACKENDS])
def pool(request, pools):
    return pools(request.param)


def _outcomes(pool, fn, tasks, shared=()):
    """``run_all`` on an open pool."""
    handles = tuple(pool.share(value) for value in shared)
    for task in tasks:
        pool.submit(fn, *handles, *task)
    return sorted(pool.results(), key=lambda o: o.index)


def _data(n=40):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 3)).astype(np.float32)
    return X, (X[:, 0] > 0).astype(np.int64)


def _build(seed=None):
    model = gn.Sequential([Dense(4, activation="tanh", input_dim=3), Dense(2, activation="softmax")],
                          seed=seed)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _train(data, seed):
    """A seeded training: its weights after two epochs."""
    X, y = data
    model = _build(seed)
    model.fit(X, y, epochs=2, batch_size=8, seed=seed, verbose=0)
    return [w.copy() for w in model.get_weights()]


def _meet(folder, name, count, data=None):
    """Write this task's marker, then wait until ``count`` tasks wrote theirs: whether they
    did (so ran at the same time) and this worker's id."""
    Path(folder, f"{name}.ready").write_text(worker_id())
    deadline = time.monotonic() + WAIT
    while len(list(Path(folder).glob("*.ready"))) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return len(list(Path(folder).glob("*.ready"))) >= count, worker_id(), None if data is None else data.sum()


def _fail_odd(i):
    if i % 2:
        raise ValueError(f"task {i} refuses odd numbers")
    return i


def _killed_once(folder, i):
    """Task 0 waits to be killed the first time it runs; it returns "again" when re-run."""
    if i == 0:
        marker = Path(folder, "victim.pid")
        if marker.exists():
            return "again"
        marker.write_text(str(os.getpid()))
        time.sleep(WAIT)
    return i


def _kills_its_worker(i):
    if i == 0:
        os.kill(os.getpid(), signal.SIGKILL)
    return i


def _kill_when_ready(folder):
    marker = Path(folder, "victim.pid")
    deadline = time.monotonic() + WAIT
    while not (marker.exists() and marker.read_text()) and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(int(marker.read_text()), signal.SIGKILL)


def _op_threads():
    return gn.get_num_threads()


@pytest.mark.parametrize("backend", WORKER_BACKENDS)
def test_workers_share_the_cores_one_thread_for_glassnet_s_ops_each(backend, pools):
    outcomes = _outcomes(pools(backend), _op_threads, [()] * 2)
    assert [outcome.value for outcome in outcomes] == [1, 1]


def test_a_local_cluster_of_two_workers_runs_tasks_in_two_other_processes(tmp_path, pools):
    pool = pools("dask")
    assert pool.n_workers == 2 and isinstance(pool.client, distributed.Client)
    for name in ("a", "b"):
        pool.submit(_meet, str(tmp_path), name, 2)
    outcomes = list(pool.results())
    workers = {outcome.worker for outcome in outcomes}
    assert [outcome.value[0] for outcome in outcomes] == [True, True]
    assert workers == {outcome.value[1] for outcome in outcomes}
    assert len(workers) == 2 and worker_id() not in workers
    assert all(w.split(":")[0] == socket.gethostname() for w in workers)


def test_seeded_trainings_give_the_local_results_on_every_backend(pool):
    tasks = [(seed,) for seed in range(3)]
    local = run_all(_train, tasks, shared=(_data(),))
    other = _outcomes(pool, _train, tasks, shared=(_data(),))
    assert len(other) == 3 and all(o.ok for o in other)                # in task order
    assert (pool.backend == "local") == ({o.worker for o in other} == {worker_id()})
    for mine, theirs in zip(local, other):
        for a, b in zip(mine.value, theirs.value):
            np.testing.assert_array_equal(a, b)
    assert not np.array_equal(local[0].value[0], local[1].value[0])  # the seeds matter


def test_a_task_that_raises_is_a_failed_outcome_and_the_others_finish(pool):
    outcomes = _outcomes(pool, _fail_odd, [(i,) for i in range(4)])
    assert [o.value for o in outcomes if o.ok] == [0, 2]
    errors = [o.error for o in outcomes if not o.ok]
    assert errors == [f"ValueError: task {i} refuses odd numbers" for i in (1, 3)]
    assert all(isinstance(o.exception, ValueError) for o in outcomes if not o.ok)


def _a_lock(_):
    return threading.Lock()


def test_a_task_or_a_result_that_cannot_be_pickled_is_a_failed_outcome(pool):
    if pool.backend == "local":
        pytest.skip("nothing is pickled in this process")
    first = pool.submit(_a_lock, threading.Lock())
    pool.submit(_a_lock, 1)
    pool.submit(abs, -2)
    outcomes = sorted(pool.results(), key=lambda o: o.index)
    assert [o.index - first for o in outcomes] == [0, 1, 2]
    assert [o.error for o in outcomes] == [
        "TypeError: the task could not be sent to the workers (cannot pickle '_thread.lock' object)",
        "TypeError: the task's result cannot be sent back (cannot pickle '_thread.lock' object)", None]
    assert outcomes[2].value == 2


def test_tasks_submitted_while_reading_the_results_run_too(pool):
    data = pool.share(np.arange(5.0))
    submitted = [pool.submit(np.dot, data, np.full(5, float(i))) for i in range(pool.n_workers)]
    seen = []
    for outcome in pool.results():                             # one new task as each finishes
        seen.append((outcome.index - submitted[0], outcome.value))
        if len(submitted) < 6:
            submitted.append(pool.submit(np.dot, data, np.full(5, float(len(submitted)))))
    assert sorted(seen) == [(i, 10.0 * i) for i in range(6)]


@pytest.mark.parametrize("backend", WORKER_BACKENDS)
def test_a_worker_killed_mid_task_costs_that_task_at_most_and_the_others_complete(backend, tmp_path):
    threading.Thread(target=_kill_when_ready, args=(tmp_path,), daemon=True).start()
    outcomes = run_all(_killed_once, [(str(tmp_path), i) for i in range(5)], backend, n_workers=2)
    assert [o.value for o in outcomes[1:]] == [1, 2, 3, 4]
    first = outcomes[0]
    assert first.value == "again" or "worker" in first.error and "died" in first.error


@pytest.mark.parametrize("backend", WORKER_BACKENDS)
def test_a_task_that_kills_its_worker_every_time_is_failed_saying_so(backend):
    outcomes = run_all(_kills_its_worker, [(i,) for i in range(4)], backend, n_workers=2)
    assert outcomes[0].error.startswith("WorkerDied: the worker process running this task died")
    assert [o.value for o in outcomes[1:]] == [1, 2, 3]


def test_a_running_cluster_is_used_at_its_address_gets_new_workers_and_stays_up(tmp_path):
    quiet = {"dashboard_address": None, "scheduler_kwargs": {"dashboard_address": "127.0.0.1:0"},
             "silence_logs": 50}
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, **quiet) as cluster:
        with Pool("dask", address=cluster.scheduler_address) as pool:
            assert pool.n_workers == 1
            data = pool.share(np.ones(3))
            for name in ("a", "b"):                            # they can only meet on two workers
                pool.submit(_meet, str(tmp_path), name, 2, data)
            cluster.scale(2)                                   # a worker joins while a task waits
            outcomes = list(pool.results())
            assert [outcome.value[::2] for outcome in outcomes] == [(True, 3.0), (True, 3.0)]
        assert cluster.status.name == "running"
        with distributed.Client(cluster, set_as_default=False) as client:
            assert client.submit(sum, [1, 2]).result() == 3


def test_shared_data_is_scattered_to_every_worker_once(pools):
    pool = pools("dask")
    shared = pool.share(np.arange(4.0))
    holders = pool.client.who_has([shared.ref])[shared.ref.key]
    assert len(holders) == 2
    pool.submit(np.sum, shared)
    assert [o.value for o in pool.results()] == [6.0]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_address_where_no_scheduler_listens_is_a_clear_error_at_once():
    address = f"tcp://127.0.0.1:{_free_port()}"
    start = time.monotonic()
    with pytest.raises(ConnectionError, match=f"no Dask scheduler answers at address='{address}'"):
        Pool("dask", address=address)
    assert time.monotonic() - start < 10  # not Dask's 30 s of retries


def test_a_listener_that_is_not_a_scheduler_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(dask_backend, "CONNECT_TIMEOUT", 1.0)
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        address = f"tcp://127.0.0.1:{server.getsockname()[1]}"
        threading.Thread(target=lambda: server.accept()[0].sendall(b"\xff" * 64), daemon=True).start()
        with pytest.raises(ConnectionError, match="no Dask scheduler answers"):
            Pool("dask", address=address)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"backend": "threads"}, ValueError, "must be one of 'local', 'processes', 'dask', got 'threads'"),
    ({"backend": None}, ValueError, "backend must be one of"),
    ({"backend": "processes", "n_workers": 0}, ValueError, "n_workers must be a positive integer or None"),
    ({"backend": "dask", "n_workers": 2.0}, TypeError, "n_workers must be a positive integer or None"),
    ({"backend": "processes", "n_workers": True}, TypeError, "n_workers must be a positive integer"),
    ({"backend": "local", "address": "tcp://h:8786"}, ValueError, "use it with backend='dask'"),
    ({"backend": "local", "n_workers": 2}, ValueError, "backend='local' trains one at a time in this "
                                                       "process: give backend='processes' too"),
    ({"backend": "dask", "address": 8786}, TypeError, "address must be a Dask scheduler's address"),
    ({"backend": "dask", "address": "http://h:8786"}, ValueError, "protocols tcp"),
    ({"backend": "dask", "address": "tcp://h:port"}, ValueError, "port that is not a number"),
    ({"backend": "dask", "address": "tcp://h:8786", "n_workers": 2}, ValueError, "leave n_workers=None"),
])
def test_bad_backend_options_are_refused_naming_the_argument(kwargs, error, message):
    with pytest.raises(error, match=message):
        Pool(**kwargs)


def test_a_numpy_integer_is_a_number_of_workers():
    with Pool("processes", n_workers=np.int64(1)) as pool:
        assert pool.n_workers == 1 and type(pool.n_workers) is int


def test_without_dask_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ImportError, match=r'pip install "glassnet\[tune\]"'):
        Pool("dask")


# ------------------------------------------------------------------------ cross_validate
def _unseeded_model():
    """Weights drawn at construction, from no seed of the model's own."""
    return _build()


@pytest.mark.parametrize("backend", WORKER_BACKENDS)
def test_cross_validate_gives_the_local_scores_on_worker_processes(backend, pools):
    X, y = _data()
    where = ({"n_workers": 2} if backend == "processes"                 # the module's Dask cluster by address
             else {"address": pools("dask").client.scheduler.address})
    local = gn.cross_validate(_unseeded_model, X, y, cv=3, seed=0, epochs=2, batch_size=8)
    other = gn.cross_validate(_unseeded_model, X, y, cv=3, seed=0, epochs=2, batch_size=8,
                              backend=backend, **where)
    assert other.folds == local.folds and len(local.folds) == 3


def test_cross_validate_folds_do_not_depend_on_the_draws_made_before_them(monkeypatch):
    monkeypatch.setitem(_random._program, "seeds", None)        # the program's seed is back afterwards
    X, y = _data()
    runs = []
    for program_seed in (1, 2):
        _random.set_seed(program_seed)
        gn.Sequential([Dense(3, input_dim=2)])                  # draws from the program's seed
        runs.append(gn.cross_validate(_unseeded_model, X, y, cv=2, seed=0, epochs=1).folds)
    assert runs[0] == runs[1]


def test_cross_validate_raises_a_fold_error_as_its_own_type_from_a_worker():
    X, y = _data()
    with pytest.raises(ValueError, match="epochs"):
        gn.cross_validate(_unseeded_model, X, y, cv=2, seed=0, epochs=-1, backend="processes", n_workers=1)


def test_cross_validate_refuses_scikit_learns_n_jobs_giving_glassnets_spelling():
    X, y = _data()
    with pytest.raises(TypeError, match=r"cross_validate\(\) got n_jobs=...; glassnet spells it "
                                        r"n_workers \(with backend='processes' or 'dask'\)"):
        gn.cross_validate(_unseeded_model, X, y, cv=2, n_jobs=2)
