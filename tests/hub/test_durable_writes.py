"""Every file the hub lands or publishes is durable before anything depends on it: written under a
temporary name, fsynced, renamed into place, its folder fsynced, and only then is the partner's
source archived. Tested through the real ``hub cycle`` with the file-system calls it makes recorded
(a power cut cannot be staged in a test; the order of the calls that survive one can be checked)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from tests.conftest import Workdir

# Runs the real command with os.fsync / os.replace / os.link recorded, in order, as JSON lines.
TRACED = """
import json, os, sys, time
log = open(os.environ["TRACE_TO"], "a", buffering=1)
real = {name: getattr(os, name) for name in ("fsync", "replace", "link", "rename")}

def path_of(fd):
    return os.readlink(f"/proc/self/fd/{fd}")

def fsync(fd):
    real["fsync"](fd)
    if "/." in path_of(fd) and os.environ.get("SLOW_STAGED_SYNC"):
        time.sleep(0.2)  # a slow disk: a sync the ledger's commit did not wait for comes after it
    log.write(json.dumps(["fsync", path_of(fd)]) + "\\n")

def moving(name):
    def move(src, dst, *args, **kwargs):
        real[name](src, dst, *args, **kwargs)
        log.write(json.dumps([name, os.path.abspath(src), os.path.abspath(dst)]) + "\\n")
    return move

os.fsync = fsync
for name in ("replace", "link", "rename"):
    setattr(os, name, moving(name))

from sqlalchemy import event
from sqlalchemy.engine import Engine
import hub.ledger

event.listen(Engine, "commit", lambda conn: log.write(json.dumps(["commit"]) + "\\n"))
real_record = hub.ledger.Ledger.record_batch

def record_batch(self, conn, **kwargs):
    log.write(json.dumps(["record_batch", kwargs["batch_id"]]) + "\\n")
    return real_record(self, conn, **kwargs)

hub.ledger.Ledger.record_batch = record_batch
sys.argv = ["hub", *sys.argv[1:]]
from hub.cli.main import main
main()
"""


def traced_cycle(workdir: Workdir, **env: str) -> list[list[str]]:
    trace = workdir.root / "trace.jsonl"
    proc = subprocess.run(
        [sys.executable, "-c", TRACED, "cycle", "--json"],
        cwd=workdir.root,
        capture_output=True,
        text=True,
        env={**os.environ, **env, "TRACE_TO": str(trace)},
        timeout=300,
    )
    assert proc.returncode == 1, proc.stderr  # one file rejected
    return [json.loads(line) for line in trace.read_text().splitlines()]


def test_landed_copies_batches_and_reports_are_durable_before_the_source_is_archived(
    workdir: Workdir, upload: Callable[..., bytes]
) -> None:
    inbox = workdir.root / "inbox" / "meter-reads"
    inbox.mkdir(parents=True)
    sources = {"good.csv": upload(200), "bad.csv": upload(200, bad=3, seed=2)}
    for name, data in sources.items():
        (inbox / name).write_bytes(data)
    events = traced_cycle(workdir)

    def when(*event: str) -> int:
        return events.index(list(event))

    moves = [e for e in events if e[0] in ("replace", "link", "rename")]
    published = [(src, dst) for _, src, dst in moves if "/inbox/" not in src]
    folders = {str(Path(dst).parent) for _, dst in published}
    assert any("/var/landed" in f for f in folders) and any("/outbox/cis" in f for f in folders)
    assert sum(dst.endswith(".errors.json") for _, dst in published) == 1
    for src, dst in published:
        kind = "link" if ["link", src, dst] in events else "replace"
        moved = when(kind, src, dst)
        # the bytes were made durable under the temporary name, then the rename into place
        assert ["fsync", src] in events[:moved], f"{dst} renamed into place before its bytes were fsynced"
        assert ["fsync", str(Path(dst).parent)] in events[moved:], f"{dst}: its folder never fsynced"

    archived = [(src, dst) for _, src, dst in moves if "/inbox/" in src]
    assert sorted(Path(src).name for src, _ in archived) == ["bad.csv", "good.csv"]
    landed_folder = workdir.root / "var" / "landed"
    for src, dst in archived:
        landed = str(landed_folder / hashlib.sha256(sources[Path(src).name]).hexdigest())
        landed_at = next(i for i, e in enumerate(events) if e[0] in ("replace", "link") and e[2] == landed)
        folder_synced = events.index(["fsync", str(landed_folder)], landed_at)
        assert folder_synced < when("replace", src, dst), f"{src} archived before its landed copy was durable"


def test_a_cis_batch_is_durable_before_the_ledger_commits_it(
    workdir: Workdir, upload: Callable[..., bytes]
) -> None:
    """The ledger's record of a batch is what recovery publishes after a crash: every staged file
    of the batch (data files and control file) is fsynced before that record commits, though the
    syncs run while the batch is recorded."""
    inbox = workdir.root / "inbox" / "meter-reads"
    inbox.mkdir(parents=True)
    for name, data in {"good.csv": upload(200), "bad.csv": upload(200, bad=3, seed=2)}.items():
        (inbox / name).write_bytes(data)
    events = traced_cycle(workdir, SLOW_STAGED_SYNC="1")

    recorded = [(i, e[1]) for i, e in enumerate(events) if e[0] == "record_batch"]
    assert len(recorded) == 1  # the good file's batch (the bad file is rejected whole)
    for at, batch_id in recorded:
        committed = next(i for i in range(at, len(events)) if events[i] == ["commit"])
        staged = [e[1] for e in events if e[0] in ("replace", "link") and f"/.{batch_id}." in e[1]]
        assert any(t.endswith(".control.json.tmp") for t in staged), staged
        assert any(t.endswith(".MeterRead.csv.tmp") for t in staged), staged
        for temp in staged:
            synced = events.index(["fsync", temp])
            assert synced < committed, f"{temp} fsynced after the ledger committed batch {batch_id}"
