"""examples/uncertainty_surrogate.py runs and its numbers hold."""

from __future__ import annotations

import importlib.util
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "uncertainty_surrogate.py"


def test_the_surrogate_example_covers_and_grows_its_error_bar_outside(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("uncertainty_surrogate", EXAMPLE)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    results = example.main(seed=0, plot=str(tmp_path / "band.png"))
    assert 0.92 <= results["coverage"] <= 0.98
    assert 0.92 <= results["conformal_coverage"] <= 0.98
    assert results["epistemic_far"] > 2 * results["epistemic_inside"]
    assert (tmp_path / "band.png").stat().st_size > 0
    printed = capsys.readouterr().out
    assert "cover" in printed and "band plot saved" in printed
