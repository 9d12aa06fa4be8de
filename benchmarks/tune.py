"""Trials per minute of a digits MLP search on 1 and 2 local Dask workers, and the overhead per trial.

The same 12-trial grid (hidden width x learning rate; each trial a 3-fold cross-validation
of 100 epochs, about a second) runs

- as a plain loop in this process (build, fit, evaluate; one BLAS thread, as a worker has),
- through the backends' ``Pool`` on 1 and 2 local Dask workers (the cluster started and its
  workers warmed up before the clock starts: the cost of sending tasks and results),
- as ``gn.tune.search`` on the same running clusters, reached by their address (the Optuna
  study and the refit of the best model included; starting the cluster not).

Prints trials per minute, the speed-up of 2 workers over 1 (target >= 1.7x on 2 free cores)
and the overhead per trial over the plain loop (target <= 5%). Wall times: on a machine
busy with other work, the speed-up and the overhead are skewed; run it on an idle one.

The first three are run in turns, ``--repeat`` rounds, and the fastest of each is reported,
which damps the noise of other work on the machine.

Run:  python benchmarks/tune.py [--epochs 100] [--repeat 3] [--no-search]
"""

from __future__ import annotations

import argparse
import itertools
import time
from typing import Any

import numpy as np
from sklearn.datasets import load_digits
from threadpoolctl import threadpool_limits

import glassnet as gn
from glassnet._backends import Pool

SPACE = {"units": [64, 128, 256], "lr": [1e-3, 3e-3, 1e-2, 3e-2]}
CV = 3


def build(params: dict) -> gn.Sequential:
    model = gn.Sequential([gn.Input(shape=(64,)), gn.layers.Dense(params["units"], activation="relu"),
                           gn.layers.Dense(10, activation="softmax")], seed=0)
    model.compile(optimizer=gn.optim.Adam(learning_rate=params["lr"]), loss="sparse_categorical_crossentropy")
    return model


def trial(data: tuple[np.ndarray, np.ndarray], params: dict, epochs: int) -> float:
    """One trial: the mean validation loss over the folds."""
    X, y = data
    losses = []
    for train, val in gn.data.folds(X, y, cv=CV, seed=0):
        model = build(params)
        model.fit(X[train], y[train], epochs=epochs, batch_size=32, seed=0, verbose=0)
        losses.append(model.evaluate(X[val], y[val], verbose=0))
    return float(np.mean(losses))


def grid() -> list[dict]:
    return [dict(zip(SPACE, values)) for values in itertools.product(*SPACE.values())]


def plain_loop(data: tuple[np.ndarray, np.ndarray], epochs: int) -> tuple[float, list[float]]:
    """Seconds of the grid in this process, and its scores."""
    start = time.perf_counter()
    with threadpool_limits(1):
        scores = [trial(data, params, epochs) for params in grid()]
    return time.perf_counter() - start, scores


def warm_pool(data: tuple[np.ndarray, np.ndarray], n_workers: int) -> tuple[Pool, Any]:
    """A local Dask cluster of ``n_workers`` that holds the data and ran a trial on each worker."""
    pool = Pool("dask", n_workers=n_workers)
    shared = pool.share(data)
    for _ in range(n_workers):                                   # workers import glassnet, compile
        pool.submit(trial, shared, grid()[0], 1)
    list(pool.results())
    return pool, shared


def on_pool(pool: Pool, shared: Any, epochs: int) -> tuple[float, list[float]]:
    """Seconds of the grid on a warm pool, and its scores."""
    start = time.perf_counter()
    first = min(pool.submit(trial, shared, params, epochs) for params in grid())
    outcomes = sorted(pool.results(), key=lambda o: o.index)
    return time.perf_counter() - start, [o.value for o in outcomes if o.index >= first]


def interleaved(data: tuple[np.ndarray, np.ndarray], epochs: int, repeat: int,
                search: bool) -> dict[Any, float]:
    """The fastest of ``repeat`` rounds of each way to run the grid, taken in turns so that
    each sees the same load from other work; the scores checked equal. Then, with ``search``,
    ``gn.tune.search`` on each warm cluster (keys ``("search", n)``)."""
    pools = {n: warm_pool(data, n) for n in (1, 2)}
    times: dict[Any, list[float]] = {"loop": [], 1: [], 2: []}
    try:
        for _ in range(repeat):
            seconds, expected = plain_loop(data, epochs)
            times["loop"].append(seconds)
            for n, (pool, shared) in pools.items():
                seconds, scores = on_pool(pool, shared, epochs)
                assert scores == expected, "a worker gave other scores than the plain loop"
                times[n].append(seconds)
        for n, (pool, _) in pools.items() if search else ():
            times["search", n] = [searched(data, epochs, pool.client.scheduler.address)]
    finally:
        for pool, _ in reversed(pools.values()):                # the last started closes first
            pool.close()
    return {key: min(values) for key, values in times.items()}


def searched(data: tuple[np.ndarray, np.ndarray], epochs: int, address: str) -> float:
    """Seconds of the grid as ``gn.tune.search`` on the Dask cluster at ``address``."""
    start = time.perf_counter()
    gn.tune.search(build, SPACE, data=data, method="grid", cv=CV, backend="dask", address=address,
                   fit_kwargs={"epochs": epochs, "batch_size": 32})
    return time.perf_counter() - start


def report(name: str, seconds: float, trials: int, loop: float) -> None:
    print(f"{name:<34} {60 * trials / seconds:7.1f} trials/min   overhead per trial over the plain loop "
          f"{(seconds - loop) / trials * 1e3:+7.1f} ms ({100 * (seconds - loop) / loop:+5.1f}%)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3, help="the fastest of this many runs is reported")
    parser.add_argument("--no-search", action="store_true", help="skip gn.tune.search")
    args = parser.parse_args()
    X, y = load_digits(return_X_y=True)
    data = ((X / 16.0).astype("float32"), y)
    trials = len(grid())
    trial(data, grid()[0], 1)                                    # warm up this process
    seconds = interleaved(data, args.epochs, args.repeat, not args.no_search)
    loop = seconds["loop"]
    print(f"{trials} trials x {CV} folds x {args.epochs} epochs; plain loop {loop:.2f} s, "
          f"{60 * trials / loop:.1f} trials/min")
    for n in (1, 2):
        report(f"Pool, dask, {n} worker(s), warm", seconds[n], trials, loop)
    print(f"speed-up of 2 Dask workers over 1: {seconds[1] / seconds[2]:.2f}x (target >= 1.7x)")
    if not args.no_search:
        for n in (1, 2):
            report(f"gn.tune.search, dask, {n} worker(s)", seconds["search", n], trials, loop)
        print(f"speed-up of gn.tune.search on 2 Dask workers over 1: "
              f"{seconds['search', 1] / seconds['search', 2]:.2f}x")

if __name__ == "__main__":
    main()
