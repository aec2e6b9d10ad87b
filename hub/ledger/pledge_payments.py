"""The ledger's record of agency payments of energy-assistance pledges.

Written in the same transaction as the delivery of their transactions (the fact
``pledge_payments``); read by the ``open_pledges`` look-up (the delivered pledges of some agencies
that no delivered payment covers), the ``pledge_payments`` look-up (what some agencies' payments
paid, and how) and ``hub pledges --agency A``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, and_, exists, func, select

from hub.ledger import schema as t
from hub.ledger.bulk import insert_rows

if TYPE_CHECKING:
    import polars as pl

COLUMNS = ("payment_key", "agency", "pledge_id", "account", "amount_cents", "source", "reference", "paid_on")
PLEDGE_COLUMNS = ("agency", "pledge_id", "account", "program", "amount_cents", "pledge_date", "expires")


class PledgePayments:
    """The pledge-payment methods of ``hub.ledger.Ledger`` (which supplies ``reading`` and ``now``)."""

    if TYPE_CHECKING:
        now: Callable[[], datetime]

        def reading(self, conn: Connection | None) -> AbstractContextManager[Connection]: ...

    def record_pledge_payments(
        self, conn: Connection, *, exchange: str, file_id: int, table: pl.DataFrame
    ) -> int:
        """Record delivered pledge payments (idempotency_key and ``COLUMNS``)."""
        if table.height == 0:
            return 0
        recorded = self.now()
        columns = [table.get_column(n).to_list() for n in ("idempotency_key", *COLUMNS)]
        rows = ((*values, exchange, file_id, recorded) for values in zip(*columns, strict=True))
        insert_rows(conn, t.pledge_payments, ("key", *COLUMNS, "exchange", "file_id", "recorded_at"), rows)
        return table.height

    def open_pledges(self, agencies: Sequence[str], conn: Connection | None = None) -> list[dict[str, Any]]:
        """The delivered pledges of these agencies that no delivered pledge payment covers, by
        pledge date then pledge id."""
        p, pp = t.pledges.c, t.pledge_payments.c
        paid = exists().where(and_(pp.agency == p.agency, pp.pledge_id == p.pledge_id))
        query = (
            select(p.key, *(p[n] for n in PLEDGE_COLUMNS))
            .where(p.agency.in_(sorted(set(agencies))), ~paid)
            .order_by(p.pledge_date, p.pledge_id)
        )
        with self.reading(conn) as db:
            return [dict(r._mapping) for r in db.execute(query)]

    def pledge_payments_of(
        self, agencies: Sequence[str], conn: Connection | None = None
    ) -> list[dict[str, Any]]:
        """The delivered pledge payments of these agencies, in delivery order."""
        c = t.pledge_payments.c
        query = select(c.key, *(c[n] for n in COLUMNS)).where(c.agency.in_(sorted(set(agencies))))
        with self.reading(conn) as db:
            return [dict(r._mapping) for r in db.execute(query.order_by(c.id))]

    def agency_pledges(self, agency: str, conn: Connection | None = None) -> list[dict[str, Any]]:
        """Every delivered pledge of an agency with what was paid toward it (``paid_cents``, 0:
        unpaid) and when (``paid_on``), by pledge date then pledge id."""
        p, pp = t.pledges.c, t.pledge_payments.c
        paid = (
            select(
                pp.pledge_id,
                func.sum(pp.amount_cents).label("paid_cents"),
                func.max(pp.paid_on).label("paid_on"),
            )
            .where(pp.agency == agency, pp.pledge_id != "")
            .group_by(pp.pledge_id)
            .subquery()
        )
        query = (
            select(*(p[n] for n in PLEDGE_COLUMNS), paid.c.paid_cents, paid.c.paid_on)
            .select_from(t.pledges.outerjoin(paid, paid.c.pledge_id == p.pledge_id))
            .where(p.agency == agency)
            .order_by(p.pledge_date, p.pledge_id)
        )
        with self.reading(conn) as db:
            found = [dict(r._mapping) for r in db.execute(query)]
        for r in found:
            r["paid_cents"] = int(r["paid_cents"] or 0)
        return found
