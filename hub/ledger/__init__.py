"""The ledger: the hub's memory of files, runs, rejections and delivered transactions.

SQLAlchemy 2 Core over SQLite by default or any SQLAlchemy URL; the schema is brought to the
current migration on open. SQLAlchemy errors are translated into ``LedgerError``/``LedgerBusy``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from hub.kernel.errors import LedgerBusy, LedgerError
from hub.ledger import schema as t
from hub.ledger.audit import Audit
from hub.ledger.batches import DeliveredBatches
from hub.ledger.batches import PackedKeys as PackedKeys
from hub.ledger.batches import joined_keys as joined_keys
from hub.ledger.batches import pack_keys as pack_keys
from hub.ledger.browse import Browse
from hub.ledger.browse import FileFilter as FileFilter
from hub.ledger.claims import Claims
from hub.ledger.consumption import ConsumptionHistories
from hub.ledger.deposits import Deposits
from hub.ledger.keys import KeyStore
from hub.ledger.keys import pack_entries as pack_entries
from hub.ledger.originated import OriginatedEntries
from hub.ledger.payments_lookup import PaymentsLookup
from hub.ledger.pending import PendingFiles
from hub.ledger.placements import Placements
from hub.ledger.pledge_payments import PledgePayments
from hub.ledger.pledges import Pledges
from hub.ledger.records import FILE_STATES as FILE_STATES
from hub.ledger.records import PROBLEM_COLUMNS as PROBLEM_COLUMNS
from hub.ledger.records import FileRecord as FileRecord
from hub.ledger.records import FileRecords
from hub.ledger.reference import ReferenceData
from hub.ledger.replies import RecordedReplies
from hub.ledger.users import UserRecord as UserRecord
from hub.ledger.users import Users
from hub.ledger.volumes import FileVolumes
from hub.ledger.waiting import application_name, begin_immediate
from hub.ledger.wal import Checkpointer, set_durable, tune
from hub.ledger.winter_averages import WinterAverages

WAIT_SECONDS = 60  # how long a transaction waits for SQLite's write lock, by default


def utc_now() -> datetime:
    """The clock the ledger stamps rows with unless the engine hands it its own."""
    return datetime.now(UTC)


class Ledger(
    FileRecords,
    DeliveredBatches,
    FileVolumes,
    KeyStore,
    OriginatedEntries,
    ReferenceData,
    Deposits,
    PaymentsLookup,
    Claims,
    ConsumptionHistories,
    WinterAverages,
    PendingFiles,
    RecordedReplies,
    Pledges,
    Placements,
    PledgePayments,
    Users,
    Browse,
    Audit,
):
    """One open ledger database. Use ``Ledger.open(url)``; close with ``close()``."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.engine = engine
        self.now = clock  # every time the ledger records
        database = engine.url.database
        sqlite_file = engine.dialect.name == "sqlite" and database not in (None, "", ":memory:")
        self._wal = Checkpointer(str(database)) if sqlite_file else None

    @classmethod
    def open(
        cls, url: str, *, clock: Callable[[], datetime] = utc_now, wait_seconds: float = WAIT_SECONDS
    ) -> Ledger:
        """Open the ledger at ``url``; a transaction waits at most ``wait_seconds`` for SQLite's
        write lock (``hub.ledger.waiting``)."""
        try:
            if url.startswith("sqlite:///"):
                Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, connect_args=_connect_args(url, wait_seconds))
            if engine.dialect.name == "sqlite":
                _sqlite_tuning(engine, wait_seconds)
            ledger = cls(engine, clock=clock)
            ledger.migrate()
        except SQLAlchemyError as exc:
            raise _translate(exc) from None
        return ledger

    def close(self) -> None:
        if self._wal is not None:
            self._wal.close()
        self.engine.dispose()

    def migrate(self) -> None:
        """Bring the schema to the current migration: nothing to do at head; an empty database is
        created at head and stamped (alembic's documented create-then-stamp, without loading it);
        anything older is upgraded by the Alembic migrations; a ledger a newer hub wrote is refused."""
        with self.engine.connect() as conn:
            revision = _current_revision(conn)
            if revision == t.HEAD_REVISION:
                return
            empty = revision is None and not inspect(conn).get_table_names()
        if empty:
            with self.engine.begin() as conn:
                _serialise_schema_changes(conn)
                if not inspect(conn).get_table_names():
                    t.metadata.create_all(conn)
                    conn.execute(t.alembic_version.insert().values(version_num=t.HEAD_REVISION))
                    return
        from alembic import command
        from alembic.config import Config
        from alembic.script import ScriptDirectory

        cfg = Config()
        cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
        known = {script.revision for script in ScriptDirectory.from_config(cfg).walk_revisions()}
        if revision is not None and revision not in known:
            raise LedgerError(
                f"the ledger is at revision {revision}, newer than this hub knows (its newest is"
                f" {t.HEAD_REVISION})",
                hint="a newer hub wrote this ledger: run that version of the hub or a later one",
            )
        with self.engine.begin() as conn:
            _serialise_schema_changes(conn)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    @contextmanager
    def tx(self, *, durable: bool = False) -> Iterator[Connection]:
        """A write transaction (``BEGIN IMMEDIATE`` on SQLite, so writers queue instead of failing).
        ``durable``: its commit survives a crash of the machine, not only of the process
        (``hub.ledger.wal``); for a transaction whose loss would repeat an effect outside the ledger."""
        try:
            if durable and self._wal is not None:
                with self._durable() as conn:
                    yield conn
            else:
                with self.engine.begin() as conn:
                    yield conn
        except SQLAlchemyError as exc:
            raise _translate(exc) from None
        if self._wal is not None:
            self._wal.after_commit()

    @contextmanager
    def _durable(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            assert raw is not None  # a pooled connection, open
            set_durable(raw, True)
            try:
                with conn.begin():
                    yield conn
            finally:
                set_durable(raw, False)

    @contextmanager
    def reading(self, conn: Connection | None) -> Iterator[Connection]:
        """``conn`` when the caller holds a transaction (its reads see what it wrote), else a
        transaction of its own."""
        if conn is not None:
            yield conn
            return
        with self.tx() as own:
            yield own


SCHEMA_LOCK = 0x6875620  # PostgreSQL advisory lock key: one process at a time creates or migrates


def _serialise_schema_changes(conn: Connection) -> None:
    """Make hub processes that open a new PostgreSQL ledger together create it one after another
    (the second then finds it made), instead of both creating the same tables (held to the end of
    the transaction; SQLite's ``BEGIN IMMEDIATE`` already serialises them)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({SCHEMA_LOCK})")


def _current_revision(conn: Connection) -> str | None:
    try:
        return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    except SQLAlchemyError:
        conn.rollback()
        return None


def _connect_args(url: str, wait_seconds: float) -> dict[str, Any]:
    if url.startswith("sqlite"):
        return {"timeout": wait_seconds, "isolation_level": None}
    if url.startswith("postgresql"):
        return {"application_name": application_name()}
    return {}


def _sqlite_tuning(engine: Engine, wait_seconds: float) -> None:
    database = engine.url.database

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={int(wait_seconds * 1000)}")
        _wal(cur)
        tune(cur)
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        begin_immediate(conn.connection.dbapi_connection, database, wait_seconds)


def _wal(cur: Any) -> None:
    """Put the database in WAL mode. Two processes opening a new ledger at once both switch it, and
    SQLite refuses the switch that meets the other's lock at once ("database is locked", without
    waiting the busy timeout); once the other has switched it the pragma is a no-op: try again."""
    import sqlite3
    import time

    for attempt in range(100):
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == 99:
                raise
            time.sleep(0.05)


def _translate(exc: SQLAlchemyError) -> LedgerError:
    orig = getattr(exc, "orig", None)
    text = str(orig) if orig is not None else str(exc)
    if isinstance(exc, OperationalError) and "locked" in text:
        return LedgerBusy(f"ledger is busy: {text}")
    return LedgerError(f"ledger error: {text}")
