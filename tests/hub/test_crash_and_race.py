"""The ledger tells the truth after ``kill -9`` and when two hub processes run at once, through the
real ``hub`` command: a nightly cycle killed at a random moment, then run again, leaves every input
file recorded once and archived, every CIS batch in the outbox recorded and every recorded batch in
the outbox, each key delivered exactly once, and each file's counts equal to what its batches hold.
Two cycles started together on one inbox (SQLite), or two nodes on one PostgreSQL ledger sharing an
SFTP source, never record a file twice nor archive one without its record.

``HUB_KILL_TRIALS`` sets the number of kill trials (default 6; the note's figures come from more)."""

from __future__ import annotations

import csv
import os
import random
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import HUB, SshServer, new_postgres_database

from hub.engine.config import DEFAULT_CONFIG
from hub.engine.sample import meter_reads_csv
from hub.ledger import Ledger

TRIALS = int(os.environ.get("HUB_KILL_TRIALS", "6"))
ROUNDS = int(os.environ.get("HUB_RACE_ROUNDS", "3"))


def inputs(folder: Path, files: int, rows: int = 1_500) -> dict[str, int]:
    """Uploads into ``folder``; name -> the transactions it must deliver (0: a file with bad rows,
    rejected whole by the default policy)."""
    folder.mkdir(parents=True, exist_ok=True)
    expected = {}
    for n in range(files):
        bad = 2 if n % 5 == 4 else 0
        name = f"route-{n:02d}.csv"
        (folder / name).write_bytes(meter_reads_csv(rows + 10 * n, bad=bad, seed=100 + n))
        expected[name] = 0 if bad else rows + 10 * n
    return expected


def configure(
    root: Path, ledger: str | None = None, source: dict[str, Any] | None = None, part_bytes: int | None = None
) -> None:
    config = yaml.safe_load(DEFAULT_CONFIG)
    if part_bytes is not None:  # each upload read, checked, mapped and delivered in parts
        config["exchanges"]["meter-reads"]["part_bytes"] = part_bytes
    if ledger is not None:
        config["ledger"] = {"url": ledger}
    if source is not None:
        config["exchanges"]["meter-reads"].update(source=source, watch=False)  # SFTP is pulled, not watched
    (root / "hub.yaml").write_text(yaml.safe_dump(config))


def cycle(root: Path) -> subprocess.Popen[bytes]:
    """A ``hub cycle`` of the folder's meter reads, started now; its errors go to ``hub.err`` there."""
    with (root / "hub.err").open("ab") as err:
        return subprocess.Popen(
            [str(HUB), "cycle", "-x", "meter-reads", "--json"],
            cwd=root,
            stdout=err,  # a failure's JSON error object is on stdout
            stderr=err,
            env={**os.environ, "COLUMNS": "200"},
        )


def finished(process: subprocess.Popen[bytes], root: Path) -> None:
    """The cycle ended, as done or with rejected files (exit 0 or 1), never failed or crashed."""
    code = process.wait(timeout=300)
    assert code in (0, 1), (root / "hub.err").read_text(errors="replace")[-2000:]


def assert_truth(root: Path, expected: dict[str, int], ledger_url: str, taken: set[str]) -> None:
    """Ledger, outbox and source agree: every input recorded once, accounted for and gone from the
    source (``taken``: the names the source still holds must be none of them)."""
    ledger = Ledger.open(ledger_url)
    try:
        records = [f for f in ledger.files(exchange="meter-reads")]
        batches = {f.id: ledger.batches_of(f.id) for f in records}
    finally:
        ledger.close()
    names = Counter(f.name for f in records if f.state not in ("duplicate", "refused"))
    assert names == Counter(expected.keys()), f"each input recorded exactly once: {names}"
    assert not [f for f in records if f.state == "duplicate"], "a file recorded as a duplicate of itself"
    by_name = {f.name: f for f in records}
    for name, want in expected.items():
        f = by_name[name]
        assert (f.state, f.delivered) == ("delivered" if want else "rejected", want), (name, f)
        assert sum(b["transactions"] for b in batches[f.id]) == want, name
        assert all(b["published_at"] is not None for b in batches[f.id]), name
    cis = root / "outbox" / "cis"
    controls = {str(p) for p in cis.glob("*.control.json")} if cis.is_dir() else set()
    recorded = {b["path"] for bs in batches.values() for b in bs}
    assert controls == recorded, "every batch in the outbox is recorded, every recorded batch is there"
    keys: Counter[str] = Counter()
    for data in cis.glob("*.csv") if cis.is_dir() else []:
        with data.open(newline="") as fh:
            keys.update(row[0] for row in list(csv.reader(fh))[1:])
    assert sum(keys.values()) == sum(expected.values()), "the outbox holds exactly what the ledger says"
    assert not [k for k, n in keys.items() if n > 1], "a key delivered twice"
    staging = list(cis.glob(".*")) if cis.is_dir() else []
    assert not staging, f"staging files left behind: {staging}"
    assert not taken & set(expected), f"left in the source: {taken & set(expected)}"


