"""The format base: how bytes become a table of rows and back.

A format implements two methods, ``read`` (bytes -> raw table + row problems) and ``write``
(table -> bytes), and may override ``validate`` (raw table -> typed valid rows + problems).
File-level failures raise ``ParseError``; row-level ones are returned as ``Problem``s so one pass
collects every failure. Options are a pydantic model declared beside the implementation.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from hub.kernel.background import in_background
from hub.kernel.errors import ParseError
from hub.kernel.problems import Problem

if TYPE_CHECKING:
    import polars as pl

# What ``hub inspect --json`` shows of each problem (the summary format).
INSPECT_KEYS = ("line", "positions", "field", "value", "rule", "message", "severity")


def preload(module: str) -> None:
    """Import ``module`` in a background thread, so a heavy import (pandera: ~0.1 s) overlaps with
    work that releases the GIL, such as polars reading the file. A failure is left for the real
    import to raise where the module is used (the future is dropped)."""
    in_background(lambda: importlib.import_module(module), f"preload {module}")


# The summary key of the records behind ``hub inspect``'s tables for people: ``{title: Records}``.
# ``--json`` leaves it out (its lists and counts are the documented summary).
TABLES = "_tables"


@dataclass(frozen=True, eq=False)
class Records:
    """One table of a file's records for ``hub inspect`` (``_line`` shown as ``line``). Values
    are as read: the command masks the format's ``sensitive_fields`` in the rows it prints."""

    frame: pl.DataFrame

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Records) and self.frame.equals(other.frame)

    __hash__ = None  # type: ignore[assignment]


def record_table(frame: pl.DataFrame, columns: Sequence[str]) -> Records:
    """``columns`` of ``frame`` (those it has, in that order) for an inspect table: the same
    columns, not copies (``select`` would copy them: a third more memory on a large file)."""
    import polars as pl

    return Records(pl.DataFrame([frame.get_column(c) for c in columns if c in frame.columns]))


def inspected(problems: list[Problem]) -> list[dict[str, Any]]:
    """Problems as ``hub inspect --json`` prints them."""
    return [{k: p.to_dict()[k] for k in INSPECT_KEYS} for p in problems]


def unreadable(exc: ParseError, **empty: Any) -> dict[str, Any]:
    """The summary of a file that cannot be read at all: the format's empty figures and the one
    problem that stopped it, so ``hub inspect`` still says where and why."""
    problem = Problem.of(exc.rule, exc.detail, line=exc.position.line, value=exc.value, level="file")
    return {**empty, "problems": inspected([problem])}


class FormatOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


OptionsT = TypeVar("OptionsT", bound=FormatOptions)


@dataclass(frozen=True)
class ReadContext:
    """What a reader needs besides the bytes: the file's name for messages, the processing time for
    date rules, the time zone of naive times, and when the hub received the file (None: now; a
    file run again later keeps its own), for rules judged as of the day the partner sent it."""

    file: str
    now: datetime
    timezone: str = "UTC"
    received: datetime | None = None
    # A large file run in parts (``Format.reads_by_lines``): what the parts before this one left
    # for checks that span the whole file, e.g. the keys of the rows read so far (duplicates).
    earlier: dict[str, Any] | None = None


@dataclass
class Parsed:
    """A read file: one row per data record (``_line`` column), the rows that could not be read as
    records, and file-level facts (header values, ignored columns, blank lines)."""

    table: pl.DataFrame
    problems: list[Problem] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    count: int | None = None  # rows in the file, when every row is in ``table`` whatever its problems

    @property
    def rows(self) -> int:
        if self.count is not None:
            return self.count
        return self.table.height + len({p.line for p in self.problems})


@dataclass
class Validated:
    """Typed rows that passed every rule, and every problem of the rows that did not."""

    table: pl.DataFrame
    problems: list[Problem]
    rows: int
    rejected: int | None = None  # rows rejected, when a row's problems may sit on other lines (addenda)

    @property
    def rejected_lines(self) -> int:
        if self.rejected is not None:
            return self.rejected
        return len({p.line for p in self.problems if p.line is not None and p.severity == "error"})


@dataclass
class PendingValidation:
    """Validation under way: ``typed`` holds every row read, typed, at once (None when the format
    types nothing ahead); ``result`` waits for the rules and returns the ``Validated`` rows. A
    row-wise mapping may map ``typed`` while the rules run and drop the rejected lines after."""

    typed: pl.DataFrame | None
    wait: Callable[[], Validated]

    def result(self) -> Validated:
        return self.wait()


