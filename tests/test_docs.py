"""The documentation's executable parts: every script a page shows and every tutorial runs as
written (each in a fresh folder, as the site build runs them), every script is shown by a page,
and the command-line page lists every command and option of the Typer app."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main

from glassnet.cli import app

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGE_SCRIPTS = sorted((DOCS / "examples").glob("*.py"))
TUTORIALS = sorted((ROOT / "tutorials").glob("*.py"))


def _hook(name: str):
    spec = importlib.util.spec_from_file_location(f"docs_hook_{name}", DOCS / "hooks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(script: Path, folder: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0", "COLUMNS": "100"}
    return subprocess.run([sys.executable, str(script)], cwd=folder, env=env, capture_output=True, text=True,
                          timeout=300)


def _shown_scripts() -> set[str]:
    """The scripts the site build runs and shows: those its hook reads from the pages."""
    scripts_in = _hook("run_scripts").scripts_in
    return {path for page in DOCS.rglob("*.md") for path in scripts_in(page.read_text())}


@pytest.mark.parametrize("script", PAGE_SCRIPTS, ids=[p.name for p in PAGE_SCRIPTS])
def test_page_script_runs_and_prints(script, tmp_path):
    done = _run(script, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip(), f"{script.name} prints nothing to show on its page"


@pytest.mark.parametrize("script", TUTORIALS, ids=[p.name for p in TUTORIALS])
def test_tutorial_runs_and_draws_its_figures(script, tmp_path):
    done = _run(script, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Warning" not in done.stderr, done.stderr
    assert done.stdout.strip()
    assert sorted(tmp_path.glob("*.png")), f"{script.name} wrote no figure"


def test_there_are_page_scripts_and_eight_tutorials():
    assert len(PAGE_SCRIPTS) >= 20
    assert len(TUTORIALS) == 8


def test_every_script_is_shown_by_a_page_and_every_shown_script_exists():
    pytest.importorskip("mkdocs", reason="the site's run hook, which reads the markers, needs the docs extra")
    shown = _shown_scripts()
    scripts = {str(p.relative_to(ROOT)) for p in [*PAGE_SCRIPTS, *TUTORIALS]}
    assert scripts - shown == set(), "scripts that no page shows"
    assert {s for s in shown if not (ROOT / s).is_file()} == set(), "pages naming scripts that do not exist"


def _commands(command, words=("glassnet",)):
    yield words, command
    for name, sub in getattr(command, "commands", {}).items():
        if not sub.hidden:
            yield from _commands(sub, (*words, name))


def test_the_command_line_page_shows_every_command_and_option():
    assert "<!-- cli-reference -->" in (DOCS / "cli.md").read_text()
    reference = _hook("cli_reference").reference()
    commands = list(_commands(typer.main.get_command(app)))
    assert {"train", "evaluate", "predict", "explain"} <= {words[-1] for words, _ in commands}
    for words, command in commands:
        heading = f"## `{' '.join(words)}`"
        assert heading in reference
        section = reference.split(heading, 1)[1].split("\n## ", 1)[0]
        for param in command.params:
            if param.param_type_name == "option" and not param.hidden:
                assert all(f"`{flag}`" in section for flag in param.opts), (words, param.opts)


def test_every_public_module_has_a_place_in_the_api_reference():
    import glassnet

    rendered = "\n".join(page.read_text() for page in (DOCS / "api").glob("*.md"))
    modules = [name for name in [*glassnet.__all__, "estimators"]
               if importlib.util.find_spec(f"glassnet.{name}") is not None]
    assert "layers" in modules and "tune" in modules
    missing = [name for name in modules if f"::: glassnet.{name}\n" not in rendered]
    assert missing == [], "public modules missing from docs/api/*.md"


def test_docstring_formulas_and_roles_become_markdown():
    pytest.importorskip("griffe")
    markdown_of = _hook("rst_roles").markdown_of
    text = ("Adam.\n\n    .. math::\n\n        m_t &= \\beta_1 m_{t-1} \\\\\n        w_t &= w_{t-1}\n\n"
            "with :math:`m_0 = 0`, see :class:`~glassnet.optim.AdamW` and :func:`glassnet.optim.SGD`.")
    assert markdown_of(text) == ("Adam.\n\n\n    $$\n    m_t &= \\beta_1 m_{t-1} \\\\\n"
                                 "    w_t &= w_{t-1}\n    $$\n\n"
                                 "with $m_0 = 0$, see `glassnet.optim.AdamW` and `glassnet.optim.SGD`.")


def test_formulas_become_mathml_and_aligned_rows_a_table():
    pytest.importorskip("latex2mathml")
    to_mathml = _hook("mathml").to_mathml
    inline = to_mathml(r"\frac{a}{b}", "inline")
    assert inline.startswith("<math") and "<mfrac>" in inline
    aligned = to_mathml(r"m_t &= \beta_1 m_{t-1} \\ w_t &= w_{t-1}", "block")
    assert aligned.count("<mtr>") == 2 and "<mi>&</mi>" not in aligned
