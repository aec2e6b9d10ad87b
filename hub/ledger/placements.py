"""The ledger's record of accounts placed with collection agencies.

Written in the same transaction as the placement file that carries them is recorded (the fact
``placements`` of an outbound kind); read by the ``placements`` look-up: an account with an open
placement is never placed again, with the same agency or another, until that placement is closed
(recalled, returned). Beside them, what the agencies remitted on each account (the fact
``collection_payments``), for the ``collection_payments`` look-up: a payment that takes the total
above the placed balance is flagged. No personal data is kept here: accounts, agencies, amounts and
dates only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from hub.ledger import schema as t
from hub.ledger.bulk import insert_rows, select_where_in

if TYPE_CHECKING:
    import polars as pl

COLUMNS = ("account", "agency", "amount_cents", "placed_on")
SHOWN = (*COLUMNS, "status", "closed_on", "closed_reason", "exchange", "file_id")
PAID = ("agency", "account", "gross_cents", "paid_on")
PGP_SUFFIXES = (".pgp", ".gpg", ".asc")


def _utc(value: datetime) -> datetime:
    """SQLite gives back naive times: they were written in UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def plain_name(name: str) -> str:
    """A placement file's name without its OpenPGP suffix, in lower case (how files are matched)."""
    lowered = name.strip().lower()
    for suffix in PGP_SUFFIXES:
        if lowered.endswith(suffix):
            return lowered[: -len(suffix)]
    return lowered


