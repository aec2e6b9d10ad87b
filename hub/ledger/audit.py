"""The operator console's audit trail: each action an operator took on a file (who, when, what,
their comment, the corrected file's name, the outcome), and the "resolved elsewhere" marker a
rejected file keeps. Rows are only ever added, never changed."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, insert, or_, select, update

from hub.kernel.errors import NotFound, UsageError
from hub.ledger import schema as t


class Audit:
    """The audit table of ``hub.ledger.Ledger`` (which supplies ``reading`` and ``now``)."""

    if TYPE_CHECKING:
        reading: Callable[[Connection | None], AbstractContextManager[Connection]]
        now: Callable[[], datetime]

    def add_audit(
        self,
        *,
        user: str,
        action: str,
        file_id: int,
        outcome_state: str,
        comment: str | None = None,
        upload: str | None = None,
        outcome_file_id: int | None = None,
        detail: str | None = None,
        conn: Connection | None = None,
    ) -> int:
        """Record one action; its id."""
        with self.reading(conn) as db:
            done = db.execute(
                insert(t.audit).values(
                    at=self.now(),
                    user=user,
                    action=action,
                    file_id=file_id,
                    comment=comment,
                    upload=upload,
                    outcome_file_id=outcome_file_id,
                    outcome_state=outcome_state,
                    detail=detail,
                )
            )
            key = done.inserted_primary_key
            assert key is not None
            return int(key[0])

    def audit_of(self, file_id: int) -> list[dict[str, Any]]:
        """The actions on the file or that made it (a corrected file), oldest first."""
        a = t.audit.c
        query = select(t.audit).where(or_(a.file_id == file_id, a.outcome_file_id == file_id))
        with self.reading(None) as db:
            rows = [dict(r._mapping) for r in db.execute(query.order_by(a.id))]
        for row in rows:
            if row["at"].tzinfo is None:
                row["at"] = row["at"].replace(tzinfo=UTC)
        return rows

    def resolve_file(self, file_id: int, *, user: str, comment: str) -> int:
        """Mark a rejected file as resolved elsewhere (it stays rejected: nothing was delivered)
        and record it, in one transaction; the audit row's id. A file not rejected, or resolved
        already, is a usage error."""
        f = t.files.c
        at = self.now()
        with self.reading(None) as db:
            row = db.execute(select(f.state, f.resolved_by).where(f.id == file_id)).first()
            if row is None:
                raise NotFound(f"no file {file_id} in the ledger", hint="hub files lists the ledger's files")
            if row.state != "rejected":
                raise UsageError(f"file {file_id} is {row.state}, not rejected: there is nothing to resolve")
            if row.resolved_by is not None:
                raise UsageError(f"file {file_id} was marked resolved already by {row.resolved_by}")
            db.execute(
                update(t.files)
                .where(f.id == file_id)
                .values(resolved_by=user, resolved_at=at, resolution=comment, updated_at=at)
            )
            return self.add_audit(
                user=user,
                action="resolve",
                file_id=file_id,
                outcome_state="resolved",
                comment=comment,
                conn=db,
            )
