"""The payments delivered to the CIS in suspense (``Payment`` rows with ``suspense`` true): read
back from the published CIS batches' Payment CSVs, which the ledger lists (``batches_delivering``)
but does not hold row by row. Account numbers come out masked.

A payment is delivered on or after its deposit date, so a search by deposit date from ``first``
reads only the batches delivered since ``first`` (in the hub's time zone). A batch whose file is no
longer in the destination folder (the CIS took it away) is named in ``unreadable``, never skipped
silently.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import polars as pl

from hub.engine.operator import opened
from hub.kernel.problems import mask

if TYPE_CHECKING:
    from hub.engine.config import Settings

COLUMNS = (
    "deposit_date",
    "amount_cents",
    "check_number",
    "lockbox",
    "batch",
    "item",
    "remitted_account",
    "suspense",
    "suspense_reason",
)


def suspense_summary(tables: dict[str, pl.DataFrame]) -> dict[str, Any] | None:
    """The ``Payment`` rows of ``tables`` held in suspense: how many, their amount and the count by
    reason (most frequent first), or None when none is. What a file's outcome says of them."""
    payments = tables.get("Payment")
    if payments is None or "suspense" not in payments.columns or payments.is_empty():
        return None
    held = payments.filter(pl.col("suspense"))
    if held.is_empty():
        return None
    reasons = held.get_column("suspense_reason").fill_null("").value_counts(sort=True)
    return {
        "count": held.height,
        "amount_cents": int(held.get_column("amount_cents").sum()),
        "reasons": {str(r[0]): int(r[1]) for r in reasons.iter_rows()},
    }


def summaries_added(a: dict[str, Any] | None, b: dict[str, Any] | None) -> dict[str, Any] | None:
    """Two parts' ``suspense_summary`` as the summary of both (a file run in parts)."""
    if a is None or b is None:
        return a or b
    reasons = dict(a["reasons"])
    for reason, n in b["reasons"].items():
        reasons[reason] = reasons.get(reason, 0) + n
    return {
        "count": a["count"] + b["count"],
        "amount_cents": a["amount_cents"] + b["amount_cents"],
        "reasons": dict(sorted(reasons.items(), key=lambda r: -r[1])),
    }


@dataclass(frozen=True)
class Suspense:
    """The suspense payments found (newest batch first), their total and the batches not read."""

    payments: list[dict[str, Any]]
    total_cents: int
    batches_read: int
    unreadable: list[str] = field(default_factory=list)


def _payment_csv(control_path: Path) -> Path:
    """The Payment data file a batch's control file names."""
    control = json.loads(control_path.read_text(encoding="utf-8"))
    [entry] = [f for f in control["files"] if f["type"] == "Payment"]
    return control_path.parent / str(entry["name"])


def _in_suspense(
    batch: dict[str, Any], first: date | None, last: date | None, unmask: bool
) -> list[dict[str, Any]]:
    frame = pl.read_csv(_payment_csv(Path(batch["path"])), infer_schema=False, columns=list(COLUMNS))
    frame = frame.filter(pl.col("suspense") == "true")
    if first is not None:
        frame = frame.filter(pl.col("deposit_date") >= first.isoformat())
    if last is not None:
        frame = frame.filter(pl.col("deposit_date") <= last.isoformat())
    return [
        {
            "deposit_date": r["deposit_date"],
            "amount_cents": int(r["amount_cents"]),
            "check_number": r["check_number"] or "",
            "lockbox": r["lockbox"] or "",
            "batch": r["batch"] or "",
            "item": r["item"] or "",
            "account": (r["remitted_account"] if unmask else mask(r["remitted_account"])) or "",
            "reason": r["suspense_reason"] or "",
            "exchange": batch["exchange"],
            "file_id": batch["file_id"],
            "batch_id": batch["batch_id"],
        }
        for r in frame.iter_rows(named=True)
    ]


def suspense_payments(
    settings: Settings,
    *,
    first: date | None = None,
    last: date | None = None,
    delivered_since: datetime | None = None,
    unmask: bool = False,
) -> Suspense:
    """The suspense payments with a deposit date in [``first``, ``last``] (either open), in the
    batches delivered since ``delivered_since`` (default: since ``first`` began in the hub's time
    zone; with neither, the last 7 days' deliveries). Account numbers come masked unless ``unmask``
    (a role allowed to see them)."""
    if delivered_since is None:
        tz = ZoneInfo(settings.config.timezone)
        if first is not None:
            delivered_since = datetime.combine(first, time(0), tz).astimezone(UTC)
        else:
            delivered_since = datetime.now(UTC) - timedelta(days=7)
    with opened(settings) as ledger:
        batches = ledger.batches_delivering("Payment", delivered_since)
    found: list[dict[str, Any]] = []
    unreadable: list[str] = []
    for batch in batches:
        try:
            found += _in_suspense(batch, first, last, unmask)
        except (OSError, ValueError, KeyError, pl.exceptions.PolarsError):
            unreadable.append(str(batch["batch_id"]))
    return Suspense(found, sum(p["amount_cents"] for p in found), len(batches) - len(unreadable), unreadable)
