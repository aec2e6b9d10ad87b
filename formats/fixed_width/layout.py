"""Fixed-width layouts as data: a ``Field`` (name, 1-based inclusive positions, kind, flags), a ``Kind``
(what a field of that kind accepts, what a failure says, how the writer fills it) and a ``Record`` (its
type character, its fields, and its width), checked when built so a layout that cannot work never
reaches a file.

Position 1 is the record type; a sub-type (NACHA's addenda type 2-3) is a field, and the format says
which layout a record takes. A record is either of a fixed width (``record_length``: NACHA's 94),
whose every position belongs to a field, reserved ones declared as kind ``B``, so reader and writer
agree on every column; or of any length up to ``max_record_length`` (lockbox: banks drop trailing
blanks), whose fields may leave gaps (columns a bank does not use) and whose free data runs from
``data_start`` to the end of the record.

Nothing here imports polars: layouts are built when a configuration is validated.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import polars as pl

Level = Literal["file", "row"]
Severity = Literal["error", "warning"]


def span(start: int, end: int) -> str:
    """Positions as findings name them: "30-39", or "12" for one."""
    return f"{start}-{end}" if end > start else str(start)


@dataclass(frozen=True, slots=True)
class Field:
    """A field: its name, its 1-based inclusive positions, the code of its kind and its flags."""

    name: str
    start: int
    end: int
    kind: str = "A"  # a code of the record's kinds
    optional: bool = False  # blank allowed (checked only when present)
    sensitive: bool = False  # masked wherever a value is shown

    @property
    def width(self) -> int:
        return self.end - self.start + 1

    @property
    def positions(self) -> str:
        return span(self.start, self.end)

    def cut(self, record: str) -> str:
        return record[self.start - 1 : self.end]


@dataclass(frozen=True)
class Kind:
    """What a field of this kind accepts. ``wrong`` is True, column-wise, where a present value is not
    of the kind (an optional field that is blank is never wrong); ``expected`` completes "<record>
    field <name> ..." when it is. The writer right-justifies a ``numeric`` kind with zeros (digits
    only) and left-justifies the others with blanks; a date is written in ``date_format``."""

    code: str
    wrong: Callable[[pl.Expr, Field], pl.Expr]
    expected: Callable[[Field], str]
    numeric: bool = False
    date_format: str | None = None
    severity: Severity = "error"  # a reserved-blank field that is not: a warning

    def fits(self, f: Field) -> None:
        """ValueError when a field of this kind cannot hold its values: a date format must fill the
        field exactly and give the date back (day, month and year)."""
        fmt = self.date_format
        if fmt is None:
            return
        sample = date(2031, 12, 28)
        try:
            text = sample.strftime(fmt)
            back = datetime.strptime(text, fmt).date()
        except ValueError as exc:
            raise ValueError(f"date format {fmt!r} of {f.name}: {exc}") from None
        if len(text) != f.width or back != sample:
            raise ValueError(
                f"date format {fmt!r} writes {text!r} for {sample}, which does not fill {f.name} "
                f"({f.positions}, {f.width} characters) or does not read back as that date"
            )


def check_positions(fields: Iterable[Field]) -> None:
    """ValueError when a field starts on the record type (position 1), ends before it starts, or
    overlaps another."""
    ordered = sorted(fields, key=lambda f: f.start)
    for f in ordered:
        if f.start < 2 or f.end < f.start:
            raise ValueError(
                f"{f.name} positions {f.start}-{f.end}: a field starts at 2 or later (1 is the "
                "record type) and ends at or after its start"
            )
    for a, b in itertools.pairwise(ordered):
        if b.start <= a.end:
            raise ValueError(f"{b.name} ({b.positions}) overlaps {a.name} ({a.positions})")


@dataclass(frozen=True, eq=False)
class Record:
    """One record type's layout: ``type`` (position 1), ``name`` (in messages), its fields in order,
    the kinds their codes name, and its width: exactly ``record_length`` or any length up to
    ``max_record_length``. Findings on it are ``level`` "row" when they reject only the row it
    carries (an entry, a check), "file" otherwise."""

    type: str
    name: str
    fields: tuple[Field, ...]
    kinds: Mapping[str, Kind]
    record_length: int | None = None
    max_record_length: int | None = None
    data_start: int | None = None  # free data from here to the end of the record
    level: Level = "file"
    _by_name: dict[str, Field] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.type) != 1:
            raise ValueError(f"{self.name}: a record type is one character (position 1), not {self.type!r}")
        if (self.record_length is None) == (self.max_record_length is None):
            raise ValueError(
                f"{self.name}: a record has a record_length (fixed width) or a max_record_length (any "
                "length up to it), one of the two"
            )
        check_positions(self.fields)
        if self.record_length is not None:
            longest, limit = self.record_length, f"record_length {self.record_length}"
        else:
            longest, limit = self.max_record_length or 0, f"max_record_length {self.max_record_length}"
        for f in self.fields:
            if f.end > longest:
                raise ValueError(f"{self.name} field {f.name} ends at {f.end}, after {limit}")
            kind = self.kinds.get(f.kind)
            if kind is None:
                raise ValueError(
                    f"{self.name} field {f.name}: kind {f.kind!r} is not one of {', '.join(self.kinds)}"
                )
            kind.fits(f)
        gap = self._gap(self.record_length) if self.record_length is not None else None
        if gap is not None:
            raise ValueError(
                f"{self.name}: positions {gap[0]}-{gap[1]} are in no field (a fixed-width record declares "
                "every position, reserved ones as kind B)"
            )
        if self.data_start is not None and self.data_start <= self.end:
            raise ValueError(
                f"{self.name}: free data from {self.data_start} is inside the fields (they end at {self.end})"
            )
        object.__setattr__(self, "_by_name", {f.name: f for f in self.fields})

    def _gap(self, width: int) -> tuple[int, int] | None:
        """The first run of positions after the type that no field takes."""
        free = 2
        for f in sorted(self.fields, key=lambda f: f.start):
            if f.start > free:
                return free, f.start - 1
            free = f.end + 1
        return (free, width) if free <= width else None

    def __getitem__(self, name: str) -> Field:
        return self._by_name[name]

    def kind(self, f: Field) -> Kind:
        return self.kinds[f.kind]

    @property
    def end(self) -> int:
        """The last position a field takes."""
        return max((f.end for f in self.fields), default=1)

    @property
    def length(self) -> int:
        """How long a record of this type is at least: its width, or where its fields end."""
        return self.record_length or self.end

    def values(self, record: str) -> dict[str, str]:
        """Every field of ``record`` as it stands, by name."""
        return {f.name: f.cut(record) for f in self.fields}
