"""The ledger's record of delivered consumption histories.

Written in the same transaction as the delivery of their ``ConsumptionHistory`` transactions (the
fact ``consumption_histories``): only histories delivered now reach here (exactly-once delivery), so
a resent file never records a period twice. A district file holds a million histories, so they are
kept packed: one row per account and delivery, with the first and last day of usage it covers (what
a look-up selects by) and its periods as text (``PACKED`` fields), built and
read back by polars, never a Python loop per period. Read by the ``consumption_histories`` look-up.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection, select

from hub.ledger import schema as t
from hub.ledger.bulk import insert_rows

if TYPE_CHECKING:
    import polars as pl

# the fields of a packed period, in order, separated by FIELD_SEP, periods by PERIOD_SEP (control
# characters: the consumption-csv format refuses them in a value)
PACKED = (
    "idempotency_key",
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
FIELD_SEP = "\x1f"
PERIOD_SEP = "\x1e"
_CHUNK = 900  # accounts per IN (...): below SQLite's variable limit


def _schema() -> dict[str, pl.DataType]:
    import polars as pl

    return {
        "account": pl.String(),
        "district": pl.String(),
        "premise": pl.String(),
        "period_start": pl.Date(),
        "period_end": pl.Date(),
        "last_day": pl.Date(),
        "days": pl.Int64(),
        "usage_milli": pl.Int64(),
        "unit": pl.String(),
        "read_type": pl.String(),
        "idempotency_key": pl.String(),
    }


class ConsumptionHistories:
    """The consumption-history methods of ``hub.ledger.Ledger`` (which supplies ``reading``)."""

    if TYPE_CHECKING:
        now: Callable[[], datetime]

        def reading(self, conn: Connection | None) -> AbstractContextManager[Connection]: ...

    def record_consumption(
        self, conn: Connection, *, exchange: str, file_id: int, table: pl.DataFrame
    ) -> int:
        """Record delivered histories (``idempotency_key``, ``account`` and the other ``PACKED``
        fields), one packed row per account. Returns how many histories were recorded."""
        import polars as pl

        if table.height == 0:
            return 0
        line = pl.concat_str([pl.col(f).cast(pl.String) for f in PACKED], separator=FIELD_SEP)
        packed = table.group_by("account", maintain_order=True).agg(
            pl.col("period_start").min().alias("first_day"),
            pl.col("last_day").max().alias("last_day"),
            pl.len().cast(pl.Int64).alias("periods"),
            line.str.join(PERIOD_SEP).alias("packed"),
        )
        recorded = self.now()
        names = ("account", "first_day", "last_day", "periods", "packed")
        columns = [packed.get_column(n).to_list() for n in names]
        rows = (
            (account, first, last, n, text, exchange, file_id, recorded)
            for account, first, last, n, text in zip(*columns, strict=True)
        )
        insert_rows(conn, t.consumption_histories, (*names, "exchange", "file_id", "recorded_at"), rows)
        return table.height

    def consumption_histories(
        self,
        accounts: Sequence[str],
        since: date | None,
        until: date | None,
        conn: Connection | None = None,
    ) -> pl.DataFrame:
        """The delivered histories of these accounts whose days of usage [period_start, last_day]
        meet [since, until] (either end open when None), by account and period start: the columns
        of the ``consumption_histories`` look-up."""
        import polars as pl

        c = t.consumption_histories.c
        wanted = sorted(set(accounts))
        found: list[tuple[str, str]] = []
        with self.reading(conn) as db:
            for start in range(0, len(wanted), _CHUNK):
                query = select(c.account, c.packed).where(c.account.in_(wanted[start : start + _CHUNK]))
                if since is not None:
                    query = query.where(c.last_day >= since)
                if until is not None:
                    query = query.where(c.first_day <= until)
                found += [(r.account, r.packed) for r in db.execute(query)]
        schema = _schema()
        if not found:
            return pl.DataFrame(schema=schema)
        lines = (
            pl.DataFrame({"account": [a for a, _ in found], "packed": [p for _, p in found]}, orient="col")
            .with_columns(pl.col("packed").str.split(PERIOD_SEP))
            .explode("packed")
        )
        fields = (
            pl.col("packed").str.split_exact(FIELD_SEP, len(PACKED) - 1).struct.rename_fields(list(PACKED))
        )
        rows = lines.select("account", fields.alias("f")).unnest("f")
        typed = rows.with_columns(
            *[
                pl.col(d).str.strptime(pl.Date, "%Y-%m-%d")
                for d in ("period_start", "period_end", "last_day")
            ],
            pl.col("days").cast(pl.Int64),
            pl.col("usage_milli").cast(pl.Int64),
        )
        if since is not None:
            typed = typed.filter(pl.col("last_day") >= since)
        if until is not None:
            typed = typed.filter(pl.col("period_start") <= until)
        return typed.select(list(schema)).sort("account", "period_start", "idempotency_key")
