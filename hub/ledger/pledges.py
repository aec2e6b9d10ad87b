"""The ledger's record of delivered energy-assistance pledges.

Written in the same transaction as the delivery of their ``AssistancePledge`` transactions (the
fact ``pledges``); read by the ``pledges`` look-up (the pledges of some accounts: another agency's
pledge of the same account, amount and date is flagged for review).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from hub.ledger import schema as t
from hub.ledger.bulk import insert_rows, select_where_in

if TYPE_CHECKING:
    import polars as pl

COLUMNS = ("agency", "pledge_id", "account", "program", "amount_cents", "pledge_date", "expires")


class Pledges:
    """The pledge methods of ``hub.ledger.Ledger`` (which supplies ``reading`` and ``now``)."""

    if TYPE_CHECKING:
        now: Callable[[], datetime]

        def reading(self, conn: Connection | None) -> AbstractContextManager[Connection]: ...

    def record_pledges(self, conn: Connection, *, exchange: str, file_id: int, table: pl.DataFrame) -> int:
        """Record delivered pledges (idempotency_key and ``COLUMNS``)."""
        if table.height == 0:
            return 0
        recorded = self.now()
        columns = [table.get_column(n).to_list() for n in ("idempotency_key", *COLUMNS)]
        rows = ((*values, exchange, file_id, recorded) for values in zip(*columns, strict=True))
        insert_rows(conn, t.pledges, ("key", *COLUMNS, "exchange", "file_id", "recorded_at"), rows)
        return table.height

    def pledges_of(self, accounts: Sequence[str], conn: Connection | None = None) -> list[dict[str, Any]]:
        """The delivered pledges of these accounts, in delivery order."""
        with self.reading(conn) as db:
            return select_where_in(db, t.pledges, ("key", *COLUMNS), "account", accounts)
