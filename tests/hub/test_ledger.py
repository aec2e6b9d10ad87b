"""The ledger schema: Alembic migrations and the table declarations agree, on every backend."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from conftest import new_postgres_database
from sqlalchemy import Engine, create_engine, inspect, select, text

from hub.ledger import Ledger
from hub.ledger import schema as t
from hub.ledger.schema import HEAD_REVISION, metadata
from mappings.ach_debits import AchDebitsMapping

MIGRATIONS = Path(__file__).parents[2] / "hub" / "ledger" / "migrations"


def upgrade(engine: Engine, revision: str) -> None:
    """Bring the database to ``revision`` through the Alembic migrations."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def test_migrations_build_exactly_the_declared_schema(ledger_url: str) -> None:
    engine = create_engine(ledger_url)
    upgrade(engine, "head")
    with engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn,
            opts={
                "include_name": lambda name, kind, parent: not (kind == "table" and name == "alembic_version")
            },
        )
        diff = compare_metadata(ctx, metadata)
    assert diff == [], diff
    engine.dispose()
    Ledger.open(ledger_url).close()  # a migrated database at head opens without change


def test_a_database_created_at_head_is_stamped_with_the_last_migration() -> None:
    """A new ledger is made from the declared schema and stamped HEAD_REVISION: were that not the
    last migration, the next upgrade (or a second node opening the new ledger) would run a
    migration the schema already holds ("column already exists")."""
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(cfg).get_current_head() == HEAD_REVISION


def test_an_empty_database_is_created_at_head(ledger_url: str) -> None:
    ledger = Ledger.open(ledger_url)
    with ledger.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == HEAD_REVISION
        assert {"files", "runs", "rejections", "batches", "delivered_transactions"} <= set(
            inspect(conn).get_table_names()
        )
    ledger.close()


def test_debits_originated_before_outbound_batches_never_go_out_again(tmp_path: Path) -> None:
    """Revision 0005: a ledger that originated debits before outbound files became batches gets
    their keys and batches, so the engine leaves those payments out, and a push that had not
    finished is still finished from the kept copy."""
    import hashlib
    from datetime import UTC, date, datetime

    url = f"sqlite:///{tmp_path / 'hub.db'}"
    engine = create_engine(url)
    upgrade(engine, "0004")
    landed = tmp_path / "var" / "landed"
    kept = tmp_path / "var" / "outbound" / "ach-debits" / "f2" / "ach-debits-20261201-B-f2.ach"
    kept.parent.mkdir(parents=True)
    kept.write_bytes(b"the file that was never pushed")
    now = datetime(2026, 12, 1, tzinfo=UTC)
    counts = {"files": 1, "rows": 3, "delivered": 3, "rejected": 0, "duplicates": 0}
    with engine.begin() as conn:  # what the hub recorded before revision 0005 (same tables)
        conn.execute(
            t.runs.insert().values(
                id=7, exchange="ach-debits", trigger="manual", started_at=now, status="ok", **counts
            )
        )
        for file_id, state in ((1, "delivered"), (2, "mapped")):
            sha = str(file_id) * 64
            conn.execute(
                t.files.insert().values(
                    id=file_id, exchange="ach-debits", name="x.csv", sha256=sha, size=1, source="s",
                    state=state, landed_path=str(landed / sha), delivered=0, rejected=0,
                    already_delivered=0, last_run_id=7, landed_at=now, updated_at=now,
                )
            )  # fmt: skip
        for n, file_id in ((1, 1), (2, 1), (3, 2)):
            conn.execute(
                t.originated_entries.insert().values(
                    exchange="ach-debits", file_id=file_id, trace=f"0910000100000{n:02d}",
                    payment_id=f"P-{n}", account="A", amount_cents=100, transaction_code=27,
                    effective_date=date(2026, 12, 2), created_at=now,
                )
            )  # fmt: skip
    engine.dispose()

    ledger = Ledger.open(url)  # upgrades to head
    try:
        asked = pl.Series(["D|P-1", "D|P-2", "D|P-3", "D|P-4"])
        with ledger.tx() as conn:
            held = ledger.check_keys(conn, "ach-debits", asked, AchDebitsMapping.key_date_at).held
        assert sorted(held.to_list()) == ["D|P-1", "D|P-2", "D|P-3"]
        [sent] = ledger.batches_of(1)
        assert sent["published_at"] is not None and sent["transactions"] == 2
        [unsent] = ledger.batches_of(2)
        assert unsent["published_at"] is None and unsent["path"] == str(kept)
        assert unsent["control_sha256"] == hashlib.sha256(kept.read_bytes()).hexdigest()
    finally:
        ledger.close()