@pytest.mark.parametrize("part_bytes", [None, 20_000], ids=["whole", "in parts"])
def test_a_cycle_killed_at_any_moment_then_run_again_leaves_the_ledger_telling_the_truth(
    tmp_path: Path, part_bytes: int | None
) -> None:
    rng = random.Random(int(os.environ.get("HUB_KILL_SEED", "20261201")))
    reference = tmp_path / "reference"
    reference.mkdir()
    configure(reference, part_bytes=part_bytes)
    expected = inputs(reference / "inbox" / "meter-reads", 6)
    started = time.monotonic()
    finished(cycle(reference), reference)
    whole = time.monotonic() - started  # how long one uninterrupted cycle takes here
    url = f"sqlite:///{reference / 'var' / 'hub.db'}"
    assert_truth(reference, expected, url, set(os.listdir(reference / "inbox" / "meter-reads")))

    for trial in range(TRIALS):
        root = tmp_path / f"trial-{trial}"
        root.mkdir()
        configure(root, part_bytes=part_bytes)
        inputs(root / "inbox" / "meter-reads", 6)
        running = cycle(root)
        time.sleep(rng.uniform(0, whole))
        running.kill()  # SIGKILL: no handler, no cleanup
        running.wait()
        finished(cycle(root), root)
        left = set(os.listdir(root / "inbox" / "meter-reads"))
        assert_truth(root, expected, f"sqlite:///{root / 'var' / 'hub.db'}", left)


def test_two_cycles_started_together_on_one_inbox_take_each_file_once(tmp_path: Path) -> None:
    for attempt in range(ROUNDS):
        root = tmp_path / f"round-{attempt}"
        root.mkdir()
        configure(root)
        expected = inputs(root / "inbox" / "meter-reads", 10, rows=800)
        first, second = cycle(root), cycle(root)
        finished(first, root)
        finished(second, root)
        finished(cycle(root), root)  # anything one left to the other is taken now
        archived = [p.name.split("-", 1)[1] for p in (root / "inbox" / "meter-reads" / "archive").iterdir()]
        assert sorted(archived) == sorted(expected), "each file archived once, and only with its record"
        left = set(os.listdir(root / "inbox" / "meter-reads"))
        assert_truth(root, expected, f"sqlite:///{root / 'var' / 'hub.db'}", left)


def test_two_nodes_on_one_postgresql_ledger_sharing_an_sftp_source_take_each_file_once(
    tmp_path: Path, ssh_server: SshServer, postgres_server: str
) -> None:
    url = new_postgres_database(postgres_server)
    remote = ssh_server.folder(f"nodes-{tmp_path.name}")
    expected = inputs(remote, 10, rows=800)
    source = {
        "type": "sftp",
        "server": ssh_server.server_config(),
        "remote_dir": str(remote),
        "pattern": "*.csv",
        "completion": {"rule": "rename"},
    }
    nodes = [tmp_path / "node-a", tmp_path / "node-b"]
    for node in nodes:  # two hub installations: their own folders, one ledger, one CIS folder each
        node.mkdir()
        configure(node, ledger=url, source=source)
    first, second = cycle(nodes[0]), cycle(nodes[1])
    finished(first, nodes[0])
    finished(second, nodes[1])
    finished(cycle(nodes[0]), nodes[0])
    left = {p.name for p in remote.iterdir() if p.is_file()}
    archived = sorted(p.name.split("-", 1)[1] for p in (remote / "archive").iterdir())
    assert archived == sorted(expected), "each file archived once, and only with its record"
    ledger = Ledger.open(url)
    try:
        records = ledger.files(exchange="meter-reads")
        delivered = {f.name: f.delivered for f in records if f.state != "duplicate"}
        batches = [b for f in records for b in ledger.batches_of(f.id)]
    finally:
        ledger.close()
    assert Counter(f.name for f in records) == Counter(expected.keys()), (
        "each file recorded once, by one node"
    )
    assert delivered == expected
    outboxes = [node / "outbox" / "cis" for node in nodes]
    controls = {str(p) for box in outboxes if box.is_dir() for p in box.glob("*.control.json")}
    assert controls == {b["path"] for b in batches}
    keys: Counter[str] = Counter()
    for box in outboxes:
        for data in box.glob("*.csv") if box.is_dir() else []:
            with data.open(newline="") as fh:
                keys.update(row[0] for row in list(csv.reader(fh))[1:])
    assert sum(keys.values()) == sum(expected.values()) and max(keys.values()) == 1
    assert not left & set(expected)
