"""Bytes -> records with their physical line numbers: one split for every fixed-width format.

A record is a line (LF; a CR before it is dropped). Blank lines are skipped; a record shorter than
its layout is padded with blanks; one longer than its width is cut. Each is reported, a warning while
the format tolerates it (``Tolerances``), else an error; blank lines after the last record are one
finding of their own when the format says how it takes them (``trailing``). A file that holds no
record at all raises ``ParseError``. The lengths are checked column-wise: only the records that deviate
are looked at one by one.

A fixed-width file (every ``Record`` of one ``record_length``) holds every record, whatever its type,
to that width, and a record of the wrong length breaks the file's framing: a file-level finding. In
a file of records of any length up to ``max_record_length`` a record is held to the length its own
fields take, and a wrong length is a finding on that record (its layout's level).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl

from formats.fixed_width.layout import Level, Record, Severity, span
from hub.kernel.errors import ParseError
from hub.kernel.problems import Problem

# A line of blanks as Python's str.strip sees it (polars' \s leaves out 0x1c-0x1f).
_BLANK_LINE = r"^[\t\x0B\x0C\r\x1C-\x20\x85\xA0]*$"


@dataclass(frozen=True)
class Tolerances:
    """How ``split`` reports what it mends: as a warning (tolerated) or an error. ``crlf`` None: a CR
    before the LF is no finding at all; ``unbroken`` None: a file without line breaks is not cut into
    records of the fixed width (it is one long record); ``trailing`` None: blank lines after the last
    record are blank lines like any other (``blank``, one finding each)."""

    crlf: Severity | None = None
    unbroken: Severity | None = None
    short: Severity = "error"
    blank: Severity = "error"
    trailing: Severity | None = None


def severity(tolerated: bool) -> Severity:
    """A tolerated deviation is a warning, one not tolerated an error."""
    return "warning" if tolerated else "error"


@dataclass(frozen=True)
class _Widths:
    """What split needs of a format's records: the fixed width, or the longest a record may be and
    per type the length its fields take, its level and its name."""

    fixed: int | None
    longest: int
    need: dict[str, int]
    level: dict[str, Level]
    name: dict[str, str]

    @classmethod
    def of(cls, records: Iterable[Record]) -> _Widths:
        rs = list(records)
        widths = {(r.record_length, r.max_record_length) for r in rs}
        if len(widths) != 1:
            raise ValueError(f"the records of a file share one width rule, not {sorted(widths, key=str)}")
        [(fixed, longest)] = widths
        need: dict[str, int] = {}
        for r in rs:
            need[r.type] = max(need.get(r.type, 0), r.length)
        return cls(
            fixed,
            fixed or longest or 0,
            need,
            {r.type: r.level for r in rs},
            {r.type: r.name for r in rs},
        )


def split(
    data: bytes, file: str, records: Iterable[Record], tolerate: Tolerances
) -> tuple[pl.DataFrame, list[Problem]]:
    """``data`` cut into records: a frame of ``line`` (Int64) and ``rec`` (each padded to its layout,
    cut to the width), and the findings."""
    if not data.strip(b"\r\n\t "):
        raise ParseError("the file holds no records", file=file, line=1, column=None, rule="empty-file")
    w = _Widths.of(records)
    text = data.decode("latin-1")  # one character per byte, so positions stay positions
    problems: list[Problem] = []
    body = text.rstrip("\r\n")  # a file without line breaks may still end with one
    if tolerate.unbroken and w.fixed and "\n" not in body and "\r" not in body and len(body) > w.fixed:
        message = (
            f"the file has no line breaks; it was cut into {w.fixed}-character records (line numbers "
            "below are record numbers)"
        )
        problems.append(Problem.of("line-breaks", message, level="file", severity=tolerate.unbroken))
        lines = pl.Series("rec", [body[i : i + w.fixed] for i in range(0, len(body), w.fixed)], pl.String)
    else:
        raw = text.split("\n")
        if raw and raw[-1] == "":
            raw.pop()
        lines = pl.Series("rec", raw, pl.String)
        cr = int(lines.str.ends_with("\r").sum()) if "\r" in text else 0
        if cr:
            lines = lines.str.strip_suffix("\r")
            if tolerate.crlf:
                message = f"{cr} of {len(raw)} lines end with CR LF instead of LF"
                problems.append(Problem.of("line-breaks", message, level="file", severity=tolerate.crlf))
    frame = pl.DataFrame(lines).with_row_index("line", offset=1).with_columns(pl.col("line").cast(pl.Int64))
    need = (
        pl.lit(w.fixed)
        if w.fixed
        else pl.col("rec").str.slice(0, 1).replace_strict(w.need, default=0, return_dtype=pl.Int64)
    )
    checked = frame.with_columns(
        pl.col("rec").str.len_chars().cast(pl.Int64).alias("length"),
        need.cast(pl.Int64).alias("need"),
        pl.col("rec").str.contains(_BLANK_LINE).alias("blank"),
    )
    wrong = (pl.col("length") > w.longest) | (pl.col("length") < pl.col("need"))
    odd = checked.filter(pl.col("blank") | wrong)
    if odd.is_empty():
        return frame, problems
    trailing: list[int] = []
    if tolerate.trailing is not None:
        records = checked.filter(~pl.col("blank")).get_column("line")
        last = records[-1] if records.len() else 0
        trailing = odd.filter(pl.col("line") > last).get_column("line").to_list()
        odd = odd.filter(pl.col("line") <= last)
    for line, rec, length, needed, is_blank in odd.select(
        "line", "rec", "length", "need", "blank"
    ).iter_rows():
        problems.append(
            _blank(line, rec, tolerate.blank)
            if is_blank
            else _length(w, line, rec[:1], length, needed, tolerate)
        )
    if trailing and tolerate.trailing is not None:
        problems.append(_trailing(trailing, tolerate.trailing))
    mended = checked.filter(~pl.col("blank")).select(
        "line",
        pl.when(pl.col("length") > w.longest)
        .then(pl.col("rec").str.slice(0, w.longest))
        .when(pl.col("length") < pl.col("need"))
        .then(pl.col("rec").str.pad_end(pl.col("need")))
        .otherwise(pl.col("rec"))
        .alias("rec"),
    )
    if mended.is_empty():
        raise ParseError("the file holds only blank lines", file=file, line=1, column=None, rule="empty-file")
    return mended, problems


def _blank(line: int, rec: str, severity: Severity) -> Problem:
    message = "a blank line between records" + ("; skipped" if severity == "warning" else "")
    return Problem.of("blank-line", message, line=line, value=rec, level="file", severity=severity)


def _trailing(lines: list[int], severity: Severity) -> Problem:
    many = len(lines) > 1
    where = f"lines {lines[0]}-{lines[-1]}" if many else f"line {lines[0]}"
    message = f"{len(lines)} blank line{'s' if many else ''} after the last record ({where})" + (
        "; skipped" if severity == "warning" else ""
    )
    return Problem.of("blank-line", message, line=lines[0], value=len(lines), level="file", severity=severity)


def _length(w: _Widths, line: int, kind: str, length: int, need: int, tolerate: Tolerances) -> Problem:
    short = length < need
    severity: Severity = tolerate.short if short else "error"
    padded = "; padded with blanks" if short and severity == "warning" else ""
    if w.fixed:
        message = f"record is {length} characters, not {w.fixed}{padded}"
        positions = span(min(length, w.fixed) + 1, max(length, w.fixed))
    elif short:
        message = (
            f"{w.name[kind]} record is {length} characters, shorter than the {need} its fields take{padded}"
        )
        positions = span(length + 1, need)
    else:
        message = (
            f"record is {length} characters, longer than the maximum {w.longest}; positions "
            f"{w.longest + 1}-{length} are not read"
        )
        positions = span(w.longest + 1, length)
    level: Level = "file" if w.fixed else w.level.get(kind, "file")
    return Problem.of(
        "record-length", message, line=line, value=length, positions=positions, level=level, severity=severity
    )
