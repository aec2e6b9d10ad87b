"""NACHA bytes -> 94-character records, and the record order of a file.

Both passes look at one record type character per record (cheap even for 400,000 records); the
fields are checked column-wise afterwards (``formats.nacha_checks``). Every deviation becomes a
``Problem``; tolerated ones (see ``NachaOptions``) are warnings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from formats.nacha_layout import BLOCKING_FACTOR, PADDING, RECORD_LENGTH, RECORD_NAMES
from hub.errors import ParseError
from hub.problems import Problem


@dataclass
class Records:
    """The file cut into records. ``lines[i]`` is the physical line of ``records[i]`` (its record
    number when the file has no line breaks); ``batch[i]``/``entry[i]`` index the batch and entry
    detail a record belongs to (-1: none); ``kinds[i]`` is its type, ``"P"`` for 9-padding."""

    records: list[str]
    lines: list[int]
    kinds: list[str] = field(default_factory=list)
    batch: list[int] = field(default_factory=list)
    entry: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unbroken: bool = False

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)


def _problem(
    rule: str,
    message: str,
    *,
    line: int | None,
    positions: str | None = None,
    value: object = None,
    warning: bool = False,
    field: str | None = None,
    level: str = "file",
) -> Problem:
    return Problem.of(
        rule,
        message,
        line=line,
        field=field,
        value=value,
        level="file" if level == "file" else "row",
        positions=positions,
        severity="warning" if warning else "error",
    )


def split(data: bytes, file: str, *, crlf: bool, unbroken: bool, short_lines: bool) -> Records:
    """Cut ``data`` into 94-character records. A file that is empty or not text at all raises
    ``ParseError``; everything else is reported record by record."""
    if not data.strip(b"\r\n\t "):
        raise ParseError("the file holds no records", file=file, line=1, column=None, rule="empty-file")
    text = data.decode("latin-1")  # one character per byte, so positions stay positions
    out = Records(records=[], lines=[])
    if "\n" not in text and "\r" not in text and len(text) > RECORD_LENGTH:
        out.unbroken = True
        out.add(
            _problem(
                "line-breaks",
                f"the file has no line breaks; it was cut into {RECORD_LENGTH}-character records "
                "(line numbers below are record numbers)",
                line=None,
                warning=unbroken,
            )
        )
        raw = [text[i : i + RECORD_LENGTH] for i in range(0, len(text), RECORD_LENGTH)]
    else:
        raw = text.split("\n")
        if raw and raw[-1] == "":
            raw.pop()
        cr = sum(1 for r in raw if r.endswith("\r"))
        if cr:
            raw = [r[:-1] if r.endswith("\r") else r for r in raw]
            out.add(
                _problem(
                    "line-breaks",
                    f"{cr} of {len(raw)} lines end with CR LF instead of LF",
                    line=None,
                    warning=crlf,
                )
            )
    for number, record in enumerate(raw, start=1):
        if record == "" or record.isspace():
            out.add(_problem("blank-line", "a blank line between records", line=number, value=record))
            continue
        if len(record) != RECORD_LENGTH:
            short = len(record) < RECORD_LENGTH
            out.add(
                _problem(
                    "record-length",
                    f"record is {len(record)} characters, not {RECORD_LENGTH}"
                    + ("; padded with blanks" if short and short_lines else ""),
                    line=number,
                    positions=f"{min(len(record), RECORD_LENGTH) + 1}-{max(len(record), RECORD_LENGTH)}",
                    value=len(record),
                    warning=short and short_lines,
                )
            )
            record = record[:RECORD_LENGTH].ljust(RECORD_LENGTH)
        out.records.append(record)
        out.lines.append(number)
    return out


_FOLLOWS = {
    "1": {""},
    "5": {"1", "8"},
    "6": {"5", "6", "7"},
    "7": {"6", "7"},
    "8": {"6", "7"},
    "9": {"1", "8"},
}


def structure(out: Records, *, missing_padding: bool) -> None:
    """Check the record order (1, then batches of 5 6 [7...] ... 8, then 9, then 9-padding to a
    multiple of ten records) and give each record its batch and entry."""
    prev = ""
    batch = entry = -1
    in_batch = closed = False
    headers = 0
    for i, record in enumerate(out.records):
        line = out.lines[i]
        kind = record[0]
        if closed and record == PADDING:
            out.kinds.append("P")
            out.batch.append(-1)
            out.entry.append(-1)
            continue
        out.kinds.append(kind)
        name = RECORD_NAMES.get(kind)
        if name is None:
            out.add(
                _problem(
                    "record-type",
                    f"unknown record type {kind!r} (expected 1, 5, 6, 7, 8 or 9)",
                    line=line,
                    positions="1",
                    value=kind,
                )
            )
        elif closed:
            out.add(
                _problem(
                    "record-order",
                    f"{name} record after the file control record",
                    line=line,
                    positions="1",
                    value=kind,
                )
            )
        elif prev not in _FOLLOWS[kind]:
            after = RECORD_NAMES.get(prev, "the start of the file")
            if kind == "8" and prev == "5":
                message = "batch has no entry detail records"
            elif kind == "1" and headers:
                message = "a second file header record"
            else:
                message = f"{name} record cannot follow {after} record"
            out.add(_problem("record-order", message, line=line, positions="1", value=kind))
        if kind == "1":
            headers += 1
        elif kind == "5":
            batch += 1
            in_batch = True
        elif kind == "8":
            in_batch = False
        elif kind == "9":
            closed = True
            if in_batch:
                out.add(
                    _problem(
                        "record-order",
                        "file control record before the open batch's control record",
                        line=line,
                        positions="1",
                        value=kind,
                    )
                )
        if kind == "6":
            entry += 1
        in_item = kind in "678" and batch >= 0
        out.batch.append(batch if kind in "5678" and batch >= 0 else -1)
        out.entry.append(entry if kind in "67" and entry >= 0 and in_item else -1)
        prev = kind if name else prev
    if not out.records or out.kinds[0] != "1":
        out.add(_problem("record-order", "the file does not start with a file header record", line=1))
    if not closed:
        out.add(_problem("record-order", "the file has no file control record", line=out.lines[-1]))
    total = len(out.records)
    if total % BLOCKING_FACTOR:
        out.add(
            _problem(
                "padding",
                f"{total} records is not a multiple of {BLOCKING_FACTOR}: the last block is not padded "
                "with 9-records",
                line=out.lines[-1],
                value=total,
                warning=missing_padding,
            )
        )
