"""glassnet vs PyTorch (CPU) on an LSTM, side by side in one run.

LSTM(64) on sequences of 50 steps of 8 features, then Dense(1), trained by Adam on batches
of 32 (MSE); then inference on the same sequences. Prints samples/s for both and the ratio
(glassnet / PyTorch; above 1 means glassnet is faster). PyTorch runs with 1 and with 2
threads and is compared at its better setting. Rounds are interleaved and the median is
reported, so that load from other processes hits both alike. The peak resident memory of
each library is measured in a fresh process of its own doing one epoch and one inference
pass (glassnet's process never imports torch).

Run:  python benchmarks/rnn.py [--quick]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import statistics
import time
import warnings

import numpy as np

T, FEATURES, UNITS, BATCH, PREDICT_BATCH = 50, 8, 64, 32, 256
ROUNDS = 5


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def _data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, T, FEATURES)).astype(np.float32)
    return X, X[:, :, 0].mean(axis=1, keepdims=True).astype(np.float32)


# ---------------------------------------------------------------------------- glassnet
def _glassnet_model():  # noqa: ANN202 - glassnet is imported in the function
    import glassnet as gn

    model = gn.Sequential([gn.Input((T, FEATURES)), gn.layers.LSTM(UNITS), gn.layers.Dense(1)], seed=0)
    model.compile(optimizer=gn.optim.Adam(lr=1e-3), loss="mse")
    return model


def _glassnet_train(model, X: np.ndarray, y: np.ndarray) -> float:  # noqa: ANN001
    start = time.perf_counter()
    model.fit(X, y, epochs=1, batch_size=BATCH, verbose=0)
    return len(X) / (time.perf_counter() - start)


def _glassnet_predict(model, X: np.ndarray) -> float:  # noqa: ANN001
    start = time.perf_counter()
    model.predict(X, batch_size=PREDICT_BATCH)
    return len(X) / (time.perf_counter() - start)


# ---------------------------------------------------------------------------- PyTorch
class _TorchModel:
    """nn.LSTM(batch_first) + nn.Linear, Adam, MSE: the same network in PyTorch."""

    def __init__(self) -> None:
        import torch

        torch.manual_seed(0)
        self.torch = torch
        self.lstm = torch.nn.LSTM(FEATURES, UNITS, batch_first=True)
        self.head = torch.nn.Linear(UNITS, 1)
        params = [*self.lstm.parameters(), *self.head.parameters()]
        self.opt = torch.optim.Adam(params, lr=1e-3)

    def forward(self, x):  # noqa: ANN001, ANN201
        return self.head(self.lstm(x)[1][0][0])

    def train(self, X: np.ndarray, y: np.ndarray, threads: int) -> float:
        torch = self.torch
        torch.set_num_threads(threads)
        tX, ty = torch.from_numpy(X), torch.from_numpy(y)
        start = time.perf_counter()
        order = torch.randperm(len(X), generator=torch.Generator().manual_seed(0))
        for i in range(0, len(X), BATCH):
            idx = order[i:i + BATCH]
            self.opt.zero_grad()
            loss = torch.nn.functional.mse_loss(self.forward(tX[idx]), ty[idx])
            loss.backward()
            self.opt.step()
        return len(X) / (time.perf_counter() - start)

    def predict(self, X: np.ndarray, threads: int) -> float:
        torch = self.torch
        torch.set_num_threads(threads)
        tX = torch.from_numpy(X)
        start = time.perf_counter()
        with torch.inference_mode():
            for i in range(0, len(X), PREDICT_BATCH):
                self.forward(tX[i:i + PREDICT_BATCH]).numpy()
        return len(X) / (time.perf_counter() - start)


# ---------------------------------------------------------------------------- runs
def _speeds(n: int) -> dict[str, tuple[float, float, int]]:
    """Median samples/s of training and inference: glassnet, and PyTorch at its better thread setting."""
    warnings.filterwarnings("ignore", message=".*predicts with the random weights", category=UserWarning)
    X, y = _data(n)
    ours, theirs = _glassnet_model(), _TorchModel()
    warm = BATCH * 4
    _glassnet_train(ours, X[:warm], y[:warm])
    _glassnet_predict(ours, X[:PREDICT_BATCH])
    for threads in (1, 2):
        theirs.train(X[:warm], y[:warm], threads)
        theirs.predict(X[:PREDICT_BATCH], threads)
    runs: dict[str, list[float]] = {key: [] for key in ("g_train", "g_pred", "t_train1", "t_train2",
                                                         "t_pred1", "t_pred2")}
    for _ in range(ROUNDS):
        runs["g_train"].append(_glassnet_train(ours, X, y))
        runs["g_pred"].append(_glassnet_predict(ours, X))
        for threads in (1, 2):
            runs[f"t_train{threads}"].append(theirs.train(X, y, threads))
            runs[f"t_pred{threads}"].append(theirs.predict(X, threads))
    med = {key: statistics.median(values) for key, values in runs.items()}
    out = {}
    for task in ("train", "pred"):
        best = 1 if med[f"t_{task}1"] >= med[f"t_{task}2"] else 2
        out[task] = (med[f"g_{task}"], med[f"t_{task}{best}"], best)
    return out


def _peak_rss(library: str, n: int, queue: multiprocessing.Queue) -> None:
    """One epoch and one inference pass in this fresh process; its peak resident memory in MB."""
    warnings.filterwarnings("ignore", message=".*predicts with the random weights", category=UserWarning)
    X, y = _data(n)
    if library == "glassnet":
        model = _glassnet_model()
        _glassnet_train(model, X, y)
        _glassnet_predict(model, X)
    else:
        model = _TorchModel()
        model.train(X, y, 2)
        model.predict(X, 2)
    queue.put(_high_water_mark())


def _high_water_mark() -> float:
    """This process's peak resident memory in MB: VmHWM, which starts anew at exec (getrusage's
    ru_maxrss would report the parent's peak if it was higher)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _measure_rss(library: str, n: int) -> float:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_peak_rss, args=(library, n, queue))
    process.start()
    peak = queue.get()
    process.join()
    return peak


def main() -> None:
    import torch

    import glassnet as gn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples (a smoke run)")
    args = parser.parse_args()
    n = 512 if args.quick else 2048
    print(f"glassnet {gn.__version__} vs torch {torch.__version__}; {os.cpu_count()} cores; {_load()}")
    print(f"LSTM({UNITS}) on {n} sequences of {T} steps x {FEATURES} features, then Dense(1); Adam, "
          f"batch {BATCH}")
    speeds = _speeds(n)
    print(f"{'':<26}{'glassnet/s':>12}{'torch/s':>12}{'threads':>9}{'ratio':>8}")
    for task, label in (("train", "training"), ("pred", f"inference (batch {PREDICT_BATCH})")):
        g, t, threads = speeds[task]
        print(f"{label:<26}{g:>12,.0f}{t:>12,.0f}{threads:>9}{g / t:>8.2f}")
    rss = {library: _measure_rss(library, n) for library in ("glassnet", "torch")}
    print(f"peak RSS (a fresh process each, one epoch + one inference pass): glassnet {rss['glassnet']:.0f} "
          f"MB, torch {rss['torch']:.0f} MB")
    print(f"(ratio = glassnet samples/s / torch samples/s; above 1 means glassnet is faster). {_load()}")


if __name__ == "__main__":
    main()
