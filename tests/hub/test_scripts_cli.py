"""``hub`` for scripts: every failure as one JSON object with ``--json`` (and the text path's exit
code), flags shown as flags in help, unknown names refused, ``hub files`` narrowed by time, name
and limit, and a command that waits on a locked ledger saying on whom."""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import HUB, Workdir, new_postgres_database

from hub.engine.config import DEFAULT_CONFIG

KNOWN = ("meter-reads", "ach-returns", "pledges")  # a few of the default configuration's exchanges


def error_of(stdout: str) -> dict[str, object]:
    """The one JSON object a failed ``--json`` command prints, checked for its shape."""
    doc = json.loads(stdout)
    assert list(doc) == ["error"]
    assert set(doc["error"]) == {"code", "kind", "message", "hint"}
    return doc["error"]  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("args", "code", "kind", "says"),
    [
        (["show", "99"], 2, "not-found", "no file with id 99"),
        (["files", "--exchange", "nope"], 2, "usage", "no exchange named 'nope'"),
        (["cycle", "-x", "nope"], 2, "usage", "no exchange named 'nope'"),
        (["files", "--state", "lost"], 2, "usage", "'lost' is not one of"),
        (["files", "--since", "last tuesday"], 2, "usage", "expected a date"),
        (["status", "-c", "missing.yaml"], 2, "config", "missing.yaml: no configuration file"),
        (["reference", "status", "-c", "missing.yaml"], 2, "config", "no configuration file"),
        (["user", "list", "-c", "missing.yaml"], 2, "config", "no configuration file"),
        (["keys", "list", "-c", "missing.yaml"], 2, "config", "no configuration file"),
        (["reconcile", "--date", "soon"], 2, "usage", "expected a date as YYYY-MM-DD"),
        (["inspect", "x.csv", "--format", "nope"], 2, "usage", "unknown format 'nope'"),
        (["files", "--bogus"], 2, "usage", "No such option: --bogus"),
        (["init"], 2, "usage", "hub.yaml exists already"),
    ],
)
def test_a_failed_command_prints_one_json_object_and_exits_as_its_text_path(
    workdir: Workdir, args: list[str], code: int, kind: str, says: str
) -> None:
    as_json = workdir.hub(*args, "--json")
    as_text = workdir.hub(*args)
    assert as_json.code == as_text.code == code, as_text.stderr
    error = error_of(as_json.stdout)
    assert error["code"] == code and error["kind"] == kind
    assert says in str(error["message"])
    assert as_text.stdout == "" and says in " ".join(as_text.stderr.split())


def test_an_error_with_an_obvious_next_step_gives_it_as_a_hint(workdir: Workdir) -> None:
    missing = workdir.hub("show", "99", "--json")
    assert error_of(missing.stdout)["hint"] == "hub files lists the ledger's files"
    assert "hint: hub files lists the ledger's files" in workdir.hub("show", "99").stderr

    exchange = error_of(workdir.hub("files", "-x", "nope", "--json").stdout)
    assert all(name in str(exchange["message"]) for name in KNOWN)  # the known exchanges are named
    assert "hub status" in str(exchange["hint"])

    init = error_of(workdir.hub("init", "--json").stdout)
    assert init["hint"] == "use --force to overwrite it"
    config = error_of(workdir.hub("files", "-c", "elsewhere.yaml", "--json").stdout)
    assert "hub init" in str(config["hint"])
    usage = error_of(workdir.hub("files", "--limit", "-1", "--json").stdout)
    assert usage["code"] == 2 and usage["hint"] == "--help shows the usage"


def test_hub_init_json_says_what_it_wrote(tmp_path: Path) -> None:
    work = Workdir(tmp_path)
    res = work.hub("init", "--json")
    assert res.code == 0, res.stderr
    wrote = res.json()
    assert wrote["config"] == "hub.yaml" and (tmp_path / "hub.yaml").read_text() == DEFAULT_CONFIG
    assert set(KNOWN) <= set(wrote["exchanges"])
    assert len(wrote["folders"]) == len(wrote["exchanges"])
    assert all(Path(folder).is_dir() for folder in wrote["folders"])


