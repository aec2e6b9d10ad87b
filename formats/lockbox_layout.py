"""Lockbox transmission layout and options: the record types, their fields (1-based inclusive
positions, as bank specifications print them) and what each bank may move.

Banks differ ("record field definitions are typical, not definitive"), so every position is an option
(``LockboxOptions``) whose default is the layout of docs/formats/lockbox.md. Field kinds are fixed:
``N`` digits only, ``A`` text, ``D`` a date in ``date_format`` (file and deposit dates), ``C`` a date in
``check_date_format`` (the check date), ``T`` a time HHMM. A ``?`` marks a field that may be blank,
a ``*`` a sensitive one (masked in every problem).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import ClassVar, Literal, Self

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic import Field as Option

from formats.base import FormatOptions
from formats.fixed_width.kinds import DIGITS, TEXT, date_kind, kinds, pattern_kind
from formats.fixed_width.layout import Field, Kind, Record, check_positions, span
from formats.fixed_width.order import Grammar, Group, Step

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
TIME = pattern_kind("T", r"^([01][0-9]|2[0-3])[0-5][0-9]$", "must be a time HHMM")


class RecordLayout(BaseModel):
    """The positions of one record type's fields; ``SPEC`` gives each field's kind and flags, ``DATA``
    the option where its free data starts (if it has any)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    SPEC: ClassVar[dict[str, str]] = {}
    DATA: ClassVar[str | None] = None

    def fields(self) -> list[Field]:
        out = []
        for name, spec in self.SPEC.items():
            start, end = getattr(self, name)
            out.append(Field(name, start, end, spec[0], "?" in spec, "*" in spec))
        return out

    def record(self, kind: str, kinds: Mapping[str, Kind], max_record_length: int) -> Record:
        """The engine's layout of this record type (ValueError when it cannot work)."""
        return Record(
            kind,
            RECORD_NAMES[kind],
            tuple(self.fields()),
            kinds,
            max_record_length=max_record_length,
            data_start=getattr(self, self.DATA) if self.DATA else None,
            level="row" if kind in DETAIL_KINDS else "file",
        )

    @model_validator(mode="after")
    def _positions(self) -> Self:
        fields = self.fields()
        check_positions(fields)
        end = max(f.end for f in fields)
        if self.DATA is not None and getattr(self, self.DATA) <= end:
            raise ValueError(
                f"{self.DATA} {getattr(self, self.DATA)} is inside the fields (they end at {end})"
            )
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
    priority_code: Span = Option((2, 3), description="[first, last] positions of the priority code")
    destination: Span = Option((4, 13), description="[first, last] positions of the destination")
    origin: Span = Option((14, 23), description="[first, last] positions of the origin")
    file_date: Span = Option((24, 29), description="[first, last] positions of the file date")
    file_time: Span = Option((30, 33), description="[first, last] positions of the file time")


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
    destination_origin: Span = Option(
        (2, 21), description="[first, last] positions of the destination origin"
    )
    reference: Span = Option((22, 31), description="[first, last] positions of the reference")
    service_type: Span = Option((32, 34), description="[first, last] positions of the service type")
    record_size: Span = Option((35, 37), description="[first, last] positions of the record size")
    blocking_factor: Span = Option((38, 41), description="[first, last] positions of the blocking factor")
    format_code: Span = Option((42, 42), description="[first, last] positions of the format code")


class LockboxHeaderLayout(RecordLayout):
    """Record 5: opens a lockbox (its number and deposit date)."""

    SPEC: ClassVar[dict[str, str]] = {
        "batch": "N",
        "reference": "N?",
        "lockbox": "N",
        "deposit_date": "D",
        "destination_origin": "A?",
    }
    batch: Span = Option((2, 4), description="[first, last] positions of the batch")
    reference: Span = Option((5, 7), description="[first, last] positions of the reference")
    lockbox: Span = Option((8, 14), description="[first, last] positions of the lockbox")
    deposit_date: Span = Option((15, 20), description="[first, last] positions of the deposit date")
    destination_origin: Span = Option(
        (21, 40), description="[first, last] positions of the destination origin"
    )


class DetailLayout(RecordLayout):
    """Record 6: one check. Free remittance data (often the scanline) runs from ``free_data_start``
    to the end of the record."""

    DATA: ClassVar[str | None] = "free_data_start"
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
    batch: Span = Option((2, 4), description="[first, last] positions of the batch")
    item: Span = Option((5, 7), description="[first, last] positions of the item")
    amount: Span = Option((8, 17), description="[first, last] positions of the amount")
    remitter_routing: Span = Option((18, 26), description="[first, last] positions of the remitter routing")
    remitter_account: Span = Option((27, 36), description="[first, last] positions of the remitter account")
    check_number: Span = Option((37, 46), description="[first, last] positions of the check number")
    check_date: Span = Option((47, 52), description="[first, last] positions of the check date")
    remitter_name: Span = Option((53, 82), description="[first, last] positions of the remitter name")
    free_data_start: int = Option(83, description="position where the free data starts")


