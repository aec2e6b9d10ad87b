"""The SQLite ledger's write-ahead log: checkpointed by a thread of the ledger, not inside a
delivery's commit, the WAL kept small and every commit readable by another process; a durable
transaction is committed with ``synchronous=FULL``, the others with ``NORMAL``; a delivery and a
rejection are durable before the source is archived."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, text

from hub.ledger import Ledger, wal
from hub.ledger import schema as t
from tests.conftest import Workdir

NORMAL, FULL = 1, 2
COUNT = (
    "import sqlite3, sys; "
    "print(sqlite3.connect(sys.argv[1]).execute('SELECT count(*) FROM files').fetchone()[0])"
)


def _add_files(ledger: Ledger, start: int, count: int) -> None:
    """Commit ``count`` transactions, each one file row with a long landed path (many WAL pages)."""
    for n in range(start, start + count):
        with ledger.tx() as conn:
            conn.execute(
                insert(t.files).values(
                    exchange="meter-reads",
                    name=f"upload-{n:05d}.csv",
                    sha256=f"{n:064x}",
                    size=n,
                    source="inbox",
                    state="landed",
                    landed_path=f"/landed/{n:05d}/" + "x" * 900,
                    landed_at=ledger.now(),
                    updated_at=ledger.now(),
                )
            )


def test_background_checkpoint_keeps_the_wal_small_and_readable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wal, "CHECKPOINT_COMMITS", 8)
    path = tmp_path / "hub.db"
    ledger = Ledger.open(f"sqlite:///{path}")
    try:
        assert ledger._wal is not None
        _add_files(ledger, 0, 400)
        ledger._wal.close()  # a checkpoint started by the last commits has finished
        # the database file itself holds most commits: a copy of it alone, without the WAL (copied
        # by another process: a descriptor of it opened and closed here would drop SQLite's locks)
        copy = tmp_path / "copy.db"
        subprocess.run(["cp", str(path), str(copy)], check=True)
        with sqlite3.connect(copy) as alone:
            assert alone.execute("SELECT count(*) FROM files").fetchone()[0] > 300
        # another process, the ledger still open in this one, sees every commit
        seen = subprocess.run(
            [sys.executable, "-c", COUNT, str(path)],
            capture_output=True,
            text=True,
            check=True,
        )
        assert seen.stdout.strip() == "400"
    finally:
        ledger.close()
    assert not Path(f"{path}-wal").exists()  # closed: everything in the database file


def test_the_ledger_connection_does_not_checkpoint_in_its_commits(tmp_path: Path) -> None:
    ledger = Ledger.open(f"sqlite:///{tmp_path / 'hub.db'}")
    try:
        with ledger.tx() as conn:
            assert conn.execute(text("PRAGMA wal_autocheckpoint")).scalar() == wal.AUTOCHECKPOINT_PAGES
    finally:
        ledger.close()


def test_a_durable_transaction_commits_with_full_sync_and_the_next_one_does_not(tmp_path: Path) -> None:
    ledger = Ledger.open(f"sqlite:///{tmp_path / 'hub.db'}")
    try:
        with ledger.tx(durable=True) as conn:
            assert conn.execute(text("PRAGMA synchronous")).scalar() == FULL
        with ledger.tx() as conn:
            assert conn.execute(text("PRAGMA synchronous")).scalar() == NORMAL
        with pytest.raises(RuntimeError), ledger.tx(durable=True):
            raise RuntimeError("rolled back")
        with ledger.tx() as conn:
            assert conn.execute(text("PRAGMA synchronous")).scalar() == NORMAL
    finally:
        ledger.close()


def test_a_rejected_file_is_recorded_durably_before_its_source_is_archived(
    workdir: Workdir, upload: Callable[..., bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    from connectors.base import Source
    from hub.engine.config import load_config
    from hub.engine.pipeline import Engine

    events: list[str] = []
    set_durable = wal.set_durable
    done = Source.done

    def durable(conn: object, on: bool) -> None:
        events.append("durable" if on else "normal")
        set_durable(conn, on)

    def archived(self: Source, item: Any) -> None:
        events.append(f"archived {item.name}")
        done(self, item)

    monkeypatch.setattr("hub.ledger.set_durable", durable)
    monkeypatch.setattr(Source, "done", archived)
    workdir.write("inbox/meter-reads/route-1.csv", upload(20, bad=3))  # reject-file: rejected whole
    engine = Engine(load_config(workdir.root / "hub.yaml"))
    try:
        [outcome] = [o for o in engine.cycle() if o.state != "skipped"]
    finally:
        engine.close()
    assert outcome.state == "rejected"
    assert events[-3:] == ["durable", "normal", "archived route-1.csv"]
