"""The live view of ``glassnet tune``: a table of the trials as they finish, and a progress bar."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["TrialsDisplay"]

#: The trials shown in the live table: the latest ones (trials.csv keeps them all).
_SHOWN = 15


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.4g}"
    return str(value)


class TrialsDisplay:
    """A rich ``Live`` view: the latest trials (parameters, score, epochs, seconds, state), the
    best so far, and a progress bar over ``total`` trials. Silent with ``quiet``.

    Use as a context manager; :meth:`add` takes each finished trial's row.
    """

    def __init__(self, console: Any, names: list[str], total: int, title: str, quiet: bool = False) -> None:
        self.console, self.names, self.total, self.title, self.quiet = console, names, total, title, quiet
        self.rows: list[dict[str, Any]] = []
        self.best: dict[str, Any] | None = None
        self._live: Any = None
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> TrialsDisplay:
        if self.quiet:
            return self
        from rich.live import Live
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(TextColumn("trials"), BarColumn(), MofNCompleteColumn(),
                                  TimeElapsedColumn(), console=self.console)
        self._task = self._progress.add_task("trials", total=self.total)
        self._live = Live(self._render(), console=self.console, refresh_per_second=4, transient=True)
        self._live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        """Replace the live view by its final state, printed once."""
        if self._live is not None:
            self._live.__exit__(*exc)
            self.console.print(self._render())

    def add(self, row: dict[str, Any]) -> None:
        """Show a finished trial (a lower score is better)."""
        self.rows.append(row)
        score = row["mean_score"]
        if not math.isnan(score) and (self.best is None or score < self.best["mean_score"]):
            self.best = row
        if self._live is not None:
            self._progress.advance(self._task)
            self._live.update(self._render())

    def _render(self) -> Any:
        from rich.console import Group
        from rich.table import Table

        table = Table(title=self.title, title_justify="left")
        for column in ["#", *self.names, "score", "±", "epochs", "seconds", "state"]:
            table.add_column(column, justify="left" if column in ("state",) else "right")
        for row in self.rows[-_SHOWN:]:
            style = "bold green" if row is self.best else ("red" if row["state"] == "failed" else None)
            cells = [row["number"], *(row[f"param_{n}"] for n in self.names), row["mean_score"],
                     row["std_score"], row["epochs"], row["seconds"], row["state"]]
            table.add_row(*map(_cell, cells), style=style)
        best = "" if self.best is None else (f"best so far: trial {self.best['number']}, score "
                                             f"{self.best['mean_score']:.4g}")
        return Group(table, best, self._progress)
