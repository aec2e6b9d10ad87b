"""The autopay debit file itself: extract entries -> NACHA file (one batch per effective date, trace
numbers given in order), the read-back that must agree with the extract before anything is sent,
and the kept copy under ``var/outbound/``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hub.kernel.errors import MappingError

if TYPE_CHECKING:
    import polars as pl

    from formats.nacha_writer import NachaSpec
    from hub.engine.config_outbound import Originator

MAX_SEQUENCE = 9_999_999  # a trace number is the ODFI (8 digits) and a 7-digit sequence
MODIFIERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"  # file id modifiers: files of one day told apart
KEPT_MODE = 0o400


@dataclass(frozen=True)
class Debits:
    """The file to send: its NACHA spec and one ledger record per entry (``record_originated``)."""

    spec: NachaSpec
    records: list[dict[str, Any]]

    @property
    def debit_cents(self) -> int:
        return sum(int(r["amount_cents"]) for r in self.records)


def business_day(start: date, days: int, holidays: list[date]) -> date:
    """The date ``days`` business days after ``start`` (0: ``start`` itself, or the next business
    day when it is a weekend or a holiday)."""
    day = start
    while day.weekday() >= 5 or day in holidays:
        day += timedelta(days=1)
    for _ in range(days):
        day += timedelta(days=1)
        while day.weekday() >= 5 or day in holidays:
            day += timedelta(days=1)
    return day


def build(
    o: Originator,
    entries: pl.DataFrame,
    *,
    first_sequence: int,
    created: datetime,
    default_date: date,
    modifier: str,
) -> Debits:
    """One PPD (or the configured SEC code) batch per effective date, earliest first, entries in
    extract order; trace numbers ``<odfi><sequence>`` from ``first_sequence`` up, so they ascend
    within every batch and are never reused."""
    import polars as pl

    from formats.nacha_writer import Batch, Entry, NachaSpec

    last = first_sequence + entries.height - 1
    if last > MAX_SEQUENCE:
        raise MappingError(
            f"trace numbers of ODFI {o.odfi} would run past {MAX_SEQUENCE} (next {first_sequence}, "
            f"{entries.height} entries): the ledger never reuses one; ask the bank for another ODFI"
        )
    rows = entries.with_columns(pl.col("effective_date").fill_null(default_date)).sort(
        "effective_date", maintain_order=True
    )
    batches: dict[date, Batch] = {}
    records: list[dict[str, Any]] = []
    for sequence, r in enumerate(rows.iter_rows(named=True), start=first_sequence):
        when: date = r["effective_date"]
        if when not in batches:
            batches[when] = Batch(
                company_name=o.company_name,
                company_id=o.company_id,
                sec_code=o.sec_code,
                entry_description=o.entry_description,
                effective_date=when,
                odfi=o.odfi,
                company_discretionary=o.company_discretionary,
            )
        trace = f"{o.odfi}{sequence:07d}"
        batches[when].entries.append(
            Entry(
                transaction_code=int(r["transaction_code"]),
                routing=r["routing"],
                dfi_account=r["dfi_account"],
                amount_cents=int(r["amount_cents"]),
                individual_id=r["account"],
                individual_name=r["name"],
                trace=trace,
            )
        )
        records.append(
            {
                "trace": trace,
                "payment_id": r["payment_id"],
                "account": r["account"],
                "amount_cents": int(r["amount_cents"]),
                "transaction_code": int(r["transaction_code"]),
                "effective_date": when,
                "routing": r["routing"],
                "dfi_account": r["dfi_account"],
            }
        )
    spec = NachaSpec(
        immediate_destination=o.immediate_destination,
        immediate_origin=o.immediate_origin,
        destination_name=o.immediate_destination_name,
        origin_name=o.immediate_origin_name,
        created=created,
        batches=list(batches.values()),
        file_id_modifier=modifier,
    )
    return Debits(spec, records)


def write_and_check(debits: Debits, name: str) -> bytes:
    """Write the file and read it back with the hub's own reader: an error, or an entry, count or
    total that differs from what was meant, refuses the file (``MappingError``) before it is sent."""
    from formats.nacha import read_nacha
    from formats.nacha_writer import write_file

    data = write_file(debits.spec)
    found = read_nacha(data, name)
    errors = [p for p in found.problems if p.severity == "error"]
    if errors:
        first = errors[0]
        raise MappingError(
            f"the NACHA file written does not read back clean ({len(errors)} error(s); line "
            f"{first.line}, {first.rule}: {first.message}); nothing was sent"
        )
    meant = sorted(
        (r["trace"], r["transaction_code"], r["routing"], r["dfi_account"], r["amount_cents"], r["account"])
        for r in debits.records
    )
    read = sorted(
        (
            e["trace"],
            e["tc"],
            e["routing"],
            (e["dfi_account"] or "").strip(),
            e["amount_cents"],
            (e["individual_id"] or "").strip(),
        )
        for e in found.entries.iter_rows(named=True)
    )
    totals = (found.entries.height, found.debit_cents, found.credit_cents)
    if totals != (len(debits.records), debits.debit_cents, 0) or read != meant:
        raise MappingError(
            f"the NACHA file written reads back as {totals[0]} entries, debits {totals[1]}, credits "
            f"{totals[2]}; the extract has {len(debits.records)} entries, debits {debits.debit_cents}: "
            "nothing was sent"
        )
    return data


def keep(folder: Path, name: str, data: bytes) -> Path:
    """Keep the file as sent, read-only, alone in its folder (a copy left by an interrupted earlier
    attempt, never recorded, is removed first)."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    temp, final = folder / f".{name}.part", folder / name
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.chmod(temp, KEPT_MODE)
    os.replace(temp, final)
    return final


def kept(folder: Path) -> Path | None:
    """The file kept for an origination, if any."""
    if not folder.is_dir():
        return None
    found = [p for p in folder.iterdir() if not p.name.startswith(".")]
    return found[0] if len(found) == 1 else None
