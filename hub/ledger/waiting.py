"""Waiting for the ledger's locks, and saying so.

On SQLite every transaction starts ``BEGIN IMMEDIATE``: it takes the database's one write lock
or waits for it, up to the ledger's ``wait_seconds``, then fails ``LedgerBusy``. A process that
has waited a second says so, once per wait, as a warning of the ``hub.ledger`` log (stderr for a
command, the service's log for ``hub run``), naming the process that holds the lock: SQLite keeps
it as a POSIX record lock on the ledger's files, listed with the holder's PID in ``/proc/locks``.
On PostgreSQL an exchange's delivery lock (a row lock) is waited for without a timeout; a process
that waits a second for it says so too, naming the holder by the PID and host its session gives
as its ``application_name``.
"""

from __future__ import annotations

import logging
import os
import socket
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from hub.kernel.errors import LedgerBusy, LedgerError

NOTICE_AFTER = 1.0  # seconds of waiting before the notice
WAL_WRITE_LOCK = 120  # the byte of the -shm file a WAL writer locks (SQLite's WAL_WRITE_LOCK)
log = logging.getLogger("hub.ledger")


def begin_immediate(dbapi_conn: Any, database: str | None, wait_seconds: float) -> None:
    """``BEGIN IMMEDIATE`` on a raw sqlite3 connection, waiting at most ``wait_seconds`` for the
    write lock (then ``LedgerBusy``, naming who held it); after a second of it, the notice."""
    first = min(NOTICE_AFTER, wait_seconds)
    try:
        try:
            _begin(dbapi_conn, first)
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or first >= wait_seconds:
                raise
        text = f"waiting for the ledger, {holder(database)} (timeout {wait_seconds:g} s)"
        log.warning(text, extra={"event": "ledger-wait"})
        _begin(dbapi_conn, wait_seconds - first)
    except sqlite3.Error as exc:
        if "locked" in str(exc):
            raise LedgerBusy(
                f"ledger is busy: {holder(database)} for more than {wait_seconds:g} s (ledger.wait_seconds)"
            ) from None
        raise LedgerError(f"ledger error: {exc}") from None
    finally:
        dbapi_conn.execute(f"PRAGMA busy_timeout={int(wait_seconds * 1000)}")


def _begin(dbapi_conn: Any, wait: float) -> None:
    dbapi_conn.execute(f"PRAGMA busy_timeout={int(wait * 1000)}")
    dbapi_conn.execute("BEGIN IMMEDIATE")


def holder(database: str | None) -> str:
    """Who holds the SQLite ledger's write lock: ``held by PID n`` when this host lists it, else
    what is held."""
    pids = lock_holders(database) if database else []
    if not pids:
        return "its write lock held by another process"
    return "held by PID " + ", ".join(map(str, pids))


def lock_holders(database: str) -> list[int]:
    """The PIDs (other than this one) holding a write lock on the SQLite ledger: on its ``-shm``
    file's writer byte (WAL mode) or on the database file itself (rollback journal)."""
    wanted: dict[tuple[int, int, int], int | None] = {}
    for path, byte in ((Path(database), None), (Path(f"{database}-shm"), WAL_WRITE_LOCK)):
        try:
            st = path.stat()
        except OSError:
            continue
        wanted[(os.major(st.st_dev), os.minor(st.st_dev), st.st_ino)] = byte
    try:
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:  # not Linux
        return []
    found: list[int] = []
    for line in lines:
        parts = line.split()
        if "->" in parts or len(parts) < 8 or parts[1] != "POSIX" or parts[3] != "WRITE":
            continue
        pid, device, start = parts[4], parts[5], parts[6]
        major, minor, inode = device.split(":")
        key = (int(major, 16), int(minor, 16), int(inode))
        if key not in wanted or not pid.isdigit() or int(pid) == os.getpid():
            continue
        byte = wanted[key]
        if (byte is None or start == str(byte)) and int(pid) not in found:
            found.append(int(pid))
    return found


@contextmanager
def said_if_waiting(conn: Connection, what: str) -> Iterator[None]:
    """Run the block (which may wait for ``what``, a PostgreSQL row lock another node holds) and,
    should it wait a second, say so, naming the holder. No timeout: the lock is held while the
    other delivers, however long that takes. SQLite: nothing to add (``begin_immediate``)."""
    if conn.dialect.name != "postgresql":
        yield
        return
    me = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    engine = conn.engine

    def say() -> None:
        held = pg_holders(engine, me)
        text = f"waiting for the ledger, {what} held by {held} (no timeout: until it is done)"
        log.warning(text, extra={"event": "ledger-wait"})

    timer = threading.Timer(NOTICE_AFTER, say)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


def pg_holders(engine: Engine, backend: object) -> str:
    """Who blocks PostgreSQL backend ``backend``: a hub process by its PID and host (its
    ``application_name()``), anything else by its backend and application name."""
    query = "SELECT pid, application_name FROM pg_stat_activity WHERE pid = ANY(pg_blocking_pids(%(me)s))"
    try:
        with engine.connect() as other:
            rows = other.exec_driver_sql(query, {"me": backend}).all()
    except SQLAlchemyError:
        return "another process"
    named = []
    for pid, app in rows:
        app = str(app or "")
        named.append(
            app.removeprefix("hub ") if app.startswith("hub PID ") else f"PostgreSQL backend {pid} ({app})"
        )
    return ", ".join(named) or "another process"


def application_name() -> str:
    """How this process names its PostgreSQL sessions, so a waiting one can say who holds a lock."""
    return f"hub PID {os.getpid()} on {socket.gethostname()}"[:63]
