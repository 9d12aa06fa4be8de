"""Every python code block of README.md runs as written, each in its own namespace and in an
empty working directory; the PyTorch-style loop reaches the training accuracy it promises."""

from __future__ import annotations

import math
import re
from pathlib import Path

import matplotlib
import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def _blocks() -> list[tuple[str, str]]:
    """(the heading above it, the code) for every python block, in order."""
    text = README.read_text(encoding="utf-8")
    blocks = []
    for match in _BLOCK.finditer(text):
        headings = re.findall(r"^#+ (.+)$", text[: match.start()], re.MULTILINE)
        blocks.append((headings[-1] if headings else "top", match.group(1)))
    return blocks


BLOCKS = _blocks()


def _run(code: str, heading: str) -> dict:
    namespace: dict = {"__name__": "__readme__"}
    exec(compile(code, f"README.md ({heading})", "exec"), namespace)  # noqa: S102 - the README's own code
    return namespace


def test_the_readme_has_python_blocks():
    assert len(BLOCKS) >= 5


@pytest.mark.parametrize("heading, code", BLOCKS, ids=[f"{i}-{h}" for i, (h, _) in enumerate(BLOCKS)])
def test_readme_block_runs_as_written(heading, code, tmp_path, monkeypatch):
    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)
    _run(code, heading)


def test_the_pytorch_style_loop_trains_the_softmax_output_from_its_logits(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (heading, code), = [block for block in BLOCKS if block[0] == "Or in PyTorch style"][:1]
    namespace = _run(code, heading)
    assert namespace["train_accuracy"] > 0.95
    # A softmax applied to probabilities of two classes gives the true class at most
    # e / (e + 1), so a loss that applied it twice would stay above ln(1 + 1/e) = 0.313.
    assert namespace["loss"].item() < math.log(1 + math.exp(-1))
