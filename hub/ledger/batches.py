"""The ledger's record of delivered CIS batches and their idempotency keys.

A batch is one row; its keys and their source lines are one row per transaction type holding them as
a compressed Arrow table (written in one ``INSERT``), and the key store keeps them for checking
(``hub.ledger.keys``). Deliveries of one exchange are serialised by a row lock (``lock_exchange``).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, insert, select, update

from hub.ledger import schema as t
from hub.ledger.keys import PackedEntries, insert_absent
from hub.ledger.waiting import said_if_waiting

if TYPE_CHECKING:
    import polars as pl


@dataclass(frozen=True)
class PackedKeys:
    """One transaction type's delivered keys as stored: a zstd Arrow IPC blob of ``key``, ``line``."""

    count: int
    blob: bytes


def pack_keys(frame: pl.DataFrame) -> PackedKeys:
    """Pack a frame with columns ``key`` and ``line``; safe to run in a worker thread (polars
    releases the GIL), so delivery packs keys while it writes the batch files."""
    buf = io.BytesIO()
    frame.select("key", "line").write_ipc(buf, compression="zstd")
    return PackedKeys(frame.height, buf.getvalue())


def joined_keys(packs: list[PackedKeys]) -> PackedKeys:
    """Keys packed a part at a time (``pack_keys``) as one blob, as if packed at once: polars'
    streaming engine reads the parts' blobs one after another into it."""
    if len(packs) == 1:
        return packs[0]
    import polars as pl

    buf = io.BytesIO()
    pl.concat([pl.scan_ipc(io.BytesIO(p.blob)) for p in packs]).sink_ipc(buf, compression="zstd")
    return PackedKeys(sum(p.count for p in packs), buf.getvalue())


class DeliveredBatches:
    """The batch methods of ``hub.ledger.Ledger`` (which supplies ``tx`` and ``store_keys``)."""

    if TYPE_CHECKING:
        now: Callable[[], datetime]

        def tx(self) -> AbstractContextManager[Connection]: ...

        def store_keys(self, conn: Connection, batch_pk: int, packed: PackedEntries) -> None: ...

    def lock_exchange(self, conn: Connection, exchange: str) -> None:
        """Serialise deliveries of one exchange across processes and nodes (row lock on PostgreSQL;
        SQLite's ``BEGIN IMMEDIATE`` already serialises writers)."""
        lock = t.exchange_locks
        with said_if_waiting(conn, f"the delivery lock of exchange {exchange}"):
            insert_absent(conn, lock, exchange=exchange)
            conn.execute(select(lock.c.exchange).where(lock.c.exchange == exchange).with_for_update())

    def record_batch(
        self,
        conn: Connection,
        *,
        batch_id: str,
        exchange: str,
        file_id: int,
        run_id: int,
        path: str,
        control_sha256: str,
        keys: dict[str, PackedKeys],
        entries: PackedEntries,
    ) -> int:
        """Record a staged batch, its keys and source lines (``pack_keys``) and the key store's
        entries of them (``pack_entries``) inside the caller's locked transaction."""
        stamp = self.now()
        total = sum(packed.count for packed in keys.values())
        result = conn.execute(
            insert(t.batches).values(
                batch_id=batch_id,
                exchange=exchange,
                file_id=file_id,
                run_id=run_id,
                path=path,
                transactions=total,
                control_sha256=control_sha256,
                created_at=stamp,
            )
        )
        pk = result.inserted_primary_key
        assert pk is not None
        for txn_type, packed in keys.items():
            conn.execute(
                insert(t.delivered_transactions).values(
                    batch_pk=pk[0],
                    exchange=exchange,
                    txn_type=txn_type,
                    file_id=file_id,
                    count=packed.count,
                    keys=packed.blob,
                    created_at=stamp,
                )
            )
        self.store_keys(conn, int(pk[0]), entries)
        return int(pk[0])

    def mark_published(self, batch_pk: int) -> None:
        with self.tx() as conn:
            conn.execute(update(t.batches).where(t.batches.c.id == batch_pk).values(published_at=self.now()))

    def unpublished_batches(self, conn: Connection) -> list[dict[str, Any]]:
        rows = conn.execute(select(t.batches).where(t.batches.c.published_at.is_(None))).all()
        return [dict(r._mapping) for r in rows]

    def batches_of(self, file_id: int) -> list[dict[str, Any]]:
        with self.tx() as conn:
            rows = conn.execute(
                select(t.batches).where(t.batches.c.file_id == file_id).order_by(t.batches.c.id)
            ).all()
        return [dict(r._mapping) for r in rows]

    def batches_delivering(self, txn_type: str, since: datetime) -> list[dict[str, Any]]:
        """The published batches holding ``txn_type`` rows delivered at or after ``since``, newest
        first: their id, exchange, source file, control file path, creation time and that type's
        count (the rows themselves are in the batch's CSV, not the ledger)."""
        b, d = t.batches, t.delivered_transactions
        query = (
            select(b.c.batch_id, b.c.exchange, b.c.file_id, b.c.path, b.c.created_at, d.c.count)
            .join(b, b.c.id == d.c.batch_pk)
            .where(d.c.txn_type == txn_type, d.c.created_at >= since, b.c.published_at.is_not(None))
            .order_by(b.c.id.desc())
        )
        with self.tx() as conn:
            return [dict(r._mapping) for r in conn.execute(query).all()]
