"""examples/rbf_network.py runs: every network learns both problems."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "rbf_network.py"


def test_the_rbf_example_trains_each_network_below_the_targets_variance():
    spec = importlib.util.spec_from_file_location("rbf_network", EXAMPLE)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    data = example.problems(seed=0)
    results = example.compare(epochs=40, seed=0)
    for problem, scores in results.items():
        variance = float(np.var(data[problem][3]))
        assert len(scores) == 3
        assert all(0 < mse < 0.5 * variance for mse in scores.values()), (problem, scores, variance)
