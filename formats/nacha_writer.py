"""NACHA writer: file, batches and entries -> 94-character records with every control computed
(counts, entry hash, debit and credit totals, block count, 9-padding). What it writes, the reader
reads back identically; a value that does not fit its field is refused, never cut."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from formats.fixed_width.layout import Record
from formats.fixed_width.writer import render
from formats.nacha_codes import is_debit
from formats.nacha_layout import (
    ADDENDA_05,
    ADDENDA_98,
    BATCH_CONTROL,
    BATCH_HEADER,
    BLOCKING_FACTOR,
    ENTRY,
    FILE_CONTROL,
    FILE_HEADER,
    PADDING,
    addenda_99_layout,
)
from hub.kernel.errors import MappingError

if TYPE_CHECKING:
    import polars as pl

HASH_MODULUS = 10**10


@dataclass
class Entry:
    """One entry detail record and its addenda (each a mapping of addenda field names to values,
    with ``addenda_type`` "05", "98" or "99"; ``trace`` of 98/99 addenda defaults to the entry's)."""

    transaction_code: int
    routing: str  # 9 digits, check digit included
    dfi_account: str
    amount_cents: int
    individual_id: str = ""
    individual_name: str = ""
    discretionary: str = ""
    trace: str | None = None  # default: the batch's ODFI + a sequence running through the file
    addenda: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Batch:
    company_name: str
    company_id: str
    sec_code: str
    entry_description: str
    effective_date: date
    odfi: str  # 8 digits
    entries: list[Entry] = field(default_factory=list)
    service_class: str | None = None  # default: 200, 220 or 225 from the entries
    company_discretionary: str = ""
    descriptive_date: str = ""
    originator_status: str = "1"


@dataclass
class NachaSpec:
    immediate_destination: str  # routing number of the receiving point (9 digits)
    immediate_origin: str  # usually the originator's routing number or company id (10 characters max)
    destination_name: str
    origin_name: str
    created: datetime
    batches: list[Batch] = field(default_factory=list)
    file_id_modifier: str = "A"
    reference_code: str = ""


def record(layout: Record, values: Mapping[str, object]) -> str:
    """One record of ``layout`` (see ``formats.fixed_width.writer.render``)."""
    return render(layout, values, label="NACHA")


def _service_class(entries: Iterable[Entry]) -> str:
    kinds = {is_debit(e.transaction_code) for e in entries}
    return "200" if len(kinds) != 1 else ("225" if kinds == {True} else "220")


def _addenda(entry_trace: str, values: dict[str, str], sequence: int) -> str:
    kind = values["addenda_type"]
    if kind == "05":
        return record(
            ADDENDA_05, {**values, "addenda_sequence": sequence, "entry_sequence": entry_trace[-7:]}
        )
    layout = ADDENDA_98 if kind == "98" else addenda_99_layout(values.get("return_code", ""))
    return record(layout, {"trace": entry_trace, **values})


def write_file(spec: NachaSpec, *, newline: str = "\n") -> bytes:
    """The whole file, blocked and padded."""
    lines = [
        record(
            FILE_HEADER,
            {
                "priority_code": "01",
                "immediate_destination": " " + spec.immediate_destination,
                "immediate_origin": spec.immediate_origin.rjust(10),
                "file_creation_date": spec.created.date(),
                "file_creation_time": spec.created.strftime("%H%M"),
                "file_id_modifier": spec.file_id_modifier,
                "record_size": "094",
                "blocking_factor": "10",
                "format_code": "1",
                "destination_name": spec.destination_name,
                "origin_name": spec.origin_name,
                "reference_code": spec.reference_code,
            },
        )
    ]
    file_count = file_hash = file_debit = file_credit = 0
    issued: dict[str, int] = {}  # default trace sequences run on across batches: unique in the file
    for number, batch in enumerate(spec.batches, start=1):
        service_class = batch.service_class or _service_class(batch.entries)
        head = {
            "service_class": service_class,
            "company_id": batch.company_id,
            "odfi": batch.odfi,
            "batch_number": number,
        }
        lines.append(
            record(
                BATCH_HEADER,
                {
                    **head,
                    "company_name": batch.company_name,
                    "company_discretionary": batch.company_discretionary,
                    "sec_code": batch.sec_code,
                    "entry_description": batch.entry_description,
                    "descriptive_date": batch.descriptive_date,
                    "effective_date": batch.effective_date,
                    "originator_status": batch.originator_status,
                },
            )
        )
        count = entry_hash = debit = credit = 0
        for sequence, e in enumerate(batch.entries, start=1):
            if len(e.routing) != 9:
                raise MappingError(
                    f"NACHA routing of entry {sequence} in batch {number} has {len(e.routing)} characters, "
                    "not 9 (8 digits and a check digit)"
                )
            if e.trace is None:
                issued[batch.odfi] = issued.get(batch.odfi, 0) + 1
            trace = e.trace or f"{batch.odfi}{issued[batch.odfi]:07d}"
            lines.append(
                record(
                    ENTRY,
                    {
                        "transaction_code": e.transaction_code,
                        "rdfi": e.routing[:8],
                        "check_digit": e.routing[8:],
                        "dfi_account": e.dfi_account,
                        "amount": e.amount_cents,
                        "individual_id": e.individual_id,
                        "individual_name": e.individual_name,
                        "discretionary": e.discretionary,
                        "addenda_indicator": 1 if e.addenda else 0,
                        "trace": trace,
                    },
                )
            )
            info = 0  # 05 addenda are numbered among themselves, as the reader counts them
            for a in e.addenda:
                info += a["addenda_type"] == "05"
                lines.append(_addenda(trace, a, info))
            count += 1 + len(e.addenda)
            entry_hash += int(e.routing[:8])
            if is_debit(e.transaction_code):
                debit += e.amount_cents
            else:
                credit += e.amount_cents
        lines.append(
            record(
                BATCH_CONTROL,
                {
                    **head,
                    "entry_addenda_count": count,
                    "entry_hash": entry_hash % HASH_MODULUS,
                    "total_debit": debit,
                    "total_credit": credit,
                },
            )
        )
        file_count, file_hash = file_count + count, file_hash + entry_hash
        file_debit, file_credit = file_debit + debit, file_credit + credit
    records = len(lines) + 1
    blocks = -(-records // BLOCKING_FACTOR)
    lines.append(
        record(
            FILE_CONTROL,
            {
                "batch_count": len(spec.batches),
                "block_count": blocks,
                "entry_addenda_count": file_count,
                "entry_hash": file_hash % HASH_MODULUS,
                "total_debit": file_debit,
                "total_credit": file_credit,
            },
        )
    )
    lines += [PADDING] * (blocks * BLOCKING_FACTOR - records)
    return (newline.join(lines) + newline).encode("ascii")


def write_entries(table: pl.DataFrame) -> bytes:
    """A table of entries -> a file. Each row carries its entry fields (transaction_code, routing,
    dfi_account, amount_cents, individual_id, individual_name) and, as columns repeated on every
    row, its batch (company_name, company_id, sec_code, entry_description, effective_date, odfi)
    and file (immediate_destination, immediate_origin, destination_name, origin_name, created).
    Rows with the same batch columns form one batch, in order of first appearance."""
    batch_cols = ("company_name", "company_id", "sec_code", "entry_description", "effective_date", "odfi")
    if table.is_empty():
        raise MappingError("no entries to write: a NACHA file needs at least one batch")
    first = table.row(0, named=True)
    spec = NachaSpec(
        immediate_destination=first["immediate_destination"],
        immediate_origin=first["immediate_origin"],
        destination_name=first["destination_name"],
        origin_name=first["origin_name"],
        created=first["created"],
    )
    batches: dict[tuple[object, ...], Batch] = {}
    for row in table.iter_rows(named=True):
        key = tuple(row[c] for c in batch_cols)
        if key not in batches:
            batches[key] = Batch(**{c: row[c] for c in batch_cols})
        batches[key].entries.append(
            Entry(
                transaction_code=int(row["transaction_code"]),
                routing=row["routing"],
                dfi_account=row["dfi_account"],
                amount_cents=int(row["amount_cents"]),
                individual_id=row.get("individual_id") or "",
                individual_name=row.get("individual_name") or "",
                discretionary=row.get("discretionary") or "",
            )
        )
    spec.batches = list(batches.values())
    return write_file(spec)
