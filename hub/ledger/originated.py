"""The ledger's record of debits the hub originated (NACHA autopay files), by trace number, so a
return that comes back weeks later names the payment it reverses."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, insert, select

from hub.ledger import schema as t


class OriginatedEntries:
    """The origination methods of ``hub.ledger.Ledger`` (which supplies ``tx``)."""

    if TYPE_CHECKING:
        now: Callable[[], datetime]

        def tx(self) -> AbstractContextManager[Connection]: ...

        def reading(self, conn: Connection | None) -> AbstractContextManager[Connection]: ...

    def record_originated(
        self, conn: Connection, *, exchange: str, file_id: int, entries: Sequence[dict[str, Any]]
    ) -> None:
        """Record each originated entry: ``trace`` (15 digits, unique across the ledger),
        ``payment_id``, ``account``, ``amount_cents``, ``transaction_code``, ``effective_date``."""
        if not entries:
            return
        created = self.now()
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

    def originated(self, traces: Sequence[str], conn: Connection | None = None) -> dict[str, dict[str, Any]]:
        """The originated entries among ``traces``, by trace number."""
        return self._originated_by(t.originated_entries.c.trace, traces, conn)

    def originated_payments(
        self, exchange: str, payment_ids: Sequence[str], conn: Connection | None = None
    ) -> dict[str, dict[str, Any]]:
        """The exchange's originated entries among ``payment_ids``, by payment id."""
        o = t.originated_entries.c
        return self._originated_by(o.payment_id, payment_ids, conn, o.exchange == exchange)

    def has_originated(self, conn: Connection | None = None) -> bool:
        """Whether the hub ever originated an entry (if not, no look-up by trace can find one)."""
        with self.reading(conn) as c:
            return c.execute(select(t.originated_entries.c.id).limit(1)).first() is not None

    def _originated_by(
        self, key: Any, wanted_keys: Sequence[str], conn: Connection | None, *where: Any
    ) -> dict[str, dict[str, Any]]:
        o = t.originated_entries.c
        found: dict[str, dict[str, Any]] = {}
        columns = [o.trace, o.exchange, o.file_id, o.payment_id, o.account, o.amount_cents]
        columns += [o.transaction_code, o.effective_date]
        with self.reading(conn) as c:
            if not wanted_keys or not self.has_originated(c):
                return found  # the hub originated nothing (yet): no need to sort the keys and look
            wanted = sorted(set(wanted_keys))
            # chunks of 2,000 bound values: within SQLite's and PostgreSQL's limits, few round trips
            for start in range(0, len(wanted), 2000):
                query = select(*columns).where(key.in_(wanted[start : start + 2000]), *where)
                for r in c.execute(query).all():
                    found[r._mapping[key.name]] = dict(r._mapping)
        return found

    def odfi_usage(self, conn: Connection, odfi: str, since: datetime, until: datetime) -> tuple[int, int]:
        """An ODFI's last trace sequence used (0 for none; trace numbers never repeat) and how many
        files originated from ``since`` to ``until``, read in the caller's locked transaction."""
        o = t.originated_entries.c
        last = conn.execute(
            select(o.trace).where(o.trace.like(f"{odfi}%")).order_by(o.trace.desc()).limit(1)
        ).scalar()
        files = conn.execute(
            select(func.count(func.distinct(o.file_id))).where(
                o.trace.like(f"{odfi}%"), o.created_at >= since, o.created_at < until
            )
        ).scalar_one()
        return (0 if last is None else int(str(last)[8:])), int(files)
