"""Files whose last run held rows back until something else arrives (a ``pending-history``
warning: an adjustment waiting for its consumption history), for the engine to run them again."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from sqlalchemy import Connection, select

from hub.ledger import schema as t


class PendingFiles:
    """The pending-file query of ``hub.ledger.Ledger`` (which supplies ``reading``)."""

    if TYPE_CHECKING:
        reading: Callable[[Connection | None], AbstractContextManager[Connection]]

    def files_holding(self, exchange: str, rules: Sequence[str]) -> list[int]:
        """The exchange's delivered files whose last run reported a problem of one of ``rules``,
        oldest first."""
        f, r = t.files.c, t.rejections.c
        query = (
            select(f.id)
            .join(t.rejections, (r.file_id == f.id) & (r.run_id == f.last_run_id))
            .where(f.exchange == exchange, f.state == "delivered", r.rule.in_(list(rules)))
            .distinct()
            .order_by(f.id)
        )
        with self.reading(None) as db:
            return [int(row.id) for row in db.execute(query)]
