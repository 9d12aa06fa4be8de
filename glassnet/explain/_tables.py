"""Tables of numbers shown three ways: rich tables in a terminal, Markdown, plain text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Section", "fmt", "fmt_array", "print_sections", "markdown", "plain"]


def fmt(value: Any, digits: int = 10) -> str:
    """A number with ``digits`` significant digits (integers and text unchanged)."""
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if value is None:
        return ""
    if isinstance(value, np.ndarray) and value.size != 1:
        return fmt_array(value, digits)
    number = float(value)
    text = f"{number:.{digits}g}"
    return "0" if text == "-0" else text


def fmt_array(values: Any, digits: int = 6) -> str:
    """A vector or matrix written as nested brackets, each number with ``digits`` digits."""
    array = np.asarray(values)
    if array.ndim == 0:
        return fmt(array.item(), digits)
    return "[" + ", ".join(fmt_array(row, digits) for row in array) + "]"


@dataclass
class Section:
    """One table: a title, column headers and rows of cells (numbers or text)."""

    title: str
    headers: Sequence[str]
    rows: list[Sequence[Any]] = field(default_factory=list)
    note: str = ""

    def cells(self, digits: int) -> list[list[str]]:
        return [[fmt(cell, digits) for cell in row] for row in self.rows]


def print_sections(sections: Sequence[Section], console: Any = None, digits: int = 10) -> list[Any]:
    """Print each section as a rich Table on ``console`` (a new one on stdout by default).

    Returns the rich Table objects, in order.
    """
    from rich.console import Console
    from rich.table import Table

    console = Console() if console is None else console
    tables = []
    for section in sections:
        table = Table(title=section.title, caption=section.note or None, title_justify="left")
        for i, header in enumerate(section.headers):
            table.add_column(header, justify="left" if i == 0 else "right")
        for row in section.cells(digits):
            table.add_row(*row)
        console.print(table)
        tables.append(table)
    return tables


def _escape(cell: str) -> str:
    return cell.replace("|", "\\|")


def markdown(sections: Sequence[Section], digits: int = 10) -> str:
    """The sections as Markdown: a heading line and a pipe table each."""
    parts = []
    for section in sections:
        lines = [f"**{section.title}**", ""]
        lines.append("| " + " | ".join(_escape(h) for h in section.headers) + " |")
        lines.append("|" + "|".join(":---" if i == 0 else "---:" for i in range(len(section.headers))) + "|")
        lines += ["| " + " | ".join(_escape(c) for c in row) + " |" for row in section.cells(digits)]
        if section.note:
            lines += ["", section.note]
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def plain(sections: Sequence[Section], digits: int = 10) -> str:
    """The sections as aligned plain text (for logs and doctests)."""
    parts = []
    for section in sections:
        rows = [list(section.headers)] + section.cells(digits)
        widths = [max(len(row[i]) for row in rows) for i in range(len(section.headers))]
        lines = [section.title]
        lines += ["  ".join(cell.rjust(w) if i else cell.ljust(w) for i, (cell, w) in
                            enumerate(zip(row, widths))) for row in rows]
        if section.note:
            lines.append(section.note)
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"