class OverflowLayout(RecordLayout):
    """Record 4: remittance data of the detail before it, continued from ``data_start``."""

    DATA: ClassVar[str | None] = "data_start"
    SPEC: ClassVar[dict[str, str]] = {
        "batch": "N",
        "item": "N",
        "overflow_type": "N",
        "sequence": "N",
        "last": "N",
    }
    batch: Span = Option((2, 4), description="[first, last] positions of the batch")
    item: Span = Option((5, 7), description="[first, last] positions of the item")
    overflow_type: Span = Option((8, 8), description="[first, last] positions of the overflow type")
    sequence: Span = Option((9, 10), description="[first, last] positions of the sequence")
    last: Span = (11, 11)  # 9 on the last overflow record of a detail, 0 on the others
    data_start: int = Option(12, description="position where the free data starts")


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
    batch: Span = Option((2, 4), description="[first, last] positions of the batch")
    item: Span = Option((5, 7), description="[first, last] positions of the item")
    lockbox: Span = Option((8, 14), description="[first, last] positions of the lockbox")
    deposit_date: Span = Option((15, 20), description="[first, last] positions of the deposit date")
    count: Span = Option((21, 23), description="[first, last] positions of the count")
    amount: Span = Option((24, 33), description="[first, last] positions of the amount")


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
    batch: Span = Option((2, 4), description="[first, last] positions of the batch")
    item: Span = Option((5, 7), description="[first, last] positions of the item")
    lockbox: Span = Option((8, 14), description="[first, last] positions of the lockbox")
    deposit_date: Span = Option((15, 20), description="[first, last] positions of the deposit date")
    count: Span = Option((21, 24), description="[first, last] positions of the count")
    amount: Span = Option((25, 34), description="[first, last] positions of the amount")


class TrailerLayout(RecordLayout):
    """Record 9: the number of records in the file, header and trailer included."""

    SPEC: ClassVar[dict[str, str]] = {"record_count": "N"}
    record_count: Span = Option((2, 7), description="[first, last] positions of the record count")


CheckDigitRule = Literal["luhn", "mod11"]


