"""The ledger's record of debits the hub originated (NACHA autopay files), by trace number, so a
return that comes back weeks later names the payment it reverses."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, insert, select

from hub.ledger import schema as t


class OriginatedEntries:
    """The origination methods of ``hub.ledger.Ledger`` (which supplies ``tx``)."""

    if TYPE_CHECKING:

        def tx(self) -> AbstractContextManager[Connection]: ...

    def record_originated(
        self, conn: Connection, *, exchange: str, file_id: int, entries: Sequence[dict[str, Any]]
    ) -> None:
        """Record each originated entry: ``trace`` (15 digits, unique across the ledger),
        ``payment_id``, ``account``, ``amount_cents``, ``transaction_code``, ``effective_date``."""
        if not entries:
            return
        created = datetime.now(UTC)
        conn.execute(
            insert(t.originated_entries),
            [
                {
                    "exchange": exchange,
                    "file_id": file_id,
                    "trace": e["trace"],
                    "payment_id": e["payment_id"],
                    "account": e["account"],
                    "amount_cents": int(e["amount_cents"]),
                    "transaction_code": int(e["transaction_code"]),
                    "effective_date": e["effective_date"],
                    "created_at": created,
                }
                for e in entries
            ],
        )

    def originated(self, traces: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The originated entries among ``traces``, by trace number."""
        o = t.originated_entries.c
        found: dict[str, dict[str, Any]] = {}
        wanted = sorted(set(traces))
        with self.tx() as conn:
            if not wanted or conn.execute(select(o.id).limit(1)).first() is None:
                return found  # the hub originated nothing (yet): no need to look
            # chunks of 2,000 bound values: within SQLite's and PostgreSQL's limits, few round trips
            for start in range(0, len(wanted), 2000):
                rows = conn.execute(
                    select(
                        o.trace,
                        o.exchange,
                        o.file_id,
                        o.payment_id,
                        o.account,
                        o.amount_cents,
                        o.transaction_code,
                        o.effective_date,
                    ).where(o.trace.in_(wanted[start : start + 2000]))
                ).all()
                for r in rows:
                    found[r.trace] = dict(r._mapping)
        return found

    def next_trace_sequence(self, conn: Connection, odfi: str) -> int:
        """The next unused 7-digit trace sequence for an ODFI (trace numbers never repeat)."""
        o = t.originated_entries.c
        last = conn.execute(
            select(o.trace).where(o.trace.like(f"{odfi}%")).order_by(o.trace.desc()).limit(1)
        ).scalar()
        return 1 if last is None else int(str(last)[8:]) + 1
