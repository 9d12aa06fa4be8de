"""Time of one Adam step: glassnet vs torch.optim.Adam (default and fused=True).

The parameters have the shapes of a 784-256-128-10 MLP (235,146 float32 scalars) and
fixed random gradients. glassnet runs with its compiled single-pass kernel and, for
comparison, with its NumPy path (inside ``gn.reference()``; same numbers).
Rounds are interleaved and medians reported, so load from other processes hits all alike;
the load average is printed with the results.

Run:  python benchmarks/optim_step.py [--steps 200] [--rounds 7] [--torch-threads N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

import numpy as np
import torch

import glassnet as gn
from glassnet import optim
from glassnet.layers import Parameter

SHAPES = [(784, 256), (256,), (256, 128), (128,), (128, 10), (10,)]


def _glassnet_step(rng: np.random.Generator, reference: bool) -> Callable[[], None]:
    params = [Parameter(rng.standard_normal(s).astype(np.float32)) for s in SHAPES]
    opt = optim.Adam(params, lr=1e-3)
    for p in params:
        p.grad[...] = rng.standard_normal(p.shape)

    def step() -> None:
        if reference:
            with gn.reference():
                opt.step()
        else:
            opt.step()

    return step


def _torch_step(rng: np.random.Generator, **options: bool) -> Callable[[], None]:
    params = [torch.tensor(rng.standard_normal(s).astype(np.float32), requires_grad=True) for s in SHAPES]
    for p in params:
        p.grad = torch.tensor(rng.standard_normal(p.shape).astype(np.float32))
    return torch.optim.Adam(params, lr=1e-3, **options).step


def _seconds_per_step(step: Callable[[], None], steps: int) -> float:
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - start) / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--torch-threads", type=int, default=None, help="default: torch's own choice")
    args = parser.parse_args()
    if args.torch_threads is not None:
        torch.set_num_threads(args.torch_threads)
    rng = np.random.default_rng(0)
    compiled = gn.accel.compiled_available()
    contenders = {
        "glassnet Adam": _glassnet_step(rng, False),
        "glassnet Adam, NumPy path": _glassnet_step(rng, True),
        "torch Adam (default)": _torch_step(rng),
        "torch Adam (fused=True)": _torch_step(rng, fused=True),
    }
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for step in contenders.values():
        _seconds_per_step(step, 20)
    for _ in range(args.rounds):
        for name, step in contenders.items():
            times[name].append(_seconds_per_step(step, args.steps))
    n = sum(int(np.prod(s)) for s in SHAPES)
    print(f"Adam step, {n:,} float32 parameters (784-256-128-10), median of {args.rounds} rounds")
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average {load}; torch threads: {torch.get_num_threads()}; "
          f"compiled kernels: {'yes' if compiled else 'not built'}")
    ours = statistics.median(times["glassnet Adam"])
    for name, values in times.items():
        t = statistics.median(values)
        ratio = "" if name == "glassnet Adam" else f"   glassnet / this = {ours / t:.2f}x time"
        print(f"  {name:26s} {t * 1e6:8.1f} us/step{ratio}")


if __name__ == "__main__":
    main()
