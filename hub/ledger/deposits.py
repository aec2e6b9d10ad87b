"""The ledger's record of deposits, for reconciliation: what the lockbox files say was deposited
(``side='lockbox'``, from the payments delivered) and what the bank reports it credited
(``side='bank'``, from BAI2 lockbox deposit credits), per deposit date and lockbox.

Rows are written in the same transaction as the delivery they come from, and each carries a key
unique per side, so a resent file never counts twice."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from hub.ledger import schema as t


class Deposits:
    """The deposit methods of ``hub.ledger.Ledger`` (which supplies ``tx``)."""

    if TYPE_CHECKING:
        now: Callable[[], datetime]

        def tx(self) -> AbstractContextManager[Connection]: ...

    def record_deposits(
        self, conn: Connection, *, exchange: str, file_id: int, rows: Sequence[dict[str, Any]]
    ) -> int:
        """Record deposit rows: ``side`` (lockbox|bank), ``key`` (unique per side: e.g. the lockbox
        item's idempotency key, or the bank reference of the credit), ``deposit_date``, ``lockbox``,
        ``amount_cents``, ``items``, optional ``reference``. The lockbox number is compared
        without leading zeros and shown as the file wrote it. A key recorded before is skipped.
        Returns how many rows were new."""
        if not rows:
            return 0
        d = t.deposits.c
        new = 0
        recorded = self.now()
        sides = {r["side"] for r in rows}
        for side in sides:
            mine = [r for r in rows if r["side"] == side]
            held: set[str] = set()
            keys = [str(r["key"]) for r in mine]
            for start in range(0, len(keys), 2000):
                held |= set(
                    conn.execute(
                        select(d.key).where(d.side == side, d.key.in_(keys[start : start + 2000]))
                    ).scalars()
                )
            fresh = [r for r in mine if str(r["key"]) not in held]
            if fresh:
                conn.execute(
                    t.deposits.insert(),
                    [
                        {
                            "side": side,
                            "key": str(r["key"]),
                            "exchange": exchange,
                            "file_id": file_id,
                            "deposit_date": r["deposit_date"],
                            "lockbox": lockbox_number(r["lockbox"]),
                            "lockbox_shown": str(r["lockbox"]).strip()[:32],
                            "amount_cents": int(r["amount_cents"]),
                            "items": int(r.get("items", 1)),
                            "reference": r.get("reference"),
                            "recorded_at": recorded,
                        }
                        for r in fresh
                    ],
                )
            new += len(fresh)
        return new

    def deposits_on(self, day: date) -> list[dict[str, Any]]:
        """Every deposit row of a deposit date, both sides."""
        d = t.deposits.c
        with self.tx() as conn:
            rows = conn.execute(
                select(t.deposits).where(d.deposit_date == day).order_by(d.lockbox, d.side, d.id)
            ).all()
        return [dict(r._mapping) for r in rows]

    def deposit_dates(self, since: date | None = None) -> list[date]:
        """The deposit dates the ledger holds deposits for (newest first)."""
        d = t.deposits.c
        query = select(d.deposit_date).distinct().order_by(d.deposit_date.desc())
        if since is not None:
            query = query.where(d.deposit_date >= since)
        with self.tx() as conn:
            return list(conn.execute(query).scalars())


def lockbox_number(value: object) -> str:
    """A lockbox number as the ledger keeps it: without leading zeros, so a lockbox file's
    ``0022222`` and a BAI2 report's ``22222`` are the same lockbox."""
    return str(value).strip().lstrip("0") or "0"
