"""SQLite's write-ahead log, kept out of the transactions that must be quick, without losing what a
delivery committed.

Commits append to the WAL (``synchronous=NORMAL``: no ``fsync``); a *checkpoint* copies the WAL's
pages into the database and syncs it. SQLite's own auto-checkpoint runs inside the commit that
crosses its limit (1,000 pages by default), so with the key store's scattered B-tree pages every
second delivery of a small file paid a checkpoint, growing with the ledger. Here the limit is raised
(``AUTOCHECKPOINT_PAGES``, kept only as a bound for a process that never gets to its own) and a
thread checkpoints (``PASSIVE``: never waits for, nor blocks, readers or writers) on a connection of
its own once the WAL passes ``BACKGROUND_BYTES``, while the next file lands and maps. A checkpoint
of many commits copies each page once, not once per commit.

Durability: ``NORMAL`` keeps every commit safe from a crash of the process, not from a crash of the
machine (the WAL is synced at checkpoints only). A transaction whose loss would repeat an effect
outside the ledger (a delivery, before its CIS files are published) is committed ``durable``:
``synchronous=FULL`` for that one commit, one ``fsync`` of the WAL that also makes every commit
before it durable.
"""

from __future__ import annotations

import logging
import sqlite3
import sys
import threading
from pathlib import Path
from typing import Any

AUTOCHECKPOINT_PAGES = 16_384  # 64 MiB of 4 KiB pages: the bound when no background checkpoint runs
BACKGROUND_BYTES = 8 << 20  # a WAL this large is checkpointed by a thread after the next commit
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
        self.shm = Path(f"{database}-shm")
        self._thread: threading.Thread | None = None

    def after_commit(self) -> None:
        """Start a checkpoint when the WAL holds ``BACKGROUND_BYTES`` not checkpointed yet and none
        is running."""
        if self._thread is not None and self._thread.is_alive():
            return
        if pending_bytes(self.shm) < BACKGROUND_BYTES:
            return
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


def pending_bytes(shm: Path) -> int:
    """The bytes of WAL frames not yet checkpointed, from the wal-index header in the ``-shm`` file
    (https://www.sqlite.org/walformat.html: ``mxFrame`` at byte 16, ``szPage`` at 14, the checkpoint's
    ``nBackfill`` at 96, native byte order). The WAL file's size cannot say it: SQLite writes a
    checkpointed WAL again from its start without shrinking it. 0 when it cannot be read."""
    try:
        with shm.open("rb") as f:
            head = f.read(100)
    except OSError:
        return 0
    if len(head) < 100:
        return 0
    page = int.from_bytes(head[14:16], sys.byteorder)
    page = 65536 if page == 1 else page
    frames = int.from_bytes(head[16:20], sys.byteorder) - int.from_bytes(head[96:100], sys.byteorder)
    return max(0, frames) * (page + 24)
