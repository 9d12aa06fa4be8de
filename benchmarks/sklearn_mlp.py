"""glassnet's MLPClassifier / MLPRegressor vs scikit-learn's, time per epoch, in one run.

The same data (scaled), architecture, solver, batch size and number of epochs for both
(``tol=0`` and a large ``n_iter_no_change``, so that both run every epoch); each estimator
as a user runs it: scikit-learn computes in float64 (its input's type), glassnet in float32
(its default; ``--dtype float64`` to compare like for like). The time of an epoch is the
difference between a fit of 2E epochs and one of E epochs, divided by E: what one more
epoch costs, without the fixed cost of a fit (input checks, building the network), which
is printed apart (the time of a fit of E epochs over E, "fit/E"). Rounds are interleaved
and the median is reported, so that load from other processes hits both alike; the load
average is printed before and after. ratio = scikit-learn time / glassnet time (above 1:
glassnet is faster).

Run:  python benchmarks/sklearn_mlp.py [--quick] [--dtype float64]
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

from glassnet.estimators import MLPClassifier, MLPRegressor

CASES = [
    # name, loader, regression, hidden layers, solver, batch size
    ("digits", load_digits, False, (100,), "adam", "auto"),
    ("digits", load_digits, False, (64, 64), "sgd", 32),
    ("breast_cancer", load_breast_cancer, False, (100,), "adam", "auto"),
    ("diabetes", load_diabetes, True, (100,), "adam", "auto"),
    ("diabetes", load_diabetes, True, (64, 64), "adam", 32),
]


def _load() -> str:
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def _pair(regression: bool, hidden: tuple[int, ...], solver: str, batch: Any,
          dtype: str) -> tuple[Any, Any]:
    common = dict(hidden_layer_sizes=hidden, batch_size=batch, tol=0.0,
                  n_iter_no_change=10**6, random_state=0, learning_rate_init=1e-3)
    if solver == "sgd":    # plain SGD on both sides
        ours = dict(solver="sgd")
        theirs = dict(solver="sgd", momentum=0.0, nesterovs_momentum=False)
    else:
        ours = theirs = dict(solver=solver)
    glass_cls, sk_cls = (MLPRegressor, sk.MLPRegressor) if regression else (MLPClassifier, sk.MLPClassifier)
    return glass_cls(**common, **ours, dtype=dtype), sk_cls(**common, **theirs)


def _fit_seconds(estimator: Any, X: np.ndarray, y: np.ndarray, epochs: int) -> float:
    estimator.set_params(max_iter=epochs)
    start = time.perf_counter()
    estimator.fit(X, y)
    seconds = time.perf_counter() - start
    if estimator.n_iter_ != epochs:
        raise RuntimeError(f"{type(estimator).__module__} ran {estimator.n_iter_} epochs, not {epochs}")
    return seconds


def _epoch_and_fit(estimator: Any, X: np.ndarray, y: np.ndarray, epochs: int) -> tuple[float, float]:
    """(seconds of one more epoch, seconds of a fit of ``epochs`` epochs over ``epochs``)."""
    short = _fit_seconds(estimator, X, y, epochs)
    long = _fit_seconds(estimator, X, y, 2 * epochs)
    return (long - short) / epochs, short / epochs


def run_case(loader: Any, regression: bool, hidden: tuple[int, ...], solver: str, batch: Any,
             epochs: int, rounds: int, dtype: str) -> list[float]:
    """Median seconds per epoch and per fit/E: glassnet, scikit-learn, glassnet, scikit-learn."""
    X, y = loader(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    if regression:
        y = (y - y.mean()) / y.std()
    pair = _pair(regression, hidden, solver, batch, dtype)
    for estimator in pair:
        _fit_seconds(estimator, X, y, 2)
    samples: list[list[float]] = [[], [], [], []]
    for _ in range(rounds):
        for i, estimator in enumerate(pair):
            epoch, fit = _epoch_and_fit(estimator, X, y, epochs)
            samples[i].append(epoch)
            samples[i + 2].append(fit)
    return [statistics.median(s) for s in samples]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer epochs and rounds (a smoke run)")
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"],
                        help="glassnet's dtype (scikit-learn computes in float64)")
    args = parser.parse_args()
    epochs, rounds = (5, 3) if args.quick else (20, 7)
    warnings.simplefilter("ignore", ConvergenceWarning)
    print(f"{os.cpu_count()} cores; {_load()}; {epochs} epochs x {rounds} rounds; glassnet {args.dtype}")
    print(f"{'':<39}{'ms per epoch':^32}{'ms per fit/E':^24}")
    print(f"{'data':<15}{'network':<11}{'solver':<7}{'batch':>6}{'glassnet':>11}{'sklearn':>11}"
          f"{'ratio':>8}{'glassnet':>11}{'sklearn':>11}")
    ratios = []
    for name, loader, regression, hidden, solver, batch in CASES:
        g, s, g_fit, s_fit = run_case(loader, regression, hidden, solver, batch, epochs, rounds,
                                      args.dtype)
        ratios.append(s / g)
        net = "-".join(map(str, hidden))
        print(f"{name:<15}{net:<11}{solver:<7}{batch!s:>6}{g * 1e3:>11.2f}{s * 1e3:>11.2f}"
              f"{s / g:>8.2f}{g_fit * 1e3:>11.2f}{s_fit * 1e3:>11.2f}")
    print(f"median of {rounds} rounds, E = {epochs}; ratio = sklearn / glassnet per epoch "
          f"(geometric mean {statistics.geometric_mean(ratios):.2f}). {_load()}")


if __name__ == "__main__":
    main()
