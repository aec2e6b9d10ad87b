"""SQLite's write-ahead log, kept out of the transactions that must be quick, without losing what a
delivery committed.

Commits append to the WAL (``synchronous=NORMAL``: no ``fsync``); a *checkpoint* copies the WAL's
pages into the database and syncs it. SQLite's own auto-checkpoint runs inside the commit that
crosses its limit (1,000 pages by default), so with the key store's scattered B-tree pages every
second delivery of a small file paid a checkpoint, growing with the ledger. Here the limit is raised
(``AUTOCHECKPOINT_PAGES``, kept only as a bound for a process that never gets to its own) and a
thread checkpoints (``PASSIVE``: never waits for, nor blocks, readers or writers) on a connection of
its own every ``CHECKPOINT_COMMITS`` commits, while the next file lands and maps. A checkpoint of
many commits copies each page once, not once per commit.

The ledger's files (the database, ``-wal``, ``-shm``) are never opened here but through SQLite:
closing any other descriptor of them drops every POSIX lock this process holds on them, SQLite's
included, and another process then takes the ``-shm`` for unused and truncates it under this one's
mapping (SIGBUS). Reading the WAL's fill from the ``-shm`` header did exactly that.

Durability: ``NORMAL`` keeps every commit safe from a crash of the process, not from a crash of the
machine (the WAL is synced at checkpoints only). A transaction whose loss would repeat an effect
outside the ledger (a delivery, before its CIS files are published) is committed ``durable``:
``synchronous=FULL`` for that one commit, one ``fsync`` of the WAL that also makes every commit
before it durable.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from typing import Any

AUTOCHECKPOINT_PAGES = 16_384  # 64 MiB of 4 KiB pages: the bound when no background checkpoint runs
CHECKPOINT_COMMITS = 32  # commits between two background checkpoints (~3 small files' deliveries)
log = logging.getLogger("hub.ledger")


def tune(cur: Any) -> None:
    """This connection's commits: no ``fsync`` unless ``durable``; auto-checkpoint only as a bound."""
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")


def set_durable(dbapi_conn: Any, durable: bool) -> None:
    """``synchronous=FULL`` for the next commit of ``dbapi_conn`` (SQLite refuses to change it inside a
    transaction: set before ``BEGIN``), or back to ``NORMAL``."""
    dbapi_conn.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")


class Checkpointer:
    """Checkpoints one SQLite ledger's WAL in a background thread, one checkpoint at a time."""

    def __init__(self, database: str) -> None:
        self.database = database
        self._commits = 0
        self._thread: threading.Thread | None = None

    def after_commit(self) -> None:
        """Start a checkpoint once ``CHECKPOINT_COMMITS`` commits were made since the last one began,
        unless one is running."""
        self._commits += 1
        if self._commits < CHECKPOINT_COMMITS or (self._thread is not None and self._thread.is_alive()):
            return
        self._commits = 0
        self._thread = threading.Thread(target=self.checkpoint, name="ledger-checkpoint", daemon=True)
        self._thread.start()

    def checkpoint(self) -> None:
        """One ``PASSIVE`` checkpoint on a connection of its own; a busy ledger is left for the next."""
        try:
            conn = sqlite3.connect(self.database, timeout=0, isolation_level=None)
            try:
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            finally:
                conn.close()
        except sqlite3.Error as exc:
            log.debug("ledger checkpoint skipped: %s", exc)

    def close(self) -> None:
        """Wait for a running checkpoint (before the ledger's last connection closes)."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None
