"""The command-line reference, generated from the Typer app itself.

``<!-- cli-reference -->`` in a page becomes one section per command of ``glassnet`` (and of
its sub-commands, if any): its help text, its arguments and every option with its type,
default and help, as ``glassnet COMMAND --help`` gives them. It never goes stale.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

MARKER = "<!-- cli-reference -->"


def _plain(text: str | None) -> str:
    from rich.text import Text

    return Text.from_markup(text or "").plain.strip()


def commands(group: Any = None, path: tuple[str, ...] = ("glassnet",)
             ) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every command of the app as (its words, the click command), the root first."""
    if group is None:
        import typer.main

        from glassnet.cli import app

        group = typer.main.get_command(app)
    yield path, group
    for name, command in sorted(getattr(group, "commands", {}).items()):
        if not command.hidden:
            yield from commands(command, (*path, name))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _default(param: Any) -> str:
    shown = getattr(param, "show_default", None)
    if isinstance(shown, str):
        return shown
    if getattr(param, "is_flag", False) or param.default in (None, ()) or shown is False:
        return ""
    return f"`{param.default}`"


def _usage(words: tuple[str, ...], command: Any) -> str:
    with command.context_class(command, info_name=" ".join(words)) as ctx:
        return " ".join(command.collect_usage_pieces(ctx)).strip()


def section(words: tuple[str, ...], command: Any) -> str:
    """The Markdown section of one command."""
    title = " ".join(words)
    lines = [f"## `{title}`", "", f"```text\n{title} {_usage(words, command)}\n```", "",
             _plain(command.help)]
    arguments = [p for p in command.params if p.param_type_name == "argument"]
    options = [p for p in command.params if p.param_type_name == "option" and not p.hidden]
    if arguments:
        lines += ["", "| argument | help |", "|---|---|"]
        for p in arguments:
            lines.append(f"| `{p.metavar or p.name.upper()}` | {_cell(_plain(getattr(p, 'help', '')))} |")
    if options:
        lines += ["", "| option | default | help |", "|---|---|---|"]
        for p in options:
            names = ", ".join(f"`{name}`" for name in (*p.opts, *p.secondary_opts))
            lines.append(f"| {names} | {_cell(_default(p))} | {_cell(_plain(p.help))} |")
    return "\n".join(lines)


def reference() -> str:
    """The whole reference: one section per command."""
    return "\n\n".join(section(words, command) for words, command in commands())


def on_page_markdown(markdown: str, page, config, files) -> str:
    return markdown.replace(MARKER, reference()) if MARKER in markdown else markdown
