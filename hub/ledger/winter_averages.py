"""The ledger's record of delivered winter averages, and the accounts whose histories meet a window.

Written in the same transaction as the delivery of their ``WinterAverage`` transactions (the fact
``winter_averages``): one row per delivery of an account's average for a season, in delivery order,
so a recompute compares with the last one delivered and numbers its revision. Read by the
``winter_averages``, ``consumption_accounts`` and ``cis_accounts`` look-ups.
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


class WinterAverages:
    """The winter-average methods of ``hub.ledger.Ledger`` (which supplies ``reading``)."""

    if TYPE_CHECKING:
        now: Callable[[], datetime]

        def reading(self, conn: Connection | None) -> AbstractContextManager[Connection]: ...

    def record_winter_averages(
        self, conn: Connection, *, exchange: str, file_id: int, table: pl.DataFrame
    ) -> int:
        """Record delivered averages (idempotency_key, account, season, average, days_covered)."""
        if table.height == 0:
            return 0
        recorded = self.now()
        names = ("key", "account", "season", "average", "days_covered")
        columns = [table.get_column(n).to_list() for n in ("idempotency_key", *names[1:])]
        rows = ((*values, exchange, file_id, recorded) for values in zip(*columns, strict=True))
        insert_rows(conn, t.winter_averages, (*names, "exchange", "file_id", "recorded_at"), rows)
        return table.height

    def winter_averages(
        self, accounts: Sequence[str], season: int, conn: Connection | None = None
    ) -> list[tuple[str, int, str | None, int, str]]:
        """The delivered averages of these accounts for ``season``, in delivery order: (account,
        season, average, days_covered, key). A season is read whole (one indexed range, no
        thousands of bound account numbers) and narrowed here."""
        c = t.winter_averages.c
        wanted = set(accounts)
        query = (
            select(c.account, c.season, c.average, c.days_covered, c.key)
            .where(c.season == season)
            .order_by(c.id)
        )
        with self.reading(conn) as db:
            return [(r[0], r[1], r[2], r[3], r[4]) for r in db.execute(query) if r[0] in wanted]

    def last_winter_averages(
        self, exchange: str, season: int, conn: Connection | None = None
    ) -> tuple[int, datetime] | None:
        """The file that last delivered averages of ``season`` through ``exchange``, and when;
        None when none was ever delivered."""
        c = t.winter_averages.c
        query = (
            select(c.file_id, c.recorded_at)
            .where(c.season == season, c.exchange == exchange)
            .order_by(c.id.desc())
            .limit(1)
        )
        with self.reading(conn) as db:
            row = db.execute(query).first()
        return None if row is None else (int(row[0]), row[1])

    def cis_active_accounts(self, conn: Connection | None = None) -> list[str] | None:
        """The active accounts of the current CIS accounts extract; None when none was loaded."""
        from hub.ledger.reference import ACTIVE, _current

        c = t.reference_accounts.c
        with self.reading(conn) as db:
            load_id = _current(db, "accounts")
            if load_id is None:
                return None
            query = select(c.number).where(c.load_id == load_id, c.status == ACTIVE)
            return sorted(r.number for r in db.execute(query))

    def consumption_accounts(self, since: date, until: date, conn: Connection | None = None) -> list[str]:
        """The accounts with delivered histories spanning days in [since, until] (candidates: a
        gap in an account's periods may still leave the window without a period)."""
        c = t.consumption_histories.c
        query = select(c.account).where(c.last_day >= since, c.first_day <= until).distinct()
        with self.reading(conn) as db:
            return sorted(r.account for r in db.execute(query))
