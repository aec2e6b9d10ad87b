"""Step 5, deliver (inbound): CIS transactions into a CIS batch, exactly once.

Inside one locked ledger transaction: anti-join the mapped keys against every key the exchange has
delivered, stage the batch files under temporary names, record the batch and its keys, and keep the
facts of the transactions delivered now; after the commit, rename the files into place and mark the
batch published. A crash before the commit leaves only temporary files (removed by ``recover``); a
crash after it leaves a recorded batch that ``recover`` publishes. A key the ledger holds is never
delivered again. (Outbound files go out through ``hub.engine.sending``.)
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from hub.engine import cis_batch
from hub.engine.facts import keep_facts
from hub.kernel.errors import AlreadyDelivered
from hub.kernel.rows import LINE
from hub.kernel.transactions import CisTransaction
from hub.ledger import Ledger, pack_keys

if TYPE_CHECKING:
    from sqlalchemy import Connection


@dataclass
class DeliveryResult:
    batch_id: str | None
    delivered: dict[str, int] = field(default_factory=dict)
    already_delivered: int = 0
    control_path: Path | None = None

    @property
    def total(self) -> int:
        return sum(self.delivered.values())


def deliver(
    ledger: Ledger,
    *,
    exchange: str,
    folder: Path,
    file_id: int,
    run_id: int,
    tables: dict[str, pl.DataFrame],
    models: dict[str, type[CisTransaction]],
    facts: dict[str, pl.DataFrame],
    meta: dict[str, Any],
    stamp: datetime,
) -> DeliveryResult:
    """Deliver the transactions whose keys the ledger does not hold yet. The facts of the rows
    delivered now (e.g. deposits for reconciliation) are kept in the same transaction as the batch,
    so they are there exactly when the batch is."""
    batch_id = f"{exchange}-{stamp:%Y%m%dT%H%M%S}-f{file_id}-r{run_id}"
    staged: cis_batch.StagedBatch | None = None
    try:
        with ledger.tx() as conn:
            fresh, already = not_delivered(ledger, conn, tables, exchange=exchange, lock=exchange)
            if not any(f.height for f in fresh.values()):
                return DeliveryResult(None, {t: 0 for t in tables}, already)
            with ThreadPoolExecutor(max_workers=1) as pool:
                packing = {t: pool.submit(pack_keys, key_lines(f)) for t, f in fresh.items() if f.height}
                body = {t: (models[t], f) for t, f in fresh.items()}
                staged = cis_batch.stage(folder, batch_id, body, {**meta, "created_at": stamp.isoformat()})
                keys = {t: job.result() for t, job in packing.items()}
            batch_pk = ledger.record_batch(
                conn,
                batch_id=batch_id,
                exchange=exchange,
                file_id=file_id,
                run_id=run_id,
                path=str(staged.control_path),
                control_sha256=staged.control_sha256,
                keys=keys,
            )
            if facts:
                delivered = pl.concat([f.get_column("idempotency_key") for f in fresh.values()])
                keep_facts(ledger, conn, facts, delivered=delivered, exchange=exchange, file_id=file_id)
    except BaseException:
        if staged is not None:
            cis_batch.discard(staged.moves)
        raise
    cis_batch.publish(staged)
    ledger.mark_published(batch_pk)
    return DeliveryResult(batch_id, {t: f.height for t, f in fresh.items()}, already, staged.control_path)


def not_delivered(
    ledger: Ledger, conn: Connection, tables: dict[str, pl.DataFrame], *, exchange: str, lock: str
) -> tuple[dict[str, pl.DataFrame], int]:
    """Hold ``lock`` for the rest of the caller's transaction (deliveries serialised across
    processes and nodes); then each table without the rows whose ``idempotency_key`` the exchange
    delivered before, and how many those were. A key twice among the rest is refused
    (``AlreadyDelivered``): one of the two would be lost."""
    ledger.lock_exchange(conn, lock)
    held = ledger.delivered_keys(conn, exchange).select(pl.col("key").alias("idempotency_key"))
    fresh: dict[str, pl.DataFrame] = {}
    already = 0
    for name, frame in tables.items():
        new = frame.join(held, on="idempotency_key", how="anti") if held.height else frame
        already += frame.height - new.height
        fresh[name] = new
    dup = _first_duplicate([f.get_column("idempotency_key") for f in fresh.values()])
    if dup is not None:
        raise AlreadyDelivered(f"idempotency key {dup!r} occurs twice in one batch")
    return fresh, already


def key_lines(frame: pl.DataFrame) -> pl.DataFrame:
    """The keys and source lines of delivered rows, as the ledger keeps them (``pack_keys``)."""
    return frame.select(pl.col("idempotency_key").alias("key"), pl.col(LINE).alias("line"))


def _first_duplicate(columns: list[pl.Series]) -> str | None:
    """A key that occurs twice across ``columns``, or None. Distinct 64-bit hashes prove there is
    none cheaply; only when two hashes collide are the strings themselves compared."""
    hashes = pl.concat([c.hash() for c in columns])
    if hashes.n_unique() == hashes.len():
        return None
    keys = pl.concat(columns)
    repeated = keys.filter(keys.is_duplicated())
    return None if repeated.is_empty() else str(repeated[0])


def recover(ledger: Ledger, exchanges: dict[str, Path]) -> list[str]:
    """Finish what a crash interrupted: publish recorded batches, remove staging files of batches
    that were never recorded. ``exchanges``: each inbound exchange's CIS folder. Their delivery locks
    are held meanwhile (another process's delivery stages its files under the lock, until it
    commits: its files are never taken for a crash's). Returns the ids of the batches published."""
    folders = sorted(set(exchanges.values()))
    with ledger.tx() as conn:
        for name in sorted(exchanges):
            ledger.lock_exchange(conn, name)
        pending = ledger.unpublished_batches(conn)
        recorded = {b["batch_id"] for b in pending}
        for folder in folders:
            if folder.is_dir():
                for temp in folder.glob(".*.tmp"):
                    if temp.name[1:].split(".")[0] not in recorded:
                        temp.unlink(missing_ok=True)
    published = []
    for batch in pending:
        folder = Path(batch["path"]).parent
        if folder not in folders:
            continue  # an outbound file: sent again when its extract runs again (hub.engine.sending)
        cis_batch.publish(cis_batch.restage(folder, batch["batch_id"], batch["control_sha256"]))
        ledger.mark_published(batch["id"])
        published.append(batch["batch_id"])
    return published
