"""What replaying a recorded pass saves over running the graph, on two cases of mlp.py.

glassnet records a model's training step (``glassnet/training/replay.py``) and its
prediction (``glassnet/training/forward.py``) once per input shape and replays them. Here
the same process runs each case with the replay and with the graph every time (the other
execution path, switched off through ``replay.static_model``), and prints the ratio. CPU
time, best of several rounds, so that the figures stay steady on a loaded machine.

Run:  python benchmarks/recording.py
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable

import numpy as np

import glassnet as gn
from glassnet.layers import Dense
from glassnet.training import replay


def _best(run: Callable[[], None], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.thread_time()
        run()
        best = min(best, time.thread_time() - start)
    return best


def fit_case() -> Callable[[], float]:
    """Samples/s of one epoch of 10-64-64-1 on 8,192 rows at batch 32 (Adam, MSE)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8192, 10)).astype(np.float32)
    y = rng.normal(size=(8192, 1)).astype(np.float32)

    def measure() -> float:
        model = gn.Sequential([Dense(64, activation="relu", input_dim=10), Dense(64, activation="relu"),
                               Dense(1)], seed=0)
        model.compile(optimizer="adam", loss="mse")
        epoch = lambda: model.fit(X, y, epochs=1, batch_size=32, verbose=0)  # noqa: E731
        epoch()
        return X.shape[0] / _best(epoch, 5)

    return measure


def predict_case() -> Callable[[], float]:
    """Microseconds of one one-row predict of 784-256-128-10."""
    model = gn.Sequential([Dense(256, activation="relu", input_dim=784), Dense(128, activation="relu"),
                           Dense(10, activation="softmax")], seed=0)
    x = np.random.default_rng(1).normal(size=(1, 784)).astype(np.float32)

    def measure() -> float:
        vars(model).pop("_forward_tapes", None)
        model.predict(x)
        calls = 200
        return _best(lambda: [model.predict(x) for _ in range(calls)], 100) / calls * 1e6

    return measure


def main() -> None:
    warnings.filterwarnings("ignore", message=".*predicts with the random weights", category=UserWarning)
    recorded = replay.static_model
    for label, unit, make in (("fit 10-64-64-1, batch 32", "samples/s", fit_case),
                              ("predict 784-256-128-10, 1 row", "us", predict_case)):
        measure = make()
        on = measure()
        replay.static_model = lambda model, training: False
        try:
            off = measure()
        finally:
            replay.static_model = recorded
        gain = on / off if unit == "samples/s" else off / on
        print(f"{label:<32} replayed {on:>10,.1f} {unit}   graph {off:>10,.1f} {unit}   x{gain:.2f}")


if __name__ == "__main__":
    main()