def test_keys_delivered_before_the_key_store_are_still_refused(tmp_path: Path, ledger_url: str) -> None:
    """Revision 0006: the batches' key blobs stay; the first check of an exchange after the upgrade
    indexes them under its kind's dates, so every key delivered before is refused, and the batches
    keep their counts."""
    from datetime import UTC, datetime

    from hub.ledger import pack_keys
    from mappings.meter_reads import MeterReadsMapping

    engine = create_engine(ledger_url)
    upgrade(engine, "0005")
    now = datetime(2026, 12, 1, tzinfo=UTC)
    delivered = {
        1: [f"M{n}|1|2026-11-{day:02d}T08:00:00Z" for day in (20, 21) for n in range(3)],
        2: ["M9|1|2025-01-05T08:00:00Z", "M9|1|2025-01-06T08:00:00Z"],
    }
    counts = {"files": 1, "rows": 0, "delivered": 0, "rejected": 0, "duplicates": 0}
    with engine.begin() as conn:  # what the hub recorded before revision 0006 (same tables)
        conn.execute(
            t.runs.insert().values(
                id=1, exchange="meter-reads", trigger="cycle", started_at=now, status="ok", **counts
            )
        )
        for file_id, keys in delivered.items():
            conn.execute(
                t.files.insert().values(
                    id=file_id, exchange="meter-reads", name=f"{file_id}.csv", sha256=str(file_id) * 64,
                    size=1, source="s", state="delivered", landed_path="/l", delivered=len(keys),
                    rejected=0, already_delivered=0, last_run_id=1, landed_at=now, updated_at=now,
                )
            )  # fmt: skip
            conn.execute(
                t.batches.insert().values(
                    id=file_id, batch_id=f"b{file_id}", exchange="meter-reads", file_id=file_id, run_id=1,
                    path="/cis", transactions=len(keys), control_sha256="0" * 64, created_at=now,
                    published_at=now,
                )
            )  # fmt: skip
            packed = pack_keys(pl.DataFrame({"key": keys, "line": list(range(2, len(keys) + 2))}))
            conn.execute(
                t.delivered_transactions.insert().values(
                    batch_pk=file_id, exchange="meter-reads", txn_type="MeterRead", file_id=file_id,
                    count=packed.count, keys=packed.blob, created_at=now,
                )
            )  # fmt: skip
    engine.dispose()

    ledger = Ledger.open(ledger_url)  # upgrades to head
    try:
        asked = pl.Series([*delivered[1], *delivered[2], "M9|1|2025-01-07T08:00:00Z"])
        with ledger.tx() as conn:
            held = ledger.check_keys(conn, "meter-reads", asked, MeterReadsMapping.key_date_at).held
            stores = conn.execute(select(t.key_stores.c.parts)).scalars().all()
        assert sorted(held.to_list()) == sorted(delivered[1] + delivered[2])
        assert stores == ["date at -20"]
        assert [b["transactions"] for b in ledger.batches_of(1) + ledger.batches_of(2)] == [6, 2]
    finally:
        ledger.close()


def test_processes_opening_a_new_postgresql_ledger_together_create_it_one_after_another(
    postgres_server: str,
) -> None:
    """Two nodes starting on an empty ledger once both created the tables and one failed: whoever
    creates or migrates the schema holds the ledger's schema lock, so the other waits, then finds it."""
    import threading

    import psycopg

    from hub.ledger import SCHEMA_LOCK

    url = new_postgres_database(postgres_server)
    opened: list[Ledger] = []
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as holder:
        holder.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))  # as another node creating it
        opener = threading.Thread(target=lambda: opened.append(Ledger.open(url)))
        opener.start()
        opener.join(timeout=3)
        assert opener.is_alive() and not opened, "the ledger was created while another process held the lock"
        holder.rollback()  # the other node is done
        opener.join(timeout=60)
    assert len(opened) == 1
    try:
        assert opened[0].files() == []  # created once, usable
    finally:
        opened[0].close()


def test_a_new_ledger_opened_while_another_process_holds_its_file_waits_for_it(tmp_path: Path) -> None:
    """Two hub processes opening a new ledger at once: SQLite refuses a switch to WAL that meets the
    other's lock without waiting; the ledger tries again until the other is done, never 'locked'."""
    import sqlite3
    import threading
    import time

    path = tmp_path / "hub.db"
    other = sqlite3.connect(path, timeout=5, isolation_level=None, check_same_thread=False)
    other.execute("CREATE TABLE scratch (x INTEGER)")
    other.execute("BEGIN IMMEDIATE")  # still in rollback-journal mode, holding its write lock
    other.execute("INSERT INTO scratch VALUES (1)")
    threading.Timer(0.5, lambda: other.execute("COMMIT")).start()
    started = time.monotonic()
    ledger = Ledger.open(f"sqlite:///{path}")
    try:
        assert time.monotonic() - started >= 0.4  # it waited for the other's commit
        with sqlite3.connect(path) as check:
            assert check.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        ledger.close()
        other.close()
