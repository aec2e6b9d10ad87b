"""Lockbox transmission layout and options: the record types, their fields (1-based inclusive
positions, as bank specifications print them) and what each bank may move.

Banks differ ("record field definitions are typical, not definitive"), so every position is an option
(``LockboxOptions``) whose default is the FORMATS.md layout. Field kinds are fixed: ``N`` digits only,
``A`` text, ``D`` a date in ``date_format`` (file and deposit dates), ``C`` a date in
``check_date_format`` (the check date), ``T`` a time HHMM. A ``?`` marks a field that may be blank,
a ``*`` a sensitive one (masked in every problem).
"""

from __future__ import annotations

import itertools
from datetime import date, datetime
from typing import ClassVar, Literal, Self

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic import Field as Option

from formats.base import FormatOptions
from formats.fixed_width.layout import Field as Field

Span = tuple[int, int]

RECORD_NAMES = {
    "1": "header",
    "2": "service",
    "5": "lockbox header",
    "6": "detail",
    "4": "overflow",
    "7": "batch total",
    "8": "lockbox total",
    "9": "trailer",
}
DETAIL_KINDS = frozenset("64")  # a detail and its overflow records: row-level findings
# masked wherever a value is shown (problems, writer errors)
SENSITIVE = frozenset({"remitter_routing", "remitter_account", "account_number"})


class RecordLayout(BaseModel):
    """The positions of one record type's fields; ``SPEC`` gives each field's kind and flags."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    SPEC: ClassVar[dict[str, str]] = {}

    def fields(self) -> list[Field]:
        out = []
        for name, spec in self.SPEC.items():
            start, end = getattr(self, name)
            kind = spec[0]
            out.append(Field(name, start, end, kind, "?" in spec, "*" in spec))
        return out

    def field(self, name: str) -> Field:
        return next(f for f in self.fields() if f.name == name)

    @property
    def end(self) -> int:
        """The last position a field takes: a record shorter than this is short."""
        return max(f.end for f in self.fields())

    @model_validator(mode="after")
    def _positions(self) -> Self:
        fields = sorted(self.fields(), key=lambda f: f.start)
        for f in fields:
            if f.start < 2 or f.end < f.start:
                raise ValueError(
                    f"{f.name} positions {f.start}-{f.end}: a field starts at 2 or later (1 is the "
                    "record type) and ends at or after its start"
                )
        for a, b in itertools.pairwise(fields):
            if b.start <= a.end:
                raise ValueError(f"{b.name} ({b.positions}) overlaps {a.name} ({a.positions})")
        return self


class HeaderLayout(RecordLayout):
    """Record 1: the file header (immediate address header)."""

    SPEC: ClassVar[dict[str, str]] = {
        "priority_code": "N",
        "destination": "A",
        "origin": "N",
        "file_date": "D",
        "file_time": "T?",
    }
    priority_code: Span = (2, 3)
    destination: Span = (4, 13)
    origin: Span = (14, 23)
    file_date: Span = (24, 29)
    file_time: Span = (30, 33)


class ServiceLayout(RecordLayout):
    """Record 2: the service record."""

    SPEC: ClassVar[dict[str, str]] = {
        "destination_origin": "A",
        "reference": "N?",
        "service_type": "N",
        "record_size": "N",
        "blocking_factor": "N",
        "format_code": "N",
    }
    destination_origin: Span = (2, 21)
    reference: Span = (22, 31)
    service_type: Span = (32, 34)
    record_size: Span = (35, 37)
    blocking_factor: Span = (38, 41)
    format_code: Span = (42, 42)


class LockboxHeaderLayout(RecordLayout):
    """Record 5: opens a lockbox (its number and deposit date)."""

    SPEC: ClassVar[dict[str, str]] = {
        "batch": "N",
        "reference": "N?",
        "lockbox": "N",
        "deposit_date": "D",
        "destination_origin": "A?",
    }
    batch: Span = (2, 4)
    reference: Span = (5, 7)
    lockbox: Span = (8, 14)
    deposit_date: Span = (15, 20)
    destination_origin: Span = (21, 40)


class DetailLayout(RecordLayout):
    """Record 6: one check. Free remittance data (often the scanline) runs from ``free_data_start``
    to the end of the record."""

    SPEC: ClassVar[dict[str, str]] = {
        "batch": "N",
        "item": "N",
        "amount": "N",
        "remitter_routing": "N?*",
        "remitter_account": "A?*",
        "check_number": "N?",
        "check_date": "C?",
        "remitter_name": "A?",
    }
    batch: Span = (2, 4)
    item: Span = (5, 7)
    amount: Span = (8, 17)
    remitter_routing: Span = (18, 26)
    remitter_account: Span = (27, 36)
    check_number: Span = (37, 46)
    check_date: Span = (47, 52)
    remitter_name: Span = (53, 82)
    free_data_start: int = 83

    @model_validator(mode="after")
    def _free_data(self) -> Self:
        if self.free_data_start <= self.end:
            raise ValueError(
                f"free_data_start {self.free_data_start} is inside the fields (they end at {self.end})"
            )
        return self


class OverflowLayout(RecordLayout):
    """Record 4: remittance data of the detail before it, continued from ``data_start``."""

    SPEC: ClassVar[dict[str, str]] = {
        "batch": "N",
        "item": "N",
        "overflow_type": "N",
        "sequence": "N",
        "last": "N",
    }
    batch: Span = (2, 4)
    item: Span = (5, 7)
    overflow_type: Span = (8, 8)
    sequence: Span = (9, 10)
    last: Span = (11, 11)  # 9 on the last overflow record of a detail, 0 on the others
    data_start: int = 12

    @model_validator(mode="after")
    def _data(self) -> Self:
        if self.data_start <= self.end:
            raise ValueError(f"data_start {self.data_start} is inside the fields (they end at {self.end})")
        return self


class BatchTotalLayout(RecordLayout):
    """Record 7: closes a batch with its item count and amount."""

    SPEC: ClassVar[dict[str, str]] = {
        "batch": "N",
        "item": "N",
        "lockbox": "N",
        "deposit_date": "D",
        "count": "N",
        "amount": "N",
    }
    batch: Span = (2, 4)
    item: Span = (5, 7)
    lockbox: Span = (8, 14)
    deposit_date: Span = (15, 20)
    count: Span = (21, 23)
    amount: Span = (24, 33)


class LockboxTotalLayout(RecordLayout):
    """Record 8: closes a lockbox with its check count and amount."""

    SPEC: ClassVar[dict[str, str]] = {
        "batch": "N",
        "item": "N",
        "lockbox": "N",
        "deposit_date": "D",
        "count": "N",
        "amount": "N",
    }
    batch: Span = (2, 4)
    item: Span = (5, 7)
    lockbox: Span = (8, 14)
    deposit_date: Span = (15, 20)
    count: Span = (21, 24)
    amount: Span = (25, 34)


class TrailerLayout(RecordLayout):
    """Record 9: the number of records in the file, header and trailer included."""

    SPEC: ClassVar[dict[str, str]] = {"record_count": "N"}
    record_count: Span = (2, 7)


CheckDigitRule = Literal["luhn", "mod11"]


class AccountLocation(BaseModel):
    """Where the utility account number sits: record positions (1-based, inclusive) in the
    detail's free data, or in an overflow record of the detail (the ``occurrence``-th of
    ``overflow_type``, any type when None). ``check_digit`` names the rule its last digit follows
    (``formats.lockbox_accounts``), so a mistyped account is told from a valid one."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    record: Literal["detail", "overflow"] = "detail"
    start: int = Option(ge=2)
    end: int = Option(ge=2)
    overflow_type: str | None = Option(None, pattern=r"^[0-9]$")
    occurrence: int = Option(1, ge=1, le=99)
    check_digit: CheckDigitRule | None = None

    @property
    def positions(self) -> str:
        return f"{self.start}-{self.end}" if self.end > self.start else str(self.start)

    @model_validator(mode="after")
    def _span(self) -> Self:
        if self.end < self.start:
            raise ValueError(f"account positions {self.start}-{self.end} end before they start")
        if self.record == "detail" and self.overflow_type is not None:
            raise ValueError("overflow_type is for an account in an overflow record")
        return self


