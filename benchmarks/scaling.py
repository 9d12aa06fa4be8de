"""How glassnet's cost grows: time per epoch against rows, speed against width, memory against rows.

In one run, on this machine:

1. seconds per epoch against rows (1e3 ... 1e7; ``--quick`` stops at 1e6) of a 20-64-64-1 MLP
   (Adam, MSE, batch 512, shuffled, one BLAS thread: on a shared machine two threads wait
   for each other for as long as the load decides) trained from a memory-mapped float32 file, with the slope
   of log(seconds) against log(rows) fitted by least squares (target 1.0 +- 0.1);
2. samples/s against the hidden width (64 ... 4096) of a 20-w-w-1 MLP at batch 512, and the
   fraction of this machine's float32 GEMM peak it reaches (the peak measured here with a
   large ``np.dot``; the flops of a step counted as 2 per multiply-add of the forward
   products and of the backward ones it needs); target >= 80% at width >= 1024;
3. peak RSS against rows for the data in memory and memory-mapped, each run in a fresh
   subprocess (its VmHWM; Linux's ``ru_maxrss`` would keep the parent's peak) training 50
   batches of 512 (the memory a pass holds is taken at its start: the data or the order of
   its rows; the tests train whole epochs).

Times are CPU seconds of the process (``time.process_time``, every thread counted): on a
machine shared with other work, wall-clock time measures the other work's share of the
cores as much as glassnet. Samples/s and GFLOP/s are per CPU-second, the peak included.

It writes three PNGs into benchmarks/results/ and its table into README.md between
``<!-- scaling:begin -->`` and ``<!-- scaling:end -->``.

Run:  python benchmarks/scaling.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
README = HERE.parent / "README.md"
BEGIN, END = "<!-- scaling:begin -->", "<!-- scaling:end -->"
FEATURES, BATCH = 20, 512


def gemm_peak(n: int = 2048, repeats: int = 5) -> float:
    """The best float32 GFLOP per CPU-second of an n x n by n x n ``np.dot`` (2 n^3 flops)."""
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(n, n)).astype(np.float32), rng.normal(size=(n, n)).astype(np.float32)
    np.dot(a, b)
    best = min(_timed(lambda: np.dot(a, b)) for _ in range(repeats))
    return 2 * n**3 / best / 1e9


def _timed(fn) -> float:
    start = time.process_time()
    fn()
    return time.process_time() - start


def _mlp(width: int):
    import glassnet as gn

    model = gn.Sequential(
        [
            gn.layers.Dense(width, activation="relu"),
            gn.layers.Dense(width, activation="relu"),
            gn.layers.Dense(1),
        ]
    )
    model.compile(optimizer="adam", loss="mse")
    return model


class _EpochTimes:
    """A callback keeping the seconds of every epoch."""

    def __new__(cls):
        import glassnet as gn

        class EpochTimes(gn.callbacks.Callback):
            def __init__(self) -> None:
                super().__init__()
                self.seconds: list[float] = []

            def on_epoch_begin(self, epoch, logs=None):
                self._start = time.process_time()

            def on_epoch_end(self, epoch, logs=None):
                self.seconds.append(time.process_time() - self._start)

        return EpochTimes()


def write_file(path: Path, rows: int) -> None:
    """A float32 .npy file of ``rows`` x 20 features and its target, written block by block."""
    x = np.lib.format.open_memmap(path / "x.npy", mode="w+", dtype=np.float32, shape=(rows, FEATURES))
    y = np.lib.format.open_memmap(path / "y.npy", mode="w+", dtype=np.float32, shape=(rows,))
    rng = np.random.default_rng(0)
    w = rng.normal(size=FEATURES).astype(np.float32)
    for start in range(0, rows, 1 << 18):
        block = rng.normal(size=(min(1 << 18, rows - start), FEATURES)).astype(np.float32)
        x[start : start + len(block)] = block
        y[start : start + len(block)] = np.tanh(block @ w)
    x.flush()
    y.flush()


def epoch_seconds(path: Path, rows: int) -> float:
    """The median seconds of an epoch after the first, on the first ``rows`` rows of the file."""
    x, y = np.load(path / "x.npy", mmap_mode="r")[:rows], np.load(path / "y.npy", mmap_mode="r")[:rows]
    epochs = int(np.clip(2e5 / rows + 2, 3, 40))
    timer = _EpochTimes()
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):  # the machine's load does not decide the slope
        _mlp(64).fit(x, y, epochs=epochs, batch_size=BATCH, seed=0, verbose=0, callbacks=[timer])
    return float(np.median(timer.seconds[1:]))


def flops_per_sample(width: int) -> float:
    """Training flops of one sample of a 20-w-w-1 MLP: forward 2 per multiply-add; backward the
    weight gradient of every layer and the input gradient of all but the first (2 each)."""
    products = [(FEATURES, width), (width, width), (width, 1)]
    forward = sum(2 * a * b for a, b in products)
    backward = sum(2 * a * b for a, b in products) + sum(2 * a * b for a, b in products[1:])
    return forward + backward


def width_speed(width: int) -> float:
    """Samples/s of a 20-w-w-1 MLP training at batch 512 on data in memory."""
    rows = BATCH * int(np.clip(2**20 // (width * width) + 4, 4, 16))
    rng = np.random.default_rng(0)
    x = rng.normal(size=(rows, FEATURES)).astype(np.float32)
    y = rng.normal(size=rows).astype(np.float32)
    timer = _EpochTimes()
    _mlp(width).fit(x, y, epochs=4, batch_size=BATCH, seed=0, verbose=0, callbacks=[timer])
    return rows / float(np.median(timer.seconds[1:]))


_CHILD = textwrap.dedent("""
    import resource, sys
    import numpy as np
    sys.path.insert(0, sys.argv[4])
    from scaling import _mlp
    x = np.load(sys.argv[1] + "/x.npy", mmap_mode="r")[:int(sys.argv[2])]
    y = np.load(sys.argv[1] + "/y.npy", mmap_mode="r")[:int(sys.argv[2])]
    if sys.argv[3] == "memory":
        x, y = np.array(x), np.array(y)
    _mlp(64).fit(x, y, epochs=1, batch_size=512, seed=0, verbose=0, steps_per_epoch=min(50, len(x) // 512))
    # Linux's ru_maxrss keeps the parent's peak across the fork and exec that started this
    # process; VmHWM is the peak of this program alone.
    peak = [int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:")]
    print(peak[0] // 1024 if peak else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
""")


def peak_rss(path: Path, rows: int, mode: str) -> int:
    """Peak RSS in MB of a fresh process training one epoch on ``rows`` rows (in memory or mapped)."""
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path), str(rows), mode, str(HERE)],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout.split()[-1])


def slope(xs: list[float], ys: list[float]) -> float:
    """The least-squares slope of log(ys) against log(xs)."""
    return float(np.polyfit(np.log(xs), np.log(ys), 1)[0])


def gemm_fraction(width: int, speed: float, peak: float) -> float:
    """The fraction of the GEMM peak (GFLOP per CPU-second) reached at ``speed`` samples/s."""
    return speed * flops_per_sample(width) / (peak * 1e9)


def plot(results: dict, peak: float) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    RESULTS.mkdir(exist_ok=True)

    def figure(name: str, draw, **labels) -> None:
        fig, ax = plt.subplots(figsize=(5, 4))
        draw(ax)
        ax.set(**labels)
        fig.tight_layout()
        fig.savefig(RESULTS / name, dpi=100)

    def rss(ax) -> None:
        for mode in ("memory", "mapped"):
            pairs = [(r, mb) for r, m, mb in results["rss"] if m == mode]
            ax.loglog(*zip(*pairs), "o-", label="in memory" if mode == "memory" else "memory-mapped")
        ax.legend()

    figure(
        "epoch_seconds_vs_rows.png",
        lambda ax: ax.loglog(*zip(*results["epochs"]), "o-"),
        xlabel="rows",
        ylabel="CPU seconds per epoch",
        title=f"20-64-64-1, memory-mapped (slope {results['slope']:.2f})",
    )
    figure(
        "gemm_fraction_vs_width.png",
        lambda ax: ax.semilogx(
            [w for w, _ in results["widths"]],
            [100 * gemm_fraction(w, s, peak) for w, s in results["widths"]],
            "o-",
        ),
        xlabel="hidden width",
        ylabel="% of float32 GEMM peak",
        title=f"batch 512; peak {peak:.0f} GFLOP per CPU-s",
    )
    figure(
        "peak_rss_vs_rows.png",
        rss,
        xlabel="rows",
        ylabel="peak RSS (MB)",
        title="50 batches of 512, 20 features",
    )
    plt.close("all")


def table(results: dict, peak: float, load: str) -> str:
    lines = [
        f"Measured by `python benchmarks/scaling.py{' --quick' if results['quick'] else ''}` "
        f"(load average {load}; float32 GEMM peak {peak:.0f} GFLOP per CPU-second):",
        "",
        "| rows | CPU s / epoch (memory-mapped) | peak RSS in memory (MB) | peak RSS memory-mapped (MB) |",
        "|---:|---:|---:|---:|",
    ]
    rss = {(r, m): mb for r, m, mb in results["rss"]}
    for rows, seconds in results["epochs"]:
        lines.append(
            f"| {rows:.0e} | {seconds:.4g} | {rss.get((rows, 'memory'), '')} | "
            f"{rss.get((rows, 'mapped'), '')} |"
        )
    lines += [
        "",
        f"log-log slope of seconds per epoch against rows: **{results['slope']:.2f}** (target 1.0 ± 0.1)",
        "",
        "| hidden width | samples per CPU-second (batch 512) | % of GEMM peak |",
        "|---:|---:|---:|",
    ]
    for width, speed in results["widths"]:
        lines.append(f"| {width} | {speed:,.0f} | {100 * gemm_fraction(width, speed, peak):.0f}% |")
    return "\n".join(lines)


def write_readme(text: str) -> None:
    readme = README.read_text(encoding="utf-8")
    if BEGIN not in readme:
        return
    head, rest = readme.split(BEGIN, 1)
    README.write_text(f"{head}{BEGIN}\n{text}\n{END}{rest.split(END, 1)[1]}", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="rows up to 1e6 (instead of 1e7), fewer widths")
    args = parser.parse_args()
    sizes = [10**k for k in range(3, 7 if args.quick else 8)]
    widths = [64, 256, 1024, 2048] if args.quick else [64, 256, 512, 1024, 2048, 4096]
    load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"load average {load}")
    peak = gemm_peak()
    print(f"float32 GEMM peak: {peak:.1f} GFLOP/s")
    results = {"quick": args.quick, "epochs": [], "widths": [], "rss": []}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder)
        write_file(path, sizes[-1])
        for rows in sizes:
            results["epochs"].append((rows, epoch_seconds(path, rows)))
            print(f"rows {rows:>9,}: {results['epochs'][-1][1]:.4g} s per epoch", flush=True)
        results["slope"] = slope(*zip(*results["epochs"]))
        print(f"log-log slope {results['slope']:.3f} (target 1.0 +- 0.1)")
        for rows in sizes[1:]:
            for mode in ("memory", "mapped"):
                results["rss"].append((rows, mode, peak_rss(path, rows, mode)))
                print(f"rows {rows:>9,} {mode:>6}: peak RSS {results['rss'][-1][2]} MB", flush=True)
    for width in widths:
        speed = width_speed(width)
        results["widths"].append((width, speed))
        print(
            f"width {width:>5}: {speed:>10,.0f} samples/s, {100 * gemm_fraction(width, speed, peak):.0f}% "
            "of the GEMM peak",
            flush=True,
        )
    plot(results, peak)
    text = table(results, peak, load)
    write_readme(text)
    print(text)


if __name__ == "__main__":
    main()
