"""Docstrings and comments in glassnet/ give the reason for a speed choice, not its timing:
measured figures go stale, and they live in the docstrings of benchmarks/ instead."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "glassnet"

TIMING = re.compile(
    r"\b\d[\d.,]*\s?(us|µs|ms|ns)\b"  # 8.8 us, 490 ms
    r"|\b\d[\d.,]*\s?(us|µs|ms|ns)?\s?->\s?\d[\d.,]*\s?(us|µs|ms|ns)\b"  # 490 -> 305 us
    r"|\b\d[\d.,]*\s?x\s+(faster|slower)"  # 2.5x faster
    r"|\b(\d[\d.,]*|two|three|four|five|ten|twenty|a hundred)\s+times\s+(faster|slower)"  # ten times faster
    r"|\d\s?%\s+(faster|slower)",  # 10-20% faster
    re.IGNORECASE,
)
def figures(text: str) -> list[str]:
    """The lines of ``text`` that quote a measured timing or speed-up."""
    return [line.strip() for line in text.splitlines() if TIMING.search(line)]


@pytest.mark.parametrize("line, quotes_a_figure", [
    ("the one-row product 30% slower (8.8 instead of 6.7 us, measured)", True),
    ("one-row predict 24 -> 16.5 µs", True),
    ("trains 10-20% faster on two threads", True),
    ("``ndarray.setflags``: ten times faster.", True),
    ("2.5x (one feature) to 5x faster than NumPy's matmul", True),
    ("the usual 2 x 2 pooling takes a faster path", False),
    ("a 784x256 float32 matrix", False),
    ("validation_split=0.1 keeps 10% of the rows", False),
])
def test_the_detector_finds_timings(line, quotes_a_figure):
    assert bool(figures(line)) is quotes_a_figure


def test_no_timings_in_the_package():
    found = [f"{path.relative_to(PACKAGE)}: {line}"
             for path in sorted(PACKAGE.rglob("*.py"))
             for line in figures(path.read_text(encoding="utf-8"))]
    assert not found, "measured figures belong in benchmarks/:\n" + "\n".join(found)
