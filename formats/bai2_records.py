"""BAI2 bytes -> logical records: physical lines, each record with its 88 continuations (and lines
that continue it without the 88 prefix), and a cursor that reads a record's fields across them.

A field never spans two physical lines: the end of a line is a field boundary, whether the line ends
with "/" or not. Only the text of a 16 record is "the rest of the record": it may hold commas and
slashes, and its pieces on continuation lines are joined with ``Bai2Options.text_separator``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hub.kernel.errors import ParseError
from hub.kernel.problems import Problem

RECORD_NAMES = {
    "01": "file header",
    "02": "group header",
    "03": "account identifier",
    "16": "transaction detail",
    "49": "account trailer",
    "88": "continuation",
    "98": "group trailer",
    "99": "file trailer",
}


@dataclass(frozen=True, slots=True)
class Segment:
    """One physical line of a record: its text after the record code and comma (the whole line for a
    continuation without the 88 prefix), trailing blanks removed."""

    line: int
    text: str


@dataclass
class Record:
    """A logical record: its code and its physical lines (the first one carries the code)."""

    code: str
    segments: list[Segment]

    @property
    def line(self) -> int:
        return self.segments[0].line

    @property
    def physical(self) -> int:
        """Physical records it takes: what the trailers count (88 continuations included)."""
        return len(self.segments)


@dataclass(frozen=True, slots=True)
class Token:
    """A field: its text (a record-ending "/" removed), its line and ordinal (the record code is field
    1), and whether it is the last field of its physical line."""

    value: str
    line: int
    ordinal: int
    last: bool

    @property
    def positions(self) -> str:
        return f"field {self.ordinal}"


@dataclass
class Split:
    records: list[Record]
    physical: int  # non-blank lines: the file's physical records
    last_line: int
    problems: list[Problem] = field(default_factory=list)


def _problem(rule: str, message: str, line: int, value: str | None, warning: bool) -> Problem:
    return Problem.of(
        rule, message, line=line, value=value, level="file", severity="warning" if warning else "error"
    )


def decode(data: bytes) -> str:
    """UTF-8 when it is, else Latin-1 (every byte is a character: nothing is lost or refused)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def split(data: bytes, file: str, *, unprefixed: bool, blank_lines: bool) -> Split:
    """Cut ``data`` into records. A file without a non-blank line raises ``ParseError``; a line whose
    first field is not a record code continues the record before it (a warning with ``unprefixed``,
    else an error)."""
    lines = decode(data).split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the final line break
    out = Split([], 0, max(len(lines), 1))
    for n, raw in enumerate(lines, start=1):
        text = raw.rstrip()
        if not text:
            out.problems.append(
                _problem("blank-line", "blank line (not a record; not counted)", n, None, blank_lines)
            )
            continue
        out.physical += 1
        code, sep, rest = text[:2], text[2:3], text[3:]
        if code in RECORD_NAMES and sep in (",", "/", ""):
            body = rest if sep == "," else sep
            if code != "88":
                out.records.append(Record(code, [Segment(n, body)]))
                continue
            if out.records:
                out.records[-1].segments.append(Segment(n, body))
                continue
        elif out.records:
            previous = RECORD_NAMES[out.records[-1].code]
            out.problems.append(
                _problem(
                    "continuation-prefix",
                    f"line does not start with a record code: read as a continuation of the {previous} "
                    f"record on line {out.records[-1].line} without its 88 prefix",
                    n,
                    text[:20],
                    unprefixed,
                )
            )
            out.records[-1].segments.append(Segment(n, text))
            continue
        what = "a continuation record" if code == "88" else "a line without a record code"
        out.problems.append(
            _problem("record-code", f"{what} before any record: nothing to continue", n, text[:20], False)
        )
    if out.physical == 0:
        raise ParseError("the file holds no records", file=file, line=1, column=None, rule="empty-file")
    return out


class Cursor:
    """Reads a record's fields one at a time across its physical lines; ``rest`` takes the remainder
    as text (a 16 record's last field)."""

    def __init__(self, record: Record) -> None:
        self._segments = record.segments
        self._i = 0
        self._pos = 0
        self.ordinal = 2

    def take(self) -> Token | None:
        while self._i < len(self._segments):
            segment = self._segments[self._i]
            text = segment.text
            if self._pos > len(text):
                self._i += 1
                self._pos = 0
                continue
            comma = text.find(",", self._pos)
            if comma < 0:
                value, last = text[self._pos :], True
                self._pos = len(text) + 1
                if value.endswith("/"):
                    value = value[:-1]
            else:
                value, last = text[self._pos : comma], False
                self._pos = comma + 1
            token = Token(value, segment.line, self.ordinal, last)
            self.ordinal += 1
            return token
        return None

    def rest(self, separator: str) -> tuple[str, int | None]:
        """The text from here to the end of the record, and the line it starts on. One "/" ending a
        piece is the record's end, not text; empty pieces are dropped."""
        pieces: list[tuple[int, str]] = []
        if self._i < len(self._segments) and self._pos <= len(self._segments[self._i].text):
            segment = self._segments[self._i]
            pieces.append((segment.line, segment.text[self._pos :]))
        pieces += [(s.line, s.text) for s in self._segments[self._i + 1 :]]
        self._i, self._pos = len(self._segments), 0
        kept = [(line, p[:-1] if p.endswith("/") else p) for line, p in pieces]
        kept = [(line, p) for line, p in kept if p]
        if not kept:
            return "", None
        return separator.join(p for _, p in kept), kept[0][0]

    def remaining(self) -> list[Token]:
        found = []
        while (token := self.take()) is not None:
            found.append(token)
        return found


def tokens(record: Record) -> list[Token]:
    return Cursor(record).remaining()


def unended(record: Record) -> list[Segment]:
    """The physical lines of a record other than a 16 that do not end with "/"."""
    return [s for s in record.segments if not s.text.endswith("/")]