class AccountLocation(BaseModel):
    """Where the utility account number sits: record positions (1-based, inclusive) in the
    detail's free data, or in an overflow record of the detail (the ``occurrence``-th of
    ``overflow_type``, any type when None). ``check_digit`` names the rule its last digit follows
    (``formats.lockbox_accounts``), so a mistyped account is told from a valid one."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    record: Literal["detail", "overflow"] = Option(
        "detail", description="the detail's free data, or an overflow record"
    )
    start: int = Option(ge=2, description="first position of the account number")
    end: int = Option(ge=2, description="last position of the account number")
    overflow_type: str | None = Option(
        None, pattern=r"^[0-9]$", description="overflow: the overflow type holding it; any when null"
    )
    occurrence: int = Option(1, ge=1, le=99, description="overflow: the n-th overflow record of that type")
    check_digit: CheckDigitRule | None = Option(
        None, description="the rule its last digit follows: luhn or mod11; none when null"
    )

    @property
    def positions(self) -> str:
        return span(self.start, self.end)

    @model_validator(mode="after")
    def _span(self) -> Self:
        if self.end < self.start:
            raise ValueError(f"account positions {self.start}-{self.end} end before they start")
        if self.record == "detail" and self.overflow_type is not None:
            raise ValueError("overflow_type is for an account in an overflow record")
        return self


class LockboxOptions(FormatOptions):
    """A bank's lockbox layout (``format_options`` in hub.yaml); the defaults: docs/formats/lockbox.md.

    Records may be any length up to ``max_record_length`` (trailing blanks are often dropped); one
    shorter than its last field is padded with blanks and reported, as a warning while
    ``tolerate_short_records``. Dates are strftime formats."""

    header: HeaderLayout = Option(HeaderLayout(), description="positions of the header record (1)")
    service: ServiceLayout = Option(ServiceLayout(), description="positions of the service record (2)")
    lockbox_header: LockboxHeaderLayout = Option(
        LockboxHeaderLayout(), description="positions of the lockbox header (5)"
    )
    detail: DetailLayout = Option(DetailLayout(), description="positions of the detail (6)")
    overflow: OverflowLayout = Option(OverflowLayout(), description="positions of the overflow record (4)")
    batch_total: BatchTotalLayout = Option(BatchTotalLayout(), description="positions of the batch total (7)")
    lockbox_total: LockboxTotalLayout = Option(
        LockboxTotalLayout(), description="positions of the lockbox total (8)"
    )
    trailer: TrailerLayout = Option(TrailerLayout(), description="positions of the trailer (9)")
    max_record_length: int = Option(104, ge=40, le=4096, description="the longest record the bank sends")
    tolerate_short_records: bool = Option(
        True, description="a record shorter than its last field is padded (a warning)"
    )
    date_format: str = Option("%y%m%d", description="file date and deposit dates (YYMMDD)")
    check_date_format: str = Option("%m%d%y", description="the detail's check date (MMDDYY)")
    account: AccountLocation | None = Option(None, description="where the utility account number sits")

    @cached_property
    def kinds(self) -> dict[str, Kind]:
        """``N`` digits, ``A`` text, ``D`` a date in ``date_format``, ``C`` one in
        ``check_date_format``, ``T`` a time HHMM."""
        return kinds(
            DIGITS, TEXT, date_kind("D", self.date_format), date_kind("C", self.check_date_format), TIME
        )

    @cached_property
    def records(self) -> dict[str, Record]:
        """Each record type's layout in the engine's terms, by its type character."""
        layouts: dict[str, RecordLayout] = {
            "1": self.header,
            "2": self.service,
            "5": self.lockbox_header,
            "6": self.detail,
            "4": self.overflow,
            "7": self.batch_total,
            "8": self.lockbox_total,
            "9": self.trailer,
        }
        return {
            kind: layout.record(kind, self.kinds, self.max_record_length) for kind, layout in layouts.items()
        }

    @model_validator(mode="after")
    def _fits(self) -> Self:
        # building the records refuses a field after max_record_length, a date format that does not fill
        # its field
        data = {kind: r.data_start for kind, r in self.records.items() if r.data_start is not None}
        a = self.account
        if a is not None:
            first = data["6" if a.record == "detail" else "4"]
            if a.start < first or a.end > self.max_record_length:
                raise ValueError(
                    f"account positions {a.positions} must lie within the {a.record} record's free data "
                    f"({first}-{self.max_record_length})"
                )
        return self


def _name(kind: str) -> str:
    return f"{RECORD_NAMES[kind]} record (type {kind})"


def _misplaced(s: Step) -> str:
    """Why a record cannot come where it stands."""
    if s.after:
        return f"{_name(s.kind)} after the trailer record"
    if s.prev == "" and not s.seen:
        return f"the file does not start with a header record (type 1); its first record is a {_name(s.kind)}"
    if s.prev == "":  # only stray records so far
        return f"{_name(s.kind)} before the header record (type 1)"
    if s.kind in "12" and s.kind in s.seen:
        return f"a second {_name(s.kind)}"
    if s.kind in "59" and s.prev in "5647":
        return f"{_name(s.kind)} before the open lockbox's total record (type 8)"
    if s.kind == "8" and s.prev in "64":
        return "lockbox total record (type 8) before the open batch's total record (type 7)"
    if s.kind in "67" and s.prev in "128":
        return f"{_name(s.kind)} outside a lockbox (after the {_name(s.prev)})"
    if s.kind == "4":
        return (
            f"overflow record (type 4) after a {_name(s.prev)}: it belongs after a detail or overflow record"
        )
    return f"{_name(s.kind)} cannot follow a {_name(s.prev)}"


# 1, 2, then per lockbox 5, batches of details (6, each followed by its overflow records 4) closed by a
# batch total 7, then the lockbox total 8; then the trailer 9. A detail outside a lockbox is counted
# (it takes a detail index) but is in no lockbox or batch; an overflow record belongs to the detail it
# directly follows; a second header or service record is stray.
ORDER = Grammar(
    follows={
        "1": {""},
        "2": {"1"},
        "5": {"2", "8"},
        "6": {"5", "6", "4", "7"},
        "4": {"6", "4"},
        "7": {"5", "6", "4", "7"},
        "8": {"5", "7"},
        "9": {"2", "8"},
    },
    groups=(
        Group("lockbox_ix", opens="5", joins="8", ends="8"),
        Group("batch_ix", starts="67", ends="7", needs="lockbox_ix"),
        Group("detail_ix", opens="6", joins="4", ends="12", needs="lockbox_ix"),
    ),
    within={"6": "lockbox_ix", "7": "lockbox_ix", "8": "lockbox_ix", "4": "detail_ix"},
    once="12",
    last="9",
    unknown="unknown record type {kind!r} (expected 1, 2, 5, 6, 4, 7, 8 or 9)",
    misplaced=_misplaced,
    missing_last="the file has no trailer record (type 9)",
    unclosed={"lockbox_ix": "the lockbox opened on line {line} has no lockbox total record (type 8)"},
)
