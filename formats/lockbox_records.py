"""Lockbox bytes -> records, and the record order of a transmission.

A record is a line (LF or CR LF); blank lines are skipped with a warning. Records may be of any
length up to the bank's maximum: banks drop trailing blanks, so a record shorter than its last field
is padded (a warning while tolerated) and one longer than the maximum is an error. The order is
1, 2, then per lockbox 5, batches of details (6, each followed by its overflow records 4) closed by
a batch total 7, then the lockbox total 8; then the trailer 9. Each record is given the lockbox,
batch and detail it belongs to (-1: none), so a stray record never changes a total.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from formats.lockbox_layout import DETAIL_KINDS, RECORD_NAMES, SENSITIVE, LockboxOptions
from hub.kernel.errors import ParseError
from hub.kernel.problems import Problem, mask


@dataclass
class Records:
    """The file cut into records. ``lines[i]`` is the physical line of ``records[i]``."""

    records: list[str]
    lines: list[int]
    kinds: list[str] = field(default_factory=list)
    lockbox: list[int] = field(default_factory=list)
    batch: list[int] = field(default_factory=list)
    detail: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def problem(
    rule: str,
    message: str,
    *,
    line: int | None,
    positions: str | None = None,
    value: object = None,
    field: str | None = None,
    kind: str = "",
    warning: bool = False,
) -> Problem:
    """A finding; level "row" when it sits on a detail or overflow record (it rejects that check),
    "file" otherwise (the file's structure or controls: the whole file is rejected). The value of a
    sensitive field (remitter routing and account, utility account) is masked."""
    level: Literal["file", "row"] = "row" if kind and kind in DETAIL_KINDS else "file"
    if field in SENSITIVE and value is not None:
        value = mask(str(value))
    return Problem.of(
        rule,
        message,
        line=line,
        field=field,
        value=value,
        level=level,
        positions=positions,
        severity="warning" if warning else "error",
    )


def _span(start: int, end: int) -> str:
    return str(start) if start == end else f"{start}-{end}"


def split(data: bytes, file: str, options: LockboxOptions) -> Records:
    """Cut ``data`` into records, padded to their layout's length. A file with no record at all
    raises ``ParseError``; everything else is reported record by record."""
    if not data.strip(b"\r\n\t "):
        raise ParseError("the file holds no records", file=file, line=1, column=None, rule="empty-file")
    text = data.decode("latin-1")  # one character per byte, so positions stay positions
    raw = text.split("\n")
    if raw and raw[-1] == "":
        raw.pop()
    out = Records(records=[], lines=[])
    longest = options.max_record_length
    ends = {kind: layout.end for kind, layout in options.layouts().items()}
    for number, record in enumerate(raw, start=1):
        record = record.removesuffix("\r")
        if record.strip() == "":
            out.problems.append(
                problem("blank-line", "a blank line between records; skipped", line=number, warning=True)
            )
            continue
        kind = record[0]
        if len(record) > longest:
            out.problems.append(
                problem(
                    "record-length",
                    f"record is {len(record)} characters, longer than the maximum {longest}; "
                    f"positions {longest + 1}-{len(record)} are not read",
                    line=number,
                    positions=_span(longest + 1, len(record)),
                    value=len(record),
                    kind=kind,
                )
            )
            record = record[:longest]
        elif kind in ends and len(record) < ends[kind]:
            tolerated = options.tolerate_short_records
            out.problems.append(
                problem(
                    "record-length",
                    f"{RECORD_NAMES[kind]} record is {len(record)} characters, shorter than the "
                    f"{ends[kind]} its fields take" + ("; padded with blanks" if tolerated else ""),
                    line=number,
                    positions=_span(len(record) + 1, ends[kind]),
                    value=len(record),
                    kind=kind,
                    warning=tolerated,
                )
            )
            record = record.ljust(ends[kind])
        out.records.append(record)
        out.lines.append(number)
    if not out.records:
        raise ParseError("the file holds only blank lines", file=file, line=1, column=None, rule="empty-file")
    return out


# What each record type may follow ("" is the start of the file).
_FOLLOWS = {
    "1": {""},
    "2": {"1"},
    "5": {"2", "8"},
    "6": {"5", "6", "4", "7"},
    "4": {"6", "4"},
    "7": {"5", "6", "4", "7"},
    "8": {"5", "7"},
    "9": {"2", "8"},
}
_IN_LOCKBOX = {"5", "6", "4", "7"}  # after one of these a lockbox is open


def _name(kind: str) -> str:
    return f"{RECORD_NAMES[kind]} record (type {kind})"


def _order_message(kind: str, prev: str, seen: set[str]) -> str | None:
    """Why ``kind`` cannot come after ``prev``, or None when it can."""
    if prev in _FOLLOWS[kind]:
        return None
    if prev == "" and not seen:
        return f"the file does not start with a header record (type 1); its first record is a {_name(kind)}"
    if prev == "":  # only stray records so far
        return f"{_name(kind)} before the header record (type 1)"
    if kind in "12" and kind in seen:
        return f"a second {_name(kind)}"
    if kind in "59" and prev in _IN_LOCKBOX:
        return f"{_name(kind)} before the open lockbox's total record (type 8)"
    if kind == "8" and prev in "64":
        return "lockbox total record (type 8) before the open batch's total record (type 7)"
    if kind in "67" and prev in "128":
        return f"{_name(kind)} outside a lockbox (after the {_name(prev)})"
    if kind == "4":
        return f"overflow record (type 4) after a {_name(prev)}: it belongs after a detail or overflow record"
    return f"{_name(kind)} cannot follow a {_name(prev)}"


def structure(out: Records) -> None:
    """Check the record order and give each record its lockbox, batch and detail (indexes from 0;
    -1 for none). A record out of place belongs to nothing it cannot belong to, and what may follow
    it is what could follow before it."""
    prev = ""
    seen: set[str] = set()
    lockbox = batch = detail = -1
    lockboxes = batches = details = 0
    closed = False
    opened_at = 0  # line of the open lockbox's header
    for record, line in zip(out.records, out.lines, strict=True):
        kind = record[0]
        out.kinds.append(kind)
        where = (-1, -1, -1)
        if kind not in RECORD_NAMES:
            message = f"unknown record type {kind!r} (expected 1, 2, 5, 6, 4, 7, 8 or 9)"
            out.problems.append(problem("record-type", message, line=line, positions="1", value=kind))
        elif closed:
            message = f"{_name(kind)} after the trailer record"
            out.problems.append(problem("record-order", message, line=line, positions="1", value=kind))
        else:
            why = _order_message(kind, prev, seen)
            if why:
                out.problems.append(problem("record-order", why, line=line, positions="1", value=kind))
            stray = (
                (kind in "678" and lockbox < 0)
                or (kind == "4" and (prev not in "64" or detail < 0))
                or (kind in "12" and kind in seen)
            )
            seen.add(kind)
            if kind == "5":
                lockbox, batch, detail = lockboxes, -1, -1
                lockboxes += 1
                opened_at = line
                where = (lockbox, -1, -1)
            elif kind == "6":
                if not stray and batch < 0:
                    batch, batches = batches, batches + 1
                # a detail outside a lockbox is in no batch: counted, never passed on
                where = (-1, -1, details) if stray else (lockbox, batch, details)
                detail = -1 if stray else details
                details += 1
            elif kind == "4" and not stray:
                where = (lockbox, batch, detail)
            elif kind == "7" and not stray:
                if batch < 0:  # a batch without details
                    batch, batches = batches, batches + 1
                where = (lockbox, batch, -1)
                batch = detail = -1
            elif kind == "8" and not stray:
                where = (lockbox, -1, -1)
                lockbox = batch = detail = -1
            elif kind == "9":
                lockbox = batch = detail = -1
                closed = True
            if not stray:
                prev = kind
        out.lockbox.append(where[0])
        out.batch.append(where[1])
        out.detail.append(where[2])
    if not closed:
        if lockbox >= 0:
            message = f"the lockbox opened on line {opened_at} has no lockbox total record (type 8)"
            out.problems.append(problem("record-order", message, line=out.lines[-1]))
        out.problems.append(
            problem("record-order", "the file has no trailer record (type 9)", line=out.lines[-1])
        )
