"""Step 2, parse: a landed file's bytes -> the format's table of rows (``formats.base.Parsed``).

A file that cannot be read at all is one file-level problem naming where and why (the format's
``ParseError``); everything else a reader finds is a row problem, reported with its line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub.kernel.errors import ParseError
from hub.kernel.problems import Problem

if TYPE_CHECKING:
    from formats.base import Format, FormatOptions, Parsed, ReadContext


def parse(fmt: Format[FormatOptions], data: bytes, ctx: ReadContext) -> Parsed | Problem:
    """The parsed file, or the problem that stops it being read."""
    try:
        return fmt.read(data, ctx)
    except ParseError as exc:
        return Problem.of(
            exc.rule,
            exc.detail,
            line=exc.position.line,
            field=exc.position.column,
            value=exc.value,
            level="file",
        )
