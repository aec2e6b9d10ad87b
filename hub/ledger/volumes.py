"""The ledger's file volumes: files, rows delivered and rows rejected per exchange and time bucket,
aggregated in SQL (one grouped query over the files landed since a moment; the caller folds the
buckets into the days of its time zone)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Integer, cast, func, select

from hub.ledger import schema as t

BUCKET_SECONDS = 900  # a quarter hour: every time zone's midnight falls on a bucket's edge


def _epoch(conn: Connection, column: Any) -> Any:
    """Seconds since 1970 (UTC) of a timestamp column, in the connection's SQL dialect."""
    if conn.dialect.name == "postgresql":
        return cast(func.extract("epoch", column), Integer)
    return cast(func.strftime("%s", column), Integer)  # SQLite keeps UTC text


class FileVolumes:
    """The volume method of ``hub.ledger.Ledger`` (which supplies ``tx``)."""

    if TYPE_CHECKING:

        def tx(self) -> AbstractContextManager[Connection]: ...

        now: Callable[[], datetime]

    def volumes_since(self, since: datetime) -> list[tuple[str, datetime, int, int, int]]:
        """``(exchange, bucket start (UTC), files, rows delivered, rows rejected)`` for each
        quarter hour with files landed at or after ``since``."""
        f = t.files.c
        with self.tx() as conn:
            bucket = _epoch(conn, f.landed_at) // BUCKET_SECONDS  # integer division: floor
            query = (
                select(
                    f.exchange,
                    bucket.label("bucket"),
                    func.count(),
                    func.coalesce(func.sum(f.delivered), 0),
                    func.coalesce(func.sum(f.rejected), 0),
                )
                .where(f.landed_at >= since)
                .group_by(f.exchange, "bucket")
            )
            rows = conn.execute(query).all()
        return [
            (str(ex), datetime.fromtimestamp(int(b) * BUCKET_SECONDS, UTC), int(n), int(d), int(r))
            for ex, b, n, d, r in rows
        ]
