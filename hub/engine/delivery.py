"""Step 5, deliver (inbound): CIS transactions into a CIS batch, exactly once.

Inside one locked ledger transaction: look the mapped keys up in the exchange's key store (only the
days its keys carry, whatever the history holds; ``hub.ledger.keys``), stage the batch files under
temporary names, record the batch and its keys, and keep the facts of the transactions delivered
now; after the commit, rename the files into place and mark the batch published. A crash before the
commit leaves only temporary files (removed by ``recover``); a crash after it leaves a recorded batch
that ``recover`` publishes. A key the ledger holds is never delivered again. (Outbound files go out
through ``hub.engine.sending``.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from hub.engine import cis_batch
from hub.engine.facts import keep_facts
from hub.engine.taken import Taken
from hub.kernel.errors import AlreadyDelivered
from hub.kernel.rows import LINE
from hub.kernel.transactions import CisTransaction
from hub.ledger import Ledger
from hub.ledger.keys import PackedEntries

if TYPE_CHECKING:
    from sqlalchemy import Connection


@dataclass
class DeliveryResult:
    batch_id: str | None
    delivered: dict[str, int] = field(default_factory=dict)
    already_delivered: int = 0
    control_path: Path | None = None
    suspense: dict[str, Any] | None = None  # the payments delivered to suspense (``suspense_summary``)

    @property
    def total(self) -> int:
        return sum(self.delivered.values())


@dataclass(frozen=True)
class Fresh:
    """What ``not_delivered`` leaves to deliver: each table without its rows delivered before, how
    many those were, and the keys of the rest as the exchange's key store keeps them."""

    tables: dict[str, pl.DataFrame]
    already: int
    store: int
    entries: pl.DataFrame


Tables = dict[str, pl.DataFrame]
# From this many rows a file in one piece is staged while its keys are checked. A smaller one is
# checked first: its check and staging are mostly the interpreter's work and would only take turns
# (1,000 files of 1,400 rows: 2 ms a file slower side by side).
STAGED_WHILE_CHECKED = 50_000


def deliver(
    ledger: Ledger,
    *,
    exchange: str,
    folder: Path,
    file_id: int,
    run_id: int,
    tables: Tables,
    models: dict[str, type[CisTransaction]],
    key_date_at: int | None,
    facts: Tables,
    meta: dict[str, Any],
    stamp: datetime,
    reply: Callable[[Connection, pl.Series], None] | None = None,
) -> DeliveryResult:
    """``deliver_parts`` of a file's tables and facts in one piece."""
    return deliver_parts(
        ledger,
        exchange=exchange,
        folder=folder,
        file_id=file_id,
        run_id=run_id,
        parts=[(tables, facts)],
        models=models,
        key_date_at=key_date_at,
        meta=meta,
        stamp=stamp,
        reply=reply,
    )


def deliver_parts(
    ledger: Ledger,
    *,
    exchange: str,
    folder: Path,
    file_id: int,
    run_id: int,
    parts: Iterable[tuple[Tables, Tables]],
    models: dict[str, type[CisTransaction]],
    key_date_at: int | None,
    meta: dict[str, Any],
    stamp: datetime,
    reply: Callable[[Connection, pl.Series], None] | None = None,
) -> DeliveryResult:
    """Deliver the transactions whose keys the ledger does not hold yet (``key_date_at``: the kind's
    ``ExchangeKind.key_date_at``), one batch for the file, its tables and facts taken a part at a
    time (``parts``; a file run in parts, ``hub.engine.parts``): each part's keys are checked, its
    new rows appended to the staged files and its keys packed before the next part is read, so
    only one part's rows are ever in memory. The facts of the rows delivered now (e.g. deposits for
    reconciliation) are kept in the same transaction as the batch, so they are there exactly when
    the batch is; so is the reply to the partner (``reply``, given the keys delivered now), even
    when nothing is new. A large file in one piece has its rows staged while their keys are
    checked (in the delivery's worker): when some were delivered before, its files are staged
    again without them (a large file sent again costs a second write; every other saves the check's
    time; ``STAGED_WHILE_CHECKED``)."""
    batch_id = f"{exchange}-{stamp:%Y%m%dT%H%M%S}-f{file_id}-r{run_id}"
    writer = cis_batch.BatchWriter(folder, batch_id)
    staged: cis_batch.StagedBatch | None = None
    whole = isinstance(parts, Sequence) and len(parts) == 1 and _rows(parts[0][0]) >= STAGED_WHILE_CHECKED
    try:
        with ledger.tx(durable=True) as conn, ThreadPoolExecutor(max_workers=1) as pool:
            ledger.lock_exchange(conn, exchange)
            taken = Taken(keep_keys=reply is not None)
            duplicate: Future[str | None] | None = None  # started by the last part's check
            packing: Future[PackedEntries] | None = None
            for tables, facts in parts:
                if whole:
                    checking = pool.submit(
                        _check_last, ledger, conn, tables, taken, pool, exchange, key_date_at
                    )
                    writer.append(_with_models(tables, models))  # every row, while their keys are checked
                    fresh, duplicate, packing = checking.result()
                    del checking  # it holds the part's tables too
                    if fresh.already:  # some were delivered before: staged again without them
                        writer.discard()
                        writer = cis_batch.BatchWriter(folder, batch_id)
                        writer.append(_with_models(fresh.tables, models))
                else:
                    fresh = _fresh(ledger, conn, tables, exchange=exchange, key_date_at=key_date_at)
                    taken.add(fresh, pool)  # the keys packed while the rows are written
                    writer.append(_with_models(fresh.tables, models))
                if facts:
                    keys_now = fresh.entries.get_column("key")
                    keep_facts(ledger, conn, facts, delivered=keys_now, exchange=exchange, file_id=file_id)
                del tables, facts, fresh  # before the next part is read
            dup = taken.first_duplicate() if duplicate is None else duplicate.result()
            if dup is not None:
                raise AlreadyDelivered(f"idempotency key {dup!r} occurs twice in one batch")
            if reply is not None:
                reply(conn, taken.keys_now())
            if not taken.count:
                writer.discard()
                return DeliveryResult(None, dict.fromkeys(taken.delivered, 0), taken.already)
            # packed while the files are made durable (a file in one piece: while its rows were written)
            entries = pool.submit(taken.packed_entries) if packing is None else packing
            # the files made durable while the ledger records the batch; before it commits it
            staged = writer.finish_later({**meta, "created_at": stamp.isoformat()})
            batch_pk = ledger.record_batch(
                conn,
                batch_id=batch_id,
                exchange=exchange,
                file_id=file_id,
                run_id=run_id,
                path=str(staged.control_path),
                control_sha256=staged.control_sha256,
                keys=taken.packed_keys(),
                entries=entries.result(),
            )
            writer.durable()
    except BaseException:
        writer.discard()
        raise
    cis_batch.publish(staged)
    ledger.mark_published(batch_pk)
    return DeliveryResult(batch_id, taken.delivered, taken.already, staged.control_path, taken.suspense)


