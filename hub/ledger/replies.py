"""The ledger's record of replies to partners (``hub.engine.replies``): each recorded inside the
transaction that records the run it answers, marked published once it is in its folder. A reply
recorded but not published is what a crash between the commit and the write left."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, insert, select, update

from hub.ledger import schema as t


class RecordedReplies:
    """The reply methods of ``hub.ledger.Ledger`` (which supplies ``tx`` and ``now``)."""

    if TYPE_CHECKING:
        now: Callable[[], datetime]

        def tx(self) -> AbstractContextManager[Connection]: ...

    def record_reply(
        self,
        conn: Connection,
        *,
        exchange: str,
        file_id: int,
        run_id: int,
        path: str,
        data: bytes,
        counts: dict[str, int],
        partner: str | None = None,
    ) -> int:
        """Record a reply to put at ``path`` inside the caller's transaction."""
        result = conn.execute(
            insert(t.replies).values(
                exchange=exchange,
                file_id=file_id,
                run_id=run_id,
                path=path,
                data=data,
                counts=json.dumps(counts),
                partner=partner,
                created_at=self.now(),
            )
        )
        pk = result.inserted_primary_key
        assert pk is not None
        return int(pk[0])

    def reply_path_taken(self, conn: Connection, path: str) -> bool:
        """Whether a reply was recorded for ``path`` (put there or not yet)."""
        return conn.execute(select(t.replies.c.id).where(t.replies.c.path == path)).first() is not None

    def unpublished_replies(self, file_id: int | None = None) -> list[dict[str, Any]]:
        """Replies recorded but not put in their folder yet (of one file, or all), oldest first."""
        r = t.replies.c
        query = select(t.replies).where(r.published_at.is_(None)).order_by(r.id)
        if file_id is not None:
            query = query.where(r.file_id == file_id)
        with self.tx() as conn:
            rows = conn.execute(query).all()
        return [{**row._mapping, "counts": json.loads(row.counts)} for row in rows]

    def mark_reply_published(self, reply_pk: int) -> None:
        with self.tx() as conn:
            conn.execute(update(t.replies).where(t.replies.c.id == reply_pk).values(published_at=self.now()))
