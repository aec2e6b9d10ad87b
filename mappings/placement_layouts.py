"""The layouts of an agency's placement file: CSV (the default: our header, or the agency's names and
order, and a trailer row of count and total) or fixed width (the agency's positions, through the
fixed-width engine: a detail record per account, a trailer record with count and total; values are
never cut: one that does not fit refuses the file). Each file is read back and refused unless its
count and total agree with the placements.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator, model_validator

from formats.fixed_width.kinds import BLANK, DIGITS, TEXT, date_kind, kinds
from formats.fixed_width.layout import Field as FixedField
from formats.fixed_width.layout import Record
from formats.fixed_width.writer import render
from formats.placement_extract import DATES, FIELDS
from hub.kernel.errors import MappingError

if TYPE_CHECKING:
    import polars as pl

FILE_FIELDS = FIELDS  # the placement file carries the extract's fields
NUMBERS = ("ssn", "zip", "phone", "balance")  # digits in a fixed-width file (balance: cents)
SENSITIVE = ("ssn", "date_of_birth", "account", "name", "address", "phone")


def dollars(cents: int) -> str:
    return f"{Decimal(cents) / 100:.2f}"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CsvLayout(_Strict):
    """The agency's CSV: which of our fields, in which order, under which header names."""

    type: Literal["csv"] = Field("csv", description="selects this layout")
    fields: list[str] = Field(
        default_factory=lambda: list(FILE_FIELDS), min_length=1, description="our fields, in the file's order"
    )
    columns: dict[str, str] = Field(default_factory=dict, description="our field -> the agency's header name")
    delimiter: str = Field(",", min_length=1, max_length=1, description="the one character between fields")
    date_format: str = Field("%Y-%m-%d", description="strftime format of its dates")

    @model_validator(mode="after")
    def _known(self) -> CsvLayout:
        unknown = sorted((set(self.fields) | set(self.columns)) - set(FILE_FIELDS))
        if unknown:
            raise ValueError(f"unknown field(s) {', '.join(unknown)}; fields are {', '.join(FILE_FIELDS)}")
        if "account" not in self.fields or "balance" not in self.fields:
            raise ValueError("a placement file needs the account and the balance")
        return self


Span = tuple[int, int]


class FixedWidthLayout(_Strict):
    """The agency's fixed-width file: position 1 of each record is its type (``detail_type``,
    ``trailer_type``); ``fields`` our field -> (start, end), 1-based and inclusive; dates in
    ``date_format``; the balance, SSN, ZIP and phone as digits (the balance in cents)."""

    type: Literal["fixed-width"] = Field(description="selects this layout")
    record_length: int = Field(ge=10, le=4096, description="every record's length")
    detail_type: str = Field("D", min_length=1, max_length=1, description="position 1 of a detail record")
    trailer_type: str = Field("T", min_length=1, max_length=1, description="position 1 of the trailer")
    fields: dict[str, Span] = Field(min_length=1, description="our field -> [first, last] positions")
    trailer: dict[Literal["count", "total"], Span] = Field(
        description="count and total -> [first, last] positions in the trailer"
    )
    date_format: str = Field("%Y%m%d", description="strftime format of its dates")

    @field_validator("fields")
    @classmethod
    def _known(cls, fields: dict[str, Span]) -> dict[str, Span]:
        unknown = sorted(set(fields) - set(FILE_FIELDS))
        if unknown:
            raise ValueError(f"unknown field(s) {', '.join(unknown)}; fields are {', '.join(FILE_FIELDS)}")
        if "account" not in fields or "balance" not in fields:
            raise ValueError("a placement file needs the account and the balance")
        return fields

    @model_validator(mode="after")
    def _records_build(self) -> FixedWidthLayout:
        _ = self.records  # positions overlapping, past the record, a date format that does not fit
        if set(self.trailer) != {"count", "total"}:
            raise ValueError("the trailer needs the positions of count and total")
        return self

    @cached_property
    def records(self) -> tuple[Record, Record]:
        """The detail and trailer records in the engine's terms (positions no field takes: blank)."""
        known = kinds(DIGITS, TEXT, BLANK, date_kind("D", self.date_format))

        def kind(name: str) -> str:
            return "D" if name in DATES else "N" if name in NUMBERS else "A"

        detail = [
            FixedField(n, s, e, kind(n), optional=n != "account", sensitive=n in SENSITIVE)
            for n, (s, e) in self.fields.items()
        ]
        trailer = [FixedField(n, s, e, "N") for n, (s, e) in self.trailer.items()]
        return (
            Record(
                self.detail_type,
                "placement detail",
                _filled(detail, self.record_length),
                known,
                record_length=self.record_length,
            ),
            Record(
                self.trailer_type,
                "placement trailer",
                _filled(trailer, self.record_length),
                known,
                record_length=self.record_length,
            ),
        )


