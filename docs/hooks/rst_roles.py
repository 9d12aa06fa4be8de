"""A griffe extension: the reStructuredText that glassnet's docstrings use, in Markdown.

The docstrings write formulas as ``.. math::`` blocks and ``:math:`...``` roles, and refer to
names with ``:class:`...```, ``:func:```, ... . mkdocstrings renders Markdown, so before a
docstring is parsed, its formulas become ``$$ ... $$`` and ``$...$`` (drawn by the math hook)
and its name roles become code.
"""

from __future__ import annotations

import re

import griffe

MATH_ROLE = re.compile(r":math:`(?P<tex>[^`]+)`")
NAME_ROLE = re.compile(r":(?:class|func|meth|data|attr|mod|exc|obj|const|ref):`~?(?P<name>[^`]+)`")
MATH_BLOCK = re.compile(r"^(?P<indent>[ \t]*)\.\. math::[ \t]*(?P<first>.*)\n"
                        r"(?P<body>(?:(?P=indent)[ \t]+.*\n|[ \t]*\n)*)", re.MULTILINE)


def _block(match: re.Match) -> str:
    indent = match["indent"]
    lines = [match["first"]] + match["body"].splitlines()
    tex = "\n".join(indent + line.strip() for line in lines if line.strip())
    return f"\n{indent}$$\n{tex}\n{indent}$$\n\n"


def _name(match: re.Match) -> str:
    name = match["name"].strip()
    return f"`{name}`"


def markdown_of(text: str) -> str:
    """The docstring ``text`` with its reStructuredText formulas and roles in Markdown."""
    text = MATH_BLOCK.sub(_block, text if text.endswith("\n") else text + "\n")
    text = MATH_ROLE.sub(lambda m: "$" + " ".join(m["tex"].split()) + "$", text)
    return NAME_ROLE.sub(_name, text).rstrip("\n")


class RstRoles(griffe.Extension):
    """Rewrite each docstring as it is loaded."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: object) -> None:
        if obj.docstring is not None:
            obj.docstring.value = markdown_of(obj.docstring.value)