def _check_last(
    ledger: Ledger,
    conn: Connection,
    tables: Tables,
    taken: Taken,
    pool: Executor,
    exchange: str,
    key_date_at: int | None,
) -> tuple[Fresh, Future[str | None], Future[PackedEntries]]:
    """``_fresh`` of a file's last part, taken (``Taken.add``), and what then needs only the keys
    started in the delivery's worker (``pool``, where this runs while the caller writes the part's
    rows): the duplicate check of every new key and their key store entries, packed."""
    fresh = _fresh(ledger, conn, tables, exchange=exchange, key_date_at=key_date_at)
    taken.add(fresh, pool)
    return fresh, pool.submit(taken.first_duplicate), pool.submit(taken.packed_entries)


def _rows(tables: Tables) -> int:
    return sum(frame.height for frame in tables.values())


def _with_models(
    tables: Tables, models: dict[str, type[CisTransaction]]
) -> dict[str, tuple[type[CisTransaction], pl.DataFrame]]:
    """Each table with its type's model, as ``BatchWriter.append`` takes them."""
    return {t: (models[t], f) for t, f in tables.items()}


def not_delivered(
    ledger: Ledger,
    conn: Connection,
    tables: Tables,
    *,
    exchange: str,
    lock: str,
    key_date_at: int | None,
) -> Fresh:
    """Hold ``lock`` for the rest of the caller's transaction (deliveries serialised across
    processes and nodes); then each table without the rows whose ``idempotency_key`` the exchange
    delivered before, and how many those were. A key twice among the rest is refused
    (``AlreadyDelivered``): one of the two would be lost."""
    ledger.lock_exchange(conn, lock)
    fresh = _fresh(ledger, conn, tables, exchange=exchange, key_date_at=key_date_at)
    dup = _first_duplicate(fresh.entries)
    if dup is not None:
        raise AlreadyDelivered(f"idempotency key {dup!r} occurs twice in one batch")
    return fresh


def _fresh(
    ledger: Ledger, conn: Connection, tables: Tables, *, exchange: str, key_date_at: int | None
) -> Fresh:
    """Each table without the rows whose ``idempotency_key`` the exchange delivered before, and
    how many those were (in the caller's transaction, under the exchange's lock)."""
    keys = _keys(tables)
    check = ledger.check_keys(conn, exchange, keys, key_date_at)
    fresh, entries = tables, check.entries
    if check.held.len():
        held = check.held.implode()
        fresh = {name: f.filter(~pl.col("idempotency_key").is_in(held)) for name, f in tables.items()}
        entries = entries.filter(~pl.col("key").is_in(held))
    return Fresh(fresh, keys.len() - entries.height, check.store, entries)


def delivered_before(
    ledger: Ledger, tables: Tables, *, exchange: str, key_date_at: int | None
) -> dict[str, int]:
    """How many rows of each table carry a key the exchange delivered before; nothing recorded."""
    with ledger.tx() as conn:
        held = ledger.check_keys(conn, exchange, _keys(tables), key_date_at).held.implode()
    return {name: int(f.get_column("idempotency_key").is_in(held).sum()) for name, f in tables.items()}


def key_lines(frame: pl.DataFrame) -> pl.DataFrame:
    """The keys and source lines of delivered rows, as the ledger keeps them (``pack_keys``); the
    columns taken as they are (a ``select`` runs a query: 70 ms on a million mapped rows)."""
    return pl.DataFrame(
        [frame.get_column("idempotency_key").alias("key"), frame.get_column(LINE).alias("line")]
    )


def _keys(tables: dict[str, pl.DataFrame]) -> pl.Series:
    """Every table's ``idempotency_key``, one after another."""
    columns = [f.get_column("idempotency_key") for f in tables.values()]
    return pl.concat(columns) if columns else pl.Series("idempotency_key", [], pl.String)


def _first_duplicate(entries: pl.DataFrame) -> str | None:
    """A key that occurs twice among ``entries`` (``hub.ledger.keys.key_entries``), or None.
    Distinct hashes prove there is none cheaply; only when two collide are the keys compared."""
    if entries.get_column("hash").n_unique() == entries.height:
        return None
    keys = entries.get_column("key")
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
