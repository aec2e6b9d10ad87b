"""A large Green Button feed read on every core: the feed is cut between its entries into parts, each
part is read by the same streaming reader (``greenbutton_xml.scan``) in its own process, and the
parts' scans are joined in file order. libxml2 and lxml hold the GIL, so processes, not threads.

A cut is made just after an ``</entry>`` end tag. Part 0 is the file up to the cut closed by the
root's end tag; a later part is the file's head (XML declaration and root start tag, so every
namespace declared there is in scope) then as many newlines as the skipped bytes held (so every line
number is the file's own) then the bytes after the cut. When the cut really is between two entries,
the parts are well-formed exactly when the file is; when it is not (an ``</entry>`` inside a
comment, a CDATA section or deeper in the tree) a part is not well-formed, and the file is read
again in one piece, so a malformed file gets the same finding either way. A part that ends inside
an entry the reader began without an Atom ``entry`` (a bare resource) is read again in one piece
too: no reader state crosses a cut.
"""

from __future__ import annotations

import os
import pickle
import re
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

from formats.greenbutton_xml import NO_FIELDS, PROLOG_BYTES, Entry, Scan, refuse_doctype, scan
from hub.kernel.errors import ParseError
from hub.kernel.problems import Problem

if TYPE_CHECKING:
    import polars as pl

MIN_PART_BYTES = 32 << 20  # smaller files are read in one piece: a process costs ~0.5 s to start
MAX_PARTS = 4
_WINDOW = 1 << 20  # bytes searched for an entry's end after each cut's ideal position
_ROOT = re.compile(rb"<([A-Za-z_][\w.-]*:)?feed(?:\s+[^\s=<>]+\s*=\s*(?:\"[^\"<]*\"|'[^'<]*'))*\s*>")
_ENTRY_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?entry\s*>")


@dataclass(frozen=True)
class Part:
    """One part of the file: where its bytes start and end, and the newlines before its start."""

    start: int
    end: int
    newlines: int


def parts_wanted(size: int) -> int:
    """How many parts a file of ``size`` bytes is read in: one per usable core, each at least
    ``MIN_PART_BYTES``."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(cores, MAX_PARTS, size // MIN_PART_BYTES))


def scan_parts(source: IO[bytes], file: str, *, summary_only: bool = False, parts: int | None = None) -> Scan:
    """``scan`` of a seekable file, in parts on several cores when it is large enough (same result).
    ``parts``: how many (default ``parts_wanted``)."""
    size = source.seek(0, os.SEEK_END)
    source.seek(0)
    head = source.read(PROLOG_BYTES)
    refuse_doctype(head, file)
    cut = _plan(source, head, size, parts_wanted(size) if parts is None else parts)
    source.seek(0)
    if cut is None:
        return scan(source, file, summary_only=summary_only)
    root, pieces = cut
    name = getattr(source, "name", None)
    path = os.path.abspath(name) if isinstance(name, str) and Path(name).is_file() else None
    closing = b"</" + (root.group(1) or b"") + b"feed>"
    jobs = []
    for i, part in enumerate(pieces):
        padding = part.newlines - head.count(b"\n", 0, root.end())
        before = [] if i == 0 else [head[: root.end()], b"\n" * padding]
        after = closing if i < len(pieces) - 1 else b""
        jobs.append(_Job(path, part, before, after, file, summary_only))
    workers = [_Worker(job, source if path is None else None) for job in jobs[1:]]
    try:
        first = _scan_part(jobs[0], None if path is not None else _slice(source, pieces[0]))
        scans = [first, *(w.result() for w in workers)]
        if any(found.open_entry for found in scans[:-1]):
            raise _PartFailed("cut inside an entry")  # read in one piece: an entry spans the cut
    except (ParseError, _PartFailed):
        for w in workers:
            w.stop()
        source.seek(0)
        return scan(source, file, summary_only=summary_only)  # the finding of the file in one piece
    return _join(scans)


@dataclass(frozen=True)
class _Job:
    """What a worker reads: the file's path (else its bytes follow the job on stdin), its part, the
    bytes before and after the part, and how to scan it."""

    path: str | None
    part: Part
    before: list[bytes]
    after: bytes
    file: str
    summary_only: bool


class _PartFailed(Exception):
    """A worker did not return its part's scan (not well-formed there, or it died)."""


class _Worker:
    """A process reading one part: the job pickled on its stdin (then the part's bytes when the file
    is not on disk), the scan pickled into an unnamed temporary file it is handed (so the worker
    ends, and frees its memory, as soon as it is done, not when this process comes to read it)."""

    def __init__(self, job: _Job, source: IO[bytes] | None) -> None:
        self.out = tempfile.TemporaryFile()  # noqa: SIM115 - closed by result() or stop()
        cmd = [sys.executable, "-m", __name__, str(self.out.fileno())]
        self.proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(self.out.fileno(),),
        )
        blob = None if source is None else _slice(source, job.part)
        self.feeder = threading.Thread(target=self._feed, args=(job, blob), daemon=True)
        self.feeder.start()

    def _feed(self, job: _Job, blob: bytes | None) -> None:
        stdin = self.proc.stdin
        assert stdin is not None
        try:
            pickle.dump(job, stdin, protocol=pickle.HIGHEST_PROTOCOL)
            if blob is not None:
                stdin.write(blob)
            stdin.close()
        except OSError:  # the worker died: ``result`` says so
            pass

    def result(self) -> Scan:
        self.proc.wait()
        self.feeder.join()
        try:
            with self.out:
                self.out.seek(0)
                status, found = pickle.load(self.out) if self.proc.returncode == 0 else ("died", None)
        except (EOFError, pickle.UnpicklingError):
            status, found = "died", None
        if status != "ok" or not isinstance(found, Scan):
            raise _PartFailed(status)
        return found

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()
        self.feeder.join()
        self.out.close()


