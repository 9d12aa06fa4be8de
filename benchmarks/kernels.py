"""What each compiled kernel family of glassnet.accel saves, on the cases of the other benchmarks.

For every case (the MLPs of mlp.py, its one-row predict, LeNet of cnn.py, the estimators of
sklearn_mlp.py, the Adam step of optim_step.py, the LSTM of rnn.py) the CPU time of the
process is measured with all kernels on and with one family at a time replaced by its NumPy code; the ratio
"off / on" is printed (1.15 means the family saves 15% of that case's time). One BLAS
thread, CPU time rather than wall time and the best of interleaved rounds keep the figures
steady on a loaded machine. A kernel stays in the C extension only while it saves at
least 10% on some case.

Run:  python benchmarks/kernels.py [--rounds 11] [--case "predict one row" ...]
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable

import numpy as np
from threadpoolctl import threadpool_limits

import glassnet as gn
from glassnet import accel

FAMILIES = {
    "optimizer updates": ("adam", "sgd"),
    "softmax cross-entropy": ("softmax_cross_entropy", "softmax_cross_entropy_grad"),
    "softmax": ("softmax",),
    "relu forward/backward": ("relu", "relu_grad"),
    "lstm step": ("lstm_pre", "lstm_cell", "lstm_backward"),
    "sliding windows": ("im2col", "col2im", "max_pool", "max_pool_grad"),
}
#: Families that glassnet.accel asks for by name (None when off) rather than trying.
_LOOKED_UP = FAMILIES["optimizer updates"] + FAMILIES["lstm step"]


class _Without:
    """The compiled module with some kernels refusing every array (their NumPy code runs)."""

    def __init__(self, module: object, names: tuple[str, ...]) -> None:
        self.module, self.names = module, names

    def __getattr__(self, name: str) -> object:
        if name in self.names:
            return None if name in _LOOKED_UP else _refuse
        return getattr(self.module, name)


def _refuse(*args: object) -> None:
    raise TypeError("switched off")


def _mlp(sizes: list[int], batch: int, n: int) -> Callable[[], float]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, sizes[0])).astype(np.float32)
    classify = sizes[-1] > 1
    y = rng.integers(0, sizes[-1], n) if classify else rng.normal(size=(n, 1)).astype(np.float32)
    layers = [gn.layers.Dense(k, activation="relu") for k in sizes[1:-1]]
    layers.append(gn.layers.Dense(sizes[-1], activation="softmax" if classify else None))
    layers[0].input_dim = sizes[0]
    model = gn.Sequential(layers, seed=0)
    model.compile(optimizer=gn.optim.Adam(lr=1e-3), loss="cross_entropy" if classify else "mse")
    model.fit(X[: batch * 5], y[: batch * 5], epochs=1, batch_size=batch, verbose=0)
    return lambda: _cpu(lambda: model.fit(X, y, epochs=1, batch_size=batch, verbose=0))


def _predict_one_row() -> Callable[[], float]:
    X = np.random.default_rng(0).normal(size=(1, 784)).astype(np.float32)
    layers = [gn.layers.Dense(256, activation="relu", input_dim=784), gn.layers.Dense(128, activation="relu"),
              gn.layers.Dense(10, activation="softmax")]
    model = gn.Sequential(layers, seed=0)
    model.compile(optimizer="adam", loss="cross_entropy")
    return lambda: min(_cpu(lambda: model.predict(X)) for _ in range(300))


def _lenet() -> Callable[[], float]:
    L = gn.layers
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(512, 1, 28, 28)).astype(np.float32), rng.integers(0, 10, 512)
    model = gn.Sequential([L.Conv2D(6, 5, padding=2, activation="relu"), L.MaxPool2D(2),
                           L.Conv2D(16, 5, activation="relu"), L.MaxPool2D(2), L.Flatten(),
                           L.Dense(120, activation="relu"), L.Dense(84, activation="relu"),
                           L.Dense(10, activation="softmax")], seed=0)
    model.compile(optimizer=gn.optim.Adam(lr=1e-3), loss="cross_entropy")
    return lambda: _cpu(lambda: model.fit(X, y, epochs=1, batch_size=64, verbose=0, seed=0))


def _estimator(loader: str, hidden: tuple[int, ...], solver: str, batch: object) -> Callable[[], float]:
    from sklearn import datasets
    from sklearn.preprocessing import StandardScaler

    from glassnet.estimators import MLPClassifier, MLPRegressor

    X, y = getattr(datasets, loader)(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    regression = loader == "load_diabetes"
    if regression:
        y = (y - y.mean()) / y.std()
    cls = MLPRegressor if regression else MLPClassifier
    params = dict(hidden_layer_sizes=hidden, solver=solver, batch_size=batch, max_iter=3, tol=0.0,
                  n_iter_no_change=10**6, random_state=0, dtype="float32")
    return lambda: _cpu(lambda: cls(**params).fit(X, y))


def _adam_step() -> Callable[[], float]:
    rng = np.random.default_rng(0)
    shapes = [(784, 256), (256,), (256, 128), (128,), (128, 10), (10,)]
    params = [gn.Parameter(rng.standard_normal(s).astype(np.float32)) for s in shapes]
    opt = gn.optim.Adam(params, lr=1e-3)
    for p in params:
        p.grad[...] = rng.standard_normal(p.shape)
    return lambda: _cpu(lambda: [opt.step() for _ in range(50)])


def _lstm(batch: int, train: bool) -> Callable[[], float]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1024, 50, 8)).astype(np.float32)
    y = X[:, :, 0].mean(axis=1, keepdims=True)
    model = gn.Sequential([gn.Input((50, 8)), gn.layers.LSTM(64), gn.layers.Dense(1)], seed=0)
    model.compile(optimizer=gn.optim.Adam(lr=1e-3), loss="mse")
    model.fit(X[: batch * 2], y[: batch * 2], epochs=1, batch_size=batch, verbose=0)
    if train:
        return lambda: _cpu(lambda: model.fit(X, y, epochs=1, batch_size=batch, verbose=0))
    return lambda: _cpu(lambda: model.predict(X, batch_size=batch))


def _cpu(run: Callable[[], object]) -> float:
    start = time.process_time()
    run()
    return time.process_time() - start


CASES: dict[str, Callable[[], Callable[[], float]]] = {
    "mlp 784-256-128-10 b32": lambda: _mlp([784, 256, 128, 10], 32, 1600),
    "mlp 784-256-128-10 b128": lambda: _mlp([784, 256, 128, 10], 128, 3200),
    "mlp 784-256-128-10 b512": lambda: _mlp([784, 256, 128, 10], 512, 5120),
    "mlp 10-64-64-1 b32": lambda: _mlp([10, 64, 64, 1], 32, 4000),
    "predict one row": _predict_one_row,
    "lenet b64": _lenet,
    "MLPClassifier digits adam": lambda: _estimator("load_digits", (100,), "adam", "auto"),
    "MLPClassifier digits sgd b32": lambda: _estimator("load_digits", (64, 64), "sgd", 32),
    "MLPRegressor diabetes b32": lambda: _estimator("load_diabetes", (64, 64), "adam", 32),
    "adam step 235k": _adam_step,
    "lstm(64) 50 steps b32": lambda: _lstm(32, train=True),
    "lstm(64) predict b256": lambda: _lstm(256, train=False),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=11)
    parser.add_argument("--case", action="append", choices=list(CASES), help="default: every case")
    args = parser.parse_args()
    if not accel.compiled_available():
        raise SystemExit("the compiled kernels are not built: nothing to compare")
    warnings.filterwarnings("ignore")
    compiled = accel._compiled
    print("CPU time with one kernel family off / all on (best of", args.rounds, "rounds, one BLAS thread)")
    print(f"{'case':30s}" + "".join(f"{name:>24s}" for name in FAMILIES))
    with threadpool_limits(limits=1):
        for name in args.case or CASES:
            run = CASES[name]()
            best = {family: np.inf for family in (None, *FAMILIES)}
            for _ in range(args.rounds):
                for family in best:
                    accel._compiled = compiled if family is None else _Without(compiled, FAMILIES[family])
                    best[family] = min(best[family], run())
            accel._compiled = compiled
            print(f"{name:30s}" + "".join(f"{best[f] / best[None]:23.2f}x" for f in FAMILIES), flush=True)


if __name__ == "__main__":
    main()
