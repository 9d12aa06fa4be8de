"""glassnet vs PyTorch (CPU) on MLPs, side by side in one run.

Trains the same networks on the same synthetic data and prints samples/s for both and
the ratio (glassnet / PyTorch; above 1 means glassnet is faster). PyTorch runs with 1 and
with 2 threads and is compared at its better setting. Rounds are interleaved and the
median is reported, so that load from other processes hits both alike.

Run:  python benchmarks/mlp.py [--quick]

Figures behind design choices in glassnet/, measured once on a 2-core machine when each was
made (the code states the reason; rerun this script before relying on a figure):

- weights on a 64-byte boundary (``glassnet/_aligned.py``): a 784x256 float32 matrix 16 bytes
  off a 32-byte boundary made the one-row product x W 30% slower (8.8 instead of 6.7 us);
- the compiled softmax (``glassnet/activations``): 24 us for 1,000 rows of 10 classes, NumPy 85 us;
- the compiled softmax cross-entropy (``glassnet/losses/classification.py``): 3 to 10 times
  faster than the NumPy calls on batches of 32 to 200 rows of 10 classes;
- the bias gradient as ``ones @ delta`` (``glassnet/ops/linalg.py``): 2 to 7 times faster than
  ``delta.sum(axis=0)`` on float32 batches of 32 to 1,000 rows;
- the outer product for an inner dimension of 1: 2.5x (one feature) to 5x (one sample of
  784 x 256) faster than matmul; ``np.dot`` for a 2-D x: 0.2-0.3 us less per small product;
- the recorded forward pass of ``predict`` as one generated function
  (``glassnet/training/forward.py``): about 2 us less per one-row prediction of 784-256-128-10
  than a loop over the recorded calls, which is as fast as calling the operations directly;
- ``ndarray.setflags`` against ``flags.writeable = ...``: ten times faster (``glassnet/_saved.py``);
- the fused weight penalty (``glassnet/regularizers.py``): composed of engine ops it cost a
  third of an epoch of a 64-64-64-10 network on batches of 32;
- ``np.errstate`` as a decorator rather than a ``with`` block (``glassnet/training/evaluation.py``):
  0.36 instead of 0.82 us per call.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import warnings

import numpy as np
import torch

import glassnet as gn

ROUNDS = 5


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def _data(n: int, n_in: int, n_out: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_in)).astype(np.float32)
    y = rng.integers(0, n_out, n) if n_out > 1 else rng.normal(size=(n, 1)).astype(np.float32)
    return X, y


def _glassnet_model(sizes: list[int], classify: bool) -> gn.Sequential:
    layers = [gn.layers.Dense(n, activation="relu") for n in sizes[1:-1]]
    layers.append(gn.layers.Dense(sizes[-1], activation="softmax" if classify else None))
    layers[0].input_dim = sizes[0]
    model = gn.Sequential(layers, seed=0)
    model.compile(optimizer=gn.optim.Adam(lr=1e-3), loss="cross_entropy" if classify else "mse")
    model.build()
    return model


def _torch_model(sizes: list[int]) -> torch.nn.Sequential:
    mods: list[torch.nn.Module] = []
    for a, b in zip(sizes[:-2], sizes[1:-1]):
        mods += [torch.nn.Linear(a, b), torch.nn.ReLU()]
    mods.append(torch.nn.Linear(sizes[-2], sizes[-1]))
    return torch.nn.Sequential(*mods)


def _time_glassnet(model: gn.Sequential, X: np.ndarray, y: np.ndarray, batch: int) -> float:
    start = time.perf_counter()
    model.fit(X, y, epochs=1, batch_size=batch, verbose=0)
    return len(X) / (time.perf_counter() - start)


def _time_torch(model: torch.nn.Module, opt: torch.optim.Optimizer, loss_fn: torch.nn.Module,
                X: torch.Tensor, y: torch.Tensor, batch: int, threads: int) -> float:
    torch.set_num_threads(threads)
    gen = torch.Generator().manual_seed(0)
    start = time.perf_counter()
    order = torch.randperm(len(X), generator=gen)
    for i in range(0, len(X), batch):
        idx = order[i:i + batch]
        opt.zero_grad()
        loss = loss_fn(model(X[idx]), y[idx])
        loss.backward()
        opt.step()
    return len(X) / (time.perf_counter() - start)


def train_case(sizes: list[int], batch: int, n: int) -> tuple[float, float, int]:
    classify = sizes[-1] > 1
    X, y = _data(n, sizes[0], sizes[-1])
    g_model = _glassnet_model(sizes, classify)
    t_model = _torch_model(sizes)
    t_opt = torch.optim.Adam(t_model.parameters(), lr=1e-3)
    t_loss = torch.nn.CrossEntropyLoss() if classify else torch.nn.MSELoss()
    tX = torch.from_numpy(X)
    ty = torch.from_numpy(y) if classify else torch.from_numpy(y)
    _time_glassnet(g_model, X[: batch * 20], y[: batch * 20], batch)
    for threads in (1, 2):
        _time_torch(t_model, t_opt, t_loss, tX[: batch * 20], ty[: batch * 20], batch, threads)
    g, t1, t2 = [], [], []
    for _ in range(ROUNDS):
        g.append(_time_glassnet(g_model, X, y, batch))
        t1.append(_time_torch(t_model, t_opt, t_loss, tX, ty, batch, 1))
        t2.append(_time_torch(t_model, t_opt, t_loss, tX, ty, batch, 2))
    m1, m2 = statistics.median(t1), statistics.median(t2)
    return statistics.median(g), max(m1, m2), 1 if m1 >= m2 else 2


def predict_case(sizes: list[int], rows: int, repeats: int) -> tuple[float, float]:
    """Median seconds per predict call for glassnet and PyTorch (best thread setting)."""
    X, _ = _data(rows, sizes[0], sizes[-1])
    g_model = _glassnet_model(sizes, sizes[-1] > 1)
    # Untrained weights time the same as trained ones: no warning about them here.
    warnings.filterwarnings("ignore", message=".*predicts with the random weights", category=UserWarning)
    t_model = _torch_model(sizes).eval()
    tX = torch.from_numpy(X)

    def g_call() -> None:
        g_model.predict(X)

    def t_call() -> None:
        with torch.inference_mode():
            torch.softmax(t_model(tX), dim=1)

    results = []
    for fn, threads in ((g_call, None), (t_call, 1), (t_call, 2)):
        if threads:
            torch.set_num_threads(threads)
        for _ in range(repeats // 10):
            fn()
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        results.append(statistics.median(times))
    return results[0], min(results[1], results[2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples (a smoke run)")
    args = parser.parse_args()
    n = 4096 if args.quick else 16384
    print(f"glassnet {gn.__version__} vs torch {torch.__version__}; {os.cpu_count()} cores; {_load()}")
    print(f"{'network':<22}{'batch':>6}{'glassnet/s':>13}{'torch/s':>13}{'threads':>8}{'ratio':>8}")
    for sizes, batch in (([784, 256, 128, 10], 32), ([784, 256, 128, 10], 128), ([784, 256, 128, 10], 512),
                         ([10, 64, 64, 1], 32)):
        g, t, threads = train_case(sizes, batch, n)
        name = "-".join(map(str, sizes))
        print(f"{name:<22}{batch:>6}{g:>13,.0f}{t:>13,.0f}{threads:>8}{g / t:>8.2f}")
    print(f"\n{'predict latency':<30}{'glassnet':>12}{'torch':>12}{'ratio':>8}")
    for rows, repeats in ((1, 2000), (1000, 200)):
        g, t = predict_case([784, 256, 128, 10], rows, repeats)
        print(f"{'784-256-128-10, ' + str(rows) + ' row(s)':<30}{g * 1e6:>10.1f}us{t * 1e6:>10.1f}us"
              f"{t / g:>8.2f}")
    print(f"(ratio = torch time / glassnet time; above 1 means glassnet is faster). {_load()}")


if __name__ == "__main__":
    main()
