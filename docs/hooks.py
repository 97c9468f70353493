"""MkDocs hooks: pages made from the code and the repository's own files, never copied by hand.

* ``<!-- cli-reference -->`` becomes the ``--help`` of the program and of every subcommand,
  rendered from the argument parser (``word2vec_numpy.cli.main.build_parser``).
* ``<!-- include: PATH -->`` becomes the file at PATH (relative to the repository), e.g. the
  benchmark tables of ``benchmarks/README.md`` and ``CHANGELOG.md``.
* The docstrings' Sphinx roles (``:class:`X```, ``:meth:``, ...), which the numpy docstring
  renderer leaves as text, become plain code: ``X``.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _cli_reference() -> str:
    import os

    from word2vec_numpy.cli.main import build_parser

    os.environ["COLUMNS"] = "100"  # argparse wraps help text at the terminal's width
    parser = build_parser()
    sections = ["## word2vec-numpy\n", "```text\n" + parser.format_help() + "```\n"]
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, command in sub.choices.items():
        sections.append(f"## word2vec-numpy {name}\n")
        sections.append("```text\n" + command.format_help() + "```\n")
    return "\n".join(sections)


def _include(match: re.Match) -> str:
    text = (ROOT / match.group(1).strip()).read_text(encoding="utf-8")
    return re.sub(r"^# .*\n", "", text, count=1)  # the page has its own title


def on_page_markdown(markdown: str, **kwargs) -> str:
    if "<!-- cli-reference -->" in markdown:
        markdown = markdown.replace("<!-- cli-reference -->", _cli_reference())
    return re.sub(r"<!-- include: (.+?) -->", _include, markdown)


_ROLE = re.compile(r":(?:class|meth|func|mod|attr|data|obj|exc):(<code>)")


def on_page_content(html: str, **kwargs) -> str:
    return _ROLE.sub(r"\1", html)
