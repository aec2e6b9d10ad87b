"""A large file read, checked and mapped in parts, in bounded memory, with the results of the file
in one piece.

Above the exchange's ``part_bytes``, a file of a format that reads by lines
(``Format.reads_by_lines``) is cut at line ends (never inside a quoted field) into parts of about
that size or ``PART_MAX``, whichever is smaller, read one at a time from the landed copy. Each part
is given the header line, and its rows keep the file's own line numbers; the format keeps what
spans parts (e.g. the keys of earlier rows, for duplicates) in ``ReadContext.earlier``. The parts'
problems and counts are then put together as one file's (``merge``); a file-level problem in a
part rejects the file with it. Their tables are put together too (``hub validate``), or, for a
delivery, kept on disk part by part (``Spill``) and delivered a part at a time
(``hub.engine.delivery.deliver_parts``): one part's rows in memory at a time.
"""

from __future__ import annotations

import dataclasses
import io
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hub.kernel.problems import Problem
from hub.kernel.rows import LINE

if TYPE_CHECKING:
    import polars as pl

    from formats.base import Parsed
    from hub.engine.mapping import Mapped

STATES = ("landed", "parsed", "validated", "mapped")
# Checking and mapping a part takes ~10x its bytes at its peak: 32 MiB parts keep a 10 million row
# upload (750 MB) under 1 GB, where 128 MiB parts (the default ``part_bytes``) took 1.7 GB.
PART_MAX = 32 * 1024**2


@dataclass
class Part:
    """One part of a file: the bytes (header line first), the file's line number of its first line
    after the header, and what the parts before it left for the format."""

    data: bytes
    first_line: int
    earlier: dict[str, Any] = field(default_factory=dict)

    def shifted(self, parsed: Parsed | Problem) -> Parsed | Problem:
        """``parsed`` (or the problem that stopped it) with the file's line numbers: the part's
        line 2 (after the header) is the file's ``first_line``."""
        import polars as pl

        offset = self.first_line - 2
        if not offset:
            return parsed
        if isinstance(parsed, Problem):
            return _moved(parsed, offset)
        return dataclasses.replace(
            parsed,
            table=parsed.table.with_columns(pl.col(LINE) + offset),
            problems=[_moved(p, offset) for p in parsed.problems],
        )


def _moved(problem: Problem, offset: int) -> Problem:
    return problem if problem.line is None else dataclasses.replace(problem, line=problem.line + offset)


def split(path: Path, size: int) -> Iterator[Part]:
    """The parts of the file at ``path``, about ``size`` bytes each, cut after a line end outside
    quotes. Only the part being read is held in memory (and the header line)."""
    earlier: dict[str, Any] = {}
    with path.open("rb") as fh:
        fd = fh.fileno()
        total = os.fstat(fd).st_size
        head = os.pread(fd, min(total, 1 << 16), 0)
        while b"\n" not in head and len(head) < total:
            head = os.pread(fd, min(total, len(head) * 2), 0)
        end = head.find(b"\n")
        header = head if end < 0 else head[: end + 1]
        pos, line, held = len(header), 2, b""
        while pos < total or held:
            more = os.pread(fd, size, pos) if pos < total else b""
            pos += len(more)
            held = held + more if held else more
            cut = _line_end(held) if pos < total else len(held)
            if cut is None:
                continue  # a line (or a quoted field) longer than a part: read on
            body = memoryview(held)[:cut]
            data, held = b"".join((header, body)), held[cut:]  # one copy of the part, not two
            body.release()
            yield Part(data, line, earlier)
            line += _lines(data, len(header))
            del data


def _line_end(data: bytes) -> int | None:
    """The end of the last whole line of ``data`` that is not inside a quoted field, or None."""
    cut = data.rfind(b"\n")
    odd = cut >= 0 and data.count(b'"', 0, cut) % 2 == 1
    while cut >= 0 and odd:  # step back a line at a time, counting only the quotes stepped over
        before = data.rfind(b"\n", 0, cut)
        odd ^= data.count(b'"', before + 1, cut) % 2 == 1
        cut = before
    return None if cut < 0 else cut + 1


def _lines(data: bytes, start: int) -> int:
    """Physical lines of ``data[start:]`` as the csv module counts them: LF, CRLF and a bare CR
    each end one."""
    return data.count(b"\n", start) + data.count(b"\r", start) - data.count(b"\r\n", start)


def merge(mapped: Mapped, part: Mapped) -> Mapped:
    """``part`` (the next part's result) added to ``mapped`` (the parts before it)."""
    import polars as pl

    mapped.rows += part.rows
    mapped.rejected += part.rejected
    mapped.problems.extend(part.problems)
    mapped.file_rejected = mapped.file_rejected or part.file_rejected
    mapped.reached = min(mapped.reached, part.reached, key=STATES.index)
    for name, table in part.tables.items():
        before = mapped.tables.get(name)
        mapped.tables[name] = table if before is None else pl.concat([before, table], rechunk=False)
    for name, table in part.facts.items():
        before = mapped.facts.get(name)
        mapped.facts[name] = table if before is None else pl.concat([before, table], rechunk=False)
    if part.read is not None:
        mapped.read = part.read if mapped.read is None else pl.concat([mapped.read, part.read], rechunk=False)
    return mapped


Tables = dict[str, "pl.DataFrame"]


class Spill:
    """The mapped tables and facts of a file run in parts, kept part by part in an unnamed
    temporary file (``folder``: beside the landed copy; gone with the process, even a killed one),
    so that only one part's rows are in memory at a time: each part's are written as it is mapped
    and read back, one part at a time, as it is delivered."""

    def __init__(self, folder: Path) -> None:
        try:
            self._file = tempfile.TemporaryFile(dir=folder)  # noqa: SIM115 (closed by ``close``)
        except OSError:  # a folder the hub cannot write to (``hub validate`` of a file elsewhere)
            self._file = tempfile.TemporaryFile()  # noqa: SIM115
        self._parts: list[tuple[dict[str, tuple[int, int]], dict[str, tuple[int, int]]]] = []

    def add(self, tables: Tables, facts: Tables) -> None:
        """Keep one part's tables and facts (by name), after the parts before it."""
        self._parts.append((self._write(tables), self._write(facts)))

    def _write(self, frames: Tables) -> dict[str, tuple[int, int]]:
        where = {}
        for name, frame in frames.items():
            start = self._file.tell()
            frame.write_ipc(self._file, compression="lz4")
            where[name] = (start, self._file.tell() - start)
        return where

    def __iter__(self) -> Iterator[tuple[Tables, Tables]]:
        """Each part's tables and facts, read back when asked for: the caller lets go of one part's
        before it asks for the next."""
        self._file.flush()
        for tables, facts in self._parts:
            yield self._read(tables), self._read(facts)

    def _read(self, where: dict[str, tuple[int, int]]) -> Tables:
        import polars as pl

        fd = self._file.fileno()
        return {name: pl.read_ipc(io.BytesIO(os.pread(fd, n, start))) for name, (start, n) in where.items()}

    def close(self) -> None:
        """Let go of the file (its space is freed; also when the ``Spill`` itself is let go)."""
        self._file.close()
