"""Trials per minute of ``gn.tune.search`` on a digits MLP space, and its overhead per trial.

The same 12-trial grid (hidden width x learning rate, 3-fold cross-validation, 40 epochs) is
run as a plain loop of ``gn.cross_validate`` calls, as ``gn.tune.search`` in this process,
and on 1 and 2 local Dask workers (a cluster already running: its start-up is not timed).
Prints trials per minute, the speed-up of 2 Dask workers over 1, and the search's overhead
per trial over the plain loop (wall time).

Run:  python benchmarks/tune.py [--backends local,dask]
"""

from __future__ import annotations

import argparse
import time

from sklearn.datasets import load_digits

import glassnet as gn

SPACE = {"units": [32, 64, 128], "lr": [1e-3, 3e-3, 1e-2, 3e-2]}
FIT = {"epochs": 40, "batch_size": 32}
CV = 3


def build(params: dict) -> gn.Sequential:
    model = gn.Sequential([gn.Input(shape=(64,)), gn.layers.Dense(params["units"], activation="relu"),
                           gn.layers.Dense(10, activation="softmax")], seed=0)
    model.compile(optimizer=gn.optim.Adam(learning_rate=params["lr"]), loss="sparse_categorical_crossentropy")
    return model


def plain_loop(X, y) -> float:
    """Seconds of the grid as a loop of cross-validations."""
    start = time.perf_counter()
    for params in gn.tune.Space(SPACE).grid():
        gn.cross_validate(lambda p=params: build(p), X, y, cv=CV, seed=0, **FIT)
    return time.perf_counter() - start


def searched(X, y, backend: str, address: str | None = None) -> float:
    """Seconds of the grid as ``gn.tune.search``."""
    start = time.perf_counter()
    gn.tune.search(build, SPACE, data=(X, y), method="grid", cv=CV, fit_kwargs=FIT, backend=backend,
                   address=address)
    return time.perf_counter() - start


def on_dask(X, y, n_workers: int) -> float:
    """Seconds of the grid on a local Dask cluster of ``n_workers`` processes (one thread each),
    started before the clock starts (as a cluster that is already running)."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=n_workers, threads_per_worker=1, dashboard_address=":0") as cluster:
        searched(X, y, "dask", cluster.scheduler_address)  # the workers import glassnet once
        return searched(X, y, "dask", cluster.scheduler_address)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="local,dask", help="comma-separated: local, dask")
    backends = parser.parse_args().backends.split(",")
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype("float32")
    trials = len(gn.tune.Space(SPACE).grid())
    gn.cross_validate(lambda: build({"units": 32, "lr": 1e-3}), X, y, cv=CV, seed=0, epochs=1)  # warm up
    loop = plain_loop(X, y)
    print(f"plain loop: {trials} trials in {loop:.2f} s, {60 * trials / loop:.1f} trials/min")
    if "local" in backends:
        local = searched(X, y, "local")
        print(f"search, local: {60 * trials / local:.1f} trials/min; overhead per trial over the plain loop "
              f"{(local - loop) / trials * 1e3:+.1f} ms ({100 * (local - loop) / loop:+.1f}%)")
    if "dask" in backends:
        try:
            seconds = {k: on_dask(X, y, k) for k in (1, 2)}
        except (NotImplementedError, ImportError) as err:
            print(f"dask: not available here ({type(err).__name__}: {err})")
            return
        for k, s in seconds.items():
            print(f"search, dask, {k} worker(s): {60 * trials / s:.1f} trials/min")
        print(f"speed-up of 2 Dask workers over 1: {seconds[1] / seconds[2]:.2f}x")


if __name__ == "__main__":
    main()
