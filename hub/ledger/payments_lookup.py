"""Read-only look-up of the lockbox payments the hub delivered, as the deposits table records them
(``side='lockbox'``: key = the payment's idempotency key, reference = its check number when the
lockbox mapping records one): lets a BAI2 returned item (555) name the payment it reverses."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from hub.ledger import schema as t
from hub.ledger.deposits import lockbox_number


class PaymentsLookup:
    """The payment look-up methods of ``hub.ledger.Ledger`` (which supplies ``tx``)."""

    if TYPE_CHECKING:

        def reading(self, conn: Connection | None) -> AbstractContextManager[Connection]: ...

    def lockbox_payments(
        self, lockboxes: Sequence[str], since: date, until: date, conn: Connection | None = None
    ) -> list[dict[str, Any]]:
        """The lockbox-side deposit rows (one per delivered lockbox payment) of these lockboxes with a
        deposit date from ``since`` to ``until``: key, deposit_date, lockbox, amount_cents, reference."""
        if not lockboxes:
            return []
        d = t.deposits.c
        query = (
            select(d.key, d.deposit_date, d.lockbox, d.amount_cents, d.reference)
            .where(
                d.side == "lockbox",
                d.lockbox.in_(sorted({lockbox_number(b) for b in lockboxes})),
                d.deposit_date >= since,
                d.deposit_date <= until,
            )
            .order_by(d.deposit_date, d.key)
        )
        with self.reading(conn) as c:
            return [dict(r._mapping) for r in c.execute(query).all()]
