"""Pages that show what the repository already says, so that it is written in one place.

- ``<!-- readme: TITLE -->``: the README's section ``## TITLE`` (its text up to the next
  ``## `` heading), headings moved one level down.
- ``<!-- benchmarks -->``: each script of ``benchmarks/``, its command and its docstring
  (what it measures and how).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from mkdocs.exceptions import PluginError

ROOT = Path(__file__).resolve().parents[2]
README = re.compile(r"^<!-- readme: (?P<title>.+?) -->$", re.MULTILINE)
BENCHMARKS = "<!-- benchmarks -->"


def readme_section(title: str) -> str:
    """The text of the README's ``## title`` section, without its heading."""
    text = (ROOT / "README.md").read_text()
    match = re.search(rf"^## {re.escape(title)}\n(?P<body>.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    if match is None:
        raise PluginError(f"README.md has no section '## {title}'")
    return re.sub(r"^(#+) ", r"#\1 ", match["body"].strip(), flags=re.MULTILINE)


def benchmarks() -> str:
    """A section per benchmark script: how to run it and its docstring."""
    parts = []
    for path in sorted((ROOT / "benchmarks").glob("*.py")):
        doc = ast.get_docstring(ast.parse(path.read_text()))
        if not doc:
            raise PluginError(f"benchmarks/{path.name} has no docstring saying what it measures")
        summary, _, rest = doc.partition("\n")
        parts.append(f"### `{path.name}`\n\n**{summary.strip()}**\n\n```bash\npython benchmarks/{path.name}\n```"
                     f"\n\n{rest.strip()}")
    return "\n\n".join(parts)


def on_page_markdown(markdown: str, page, config, files) -> str:
    markdown = README.sub(lambda m: readme_section(m["title"]), markdown)
    return markdown.replace(BENCHMARKS, benchmarks())
