"""glassnet's MLPClassifier / MLPRegressor vs scikit-learn's, time per epoch, in one run.

The same data (scaled), architecture, solver, batch size and number of epochs for both
(``tol=0`` and a large ``n_iter_no_change``, so that both run every epoch). Both would
compute in float64, the type of the scaled data; glassnet is given ``dtype="float32"`` by
default here (``--dtype float64`` to compare like for like).

How an epoch is timed: both estimators append to ``loss_curve_`` once per epoch, at its
end; after a first one-epoch fit, ``loss_curve_`` is replaced by a list that records the
time of every append, and a warm-start fit of E epochs follows. The time of an epoch is
the interval between two appends: input checks and building the network are not in it,
and the median over all epochs of all rounds resists load from other processes (the
estimators take turns, round by round). The load average is printed before and after.
ratio = scikit-learn time / glassnet time (above 1: glassnet is faster).

Run:  python benchmarks/sklearn_mlp.py [--quick] [--dtype float64] [--threads 1]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import warnings
from typing import Any

import numpy as np
from sklearn import neural_network as sk
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from glassnet.estimators import MLPClassifier, MLPRegressor

CASES = [
    # name, loader, regression, hidden layers, solver, batch size
    ("digits", load_digits, False, (100,), "adam", "auto"),
    ("digits", load_digits, False, (64, 64), "sgd", 32),
    ("breast_cancer", load_breast_cancer, False, (100,), "adam", "auto"),
    ("diabetes", load_diabetes, True, (100,), "adam", "auto"),
    ("diabetes", load_diabetes, True, (64, 64), "adam", 32),
]


class _EpochClock(list):
    """A ``loss_curve_`` that notes the time of every append (one per epoch)."""

    def __init__(self) -> None:
        super().__init__()
        self.times = [time.perf_counter()]

    def append(self, value: float) -> None:
        super().append(value)
        self.times.append(time.perf_counter())


def _load() -> str:
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def _pair(regression: bool, hidden: tuple[int, ...], solver: str, batch: Any,
          dtype: str) -> tuple[Any, Any]:
    common = dict(hidden_layer_sizes=hidden, batch_size=batch, tol=0.0, n_iter_no_change=10**6,
                  random_state=0, learning_rate_init=1e-3, warm_start=True)
    if solver == "sgd":    # plain SGD on both sides
        ours = dict(solver="sgd")
        theirs = dict(solver="sgd", momentum=0.0, nesterovs_momentum=False)
    else:
        ours = theirs = dict(solver=solver)
    glass_cls, sk_cls = (MLPRegressor, sk.MLPRegressor) if regression else (MLPClassifier, sk.MLPClassifier)
    return glass_cls(**common, **ours, dtype=dtype), sk_cls(**common, **theirs)


def _epoch_seconds(cls: Any, params: dict[str, Any], X: np.ndarray, y: np.ndarray,
                   epochs: int) -> list[float]:
    """Seconds of each epoch of a warm-start fit of ``epochs`` epochs after a one-epoch fit."""
    estimator = cls(**{**params, "max_iter": 1}).fit(X, y)
    clock = estimator.loss_curve_ = _EpochClock()
    estimator.set_params(max_iter=epochs).fit(X, y)
    if len(clock) != epochs:
        raise RuntimeError(f"{cls.__module__} ran {len(clock)} epochs, not {epochs}")
    return list(np.diff(clock.times))


def run_case(loader: Any, regression: bool, hidden: tuple[int, ...], solver: str, batch: Any,
             epochs: int, rounds: int, dtype: str) -> tuple[float, float]:
    """Median seconds per epoch: glassnet, scikit-learn."""
    X, y = loader(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    if regression:
        y = (y - y.mean()) / y.std()
    pair = [(type(e), e.get_params()) for e in _pair(regression, hidden, solver, batch, dtype)]
    for cls, params in pair:
        _epoch_seconds(cls, params, X, y, 2)
    samples: list[list[float]] = [[], []]
    for _ in range(rounds):
        for times, (cls, params) in zip(samples, pair):
            times.extend(_epoch_seconds(cls, params, X, y, epochs))
    return statistics.median(samples[0]), statistics.median(samples[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer epochs and rounds (a smoke run)")
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"],
                        help="glassnet's dtype (scikit-learn computes in float64)")
    parser.add_argument("--threads", type=int, default=None,
                        help="BLAS threads for both (default: each library's own choice)")
    args = parser.parse_args()
    epochs, rounds = (5, 2) if args.quick else (20, 5)
    warnings.simplefilter("ignore", ConvergenceWarning)
    print(f"{os.cpu_count()} cores; {_load()}; {epochs} epochs x {rounds} rounds; glassnet "
          f"{args.dtype}; BLAS threads: {args.threads or 'default'}")
    print(f"{'data':<15}{'network':<11}{'solver':<7}{'batch':>6}{'glassnet ms':>13}{'sklearn ms':>12}"
          f"{'ratio':>8}")
    ratios = []
    with threadpool_limits(limits=args.threads, user_api="blas"):
        for name, loader, regression, hidden, solver, batch in CASES:
            g, s = run_case(loader, regression, hidden, solver, batch, epochs, rounds, args.dtype)
            ratios.append(s / g)
            net = "-".join(map(str, hidden))
            print(f"{name:<15}{net:<11}{solver:<7}{batch!s:>6}{g * 1e3:>13.2f}{s * 1e3:>12.2f}"
                  f"{s / g:>8.2f}")
    print(f"median time of an epoch; ratio = sklearn / glassnet (geometric mean "
          f"{statistics.geometric_mean(ratios):.2f}). {_load()}")


if __name__ == "__main__":
    main()
