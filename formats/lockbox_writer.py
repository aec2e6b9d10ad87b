"""Lockbox writer: lockboxes, batches and checks -> a transmission in the bank's layout, with every
total computed (batch and lockbox counts and amounts, the trailer's record count). What it writes,
the reader reads back identically; a value that does not fit its field is refused, never cut.

Records end where their last field (or their free data) ends, as the banks that drop trailing
blanks write them; ``pad_to`` pads every record to a fixed length instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from formats.fixed_width.writer import render
from formats.lockbox_layout import LockboxOptions
from hub.kernel.errors import MappingError

if TYPE_CHECKING:
    import polars as pl


@dataclass
class Item:
    """One check (a detail record) and the data of its overflow records."""

    amount_cents: int
    remitter_routing: str = ""
    remitter_account: str = ""
    check_number: str = ""
    check_date: date | None = None
    remitter_name: str = ""
    free_data: str = ""  # the detail's free remittance data (scanline)
    overflow: list[str] = field(default_factory=list)
    overflow_type: str = "6"


@dataclass
class Batch:
    items: list[Item] = field(default_factory=list)
    number: int | None = None  # default: its place in the lockbox (1, 2, …)


@dataclass
class Lockbox:
    number: str  # digits
    deposit_date: date
    batches: list[Batch] = field(default_factory=list)


@dataclass
class LockboxSpec:
    created: datetime
    lockboxes: list[Lockbox] = field(default_factory=list)
    destination: str = "UTILITYHUB"
    origin: str = "0099999991"
    reference: str = "0000000000"
    service_type: int = 400
    record_size: int = 80
    blocking_factor: int = 80
    format_code: int = 1


def write_file(
    spec: LockboxSpec,
    options: LockboxOptions | None = None,
    *,
    newline: str = "\n",
    pad_to: int | None = None,
) -> bytes:
    """The whole transmission."""
    o = options or LockboxOptions()

    def add(kind: str, values: Mapping[str, object], data: str = "") -> None:
        lines.append(render(o.records[kind], values, label="lockbox", data=data, pad_to=pad_to))

    lines: list[str] = []
    add(
        "1",
        {
            "priority_code": 0,
            "destination": spec.destination,
            "origin": spec.origin,
            "file_date": spec.created.date(),
            "file_time": spec.created.strftime("%H%M"),
        },
    )
    add(
        "2",
        {
            "destination_origin": spec.destination.ljust(10) + spec.origin,
            "reference": spec.reference,
            "service_type": spec.service_type,
            "record_size": spec.record_size,
            "blocking_factor": spec.blocking_factor,
            "format_code": spec.format_code,
        },
    )
    for lb in spec.lockboxes:
        where = {"lockbox": lb.number, "deposit_date": lb.deposit_date}
        add(
            "5",
            {
                **where,
                "batch": 0,
                "reference": 0,
                "destination_origin": spec.destination.ljust(10) + spec.origin,
            },
        )
        count = cents = 0
        for place, batch in enumerate(lb.batches, start=1):
            number = batch.number if batch.number is not None else place
            for n, item in enumerate(batch.items, start=1):
                _item(add, number, n, item)
            total = sum(i.amount_cents for i in batch.items)
            add(
                "7",
                {**where, "batch": number, "item": 0, "count": len(batch.items), "amount": total},
            )
            count, cents = count + len(batch.items), cents + total
        add("8", {**where, "batch": 0, "item": 0, "count": count, "amount": cents})
    add("9", {"record_count": len(lines) + 1})
    return (newline.join(lines) + newline).encode("ascii")


def _item(add: Any, batch: int, n: int, item: Item) -> None:
    if item.amount_cents < 0:
        raise MappingError(f"lockbox item {n} of batch {batch}: a negative amount {item.amount_cents}")
    add(
        "6",
        {
            "batch": batch,
            "item": n,
            "amount": item.amount_cents,
            "remitter_routing": item.remitter_routing,
            "remitter_account": item.remitter_account,
            "check_number": item.check_number,
            "check_date": item.check_date,
            "remitter_name": item.remitter_name,
        },
        item.free_data,
    )
    for s, text in enumerate(item.overflow, start=1):
        add(
            "4",
            {
                "batch": batch,
                "item": n,
                "overflow_type": item.overflow_type,
                "sequence": (s - 1) % 99 + 1,
                "last": 9 if s == len(item.overflow) else 0,
            },
            text,
        )


def _day(value: object) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def write_items(table: pl.DataFrame, options: LockboxOptions | None = None) -> bytes:
    """A table of checks (the reader's columns) -> a transmission. Rows with the same ``lockbox``
    and ``deposit_date`` form one lockbox and, within it, rows with the same ``batch`` one batch,
    in order of first appearance; item numbers are given afresh. Remittance data comes from
    ``free_data`` and ``overflow_data`` when present, else from ``remittance_data`` (as free data).
    The header takes ``created``, ``destination`` and ``origin`` from the first row when present."""
    if table.is_empty():
        raise MappingError("no checks to write: a lockbox transmission needs at least one")
    rows = table.to_dicts()
    first = rows[0]
    created = first.get("created") or datetime.combine(_day(first["deposit_date"]) or date.today(), time())
    spec = LockboxSpec(created=created)
    for name in ("destination", "origin"):
        if first.get(name):
            setattr(spec, name, first[name])
    boxes: dict[tuple[str, date], Lockbox] = {}
    batches: dict[tuple[str, date, str], Batch] = {}
    for row in rows:
        day = _day(row["deposit_date"])
        if day is None:
            raise MappingError(f"lockbox {row['lockbox']}: a check without a deposit date")
        key = (str(row["lockbox"]), day)
        if key not in boxes:
            boxes[key] = Lockbox(key[0], day)
            spec.lockboxes.append(boxes[key])
        number = str(row.get("batch") or "1")
        if (*key, number) not in batches:
            batches[(*key, number)] = Batch(number=int(number))
            boxes[key].batches.append(batches[(*key, number)])
        has_parts = "free_data" in row or "overflow_data" in row
        batches[(*key, number)].items.append(
            Item(
                amount_cents=int(row["amount_cents"]),
                remitter_routing=row.get("remitter_routing") or "",
                remitter_account=row.get("remitter_account") or "",
                check_number=row.get("check_number") or "",
                check_date=_day(row.get("check_date")),
                remitter_name=row.get("remitter_name") or "",
                free_data=(row.get("free_data") if has_parts else row.get("remittance_data")) or "",
                overflow=list(row.get("overflow_data") or []),
            )
        )
    return write_file(spec, options)
