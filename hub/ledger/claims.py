"""Claims: a piece of work (a source's item, a landed content) is taken by exactly one hub process.

A claim is a row keyed by what it claims, naming its holder and a lease. A holder that dies loses
the claim when its lease runs out, or at once when it ran on this host and its process is gone; the
next process then takes the work over. Taking a claim is one short transaction: on PostgreSQL the
row is read ``FOR UPDATE SKIP LOCKED`` (two nodes never wait on each other for it), on SQLite the
write lock serialises it. A finished claim stays, so the same item is never taken again.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Connection, delete, insert, select, update

from hub.ledger import schema as t


def holder_id(run: str) -> str:
    """This process's name as a claim holder: host, pid and a word of its own."""
    return f"{socket.gethostname()}:{os.getpid()}:{run}"


def _gone(holder: str) -> bool:
    """Whether a holder ran on this host and its process is no longer there."""
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class Claims:
    """The claim methods of ``hub.ledger.Ledger`` (which supplies ``tx`` and the clock)."""

    if TYPE_CHECKING:
        now: Callable[[], datetime]

        def tx(self) -> AbstractContextManager[Connection]: ...

    def claim(self, key: str, holder: str, lease: timedelta) -> bool:
        """Take the work ``key`` for ``holder`` until ``now + lease``: True when it is free, already
        this holder's, or its holder's lease ran out (or its process died on this host); False when
        another live holder has it or it is finished."""
        c = t.claims.c
        now = self.now()
        held = {"holder": holder, "claimed_at": now, "lease_until": now + lease}
        with self.tx() as conn:
            if conn.dialect.name == "postgresql":
                from sqlalchemy.dialects.postgresql import insert as pg_insert

                conn.execute(pg_insert(t.claims).values(key=key, **held).on_conflict_do_nothing())
            elif conn.execute(select(c.key).where(c.key == key)).first() is None:
                conn.execute(insert(t.claims).values(key=key, **held))
                return True
            row = conn.execute(
                select(c.holder, c.lease_until, c.done_at)
                .where(c.key == key)
                .with_for_update(skip_locked=True)
            ).first()
            if row is None or row.done_at is not None:
                return False  # another node is deciding about it this instant, or it is finished
            mine = row.holder == holder
            lapsed = _aware(row.lease_until) <= now or _gone(row.holder)
            if not (mine or lapsed):
                return False
            conn.execute(update(t.claims).where(c.key == key).values(**held))
            return True

    def renew_claims(self, keys: list[str], holder: str, lease: timedelta) -> None:
        """Extend this holder's unfinished claims (work still in hand)."""
        if not keys:
            return
        c = t.claims.c
        with self.tx() as conn:
            conn.execute(
                update(t.claims)
                .where(c.key.in_(keys), c.holder == holder, c.done_at.is_(None))
                .values(lease_until=self.now() + lease)
            )

    def finish_claim(self, key: str, holder: str) -> None:
        """The work is done: the claim stays, finished, so it is never taken again."""
        c = t.claims.c
        with self.tx() as conn:
            conn.execute(update(t.claims).where(c.key == key, c.holder == holder).values(done_at=self.now()))

    def release_claim(self, key: str, holder: str) -> None:
        """Give unfinished work back at once (it failed and may be tried again by anyone)."""
        c = t.claims.c
        with self.tx() as conn:
            conn.execute(delete(t.claims).where(c.key == key, c.holder == holder, c.done_at.is_(None)))


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
