"""``hub run``: the service as an operator runs it — a real process, real signals, the real ledger.

Scheduled pulls run once and never take a file twice (also across restarts); a run missed while the
service was down is made up when it starts; watched folders are processed as files complete; the
first SIGTERM finishes the file in hand and exits 0, a second exits at once and the file is finished
on the next start, delivered exactly once; ``hub status`` shows overdue files.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from hub.engine.config import DEFAULT_CONFIG, load_config
from hub.engine.pipeline import Engine
from scheduler import Service
from tests.conftest import HUB, SshServer, Workdir


def configure(workdir: Workdir, **exchange: Any) -> None:
    config = yaml.safe_load(DEFAULT_CONFIG)
    config["service"] = {"sweep_seconds": 60, "settle_seconds": 0.2, "log_format": "json"}
    config["exchanges"]["meter-reads"].update(exchange)
    workdir.set_config(yaml.safe_dump(config))


def wait_for(what: str, check: Callable[[], Any], timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def ledger_rows(workdir: Workdir, sql: str) -> list[tuple[Any, ...]]:
    db = workdir.root / "var" / "hub.db"
    if not db.exists():
        return []
    with sqlite3.connect(db) as conn:
        try:
            return conn.execute(sql).fetchall()
        except sqlite3.OperationalError:
            return []


def log_events(log: Path) -> list[dict[str, Any]]:
    return log_events_of(log.read_text())


def log_events_of(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


@pytest.fixture
def service(workdir: Workdir) -> Iterator[Callable[[], subprocess.Popen[bytes]]]:
    """Start ``hub run`` in the working folder; its JSON log goes to ``service.log``."""
    started: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        log = (workdir.root / "service.log").open("ab")
        proc = subprocess.Popen([str(HUB), "run"], cwd=workdir.root, stdout=log, stderr=log)
        started.append(proc)
        wait_for(
            "the service to start", lambda: '"event": "started"' in (workdir.root / "service.log").read_text()
        )
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def exit_code(proc: subprocess.Popen[bytes], workdir: Workdir, timeout: float) -> int:
    """The service's exit code; if it does not exit in time, fail with the end of its log (where
    the shutdown waits) instead of a bare timeout."""
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        tail = (workdir.root / "service.log").read_text(errors="replace")[-4000:]
        pytest.fail(f"hub run did not exit {timeout} s after SIGTERM; end of service.log:\n{tail}")


def delivered_total(workdir: Workdir) -> int:
    return len(workdir.delivered_rows("MeterRead")) + len(workdir.delivered_rows("ReadException"))


def test_scheduled_pull_runs_once_and_never_twice_across_restarts(
    workdir: Workdir, ssh_server: SshServer, upload: Any, tmp_path: Path
) -> None:
    outgoing = ssh_server.home / f"sched-{tmp_path.name}"
    outgoing.mkdir()
    source = {
        "type": "sftp",
        "server": {
            "host": "127.0.0.1",
            "port": ssh_server.port,
            "user": ssh_server.user,
            "key_file": str(ssh_server.client_key),
            "known_hosts": str(ssh_server.known_hosts),
        },
        "remote_dir": str(outgoing),
        "completion": {"rule": "size-stable", "stable_seconds": 0.2},
    }
    configure(workdir, source=source, watch=False, schedule={"cron": "30 5 * * *"})
    local = workdir.write("local/route-1.csv", upload(40))
    ssh_server.partner(f"put {local} {outgoing}/route-1.csv")

    first = workdir.hub("run", "--once", "--json")
    assert first.code == 0, first.stderr
    taken = [(o["name"], o["state"], o["rows"]) for o in first.json() if o["state"] != "skipped"]
    assert taken == [("route-1.csv", "delivered", 40)]
    assert [p.name for p in outgoing.iterdir()] == ["archive"]

    # not due again until 05:30 tomorrow: a restart (a new --once) runs nothing, takes nothing
    ssh_server.partner(f"put {local} {outgoing}/route-1-again.csv")
    second = workdir.hub("run", "--once", "--json")
    assert (second.code, [o for o in second.json() if o["state"] != "skipped"]) == (0, [])
    [left] = [o for o in second.json() if o["exchange"] == "meter-reads"]
    assert (left["state"], left["skipped"]) == ("skipped", "not-due")
    assert "next run" in left["note"] and "05:30" in left["note"]
    assert (outgoing / "route-1-again.csv").exists()
    assert delivered_total(workdir) == 40
    status = {r["exchange"]: r for r in workdir.hub("status", "--json").json()}["meter-reads"]
    assert status["last_run"]["trigger"] == "schedule"
    assert status["next_run"].endswith("05:30:00+00:00")
    assert status["last_file"]["name"] == "route-1.csv"


def test_the_scheduler_jobs_have_explicit_ids_coalesce_and_one_instance(workdir: Workdir) -> None:
    configure(workdir, watch=True)
    config = yaml.safe_load((workdir.root / "hub.yaml").read_text())
    config["exchanges"]["meter-reads-north"] = {
        "kind": "meter-reads",
        "schedule": {"cron": "0 6 * * 1-5", "timezone": "America/Chicago", "misfire_grace_seconds": 900},
    }
    workdir.set_config(yaml.safe_dump(config))
    settings = load_config(workdir.root / "hub.yaml")
    engine = Engine(settings)
    try:
        jobs = {j["id"]: j for j in Service(settings, engine).jobs()}
    finally:
        engine.close()
    assert set(jobs) == {"sweep:meter-reads", "schedule:meter-reads-north", "expected-files"}
    cron = jobs["schedule:meter-reads-north"]
    assert (cron["coalesce"], cron["max_instances"], cron["misfire_grace_time"]) == (True, 1, 900)
    assert str(cron["trigger"].timezone) == "America/Chicago"
    monday = datetime(2026, 11, 23, 12, tzinfo=UTC)  # 06:00 in Chicago has passed
    assert cron["trigger"].get_next_fire_time(None, monday) == datetime(2026, 11, 24, 12, tzinfo=UTC)
    assert all(j["coalesce"] and j["max_instances"] == 1 for j in jobs.values())


def test_a_run_missed_while_the_service_was_down_is_made_up_on_start(
    workdir: Workdir, upload: Any, service: Callable[[], subprocess.Popen[bytes]]
) -> None:
    configure(workdir, watch=False, schedule={"cron": "0 3 * * *"})
    assert workdir.hub("run", "--once").code == 0  # the first scheduled run (nothing waiting)
    two_days_ago = (datetime.now(UTC) - timedelta(days=2)).strftime("%Y-%m-%d %H:%M:%S.000000")
    with sqlite3.connect(workdir.root / "var" / "hub.db") as conn:
        conn.execute("UPDATE runs SET started_at = ?", (two_days_ago,))
    workdir.write("inbox/meter-reads/route-5.csv", upload(25, seed=5))

    proc = service()
    wait_for("the catch-up run", lambda: delivered_total(workdir) == 25)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    runs = ledger_rows(workdir, "SELECT trigger, files FROM runs ORDER BY id")
    assert ("catch-up", 1) in runs
    events = log_events(workdir.root / "service.log")
    delivered = [e for e in events if e.get("event") == "delivered"]
    assert delivered and delivered[0]["exchange"] == "meter-reads"
    assert {"run_id", "file_id"} <= set(delivered[0])


def test_a_watched_folder_takes_a_file_once_it_is_renamed_into_place(
    workdir: Workdir, upload: Any, service: Callable[[], subprocess.Popen[bytes]]
) -> None:
    configure(workdir, watch=True)
    proc = service()
    inbox = workdir.root / "inbox" / "meter-reads"
    partial = inbox / "route-6.csv.part"
    partial.write_bytes(upload(30, seed=6))
    time.sleep(1.5)  # an event came, a sweep ran: the .part name is not taken
    assert ledger_rows(workdir, "SELECT name FROM files") == []
    partial.rename(inbox / "route-6.csv")
    wait_for("the renamed file", lambda: delivered_total(workdir) == 30, timeout=30)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 0
    assert ledger_rows(workdir, "SELECT name, state FROM files") == [("route-6.csv", "delivered")]
    assert not (inbox / "route-6.csv").exists()  # archived after it was recorded


def test_sigterm_while_processing_finishes_the_file_and_exits_cleanly(
    workdir: Workdir, upload: Any, service: Callable[[], subprocess.Popen[bytes]]
) -> None:
    configure(workdir, watch=True)
    proc = service()
    big = upload(200_000, seed=7)
    (workdir.root / "big.csv").write_bytes(big)
    (workdir.root / "big.csv").rename(workdir.root / "inbox" / "meter-reads" / "route-7.csv")
    wait_for("processing to start", lambda: ledger_rows(workdir, "SELECT id FROM files"), timeout=30)
    proc.send_signal(signal.SIGTERM)
    assert exit_code(proc, workdir, timeout=120) == 0
    assert ledger_rows(workdir, "SELECT state FROM files") == [("delivered",)]
    assert delivered_total(workdir) == 200_000
    assert len(workdir.controls()) == 1
    events = [e.get("event") for e in log_events(workdir.root / "service.log")]
    assert events.index("stopping") < events.index("stopped")


def test_a_second_signal_exits_at_once_and_the_file_is_delivered_exactly_once_after_restart(
    workdir: Workdir, upload: Any, service: Callable[[], subprocess.Popen[bytes]]
) -> None:
    configure(workdir, watch=True)
    proc = service()
    (workdir.root / "big.csv").write_bytes(upload(500_000, seed=8))  # seconds of work: cut mid-way
    (workdir.root / "big.csv").rename(workdir.root / "inbox" / "meter-reads" / "route-8.csv")
    wait_for("processing to start", lambda: ledger_rows(workdir, "SELECT id FROM files"), timeout=30)
    proc.send_signal(signal.SIGTERM)
    # two signals at the same instant are one to the process; the operator's second comes later
    wait_for("the first signal", lambda: '"event": "stopping"' in (workdir.root / "service.log").read_text())
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 130

    again = workdir.hub("run", "--once", "--json")
    assert again.code == 0, again.stderr
    assert delivered_total(workdir) == 500_000
    assert len(workdir.controls()) == 1
    states = [s for (s,) in ledger_rows(workdir, "SELECT state FROM files ORDER BY id")]
    assert states[0] == "delivered" and set(states[1:]) <= {"duplicate"}
    assert not list((workdir.root / "outbox" / "cis").glob(".*.tmp"))


def test_status_shows_an_overdue_file_and_clears_when_it_arrives(workdir: Workdir, upload: Any) -> None:
    every_day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    configure(workdir, watch=True, expected={"by": "00:00", "days": every_day})
    result = workdir.hub("status", "--json")
    assert result.code == 1
    row = {r["exchange"]: r for r in result.json()}["meter-reads"]
    assert row["overdue"] is True and row["last_file"] is None
    assert "OVERDUE" in workdir.hub("status").stdout

    once = workdir.hub("run", "--once", "--log-format", "json")
    assert any(json.loads(line).get("event") == "overdue" for line in once.stderr.splitlines())

    workdir.write("inbox/meter-reads/route-9.csv", upload(10, seed=9))
    assert workdir.hub("run", "--once").code == 0
    result = workdir.hub("status", "--json")
    status = {r["exchange"]: r for r in result.json()}["meter-reads"]
    assert (result.code, status["overdue"]) == (0, False)


def test_holidays_and_days_off_are_never_overdue() -> None:
    from hub.engine.config import Expected
    from hub.engine.status import check_expected

    expected = Expected(by="06:00", holidays=["2026-11-26"])  # Thanksgiving, a Thursday
    at = datetime(2026, 11, 26, 18, tzinfo=UTC)
    assert check_expected(expected, "America/Chicago", None, at).overdue is False
    saturday = datetime(2026, 11, 28, 18, tzinfo=UTC)
    assert check_expected(expected, "America/Chicago", None, saturday).overdue is False
    friday_early = datetime(2026, 11, 27, 11, 59, tzinfo=UTC)  # 05:59 in Chicago
    assert check_expected(expected, "America/Chicago", None, friday_early).overdue is False
    friday_late = datetime(2026, 11, 27, 12, 1, tzinfo=UTC)
    assert check_expected(expected, "America/Chicago", None, friday_late).overdue is True
    arrived = datetime(2026, 11, 27, 11, tzinfo=UTC)
    assert check_expected(expected, "America/Chicago", arrived, friday_late).overdue is False


def test_logs_show_counts_and_ids_and_never_an_account_number(workdir: Workdir, upload: Any) -> None:
    configure(workdir, watch=True)
    data = upload(1_000_000, bad=3, seed=9)  # a count of seven digits, as a digit-run mask would hide
    workdir.write("inbox/meter-reads/route-9.csv", data)
    once = workdir.hub("run", "--once", "--log-format", "json")
    assert once.code == 1, once.stderr  # three bad rows reject the file
    messages = [e["message"] for e in log_events_of(once.stderr)]
    assert any("rejected: 3 of 1000000 rows" in m for m in messages), messages  # counts stay readable
    accounts = {row.split(b",")[2].decode() for row in data.splitlines()[1:] if row.count(b",") > 2}
    accounts = {a for a in accounts if len(a) >= 6}
    assert accounts and not [a for a in accounts if a in once.stderr], "an account number reached the log"
