"""NACHA writer: file, batches and entries -> 94-character records with every control computed
(counts, entry hash, debit and credit totals, block count, 9-padding), for domestic batches
(``Batch``, ``Entry``) and IAT batches (``IatBatch``, ``IatEntry``). What it writes, the reader reads
back identically; a value that does not fit its field is refused, never cut. The addenda are written
as given (their order and number are the caller's, so tests can write a broken one)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from formats.fixed_width.layout import Record
from formats.fixed_width.writer import render
from formats.nacha_codes import is_debit
from formats.nacha_iat_layout import IAT_BATCH_HEADER, IAT_ENTRY, iat_addenda_layout
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
class IatEntry:
    """One IAT entry detail record and its addenda: the mandatory 10-16, optional 17s and 18s and, for
    a return or notification of change, its 99 or 98 (each a mapping of field names to values with
    ``addenda_type``). ``entry_sequence`` and the 17s' and 18s' ``addenda_sequence`` are filled in; a
    98's or 99's ``trace`` defaults to the entry's, a 99's ``original_amount`` to the entry's amount."""

    transaction_code: int
    routing: str  # 9 digits, check digit included (outbound: the gateway operator)
    dfi_account: str  # the foreign receiver's account number
    amount_cents: int
    addenda: list[dict[str, str]] = field(default_factory=list)
    trace: str | None = None
    ofac_screening: str = ""
    secondary_ofac_screening: str = ""
    addenda_records: int | None = None  # default: how many IAT addenda (10-18) it carries


@dataclass
class IatBatch:
    """An IAT batch: SEC code IAT, or COR with ``iat_indicator`` "IATCOR" for notifications of change."""

    originator_id: str  # also the batch control's company id
    entry_description: str
    effective_date: date
    odfi: str  # 8 digits (inbound: the U.S. gateway operator)
    entries: list[IatEntry] = field(default_factory=list)
    sec_code: str = "IAT"
    iat_indicator: str = ""
    foreign_exchange_indicator: str = "FF"
    foreign_exchange_reference_indicator: str = "3"
    foreign_exchange_reference: str = ""
    destination_country: str = "US"
    originating_currency: str = "USD"
    destination_currency: str = "USD"
    service_class: str | None = None
    originator_status: str = "1"


@dataclass
class NachaSpec:
    immediate_destination: str  # routing number of the receiving point (9 digits)
    immediate_origin: str  # usually the originator's routing number or company id (10 characters max)
    destination_name: str
    origin_name: str
    created: datetime
    batches: list[Batch | IatBatch] = field(default_factory=list)
    file_id_modifier: str = "A"
    reference_code: str = ""


def record(layout: Record, values: Mapping[str, object]) -> str:
    """One record of ``layout`` (see ``formats.fixed_width.writer.render``)."""
    return render(layout, values, label="NACHA")


def _service_class(entries: Iterable[Entry | IatEntry]) -> str:
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


def _iat_addenda(entry_trace: str, values: dict[str, str], sequence: int) -> str:
    try:
        layout = iat_addenda_layout(values)
    except KeyError:
        raise MappingError(f"NACHA IAT entries carry no addenda {values['addenda_type']!r}") from None
    return record(
        layout,
        {"trace": entry_trace, "entry_sequence": entry_trace[-7:], "addenda_sequence": sequence, **values},
    )


def _header(batch: Batch | IatBatch, head: dict[str, object]) -> str:
    if isinstance(batch, IatBatch):
        return record(
            IAT_BATCH_HEADER,
            {
                **head,
                "iat_indicator": batch.iat_indicator,
                "foreign_exchange_indicator": batch.foreign_exchange_indicator,
                "foreign_exchange_reference_indicator": batch.foreign_exchange_reference_indicator,
                "foreign_exchange_reference": batch.foreign_exchange_reference,
                "destination_country": batch.destination_country,
                "originator_id": batch.originator_id,
                "sec_code": batch.sec_code,
                "entry_description": batch.entry_description,
                "originating_currency": batch.originating_currency,
                "destination_currency": batch.destination_currency,
                "effective_date": batch.effective_date,
                "originator_status": batch.originator_status,
            },
        )
    return record(
        BATCH_HEADER,
        {
            **head,
            "company_name": batch.company_name,
            "company_id": batch.company_id,
            "company_discretionary": batch.company_discretionary,
            "sec_code": batch.sec_code,
            "entry_description": batch.entry_description,
            "descriptive_date": batch.descriptive_date,
            "effective_date": batch.effective_date,
            "originator_status": batch.originator_status,
        },
    )


def _entry(e: Entry | IatEntry, trace: str) -> list[str]:
    """The entry detail record and its addenda."""
    common = {
        "transaction_code": e.transaction_code,
        "rdfi": e.routing[:8],
        "check_digit": e.routing[8:],
        "dfi_account": e.dfi_account,
        "amount": e.amount_cents,
        "addenda_indicator": 1 if e.addenda else 0,
        "trace": trace,
    }
    write = _iat_addenda if isinstance(e, IatEntry) else _addenda
    numbered: dict[str, int] = {}  # 05, 17 and 18 addenda are numbered among their own type
    addenda = []
    for a in e.addenda:
        kind = a["addenda_type"]
        numbered[kind] = numbered.get(kind, 0) + 1
        # an IAT return's original forward entry amount: by default the entry's own
        addenda.append(write(trace, {"original_amount": str(e.amount_cents), **a}, numbered[kind]))
    if isinstance(e, IatEntry):
        iat = sum(a["addenda_type"] not in ("98", "99") for a in e.addenda)
        values = {
            **common,
            "addenda_records": iat if e.addenda_records is None else e.addenda_records,
            "ofac_screening": e.ofac_screening,
            "secondary_ofac_screening": e.secondary_ofac_screening,
        }
        return [record(IAT_ENTRY, values), *addenda]
    values = {
        **common,
        "individual_id": e.individual_id,
        "individual_name": e.individual_name,
        "discretionary": e.discretionary,
    }
    return [record(ENTRY, values), *addenda]


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
        entries: list[Entry | IatEntry] = list(batch.entries)
        service_class = batch.service_class or _service_class(entries)
        head: dict[str, object] = {"service_class": service_class, "odfi": batch.odfi, "batch_number": number}
        lines.append(_header(batch, head))
        count = entry_hash = debit = credit = 0
        for sequence, e in enumerate(entries, start=1):
            if len(e.routing) != 9:
                raise MappingError(
                    f"NACHA routing of entry {sequence} in batch {number} has {len(e.routing)} characters, "
                    "not 9 (8 digits and a check digit)"
                )
            if e.trace is None:
                issued[batch.odfi] = issued.get(batch.odfi, 0) + 1
            trace = e.trace or f"{batch.odfi}{issued[batch.odfi]:07d}"
            lines += _entry(e, trace)
            count += 1 + len(e.addenda)
            entry_hash += int(e.routing[:8])
            if is_debit(e.transaction_code):
                debit += e.amount_cents
            else:
                credit += e.amount_cents
        company_id = batch.originator_id if isinstance(batch, IatBatch) else batch.company_id
        lines.append(
            record(
                BATCH_CONTROL,
                {
                    **head,
                    "company_id": company_id,
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