class Placements:
    """The placement methods of ``hub.ledger.Ledger`` (which supplies ``reading`` and ``now``)."""

    if TYPE_CHECKING:
        now: Callable[[], datetime]

        def reading(self, conn: Connection | None) -> AbstractContextManager[Connection]: ...

    def record_placements(self, conn: Connection, *, exchange: str, file_id: int, table: pl.DataFrame) -> int:
        """Record placements sent (idempotency_key and ``COLUMNS``), each open."""
        if table.height == 0:
            return 0
        recorded = self.now()
        columns = [table.get_column(n).to_list() for n in ("idempotency_key", *COLUMNS)]
        rows = ((*values, "open", exchange, file_id, recorded) for values in zip(*columns, strict=True))
        names = ("key", *COLUMNS, "status", "exchange", "file_id", "recorded_at")
        insert_rows(conn, t.placements, names, rows)
        return table.height

    def placements_of(self, accounts: Sequence[str], conn: Connection | None = None) -> list[dict[str, Any]]:
        """Every placement of these accounts, open or closed, oldest first."""
        with self.reading(conn) as db:
            return select_where_in(db, t.placements, ("key", *SHOWN), "account", accounts)

    def close_placements(self, conn: Connection, *, table: pl.DataFrame) -> int:
        """Close the open placements of these (account, agency) rows: ``closed_on``, ``reason``."""
        from sqlalchemy import update

        c = t.placements.c
        closed = 0
        for r in table.select("account", "agency", "closed_on", "reason").iter_rows(named=True):
            done = conn.execute(
                update(t.placements)
                .where(c.account == r["account"], c.agency == r["agency"], c.status == "open")
                .values(status="closed", closed_on=r["closed_on"], closed_reason=r["reason"])
            )
            closed += done.rowcount
        return closed

    def placement_files(self, names: Sequence[str], conn: Connection | None = None) -> list[dict[str, Any]]:
        """The placements sent in the placement files named ``names`` (as the agency names them: an
        OpenPGP suffix ``.pgp``, ``.gpg`` or ``.asc`` ignored on both sides), one row per account:
        placement_file (the name asked for), agency, account, amount_cents, sent_at."""
        from sqlalchemy import or_

        b, p = t.batches.c, t.placements.c
        wanted = {plain_name(n): n for n in names}
        if not wanted:
            return []
        query = (
            select(b.path, b.created_at, p.agency, p.account, p.amount_cents)
            .join(t.placements, (p.file_id == b.file_id) & (p.exchange == b.exchange))
            .where(or_(*[b.path.like(f"%{n}%") for n in wanted]))
            .order_by(p.id)
        )
        with self.reading(conn) as db:
            rows = db.execute(query).all()
        found = []
        for r in rows:
            name = plain_name(r.path.replace("\\", "/").rsplit("/", 1)[-1])
            if name in wanted:
                found.append(
                    {
                        "placement_file": wanted[name],
                        "agency": r.agency,
                        "account": r.account,
                        "amount_cents": r.amount_cents,
                        "sent_at": _utc(r.created_at),
                    }
                )
        return found

    def acknowledged_files(self, agency: str, conn: Connection | None = None) -> set[str]:
        """The placement files (plain names) this agency acknowledged."""
        c = t.placement_acks.c
        with self.reading(conn) as db:
            rows = db.execute(select(c.placement_file).where(c.agency == agency)).all()
        return {plain_name(r.placement_file) for r in rows}

    def acknowledgements_of(self, names: set[str], conn: Connection | None = None) -> list[dict[str, Any]]:
        """The agencies' acknowledgements of these placement files (plain names): the file that
        acknowledged each (``file_id``), the agency, the file acknowledged and when recorded."""
        c = t.placement_acks.c
        query = select(c.placement_file, c.agency, c.file_id, c.recorded_at).order_by(c.recorded_at)
        with self.reading(conn) as db:
            rows = db.execute(query).all()
        seen: dict[tuple[str, int], dict[str, Any]] = {}
        for r in rows:
            name = plain_name(r.placement_file)
            if name in names and (name, r.file_id) not in seen:
                seen[(name, r.file_id)] = {
                    "placement_file": r.placement_file,
                    "agency": r.agency,
                    "file_id": r.file_id,
                    "recorded_at": _utc(r.recorded_at),
                }
        return list(seen.values())

    def sent_placement_files(self, exchange: str, conn: Connection | None = None) -> list[dict[str, Any]]:
        """The placement files an exchange sent: plain name and when."""
        b = t.batches.c
        with self.reading(conn) as db:
            rows = db.execute(select(b.path, b.created_at).where(b.exchange == exchange).order_by(b.id)).all()
        return [
            {"name": plain_name(r.path.replace("\\", "/").rsplit("/", 1)[-1]), "sent_at": _utc(r.created_at)}
            for r in rows
        ]

    def record_placement_acks(
        self, conn: Connection, *, exchange: str, file_id: int, table: pl.DataFrame
    ) -> int:
        """Record acknowledged placement files (idempotency_key, agency, placement_file)."""
        if table.height == 0:
            return 0
        recorded = self.now()
        columns = [table.get_column(n).to_list() for n in ("idempotency_key", "agency", "placement_file")]
        rows = ((*values, exchange, file_id, recorded) for values in zip(*columns, strict=True))
        names = ("key", "agency", "placement_file", "exchange", "file_id", "recorded_at")
        insert_rows(conn, t.placement_acks, names, rows)
        return table.height

    def record_collection_payments(
        self, conn: Connection, *, exchange: str, file_id: int, table: pl.DataFrame
    ) -> int:
        """Record what an agency remitted (idempotency_key and ``PAID``)."""
        if table.height == 0:
            return 0
        recorded = self.now()
        columns = [table.get_column(n).to_list() for n in ("idempotency_key", *PAID)]
        rows = ((*values, exchange, file_id, recorded) for values in zip(*columns, strict=True))
        insert_rows(conn, t.collection_payments, ("key", *PAID, "exchange", "file_id", "recorded_at"), rows)
        return table.height

    def collection_payments_of(
        self, accounts: Sequence[str], conn: Connection | None = None
    ) -> list[dict[str, Any]]:
        """What agencies remitted on these accounts, oldest first."""
        with self.reading(conn) as db:
            return select_where_in(db, t.collection_payments, ("key", *PAID), "account", accounts)