def _work(out_fd: int) -> None:
    """A worker's main (``python -m`` this module FD): read the job, scan the part, write the result
    to the file descriptor ``out_fd``."""
    stdin = sys.stdin.buffer
    job = pickle.load(stdin)
    blob = None if job.path is not None else stdin.read()
    try:
        found = _scan_part(job, blob)
    except ParseError:
        result: tuple[str, Scan | None] = ("not-well-formed", None)
    else:
        empty: dict[str, str | None] = {}  # one object: pickled once for every entry without fields
        for entry in found.entries:
            if entry.fields is NO_FIELDS:
                entry.fields = empty
        result = ("ok", found)
    with os.fdopen(out_fd, "wb") as out:
        pickle.dump(result, out, protocol=pickle.HIGHEST_PROTOCOL)  # streamed, never held whole


def _slice(source: IO[bytes], part: Part) -> bytes:
    source.seek(part.start)
    return source.read(part.end - part.start)


def _plan(source: IO[bytes], head: bytes, size: int, count: int) -> tuple[re.Match[bytes], list[Part]] | None:
    """Where to cut: the root start tag and the parts, or None (read in one piece)."""
    root = _ROOT.search(head)
    if count < 2 or root is None or head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return None
    cuts: list[int] = []
    for k in range(1, count):
        source.seek(size * k // count)
        found = _ENTRY_END.search(source.read(_WINDOW))
        if found is None:
            return None
        cut = size * k // count + found.end()
        if cut <= root.end() or (cuts and cut <= cuts[-1]) or cut >= size:
            return None
        cuts.append(cut)
    bounds = [0, *cuts, size]
    newlines = _newlines(source, cuts)
    return root, [Part(bounds[i], bounds[i + 1], newlines[i]) for i in range(count)]


def _newlines(source: IO[bytes], cuts: list[int]) -> list[int]:
    """The number of newlines before each part's start (0 for the first)."""
    source.seek(0)
    counts, seen, pos = [0], 0, 0
    for cut in cuts:
        while pos < cut:
            chunk = source.read(min(1 << 24, cut - pos))
            seen += chunk.count(b"\n")
            pos += len(chunk)
        counts.append(seen)
    return counts


class _PartReader:
    """A file-like ``read`` over a part: the bytes before it, its bytes of the file, the bytes after."""

    def __init__(self, job: _Job, blob: bytes | None) -> None:
        self.job = job
        self.blob = blob
        self.file = None if blob is not None else open(job.path or "", "rb")  # noqa: SIM115
        self.seek(0)

    def tell(self) -> int:
        """0 before the first read (``scan`` rewinds to it), else an OSError (no other position)."""
        if self.began:
            raise OSError("a part is read from its start only")
        return 0

    def seek(self, offset: int) -> int:
        """Back to the part's start (the only position)."""
        if offset:
            raise OSError("a part is read from its start only")
        job = self.job
        self.pending = [b for b in job.before if b]
        self.after = job.after
        self.pos = 0 if self.blob is not None else job.part.start
        self.end = len(self.blob) if self.blob is not None else job.part.end
        if self.file is not None:
            self.file.seek(job.part.start)
        self.began = False
        return 0

    def read(self, size: int = -1) -> bytes:
        self.began = True
        if self.pending:
            return self.pending.pop(0)
        want = self.end - self.pos if size < 0 else min(size, self.end - self.pos)
        if want <= 0:
            after, self.after = self.after, b""
            return after
        if self.blob is not None:
            chunk = self.blob[self.pos : self.pos + want]
        else:
            assert self.file is not None
            chunk = self.file.read(want)
        self.pos += len(chunk)
        return chunk

    def close(self) -> None:
        if self.file is not None:
            self.file.close()


def _scan_part(job: _Job, blob: bytes | None) -> Scan:
    """Scan one part (in a worker process for every part but the first)."""
    reader = _PartReader(job, blob)
    try:
        return scan(reader, job.file, summary_only=job.summary_only)  # type: ignore[arg-type]
    finally:
        reader.close()


def _join(scans: list[Scan]) -> Scan:
    """The parts' scans as one: entries renumbered in file order, readings pointing at them."""
    entries: list[Entry] = []
    chunks: list[pl.DataFrame] = []
    keys: list[pl.DataFrame] = []
    problems: list[Problem] = []
    readings = 0
    for found in scans:
        offset = len(entries)
        for entry in found.entries:
            entry.index += offset
            if not entry.fields:
                entry.fields = NO_FIELDS
        entries += found.entries
        chunks += [_shift(c, offset) for c in found.chunks]
        keys += [_shift(k, offset) for k in found.keys]
        problems += found.problems
        readings += found.readings
    problems.sort(key=lambda p: p.line or 0)
    found = Scan(entries, chunks, problems, readings, keys, scans[-1].open_entry, len(scans))
    found.fast_blocks = sum(part.fast_blocks for part in scans)
    return found


def _shift(table: pl.DataFrame, offset: int) -> pl.DataFrame:
    import polars as pl

    if not offset:
        return table
    return table.with_columns((pl.col("_entry") + offset).cast(pl.Int32))


if __name__ == "__main__":
    _work(int(sys.argv[1]))