@pytest.mark.parametrize(
    "command", [[], ["files"], ["run"], ["init"], ["reference", "status"], ["user", "add"], ["show"]]
)
def test_help_shows_a_flag_as_a_flag_and_a_value_option_with_its_type(
    workdir: Workdir, command: list[str]
) -> None:
    res = workdir.hub(*command, "--help")
    assert res.code == 0
    assert "<bool>" not in res.stdout
    lines: dict[str, str] = {}
    for line in res.stdout.splitlines():
        option = next((w for w in line.split() if w.startswith("--")), None)
        if line.startswith("│") and option:
            lines.setdefault(option, line)
    assert "--help" in lines and "Show this message" in lines["--help"]
    if command:
        assert "<path>" in lines["--config"]  # an option taking a value still shows what it takes


def test_unknown_exchange_or_state_is_refused_with_the_known_ones(workdir: Workdir) -> None:
    res = workdir.hub("files", "--exchange", "nope")
    assert res.code == 2 and res.stdout == ""
    assert "no exchange named 'nope'" in res.stderr and "meter-reads" in res.stderr
    res = workdir.hub("files", "--state", "lost")
    assert res.code == 2
    assert "delivered" in res.stderr and "failed" in res.stderr and "refused" in res.stderr
    ok = workdir.hub("files", "--exchange", "meter-reads", "--state", "failed", "--json")
    assert ok.code == 0 and ok.json() == {"total": 0, "limit": 100, "files": []}


def _landed(workdir: Workdir, upload: Callable[..., bytes], name: str, at: str, seed: int) -> int:
    """Process a file and put its landing time at ``at`` (UTC), as if it had landed then."""
    path = workdir.write(name, upload(3, seed=seed))
    res = workdir.hub("process", path, "--exchange", "meter-reads", "--json")
    assert res.code == 0, res.stderr
    file_id = int(res.json()["id"])
    with sqlite3.connect(workdir.root / "var" / "hub.db") as db:
        db.execute("UPDATE files SET landed_at = ? WHERE id = ?", (at, file_id))
    return file_id


def test_files_narrowed_by_landing_time_in_the_hubs_zone_name_pattern_and_limit(
    workdir: Workdir, upload: Callable[..., bytes]
) -> None:
    workdir.set_config(DEFAULT_CONFIG.replace("timezone: UTC", "timezone: America/Chicago"))
    # 04:30 UTC on Nov 3 is 22:30 on Nov 2 in Chicago: the hub's day is Nov 2.
    late = _landed(workdir, upload, "RTE-1.csv", "2026-11-03 04:30:00.000000", 1)
    noon = _landed(workdir, upload, "rte-2.CSV", "2026-11-03 18:00:00.000000", 2)
    other = _landed(workdir, upload, "aXb.csv", "2026-11-05 12:00:00.000000", 3)

    def ids(*args: str) -> list[int]:
        res = workdir.hub("files", *args, "--json")
        assert res.code == 0, res.stderr
        return [f["id"] for f in res.json()["files"]]

    assert ids() == [other, noon, late]  # newest first
    assert ids("--since", "2026-11-03") == [other, noon]
    assert ids("--until", "2026-11-02") == [late]  # the day named is included
    assert ids("--since", "2026-11-03", "--until", "2026-11-03") == [noon]
    assert ids("--since", "2026-11-02T22:30") == [other, noon, late]  # a time of the hub's zone
    assert ids("--since", "2026-11-02T22:31") == [other, noon]
    assert ids("--until", "2026-11-03T04:30:00Z") == []  # a time with its own offset
    assert ids("--name", "RTE*.csv") == [noon, late]  # any case
    assert ids("--name", "rte-?.csv") == [noon, late]
    assert ids("--name", "a_b.csv") == []  # _ and % are plain characters, not patterns
    assert ids("--name", "RTE") == []  # the whole name, not a part

    cut = workdir.hub("files", "--limit", "2", "--json").json()
    assert cut["total"] == 3 and cut["limit"] == 2 and [f["id"] for f in cut["files"]] == [other, noon]
    assert workdir.hub("files", "--limit", "0", "--json").json()["total"] == 3
    text = workdir.hub("files", "--limit", "1")
    assert text.code == 0 and "2 more; use --limit 3" in text.stdout and "aXb.csv" in text.stdout
    assert "RTE-1.csv" not in text.stdout
    assert "landed (America/Chicago)" in text.stdout and "2026-11-05 06:00" in text.stdout  # 12:00 UTC

    refused = workdir.hub("files", "--since", "2026-11-05", "--until", "2026-11-01")
    assert refused.code == 2 and "is not before --until" in refused.stderr


