"""Which format a file looks like: every registered format is asked (``Format.sniff``) when a file
fails, so a file dropped into the wrong exchange is named for what it is before its low-level
problems ("this looks like a NACHA file (record 1 starts with 101 ...); exchange lockbox reads
lockbox"). A format of a site's own takes part by declaring its own ``sniff``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub.kernel.problems import Problem

if TYPE_CHECKING:
    from formats.base import Format, FormatOptions

HEAD_BYTES = 8192  # what a sniff looks at: the first records or the header line
RULE = "wrong-format"


def _title(cls: type[Format[FormatOptions]]) -> str:
    return cls.title or cls.name


def wrong_format(data: bytes, reads: str, reader: str) -> Problem | None:
    """A file-level problem saying which other format ``data`` looks like, when it does not look
    like ``reads`` (the format its exchange reads; ``reader`` names who reads it, e.g.
    "exchange ach-returns"); None when it looks like its own format or like none."""
    from formats import format_names, get_format

    head = data[:HEAD_BYTES]
    own = get_format(reads)
    if own.sniff(head) is not None:
        return None
    for name in format_names():
        if name == reads:
            continue
        try:
            other = get_format(name)
        except KeyError:  # a site's format that cannot be loaded is reported where it is used
            continue
        evidence = other.sniff(head)
        if evidence is not None:
            message = f"this looks like a {_title(other)} file ({evidence}); {reader} reads {_title(own)}"
            return Problem.of(RULE, message, level="file")
    return None


def with_hint(problems: list[Problem], data: bytes, reads: str, reader: str) -> list[Problem]:
    """``problems`` with the wrong-format hint first, when the file looks like another format."""
    hint = wrong_format(data, reads, reader)
    return problems if hint is None else [hint, *problems]
