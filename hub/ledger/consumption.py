"""The ledger's record of delivered consumption histories, one row per account and period.

Rows are written in the same transaction as the delivery of their ``ConsumptionHistory`` (the fact
``consumption_histories``), each under the transaction's idempotency key, so a resent file never
records a period twice. Read by the ``consumption_histories`` look-up."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from itertools import repeat
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

if TYPE_CHECKING:
    import polars as pl

from hub.kernel.errors import LedgerError
from hub.ledger import schema as t
from hub.ledger.bulk import insert_rows

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
        self, conn: Connection, *, exchange: str, file_id: int, table: pl.DataFrame
    ) -> int:
        """Record delivered histories (``idempotency_key`` and ``COLUMNS``): only those of
        transactions delivered now reach here (exactly-once delivery), and the primary key refuses a
        second record of one. Returns how many rows were recorded.

        A district file holds a million rows: the values are made what the dialect stores (SQLite's
        dates as text) by polars, not per value, and handed to the driver column by column, in the
        table's key order."""
        import polars as pl

        if table.height == 0:
            return 0
        c = t.consumption_histories.c
        dates = []
        for name in ("period_start", "period_end", "last_day"):
            bind = c[name].type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
            if bind is not None:
                if bind(date(2026, 1, 2)) != "2026-01-02":  # pragma: no cover - no such dialect here
                    raise LedgerError(f"unexpected date storage of {conn.dialect.name}")
                dates.append(pl.col(name).dt.strftime("%Y-%m-%d"))
        stamp = c.recorded_at.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
        recorded = self.now() if stamp is None else stamp(self.now())
        rows = (
            table.select(
                pl.col("idempotency_key").alias("key"),
                pl.lit(exchange).alias("exchange"),
                pl.lit(file_id).alias("file_id"),
                *COLUMNS,
            )
            .with_columns(dates)
            .sort("account", "period_start", "key")
        )
        columns = [rows.get_column(n).to_list() for n in rows.columns]
        names = [*rows.columns, "recorded_at"]
        insert_rows(conn, t.consumption_histories, names, zip(*columns, repeat(recorded), strict=False))
        return rows.height

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
