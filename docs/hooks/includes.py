"""Pages that show what the repository already says, so that it is written in one place.

- ``<!-- readme: TITLE -->``: the README's section headed TITLE (its text up to the next
  heading of its level), its sub-headings made sections of the page.
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
#: A list that starts right under a line of text: GitHub renders it as a list, Python-Markdown
#: only after a blank line.
LIST_AFTER_TEXT = re.compile(r"^([^\s\-|#>`][^\n]*)\n(- )", re.MULTILINE)


def readme_section(title: str) -> str:
    """The text of the README's section headed ``title`` (any level), without its heading,
    up to the next heading of the same or a higher level; its sub-headings one level down."""
    text = (ROOT / "README.md").read_text()
    heading = re.search(rf"^(?P<level>#+) {re.escape(title)}\n", text, re.MULTILINE)
    if heading is None:
        raise PluginError(f"README.md has no section headed '{title}'")
    level = len(heading["level"])
    rest = text[heading.end():]
    end = re.search(rf"^#{{1,{level}}} ", rest, re.MULTILINE)
    body = rest[: end.start() if end else len(rest)].strip()
    body = LIST_AFTER_TEXT.sub("\\1\n\n\\2", body)
    return re.sub(r"^(#+) ", lambda m: "#" * max(len(m[1]) - level + 2, 2) + " ", body, flags=re.MULTILINE)


def benchmarks() -> str:
    """A section per benchmark script: how to run it and its docstring."""
    parts = []
    for path in sorted((ROOT / "benchmarks").glob("*.py")):
        doc = ast.get_docstring(ast.parse(path.read_text()))
        if not doc:
            raise PluginError(f"benchmarks/{path.name} has no docstring saying what it measures")
        summary, _, rest = doc.replace("[", "\\[").partition("\n")   # "[--quick]" is no link
        command = f"```bash\npython benchmarks/{path.name}\n```"
        parts.append(f"### `{path.name}`\n\n**{summary.strip()}**\n\n{command}"
                     f"\n\n{rest.strip()}")
    return "\n\n".join(parts)


def on_page_markdown(markdown: str, page, config, files) -> str:
    markdown = README.sub(lambda m: readme_section(m["title"]), markdown)
    return markdown.replace(BENCHMARKS, benchmarks())
