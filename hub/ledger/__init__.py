"""The ledger: the hub's memory of files, runs, rejections and delivered transactions.

SQLAlchemy 2 Core over SQLite by default or any SQLAlchemy URL; the schema is brought to the
current migration on open. SQLAlchemy errors are translated into ``LedgerError``/``LedgerBusy``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import attrgetter
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, func, insert, inspect, select, update
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from hub.kernel.errors import LedgerBusy, LedgerError, NotFound
from hub.kernel.problems import Problem
from hub.ledger import schema as t
from hub.ledger.audit import Audit
from hub.ledger.batches import DeliveredBatches
from hub.ledger.batches import PackedKeys as PackedKeys
from hub.ledger.batches import joined_keys as joined_keys
from hub.ledger.batches import pack_keys as pack_keys
from hub.ledger.browse import Browse
from hub.ledger.browse import FileFilter as FileFilter
from hub.ledger.bulk import insert_rows
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
from hub.ledger.reference import ReferenceData
from hub.ledger.replies import RecordedReplies
from hub.ledger.users import UserRecord as UserRecord
from hub.ledger.users import Users
from hub.ledger.volumes import FileVolumes
from hub.ledger.waiting import application_name, begin_immediate
from hub.ledger.wal import Checkpointer, set_durable, tune
from hub.ledger.winter_averages import WinterAverages

WAIT_SECONDS = 60  # how long a transaction waits for SQLite's write lock, by default
FILE_STATES = (
    "landed",
    "parsed",
    "validated",
    "mapped",
    "delivered",
    "rejected",
    "reprocessed",
    "duplicate",
    "refused",
)
PROBLEM_COLUMNS = ("level", "line", "field", "value", "rule", "message", "positions", "severity")


def utc_now() -> datetime:
    """The clock the ledger stamps rows with unless the engine hands it its own."""
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


@dataclass(frozen=True)
class FileRecord:
    id: int
    exchange: str
    name: str
    sha256: str
    size: int
    source: str
    state: str
    landed_path: str
    rows: int | None
    delivered: int
    rejected: int
    already_delivered: int
    duplicate_of: int | None
    replaces: int | None
    last_run_id: int | None
    error: str | None
    landed_at: datetime
    updated_at: datetime
    resolved_by: str | None = None  # a rejected file marked resolved elsewhere: by whom, when, why
    resolved_at: datetime | None = None
    resolution: str | None = None

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "exchange": self.exchange,
            "name": self.name,
            "sha256": self.sha256,
            "state": self.state,
            "rows": self.rows,
            "delivered": self.delivered,
            "rejected": self.rejected,
            "resolved_by": self.resolved_by,
        }


def _file(row: Any) -> FileRecord:
    data = dict(row._mapping)
    data["landed_at"] = _aware(data["landed_at"])
    data["updated_at"] = _aware(data["updated_at"])
    data["resolved_at"] = _aware(data.get("resolved_at"))
    return FileRecord(**data)


class Ledger(
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
        anything older is upgraded by the Alembic migrations."""
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

        cfg = Config()
        cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
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

    # -- files ----------------------------------------------------------------------------------

    def find_by_sha(self, exchange: str, sha256: str, conn: Connection | None = None) -> FileRecord | None:
        """The first file of this exchange with this content that was not itself a duplicate (in
        the caller's transaction ``conn`` when given)."""
        with self.reading(conn) as conn:
            row = conn.execute(
                select(t.files)
                .where(
                    t.files.c.exchange == exchange, t.files.c.sha256 == sha256, t.files.c.state != "duplicate"
                )
                .order_by(t.files.c.id)
                .limit(1)
            ).first()
        return None if row is None else _file(row)

    def already_taken(self, exchange: str, source: str, size: int, mtime: float) -> bool:
        """Whether this source file (same place and size, not modified since) was landed before:
        a source whose post-action is ``leave`` keeps offering it."""
        since = datetime.fromtimestamp(mtime, UTC)
        with self.tx() as conn:
            row = conn.execute(
                select(t.files.c.id)
                .where(
                    t.files.c.exchange == exchange,
                    t.files.c.source == source,
                    t.files.c.size == size,
                    t.files.c.landed_at >= since,
                )
                .limit(1)
            ).first()
        return row is not None

    def add_file(
        self,
        *,
        exchange: str,
        name: str,
        sha256: str,
        size: int,
        source: str,
        state: str,
        landed_path: str,
        duplicate_of: int | None = None,
        replaces: int | None = None,
        conn: Connection | None = None,
    ) -> int:
        """A new file row (in the caller's transaction ``conn`` when given); its id."""
        stamp = self.now()
        with self.reading(conn) as conn:
            result = conn.execute(
                insert(t.files).values(
                    exchange=exchange,
                    name=name,
                    sha256=sha256,
                    size=size,
                    source=source,
                    state=state,
                    landed_path=landed_path,
                    duplicate_of=duplicate_of,
                    replaces=replaces,
                    delivered=0,
                    rejected=0,
                    already_delivered=0,
                    landed_at=stamp,
                    updated_at=stamp,
                )
            )
            key = result.inserted_primary_key
            assert key is not None
            return int(key[0])

    def record_refusal(self, exchange: str, *, name: str, source: str, size: int, reason: str) -> int:
        """Record an item a source would not give (a hostile name, a symbolic link): nothing was
        landed; the record says where it was and why, so it is reported once, not every cycle."""
        file_id = self.add_file(
            exchange=exchange, name=name, sha256="", size=size, source=source, state="refused", landed_path=""
        )
        self.update_file(file_id, error=reason)
        return file_id

    def update_file(self, file_id: int, conn: Connection | None = None, **values: Any) -> None:
        """Set a file's columns (in the caller's transaction ``conn`` when given)."""
        if "state" in values and values["state"] not in FILE_STATES:
            raise ValueError(f"unknown file state {values['state']!r}")
        with self.reading(conn) as conn:
            conn.execute(
                update(t.files).where(t.files.c.id == file_id).values(updated_at=self.now(), **values)
            )

    def set_state(self, conn: Connection, file_id: int, state: str) -> None:
        """A file's state, inside the caller's transaction (it commits with what the state says)."""
        if state not in FILE_STATES:
            raise ValueError(f"unknown file state {state!r}")
        conn.execute(
            update(t.files).where(t.files.c.id == file_id).values(state=state, updated_at=self.now())
        )

    def file(self, file_id: int, conn: Connection | None = None) -> FileRecord:
        with self.reading(conn) as conn:
            row = conn.execute(select(t.files).where(t.files.c.id == file_id)).first()
        if row is None:
            raise NotFound(
                f"no file with id {file_id} in the ledger", hint="hub files lists the ledger's files"
            )
        return _file(row)

    def files(self, *, state: str | None = None, exchange: str | None = None) -> list[FileRecord]:
        query = select(t.files).order_by(t.files.c.id)
        if state:
            query = query.where(t.files.c.state == state)
        if exchange:
            query = query.where(t.files.c.exchange == exchange)
        with self.tx() as conn:
            return [_file(r) for r in conn.execute(query)]

    # -- runs -----------------------------------------------------------------------------------

    def start_run(self, exchange: str | None, trigger: str) -> int:
        with self.tx() as conn:
            result = conn.execute(
                insert(t.runs).values(
                    exchange=exchange,
                    trigger=trigger,
                    started_at=self.now(),
                    status="running",
                    files=0,
                    rows=0,
                    delivered=0,
                    rejected=0,
                    duplicates=0,
                )
            )
            key = result.inserted_primary_key
            assert key is not None
            return int(key[0])

    def finish_run(
        self,
        run_id: int,
        *,
        status: str,
        files: int,
        rows: int,
        delivered: int,
        rejected: int,
        duplicates: int,
        totals: dict[str, Any] | None = None,
    ) -> None:
        with self.tx() as conn:
            conn.execute(
                update(t.runs)
                .where(t.runs.c.id == run_id)
                .values(
                    ended_at=self.now(),
                    status=status,
                    files=files,
                    rows=rows,
                    delivered=delivered,
                    rejected=rejected,
                    duplicates=duplicates,
                    totals=json.dumps(totals or {}),
                )
            )

    def last_run(self, exchange: str, triggers: Sequence[str] | None = None) -> dict[str, Any] | None:
        """The exchange's latest run (of one of ``triggers``, when given)."""
        query = select(t.runs).where(t.runs.c.exchange == exchange)
        if triggers is not None:
            query = query.where(t.runs.c.trigger.in_(list(triggers)))
        with self.tx() as conn:
            row = conn.execute(query.order_by(t.runs.c.id.desc()).limit(1)).first()
        if row is None:
            return None
        found = dict(row._mapping)
        found["started_at"] = _aware(found["started_at"])
        found["ended_at"] = _aware(found["ended_at"])
        return found

    def last_file(self, exchange: str) -> FileRecord | None:
        """The exchange's most recently landed file."""
        with self.tx() as conn:
            row = conn.execute(
                select(t.files).where(t.files.c.exchange == exchange).order_by(t.files.c.id.desc()).limit(1)
            ).first()
        return None if row is None else _file(row)

    # -- rejections -----------------------------------------------------------------------------

    def add_problems(
        self, file_id: int, run_id: int, problems: Sequence[Problem], conn: Connection | None = None
    ) -> None:
        if not problems:
            return
        names = ("file_id", "run_id", *PROBLEM_COLUMNS)
        fields = attrgetter(*PROBLEM_COLUMNS)  # a problem's values in one call, not a getattr each
        rows = ((file_id, run_id, *fields(p)) for p in problems)
        with self.reading(conn) as conn:
            insert_rows(conn, t.rejections, names, rows)

    def problems(self, file_id: int, run_id: int | None = None, *, limit: int | None = None) -> list[Problem]:
        """The problems of a file's run (default: its last run), in file order; the first ``limit``."""
        if run_id is None:
            run_id = self.file(file_id).last_run_id
        r = t.rejections.c
        query = (
            select(t.rejections)
            .where(r.file_id == file_id, r.run_id == run_id)
            .order_by(r.line.is_not(None), r.line, r.id)
            .limit(limit)
        )
        with self.tx() as conn:
            rows = conn.execute(query).all()
        return [
            Problem(
                rule=x.rule,
                message=x.message,
                line=x.line,
                field=x.field,
                value=x.value,
                level=x.level,
                positions=x.positions,
                severity=x.severity,
            )
            for x in rows
        ]

    def problem_tally(self, file_id: int, run_id: int | None = None) -> dict[str, int]:
        """How many problems of a file's run (default: its last run) broke each rule, most first."""
        if run_id is None:
            run_id = self.file(file_id).last_run_id
        r = t.rejections.c
        query = (
            select(r.rule, func.count())
            .where(r.file_id == file_id, r.run_id == run_id)
            .group_by(r.rule)
            .order_by(func.count().desc(), r.rule)
        )
        with self.tx() as conn:
            return {rule: int(n) for rule, n in conn.execute(query)}

    def delivered_by_file(self, file_id: int) -> int:
        """How many transactions the file's batches hold, over all its runs."""
        b = t.batches.c
        with self.tx() as conn:
            total = conn.execute(select(func.sum(b.transactions)).where(b.file_id == file_id)).scalar()
        return int(total or 0)

    def unfinished_files(self, exchange: str, states: Sequence[str]) -> list[FileRecord]:
        """The exchange's files an interrupted run left in one of ``states``, oldest first."""
        f = t.files.c
        query = select(t.files).where(f.exchange == exchange, f.state.in_(list(states))).order_by(f.id)
        with self.tx() as conn:
            return [_file(r) for r in conn.execute(query)]

    def count_files(self) -> int:
        with self.tx() as conn:
            return int(conn.execute(select(func.count()).select_from(t.files)).scalar_one())


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
