"""Formulas as MathML, made when the site is built: no JavaScript, no font download.

``pymdownx.arithmatex`` (generic mode) marks ``$...$`` and ``$$...$$`` in the pages and in the
docstrings; this hook turns each into MathML with ``latex2mathml``, which browsers draw
themselves. A formula it cannot convert is reported as a warning (an error with ``--strict``).
"""

from __future__ import annotations

import html
import logging
import re

from latex2mathml.converter import convert

log = logging.getLogger("mkdocs.hooks.mathml")
INLINE = re.compile(r'<span class="arithmatex">\\\((?P<tex>.*?)\\\)</span>', re.DOTALL)
BLOCK = re.compile(r'<div class="arithmatex">\\\[(?P<tex>.*?)\\\]</div>', re.DOTALL)
ALIGNED = re.compile(r"\\begin\{aligned\}(?P<body>.*?)\\end\{aligned\}", re.DOTALL)


def _aligned_as_array(match: re.Match) -> str:
    body = match["body"]
    columns = max(row.count("&") for row in body.split(r"\\")) + 1
    return r"\begin{array}{" + "rl" * (columns // 2) + "r" * (columns % 2) + "}" + body + r"\end{array}"


def to_mathml(tex: str, display: str) -> str:
    """MathML for one formula (``display`` is "inline" or "block")."""
    tex = html.unescape(tex).strip()
    if ("&" in tex or "\\\\" in tex) and "\\begin{" not in tex:   # reStructuredText's math is aligned
        tex = "\\begin{aligned}" + tex + "\\end{aligned}"
    tex = ALIGNED.sub(_aligned_as_array, tex)
    return convert(tex, display=display)


def _converter(display: str, where: str):
    def replace(match: re.Match) -> str:
        try:
            return to_mathml(match["tex"], display)
        except Exception as err:  # latex2mathml raises its own exceptions and plain ones alike
            log.warning("%s: cannot convert the formula %r: %s", where, match["tex"], err)
            return match[0]
    return replace


def on_page_content(content: str, page, config, files) -> str:
    content = BLOCK.sub(_converter("block", page.file.src_uri), content)
    return INLINE.sub(_converter("inline", page.file.src_uri), content)