class LockboxOptions(FormatOptions):
    """A bank's lockbox layout (``format_options`` in hub.yaml); the defaults are FORMATS.md's.

    Records may be any length up to ``max_record_length`` (trailing blanks are often dropped); one
    shorter than its last field is padded with blanks and reported, as a warning while
    ``tolerate_short_records``. Dates are strftime formats."""

    header: HeaderLayout = HeaderLayout()
    service: ServiceLayout = ServiceLayout()
    lockbox_header: LockboxHeaderLayout = LockboxHeaderLayout()
    detail: DetailLayout = DetailLayout()
    overflow: OverflowLayout = OverflowLayout()
    batch_total: BatchTotalLayout = BatchTotalLayout()
    lockbox_total: LockboxTotalLayout = LockboxTotalLayout()
    trailer: TrailerLayout = TrailerLayout()
    max_record_length: int = Option(104, ge=40, le=4096)
    tolerate_short_records: bool = True
    date_format: str = Option("%y%m%d", description="file date and deposit dates (YYMMDD)")
    check_date_format: str = Option("%m%d%y", description="the detail's check date (MMDDYY)")
    account: AccountLocation | None = Option(None, description="where the utility account number sits")

    def layouts(self) -> dict[str, RecordLayout]:
        """Each record type's layout, by its type character."""
        return {
            "1": self.header,
            "2": self.service,
            "5": self.lockbox_header,
            "6": self.detail,
            "4": self.overflow,
            "7": self.batch_total,
            "8": self.lockbox_total,
            "9": self.trailer,
        }

    def date_format_of(self, kind: str) -> str:
        return self.check_date_format if kind == "C" else self.date_format

    @model_validator(mode="after")
    def _fits(self) -> Self:
        for kind, layout in self.layouts().items():
            for f in layout.fields():
                if f.end > self.max_record_length:
                    raise ValueError(
                        f"{RECORD_NAMES[kind]} field {f.name} ends at {f.end}, after max_record_length "
                        f"{self.max_record_length}"
                    )
                if f.kind in "DC":
                    _check_date_format(self.date_format_of(f.kind), f)
        a = self.account
        if a is not None:
            first = self.detail.free_data_start if a.record == "detail" else self.overflow.data_start
            if a.start < first or a.end > self.max_record_length:
                raise ValueError(
                    f"account positions {a.positions} must lie within the {a.record} record's free data "
                    f"({first}-{self.max_record_length})"
                )
        return self


def _check_date_format(fmt: str, f: Field) -> None:
    """A date format must fill its field exactly and give the date back (day, month and year)."""
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
