"""NACHA bytes -> 94-character records, and the record order of a file.

Both passes look at one record type character per record (cheap even for 400,000 records); the
fields are checked column-wise afterwards (``formats.nacha_fields``). Every deviation becomes a
``Problem``; tolerated ones (see ``NachaOptions``) are warnings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from formats.nacha_layout import BLOCKING_FACTOR, PADDING, RECORD_LENGTH, RECORD_NAMES
from hub.kernel.errors import ParseError
from hub.kernel.problems import Problem


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


def _span(start: int, end: int) -> str:
    return str(start) if start == end else f"{start}-{end}"


def split(data: bytes, file: str, *, crlf: bool, unbroken: bool, short_lines: bool) -> Records:
    """Cut ``data`` into 94-character records. A file that is empty or not text at all raises
    ``ParseError``; everything else is reported record by record."""
    if not data.strip(b"\r\n\t "):
        raise ParseError("the file holds no records", file=file, line=1, column=None, rule="empty-file")
    text = data.decode("latin-1")  # one character per byte, so positions stay positions
    out = Records(records=[], lines=[])
    body = text.rstrip("\r\n")  # a file without line breaks may still end with one
    if "\n" not in body and "\r" not in body and len(body) > RECORD_LENGTH:
        text = body
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
        cr = sum(1 for r in raw if r.endswith("\r")) if "\r" in text else 0
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
    if set(map(len, raw)) == {RECORD_LENGTH}:  # the usual case: every record whole, none blank
        out.records, out.lines = raw, list(range(1, len(raw) + 1))
        return out
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
                    positions=_span(min(len(record), RECORD_LENGTH) + 1, max(len(record), RECORD_LENGTH)),
                    value=len(record),
                    warning=short and short_lines,
                )
            )
            record = record[:RECORD_LENGTH].ljust(RECORD_LENGTH)
        out.records.append(record)
        out.lines.append(number)
    if not out.records:
        raise ParseError("the file holds only blank lines", file=file, line=1, column=None, rule="empty-file")
    return out


_FOLLOWS = {
    "1": {""},
    "5": {"1", "8"},
    "6": {"5", "6", "7"},
    "7": {"6", "7"},
    "8": {"6", "7"},
    "9": {"1", "8"},
}


def _order_message(kind: str, prev: str, headers: int, in_batch: bool) -> str | None:
    """Why ``kind`` cannot come next, or None when it can."""
    name = RECORD_NAMES[kind]
    if kind in "59" and in_batch and prev in "67":
        return f"{name} record before the open batch's control record"
    if prev in _FOLLOWS[kind]:
        return None
    if prev == "":
        return f"the file does not start with a file header record (its first record is a {name} record)"
    if kind == "8" and prev == "5":
        return "batch has no entry detail records"
    if kind == "1" and headers:
        return "a second file header record"
    if kind in "67" and prev in "18":
        return f"{name} record outside a batch (after the {RECORD_NAMES[prev]} record)"
    return f"{name} record cannot follow {RECORD_NAMES[prev]} record"


# A file in order: header, batches of a header, entries each followed by its addenda, and a control;
# then the file control (and 9-padding, checked apart).
_IN_ORDER = re.compile(r"1(?:5(?:67*)+8)*9")


def structure(out: Records, *, missing_padding: bool) -> None:
    """Check the record order (1, then batches of 5 6 [7...] ... 8, then 9, then 9-padding to a
    multiple of ten records) and give each record its batch and entry. Records outside a batch
    (or after the file control) belong to none, so they never change a batch's sums."""
    if not _in_order(out):
        _walk(out)
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


def _in_order(out: Records) -> bool:
    """The usual case, column-wise: when the record types read in order (and only 9-padding
    follows the file control), give every record its batch and entry without a Python loop."""
    import polars as pl

    kinds = "".join([r[0] for r in out.records])
    found = _IN_ORDER.match(kinds)
    if found is None:
        return False
    end = found.end()
    if out.records[end - 1] == PADDING or any(r != PADDING for r in out.records[end:]):
        return False
    if PADDING in out.records[:end]:
        return False
    k = pl.Series("kind", list(kinds[:end]) + ["P"] * (len(kinds) - end), dtype=pl.String)
    frame = pl.DataFrame(k).with_columns(
        pl.when(pl.col("kind").is_in(["5", "6", "7", "8"]))
        .then((pl.col("kind") == "5").cum_sum() - 1)
        .otherwise(-1)
        .alias("batch"),
        pl.when(pl.col("kind").is_in(["6", "7"]))
        .then((pl.col("kind") == "6").cum_sum() - 1)
        .otherwise(-1)
        .alias("entry"),
    )
    out.kinds = k.to_list()
    out.batch = frame.get_column("batch").to_list()
    out.entry = frame.get_column("entry").to_list()
    return True


def _walk(out: Records) -> None:
    """Record by record, for a file out of order: say where and why, and keep stray records out of
    every batch."""
    prev = ""
    batch = entry = current = -1
    in_batch = closed = padded = False
    headers = 0
    for i, record in enumerate(out.records):
        line = out.lines[i]
        kind = record[0]
        if record == PADDING:
            padded = True
            out.kinds.append("P")
            out.batch.append(-1)
            out.entry.append(-1)
            continue
        out.kinds.append(kind)
        name = RECORD_NAMES.get(kind)
        where = (-1, -1)
        if name is None:
            out.add(
                _problem(
                    "record-type",
                    f"unknown record type {kind!r} (expected 1, 5, 6, 7, 8, 9)",
                    line=line,
                    positions="1",
                    value=kind,
                )
            )
        elif closed or padded:
            after = "file control" if closed else "9-padding"
            closed = closed or kind == "9"
            out.add(
                _problem(
                    "record-order",
                    f"{name} record after the {after} record",
                    line=line,
                    positions="1",
                    value=kind,
                )
            )
        else:
            message = _order_message(kind, prev, headers, in_batch)
            if message:
                out.add(_problem("record-order", message, line=line, positions="1", value=kind))
            if kind == "1":
                headers += 1
            elif kind == "5":
                batch += 1
                in_batch, current = True, -1
                where = (batch, -1)
            elif kind == "6":
                entry += 1
                current = entry
                where = (batch if in_batch else -1, entry)
            elif kind == "7":
                where = (batch if in_batch and current >= 0 else -1, current)
            elif kind == "8":
                where = (batch if in_batch else -1, -1)
                in_batch, current = False, -1
            elif kind == "9":
                closed, in_batch, current = True, False, -1
            if kind not in "67" or in_batch:
                prev = kind  # after a stray entry or addenda, what may follow is what could before
        out.batch.append(where[0])
        out.entry.append(where[1])
    if prev == "":
        out.add(_problem("record-order", "the file has no file header record", line=out.lines[0]))
    if not closed:
        out.add(_problem("record-order", "the file has no file control record", line=_last_line(out)))


def _last_line(out: Records) -> int:
    """The line of the last record that is not 9-padding (where a file control should follow)."""
    real = [line for line, kind in zip(out.lines, out.kinds, strict=True) if kind != "P"]
    return real[-1] if real else out.lines[-1]
