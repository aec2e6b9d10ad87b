"""The pledge acknowledgement is exactly once and crash-safe, through the real ``hub`` command: a
``hub`` process that dies after the delivery's commit but before the acknowledgement is written
leaves it recorded in the ledger; the next ``hub`` command writes it, once, without delivering the
CIS batch again; and a process that dies after writing it but before marking it leaves no second
copy."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from conftest import Workdir
from test_pledges_e2e import GOOD, ack, load_accounts, pledge_file, posted

KILLED = 137


def hub_dying_at(workdir: Workdir, target: str, *args: str | Path) -> int:
    """Run the real ``hub`` command, its process killed (``os._exit``, nothing cleaned up) when it
    reaches ``target`` (``module:attribute``, e.g. the step that writes the reply)."""
    module, attribute = target.rsplit(":", 1)
    owner, _, name = attribute.rpartition(".")
    script = (
        "import importlib, os, sys\n"
        f"m = importlib.import_module({module!r})\n"
        f"o = m if not {owner!r} else getattr(m, {owner!r})\n"
        f"setattr(o, {name!r}, lambda *a, **k: os._exit({KILLED}))\n"
        "from hub.cli.main import main\n"
        "sys.argv = ['hub', *sys.argv[1:]]\n"
        "main()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script, *map(str, args)],
        cwd=workdir.root,
        capture_output=True,
        env={**os.environ, "COLUMNS": "200"},
        timeout=300,
    )
    return proc.returncode


def acks(workdir: Workdir) -> list[str]:
    folder = workdir.root / "outbox" / "pledges-ack"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def unwritten(workdir: Workdir) -> int:
    """Replies the ledger holds as recorded but not yet written (the next command writes them)."""
    with sqlite3.connect(workdir.root / "var" / "hub.db") as db:
        return int(db.execute("SELECT count(*) FROM replies WHERE published_at IS NULL").fetchone()[0])


def test_a_crash_between_the_commit_and_the_ack_is_finished_by_the_next_command(workdir: Workdir) -> None:
    load_accounts(workdir)
    sent = workdir.write("week1.csv", pledge_file(*GOOD))
    code = hub_dying_at(workdir, "hub.engine.replies:publish_recorded", "process", sent, "-x", "pledges")
    assert code == KILLED
    assert len(posted(workdir)) == 3  # the batch was committed and published
    assert acks(workdir) == [] and unwritten(workdir) == 1  # recorded with the batch, not written
    # hub show names it as waiting (show only reads: it writes nothing)
    shown = " ".join(workdir.hub("show", "1").stdout.split())
    assert "week1.ack.csv (accepted 3, rejected 0, duplicate 0, recorded, not sent yet" in shown
    [waiting] = json.loads(workdir.hub("show", "1", "--json").stdout)["replies"]
    assert waiting["sent"] is False and waiting["counts"] == {"accepted": 3, "rejected": 0, "duplicate": 0}
    assert acks(workdir) == []
    # the next hub command (here a cycle with nothing to do) writes it on start, once
    assert workdir.hub("cycle", "-x", "pledges").code == 0
    assert acks(workdir) == ["week1.ack.csv"]
    assert [(a["pledge_id"], a["status"]) for a in ack(workdir, "week1.ack.csv")] == [
        ("P1", "accepted"),
        ("P2", "accepted"),
        ("P3", "accepted"),
    ]
    assert len(posted(workdir)) == 3 and len(workdir.controls()) == 1  # the batch not delivered again
    assert "week1.ack.csv (accepted 3, rejected 0, duplicate 0)" in workdir.hub("show", "1").stdout
    # recovery again: nothing more written
    written = (workdir.root / "outbox" / "pledges-ack" / "week1.ack.csv").stat().st_mtime_ns
    assert workdir.hub("cycle", "-x", "pledges").code == 0
    assert acks(workdir) == ["week1.ack.csv"]
    assert (workdir.root / "outbox" / "pledges-ack" / "week1.ack.csv").stat().st_mtime_ns == written


def test_a_crash_after_the_ack_was_written_leaves_no_second_copy(workdir: Workdir) -> None:
    load_accounts(workdir)
    sent = workdir.write("week2.csv", pledge_file(*GOOD))
    target = "hub.ledger.replies:RecordedReplies.mark_reply_published"
    assert hub_dying_at(workdir, target, "process", sent, "-x", "pledges") == KILLED
    assert acks(workdir) == ["week2.ack.csv"] and unwritten(workdir) == 1  # written, not marked
    assert workdir.hub("cycle", "-x", "pledges").code == 0
    assert acks(workdir) == ["week2.ack.csv"] and unwritten(workdir) == 0  # found in place: marked
    assert "week2.ack.csv (accepted 3, rejected 0, duplicate 0)" in workdir.hub("show", "1").stdout
    assert workdir.hub("cycle", "-x", "pledges").code == 0
    assert acks(workdir) == ["week2.ack.csv"] and len(posted(workdir)) == 3


def file_state(workdir: Workdir, file_id: int) -> str:
    with sqlite3.connect(workdir.root / "var" / "hub.db") as db:
        return str(db.execute("SELECT state FROM files WHERE id = ?", (file_id,)).fetchone()[0])


def test_a_rejected_files_ack_commits_with_the_rejection_and_a_crash_before_the_commit_records_neither(
    workdir: Workdir,
) -> None:
    early = workdir.write("early.csv", pledge_file(*GOOD))  # no accounts extract: rejected whole
    target = "hub.engine.replies:record_reply"  # dies inside the rejection's transaction
    assert hub_dying_at(workdir, target, "process", early, "-x", "pledges") == KILLED
    assert file_state(workdir, 1) != "rejected" and unwritten(workdir) == 0  # rolled back together
    # a crash after the commit: the rejection and its ack are both recorded; the next command writes it
    again = workdir.write("early2.csv", pledge_file(*GOOD[:2]))
    assert (
        hub_dying_at(workdir, "hub.engine.replies:publish_recorded", "process", again, "-x", "pledges")
        == KILLED
    )
    assert file_state(workdir, 2) == "rejected" and unwritten(workdir) == 1 and acks(workdir) == []
    # the next command writes the recorded ack, and finishes the interrupted run of the first file
    # (rejected again: exit 1), its ack recorded with its rejection and written
    assert workdir.hub("cycle", "-x", "pledges").code == 1
    assert file_state(workdir, 1) == "rejected" and unwritten(workdir) == 0
    assert acks(workdir) == ["early.ack.csv", "early2.ack.csv"]
    assert [(a["pledge_id"], a["status"], a["reason"]) for a in ack(workdir, "early2.ack.csv")] == [
        ("P1", "rejected", "file-rejected"),
        ("P2", "rejected", "file-rejected"),
    ]
    assert [a["status"] for a in ack(workdir, "early.ack.csv")] == ["rejected"] * 3
    assert workdir.hub("cycle", "-x", "pledges").code == 0  # nothing left to do, nothing sent again
    assert acks(workdir) == ["early.ack.csv", "early2.ack.csv"]


def test_a_duplicate_files_ack_commits_with_its_arrival(workdir: Workdir) -> None:
    load_accounts(workdir)
    assert workdir.hub("process", workdir.write("w1.csv", pledge_file(*GOOD)), "-x", "pledges").code == 0
    same = workdir.write("w1-again.csv", pledge_file(*GOOD))
    assert (
        hub_dying_at(workdir, "hub.engine.replies:publish_recorded", "process", same, "-x", "pledges")
        == KILLED
    )
    assert file_state(workdir, 2) == "duplicate" and unwritten(workdir) == 1
    assert workdir.hub("cycle", "-x", "pledges").code == 0
    assert [(a["pledge_id"], a["status"]) for a in ack(workdir, "w1-again.ack.csv")] == [
        ("P1", "duplicate"),
        ("P2", "duplicate"),
        ("P3", "duplicate"),
    ]
    assert len(posted(workdir)) == 3
