"""The ledger's record of delivered consumption histories, one row per account and period.

Rows are written in the same transaction as the delivery of their ``ConsumptionHistory`` (the fact
``consumption_histories``), each under the transaction's idempotency key, so a resent file never
records a period twice. Read by the ``consumption_histories`` look-up."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from hub.ledger import schema as t

COLUMNS = (
    "account",
    "district",
    "premise",
    "period_start",
    "period_end",
    "last_day",
    "days",
    "usage_milli",
    "unit",
    "read_type",
)
_CHUNK = 900  # keys or accounts per IN (...): below SQLite's variable limit


class ConsumptionHistories:
    """The consumption-history methods of ``hub.ledger.Ledger`` (which supplies ``reading``)."""

    if TYPE_CHECKING:
        now: Callable[[], datetime]

        def reading(self, conn: Connection | None) -> AbstractContextManager[Connection]: ...

    def record_consumption(
        self, conn: Connection, *, exchange: str, file_id: int, rows: Sequence[dict[str, Any]]
    ) -> int:
        """Record delivered histories (``key`` and ``COLUMNS``); a key recorded before is skipped.
        Returns how many rows were new."""
        if not rows:
            return 0
        c = t.consumption_histories.c
        keys = [str(r["key"]) for r in rows]
        held: set[str] = set()
        for start in range(0, len(keys), _CHUNK):
            held |= set(conn.execute(select(c.key).where(c.key.in_(keys[start : start + _CHUNK]))).scalars())
        recorded = self.now()
        fresh = [
            {
                "key": str(r["key"]),
                "exchange": exchange,
                "file_id": file_id,
                **{k: r[k] for k in COLUMNS},
                "recorded_at": recorded,
            }
            for r in rows
            if str(r["key"]) not in held
        ]
        if fresh:
            conn.execute(t.consumption_histories.insert(), fresh)
        return len(fresh)

    def consumption_histories(
        self,
        accounts: Sequence[str],
        since: date | None,
        until: date | None,
        conn: Connection | None = None,
    ) -> list[dict[str, Any]]:
        """The delivered histories of these accounts whose days of usage [period_start, last_day]
        meet [since, until] (either end open when None), by account and period start."""
        c = t.consumption_histories.c
        wanted = sorted(set(accounts))
        found: list[dict[str, Any]] = []
        with self.reading(conn) as db:
            for start in range(0, len(wanted), _CHUNK):
                query = select(c.key.label("idempotency_key"), *[c[k] for k in COLUMNS]).where(
                    c.account.in_(wanted[start : start + _CHUNK])
                )
                if since is not None:
                    query = query.where(c.last_day >= since)
                if until is not None:
                    query = query.where(c.period_start <= until)
                found += [dict(r._mapping) for r in db.execute(query).all()]
        found.sort(key=lambda r: (r["account"], r["period_start"], r["idempotency_key"]))
        return found