HOLDER = """
import os, sqlite3, sys, time
from pathlib import Path
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
print(os.getpid(), flush=True)
while not Path(sys.argv[2]).exists():
    time.sleep(0.05)
db.execute("COMMIT")
"""


def _hold_ledger(workdir: Workdir) -> tuple[subprocess.Popen[str], Path]:
    """Another process holding the ledger's write lock until the returned file exists."""
    assert workdir.hub("files").code == 0  # the ledger is made
    release = workdir.root / "release"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(workdir.root / "var" / "hub.db"), str(release)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == str(holder.pid)  # it holds the lock now
    return holder, release


def _waiting_hub(workdir: Workdir, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(HUB), *args],
        cwd=workdir.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_command_waiting_on_a_locked_ledger_says_who_holds_it_then_goes_on(workdir: Workdir) -> None:
    holder, release = _hold_ledger(workdir)
    try:
        waiting = _waiting_hub(workdir, "files", "--json")
        assert waiting.stderr is not None
        line = waiting.stderr.readline()  # said while it waits, before the holder lets go
        assert line.strip() == f"waiting for the ledger, held by PID {holder.pid} (timeout 60 s)"
        assert waiting.poll() is None, "still waiting"
    finally:
        release.touch()
        holder.wait(timeout=60)
    stdout, stderr = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, stderr
    assert json.loads(stdout) == {"total": 0, "limit": 100, "files": []}  # nothing else on stdout


def test_a_command_that_waits_too_long_fails_with_exit_3_in_json_and_text(workdir: Workdir) -> None:
    workdir.set_config(
        DEFAULT_CONFIG.replace("url: sqlite:///var/hub.db", "url: sqlite:///var/hub.db\n  wait_seconds: 2")
    )
    holder, release = _hold_ledger(workdir)
    try:
        as_json = _waiting_hub(workdir, "files", "--json")
        stdout, stderr = as_json.communicate(timeout=120)
        as_text = _waiting_hub(workdir, "files")
        text_out, text_err = as_text.communicate(timeout=120)
    finally:
        release.touch()
        holder.wait(timeout=60)
    waited = f"waiting for the ledger, held by PID {holder.pid} (timeout 2 s)"
    assert as_json.returncode == 3 and stderr.splitlines() == [waited]
    error = error_of(stdout)
    assert error["code"] == 3 and error["kind"] == "ledger"
    assert (
        error["message"]
        == f"ledger is busy: held by PID {holder.pid} for more than 2 s (ledger.wait_seconds)"
    )
    assert "retry" in str(error["hint"])
    assert as_text.returncode == 3 and text_out == ""
    said = " ".join(text_err.split())
    assert waited in said and f"failed: ledger is busy: held by PID {holder.pid}" in said
    assert "hint: another hub process held the ledger too long" in said
    assert workdir.hub("files", "--json").code == 0  # once let go, the ledger answers again


PG_HOLDER = """
import os, sys, time
from pathlib import Path
from hub.ledger import Ledger
ledger = Ledger.open(sys.argv[1])
with ledger.tx() as conn:
    ledger.lock_exchange(conn, "meter-reads")
    print(os.getpid(), flush=True)
    while not Path(sys.argv[2]).exists():
        time.sleep(0.05)
"""


def test_on_postgresql_a_command_waiting_for_an_exchanges_delivery_says_who_delivers(
    workdir: Workdir, postgres_server: str, upload: Callable[..., bytes]
) -> None:
    url = new_postgres_database(postgres_server)
    workdir.set_config(DEFAULT_CONFIG.replace("url: sqlite:///var/hub.db", f"url: {url}"))
    path = workdir.write("route.csv", upload(5))
    release = workdir.root / "release"
    holder = subprocess.Popen(
        [sys.executable, "-c", PG_HOLDER, url, str(release)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == str(holder.pid)
        waiting = _waiting_hub(workdir, "process", str(path), "--exchange", "meter-reads", "--json")
        assert waiting.stderr is not None
        line = waiting.stderr.readline()  # said while it waits, before the holder lets go
        held = f"held by PID {holder.pid} on {socket.gethostname()}"
        what = "the delivery lock of exchange meter-reads"
        assert line.strip() == f"waiting for the ledger, {what} {held} (no timeout: until it is done)"
        assert waiting.poll() is None, "still waiting"
    finally:
        release.touch()
        holder.wait(timeout=60)
    stdout, stderr = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, stderr
    outcome = json.loads(stdout)
    assert outcome["state"] == "delivered" and outcome["delivered"] == 5
