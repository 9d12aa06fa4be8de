"""glassnet vs PyTorch (CPU) on LeNet-5, side by side in one run: training and inference.

LeNet-5 on 28 x 28 x 1 synthetic images, batch 64, Adam, float32:

    conv 6@5x5 pad 2, relu, max pool 2, conv 16@5x5, relu, max pool 2,
    dense 120 relu, dense 84 relu, dense 10

glassnet trains with ``model.fit`` and predicts with ``model.predict``; PyTorch runs the
usual loop (``zero_grad``, forward, ``CrossEntropyLoss``, ``backward``, ``Adam.step``) and
inference under ``torch.inference_mode``. Both run with 1 and with 2 threads (PyTorch's
intra-op threads; glassnet's op threads, ``gn.set_num_threads``, which split the
convolutions and poolings, with NumPy's BLAS on one thread) and are compared at their
better setting. Each configuration runs in its own subprocess of this
same script, so that its peak resident memory (RSS) is its own; the subprocesses are
interleaved over several rounds and the median throughput is reported, so that load from
other processes hits all alike.

Run:  python benchmarks/cnn.py [--rounds 5] [--quick]

Figures behind design choices in ``glassnet/ops/_window.py``, measured once on a 2-core
machine: with two BLAS threads for the chunked products and another process on the other
core, LeNet-5 inference ran 20 times slower; fresh temporaries instead of reused scratch
arrays cost about 2,000 page faults per training step. With the machine busy (load
average 20), two BLAS threads for the dense layers alone made LeNet-5 training 9 times
slower, with one op thread or two; hence one BLAS thread beside glassnet's op threads.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

import numpy as np

BATCH = 64
CONFIGS = (("glassnet", 1), ("glassnet", 2), ("torch", 1), ("torch", 2))


def _data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 1, 28, 28)).astype(np.float32), rng.integers(0, 10, n)


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _best_of_chunks(run_chunk, chunks: int) -> float:
    """Median seconds of ``chunks`` timed calls (after one warm-up call)."""
    run_chunk()
    times = []
    for _ in range(chunks):
        start = time.perf_counter()
        run_chunk()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def glassnet_worker(n: int, chunks: int, threads: int) -> dict[str, float]:
    from threadpoolctl import threadpool_limits

    import glassnet as gn

    gn.set_num_threads(threads)
    with threadpool_limits(limits=1, user_api="blas"):
        return _glassnet_run(gn, n, chunks)


def _glassnet_run(gn, n: int, chunks: int) -> dict[str, float]:
    L = gn.layers
    X, y = _data(n)
    model = gn.Sequential([
        L.Conv2D(6, 5, padding=2, activation="relu"), L.MaxPool2D(2),
        L.Conv2D(16, 5, activation="relu"), L.MaxPool2D(2), L.Flatten(),
        L.Dense(120, activation="relu"), L.Dense(84, activation="relu"),
        L.Dense(10, activation="softmax"),
    ], seed=0)
    model.compile(optimizer=gn.optim.Adam(lr=1e-3), loss="cross_entropy")
    train = _best_of_chunks(lambda: model.fit(X, y, epochs=1, batch_size=BATCH, verbose=0, seed=0), chunks)
    infer = _best_of_chunks(lambda: model.predict(X, batch_size=BATCH), chunks)
    return {"train": n / train, "infer": n / infer, "rss": _peak_rss_mib()}


def torch_worker(n: int, chunks: int, threads: int) -> dict[str, float]:
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    nn = torch.nn
    X, y = (torch.from_numpy(a) for a in _data(n))
    model = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    )
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(0)

    def epoch() -> None:
        model.train()
        order = torch.randperm(n, generator=generator)
        for i in range(0, n, BATCH):
            idx = order[i:i + BATCH]
            opt.zero_grad()
            loss_fn(model(X[idx]), y[idx]).backward()
            opt.step()

    def predict() -> None:
        model.eval()
        with torch.inference_mode():
            for i in range(0, n, BATCH):
                torch.softmax(model(X[i:i + BATCH]), dim=1)

    train = _best_of_chunks(epoch, chunks)
    infer = _best_of_chunks(predict, chunks)
    return {"train": n / train, "infer": n / infer, "rss": _peak_rss_mib()}


def _run_worker(name: str, threads: int, n: int, chunks: int) -> dict[str, float]:
    command = [sys.executable, __file__, "--worker", name, "--threads", str(threads),
               "--samples", str(n), "--chunks", str(chunks)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _load() -> str:
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (median reported)")
    parser.add_argument("--quick", action="store_true", help="fewer samples and rounds (a smoke run)")
    parser.add_argument("--worker", choices=("glassnet", "torch"), help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--samples", type=int, default=1024, help=argparse.SUPPRESS)
    parser.add_argument("--chunks", type=int, default=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker == "glassnet":
        print(json.dumps(glassnet_worker(args.samples, args.chunks, args.threads)))
        return
    if args.worker == "torch":
        print(json.dumps(torch_worker(args.samples, args.chunks, args.threads)))
        return
    rounds, n = (2, 512) if args.quick else (args.rounds, 1024)
    print(f"LeNet-5, 28x28x1, batch {BATCH}, Adam, float32; {n} samples per timed epoch; "
          f"{os.cpu_count()} cores; {_load()}")
    results: dict[tuple[str, int], list[dict[str, float]]] = {config: [] for config in CONFIGS}
    for _ in range(rounds):
        for name, threads in CONFIGS:
            results[(name, threads)].append(_run_worker(name, threads, n, 3))
    report(results)
    print(_load())


def report(results: dict[tuple[str, int], list[dict[str, float]]]) -> None:
    """Median samples/s per configuration, glassnet / PyTorch at their better settings, RSS."""
    med = {config: {key: statistics.median(r[key] for r in runs) for key in ("train", "infer", "rss")}
           for config, runs in results.items()}
    print(f"{'':<22}{'train samples/s':>17}{'infer samples/s':>17}{'peak RSS MiB':>14}")
    for (name, threads), m in med.items():
        label = f"{name} {_threads(threads)}"
        print(f"{label:<22}{m['train']:>17,.0f}{m['infer']:>17,.0f}{m['rss']:>14,.0f}")
    for key, target in (("train", 1.0), ("infer", 1.0)):
        g = max((1, 2), key=lambda t: med[("glassnet", t)][key])
        t = max((1, 2), key=lambda t: med[("torch", t)][key])
        ratio = med[("glassnet", g)][key] / med[("torch", t)][key]
        print(f"{key:<6} glassnet ({_threads(g)}) / torch ({_threads(t)}): {ratio:.2f}x "
              f"(target >= {target}x)")


def _threads(n: int) -> str:
    return f"{n} thread{'s' if n > 1 else ''}"


if __name__ == "__main__":
    main()