def _filled(fields: list[FixedField], width: int) -> tuple[FixedField, ...]:
    """The fields in position order, each run of positions none takes a blank filler."""
    out: list[FixedField] = []
    free = 2
    for f in sorted(fields, key=lambda f: f.start):
        if f.start > free:
            out.append(FixedField(f"filler_{free}", free, f.start - 1, "B", optional=True))
        out.append(f)
        free = max(free, f.end + 1)
    if free <= width:
        out.append(FixedField(f"filler_{free}", free, width, "B", optional=True))
    return tuple(out)


def _layout_type(value: object) -> str:
    """A layout's ``type``; CSV when it says none."""
    found = value.get("type", "csv") if isinstance(value, dict) else getattr(value, "type", "csv")
    return str(found)


Layout = Annotated[
    Annotated[CsvLayout, Tag("csv")] | Annotated[FixedWidthLayout, Tag("fixed-width")],
    Discriminator(_layout_type),
]


def _values(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "balance": row["balance_cents"]}


def write_placements(rows: pl.DataFrame, layout: CsvLayout | FixedWidthLayout) -> bytes:
    """The placement file of ``rows`` in ``layout``, read back and checked (``MappingError``)."""
    if isinstance(layout, FixedWidthLayout):
        data = _fixed(rows, layout)
        _check_fixed(data, rows, layout)
    else:
        data = _csv(rows, layout)
        _check_csv(data, rows, layout)
    return data


def _csv(rows: pl.DataFrame, layout: CsvLayout) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=layout.delimiter, lineterminator="\n")
    writer.writerow([layout.columns.get(f, f) for f in layout.fields])
    total = 0
    for r in rows.iter_rows(named=True):
        total += r["balance_cents"]
        cells = []
        for f in layout.fields:
            value = r.get(f)
            if f == "balance":
                value = dollars(r["balance_cents"])
            elif f in DATES and value is not None:
                value = value.strftime(layout.date_format)
            cells.append("" if value is None else str(value))
        writer.writerow(cells)
    writer.writerow(["TRAILER", rows.height, dollars(total), *[""] * max(len(layout.fields) - 3, 0)])
    return out.getvalue().encode()


def _check_csv(data: bytes, rows: pl.DataFrame, layout: CsvLayout) -> None:
    lines = list(csv.reader(io.StringIO(data.decode()), delimiter=layout.delimiter))
    body, trailer = lines[1:-1], lines[-1]
    at = layout.fields.index("balance")
    total = sum((Decimal(r[at]) for r in body), Decimal(0))
    _agree(
        len(body),
        total,
        trailer[0] == "TRAILER" and int(trailer[1]) == len(body) and Decimal(trailer[2]) == total,
        rows,
    )


def _fixed(rows: pl.DataFrame, layout: FixedWidthLayout) -> bytes:
    detail, trailer = layout.records
    lines = [render(detail, _values(r), label="placement") for r in rows.iter_rows(named=True)]
    total = int(rows.get_column("balance_cents").sum() or 0)
    lines.append(render(trailer, {"count": rows.height, "total": total}, label="placement"))
    return ("\n".join(lines) + "\n").encode("ascii")


def _check_fixed(data: bytes, rows: pl.DataFrame, layout: FixedWidthLayout) -> None:
    detail, trailer = layout.records
    lines = data.decode("ascii").splitlines()
    body = [line for line in lines if line[:1] == layout.detail_type]
    balance = detail["balance"]
    total = sum((Decimal(int(balance.cut(line))) / 100 for line in body), Decimal(0))
    last = lines[-1]
    said = (int(trailer["count"].cut(last)), Decimal(int(trailer["total"].cut(last))) / 100)
    ok = last[:1] == layout.trailer_type and len(lines) == len(body) + 1 and said == (len(body), total)
    _agree(len(body), total, ok, rows)


def _agree(count: int, total: Decimal, trailer_ok: bool, rows: pl.DataFrame) -> None:
    expected = Decimal(int(rows.get_column("balance_cents").sum() or 0)) / 100
    if not trailer_ok:
        raise MappingError("the placement file read back does not agree with its trailer")
    if count != rows.height or total != expected:
        raise MappingError(
            f"the placement file holds {count} rows, ${total}; expected {rows.height}, ${expected}"
        )
