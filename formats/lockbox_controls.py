"""Lockbox control records: each batch total against its details, each lockbox total against the
lockbox's details, the lockbox number and deposit date of every batch and lockbox total against the
lockbox header, and the trailer's record count. Counts and amounts are recomputed from the details
(integer cents), never taken from the controls; every finding is file-level and names both values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import polars as pl

from formats.fixed_width.kinds import number_of
from formats.fixed_width.layout import Record
from formats.lockbox_layout import LockboxOptions
from hub.kernel.problems import Problem


@dataclass
class BatchFacts:
    """A batch as read: its batch total record (None when missing) and what its details add up to."""

    index: int
    total_line: int | None = None
    total: dict[str, str] | None = None
    items: int = 0
    amount_cents: int = 0
    unreadable: int = 0  # details whose amount is not digits (each a finding of its own)
    first_line: int | None = None  # of its first detail

    @property
    def number(self) -> str | None:
        return None if self.total is None else self.total["batch"]

    def facts(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "line": self.total_line,
            "items": self.items,
            "amount_cents": self.amount_cents,
            "stated_items": None if self.total is None else number_of(self.total["count"]),
            "stated_amount_cents": None if self.total is None else number_of(self.total["amount"]),
        }


@dataclass
class LockboxFacts:
    """A lockbox as read: header and total records, its batches, and what its details add up to."""

    index: int
    header_line: int
    header: dict[str, str]
    deposit_date: date | None
    total_line: int | None = None
    total: dict[str, str] | None = None
    batches: list[BatchFacts] = field(default_factory=list)
    items: int = 0
    amount_cents: int = 0
    unreadable: int = 0

    @property
    def number(self) -> str:
        return self.header["lockbox"].strip()

    def facts(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "deposit_date": None if self.deposit_date is None else self.deposit_date.isoformat(),
            "line": self.header_line,
            "items": self.items,
            "amount_cents": self.amount_cents,
            "stated_items": None if self.total is None else number_of(self.total["count"]),
            "stated_amount_cents": None if self.total is None else number_of(self.total["amount"]),
            "batches": [b.facts() for b in self.batches],
        }


def _date(text: str, fmt: str) -> date | None:
    try:
        parsed = datetime.strptime(text, fmt).date()
    except ValueError:
        return None
    return parsed if parsed.strftime(fmt) == text else None


def lockboxes(frame: pl.DataFrame, details: pl.DataFrame, options: LockboxOptions) -> list[LockboxFacts]:
    """Header, total and recomputed sums of every lockbox and of every batch in it."""
    found: dict[int, LockboxFacts] = {}
    heads = frame.filter((pl.col("kind") == "5") & (pl.col("lockbox_ix") >= 0))
    for line, rec, ix in heads.select("line", "rec", "lockbox_ix").iter_rows():
        header = options.records["5"].values(rec)
        found[ix] = LockboxFacts(ix, line, header, _date(header["deposit_date"], options.date_format))
    batches: dict[int, BatchFacts] = {}
    owners: dict[int, int] = {}
    placed = frame.filter(pl.col("kind").is_in(["6", "7"]) & (pl.col("batch_ix") >= 0)).sort("line")
    for line, rec, kind, lockbox, batch in placed.select(
        "line", "rec", "kind", "lockbox_ix", "batch_ix"
    ).iter_rows():
        b = batches.setdefault(batch, BatchFacts(batch, first_line=line))
        owners[batch] = lockbox
        if kind == "7":
            b.total_line, b.total = line, options.records["7"].values(rec)
    totals = frame.filter((pl.col("kind") == "8") & (pl.col("lockbox_ix") >= 0))
    for line, rec, ix in totals.select("line", "rec", "lockbox_ix").iter_rows():
        found[ix].total_line, found[ix].total = line, options.records["8"].values(rec)
    sums = (pl.len(), pl.col("amount_cents").sum(), pl.col("amount_cents").null_count().alias("unreadable"))
    for batch, n, cents, unreadable in (
        details.filter(pl.col("batch_ix") >= 0).group_by("batch_ix").agg(*sums).iter_rows()
    ):
        b = batches[batch]
        b.items, b.amount_cents, b.unreadable = n, cents or 0, unreadable
    for lockbox, n, cents, unreadable in (
        details.filter(pl.col("lockbox_ix") >= 0).group_by("lockbox_ix").agg(*sums).iter_rows()
    ):
        lb = found[lockbox]
        lb.items, lb.amount_cents, lb.unreadable = n, cents or 0, unreadable
    for batch in sorted(batches):
        found[owners[batch]].batches.append(batches[batch])
    return [found[k] for k in sorted(found)]


def _items(n: int) -> str:
    return f"{n} item{'s' * (n != 1)}"


def _money(cents: int) -> str:
    return f"{cents} cents ({cents // 100:,}.{cents % 100:02d})"


def _control(
    p: list[Problem],
    rule: str,
    what: str,
    line: int,
    record: dict[str, str],
    layout: Record,
    sums: tuple[int, int, int],
) -> None:
    """A total record's count and amount against the details it closes (``sums``: their number,
    amount in cents, and how many amounts are unreadable: then the amount is not compared, each
    unreadable amount being an error that rejects its check)."""
    items, cents, unreadable = sums
    stated = number_of(record["count"])
    if stated is not None and stated != items:
        p.append(
            Problem.of(
                rule,
                f"{what} states {_items(stated)} but has {items} detail record{'s' * (items != 1)}",
                line=line,
                field="count",
                value=record["count"],
                positions=layout["count"].positions,
                level="file",
            )
        )
    stated = number_of(record["amount"])
    if stated is not None and stated != cents and not unreadable:
        p.append(
            Problem.of(
                rule,
                f"{what} states {_money(stated)} but its details add up to {_money(cents)}",
                line=line,
                field="amount",
                value=record["amount"],
                positions=layout["amount"].positions,
                level="file",
            )
        )


def _matches(
    p: list[Problem],
    name: str,
    line: int,
    record: dict[str, str],
    lb: LockboxFacts,
    layout: Record,
    fmt: str,
) -> None:
    """A total record's lockbox number and deposit date against its lockbox header's (both must be
    well-formed to compare: a malformed one is already a field-format finding)."""

    def good(key: str, text: str) -> bool:
        return _date(text, fmt) is not None if key == "deposit_date" else text.isascii() and text.isdigit()

    for key, what in (("lockbox", "lockbox number"), ("deposit_date", "deposit date")):
        mine, theirs = record[key], lb.header[key]
        if mine != theirs and good(key, mine) and good(key, theirs):
            p.append(
                Problem.of(
                    "lockbox-match",
                    f"{name} {what} {mine} differs from its lockbox header's {theirs} "
                    f"(line {lb.header_line})",
                    line=line,
                    field=key,
                    value=mine,
                    positions=layout[key].positions,
                    level="file",
                )
            )


def check_lockboxes(found: list[LockboxFacts], options: LockboxOptions) -> list[Problem]:
    """Every batch total and lockbox total against its details and its lockbox header."""
    p: list[Problem] = []
    fmt = options.date_format
    for lb in found:
        for b in lb.batches:
            if b.total is None or b.total_line is None:
                continue  # a batch without its total record: a record-order finding
            what = f"batch {b.total['batch']} of lockbox {lb.number}: the batch total"
            sums = (b.items, b.amount_cents, b.unreadable)
            _control(p, "batch-total", what, b.total_line, b.total, options.records["7"], sums)
            _matches(p, "batch total", b.total_line, b.total, lb, options.records["7"], fmt)
        if lb.total is None or lb.total_line is None:
            continue
        what = f"lockbox {lb.number}: the lockbox total"
        sums = (lb.items, lb.amount_cents, lb.unreadable)
        _control(p, "lockbox-total", what, lb.total_line, lb.total, options.records["8"], sums)
        _matches(p, "lockbox total", lb.total_line, lb.total, lb, options.records["8"], fmt)
    return p


def check_trailer(frame: pl.DataFrame, options: LockboxOptions, records: int) -> list[Problem]:
    """The (first) trailer's record count against the records in the file, header and trailer
    included (blank lines are not records)."""
    trailer = frame.filter(pl.col("kind") == "9").head(1)
    if trailer.is_empty():
        return []
    line, rec = trailer.select("line", "rec").row(0)
    f = options.records["9"]["record_count"]
    stated = number_of(f.cut(rec))
    if stated is None or stated == records:
        return []
    return [
        Problem.of(
            "trailer-count",
            f"trailer states {stated} records but the file has {records}",
            line=line,
            field="record_count",
            value=f.cut(rec),
            positions=f.positions,
            level="file",
        )
    ]