class Format(ABC, Generic[OptionsT]):
    """A file format, registered by ``name`` in ``formats._BUILTIN`` (or a ``formats:`` line of hub.yaml)."""

    name: ClassVar[str]
    options_model: ClassVar[type[FormatOptions]]
    sensitive_fields: ClassVar[frozenset[str]] = frozenset()
    # Fields in seconds since 1970 (UTC), as the format writes them; people see them as dates.
    epoch_fields: ClassVar[frozenset[str]] = frozenset()
    title: ClassVar[str] = ""  # how people call it ("NACHA", "meter-read CSV"); default: ``name``
    # A CSV format's header columns (default names) that together say a file is one of its files.
    sniff_columns: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def sniff(cls, head: bytes) -> str | None:
        """The evidence that a file starting with ``head`` (its first few KB) is in this format,
        e.g. "record 1 starts with 101", or None. Asked of every registered format when a file
        fails, so an operator who dropped a file into the wrong exchange is told so first. The
        default recognises a CSV header holding every one of ``sniff_columns``."""
        return sniff_csv_header(head, cls.sniff_columns)

    def reads_by_lines(self) -> bool:
        """Whether a large file may be read in parts split at line ends, each given the header
        line: every row is one line (quoted line ends aside) and its checks need only its own
        part, except those the format keeps across parts in ``ReadContext.earlier``."""
        return False

    def __init__(self, options: OptionsT) -> None:
        self.options = options

    @abstractmethod
    def read(self, data: bytes, ctx: ReadContext) -> Parsed:
        """Bytes -> raw table; raise ParseError when the file as a whole cannot be read."""

    @abstractmethod
    def write(self, table: pl.DataFrame) -> bytes:
        """Table -> bytes of this format (the inverse of ``read`` for valid rows)."""

    def validate(self, parsed: Parsed, ctx: ReadContext) -> Validated:
        """Raw table -> typed valid rows; the default accepts every row that was read."""
        return Validated(table=parsed.table, problems=list(parsed.problems), rows=parsed.rows)

    def warm_up(self) -> None:
        """Import now what reading and validating a file would import on first use (``hub run``
        calls this once at start, so its first file pays no import). The default: nothing."""

    def inspect(self, data: bytes, ctx: ReadContext) -> dict[str, Any]:
        """A machine-readable summary of a file (``hub inspect``): what it holds and every problem.
        Formats with records and control totals override this with their own structure."""
        from hub.kernel.errors import ParseError

        try:
            parsed = self.read(data, ctx)
        except ParseError as exc:
            problem = Problem.of(exc.rule, exc.detail, line=exc.position.line, field=exc.position.column)
            return {"format": self.name, "rows": 0, "problems": [problem.to_dict()]}
        validated = self.validate(parsed, ctx)
        raw = parsed.table
        return {
            "format": self.name,
            "rows": validated.rows,
            "valid_rows": validated.table.height,
            "problems": [p.to_dict() for p in validated.problems],
            TABLES: {
                "rows": record_table(raw, ["_line", *(c for c in raw.columns if not c.startswith("_"))])
            },
        }

    def start_validation(self, parsed: Parsed, ctx: ReadContext) -> PendingValidation:
        """Start validating; the default validates at once and offers no typed table ahead."""
        validated = self.validate(parsed, ctx)
        return PendingValidation(None, lambda: validated)


def first_line(head: bytes) -> str:
    """The first line of ``head`` as text (BOM and line end dropped; undecodable bytes replaced)."""
    text = head.split(b"\n", 1)[0].rstrip(b"\r").decode("utf-8", "replace")
    return text.removeprefix("\ufeff")


def sniff_csv_header(head: bytes, columns: Sequence[str]) -> str | None:
    """``"its header names a, b, c"`` when the first line of ``head`` is a CSV header holding every
    one of ``columns`` (any case, comma, semicolon, tab or pipe separated), else None."""
    if not columns:
        return None
    line = first_line(head)
    for sep in (",", ";", "\t", "|"):
        names = {c.strip().strip('"').strip().lower() for c in line.split(sep)}
        if all(c in names for c in columns):
            return f"its header names {', '.join(columns)}"
    return None


def known_fields(columns: dict[str, str], fields: Sequence[str]) -> dict[str, str]:
    """A format's ``columns`` option (field -> header name) checked: every key one of ``fields``."""
    unknown = sorted(set(columns) - set(fields))
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(unknown)}; fields are {', '.join(fields)}")
    return columns
