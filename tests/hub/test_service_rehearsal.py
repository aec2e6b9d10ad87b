"""``hub run`` rehearses a large meter-read file before it says it started, through the real service:
nothing of the rehearsal is recorded, delivered or left on disk, the first real file is delivered
as usual, ``service.rehearse_rows: 0`` rehearses nothing, and an exchange whose options a
generated file does not fit is reported and still takes its files.
"""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Callable
from typing import Any

import yaml

from hub.engine.config import DEFAULT_CONFIG
from tests.conftest import Workdir
from tests.test_scheduler import delivered_total, ledger_rows, log_events, service, wait_for

__all__ = ["service"]  # the fixture, used by name


def configure(workdir: Workdir, rows: int, **meter_reads: Any) -> None:
    config = yaml.safe_load(DEFAULT_CONFIG)
    config["service"] = {"sweep_seconds": 3600, "log_format": "json", "rehearse_rows": rows}
    exchange = config["exchanges"]["meter-reads"]
    for key, value in meter_reads.items():
        exchange[key] = {**exchange.get(key, {}), **value}
    workdir.set_config(yaml.safe_dump(config))


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 0


def test_the_service_rehearses_before_it_starts_and_keeps_nothing_of_it(
    workdir: Workdir, upload: Any, service: Callable[[], subprocess.Popen[bytes]]
) -> None:
    configure(workdir, 5_000)
    proc = service()
    names = [e.get("event") for e in log_events(workdir.root / "service.log")]
    assert names.index("rehearsed") < names.index("warmed_up") < names.index("started")
    rehearsed = next(e for e in log_events(workdir.root / "service.log") if e.get("event") == "rehearsed")
    assert "meter-reads: rehearsed a file of 5000 rows" in rehearsed["message"]
    assert ledger_rows(workdir, "SELECT count(*) FROM files") in ([], [(0,)])  # nothing recorded
    assert workdir.controls() == [] and not list(workdir.cis.glob("*"))  # nothing delivered
    assert not list((workdir.root / "var").glob("rehearsal-*"))  # its scratch folder is gone
    inbox = workdir.root / "inbox" / "meter-reads"
    (workdir.root / "route.csv").write_bytes(upload(50, seed=4))
    (workdir.root / "route.csv").rename(inbox / "route.csv")
    wait_for("the file", lambda: delivered_total(workdir) == 50)
    stop(proc)
    assert [c["transactions"] for c in workdir.controls()] == [50]
    assert ledger_rows(workdir, "SELECT name, state FROM files") == [("route.csv", "delivered")]


def test_no_rehearsal_when_its_rows_are_zero(
    workdir: Workdir, service: Callable[[], subprocess.Popen[bytes]]
) -> None:
    configure(workdir, 0)
    stop(service())
    names = [e.get("event") for e in log_events(workdir.root / "service.log")]
    assert "warmed_up" in names and "rehearsed" not in names and "rehearsal_failed" not in names


def test_a_generated_file_that_does_not_fit_the_options_is_reported_and_files_still_run(
    workdir: Workdir, upload: Any, service: Callable[[], subprocess.Popen[bytes]]
) -> None:
    configure(workdir, 1_000, format_options={"delimiter": ";"})
    proc = service()
    events = log_events(workdir.root / "service.log")
    failed = [e for e in events if e.get("event") == "rehearsal_failed"]
    assert len(failed) == 1 and "meter-reads: not rehearsed" in failed[0]["message"]
    assert "rehearsed" not in [e.get("event") for e in events]
    inbox = workdir.root / "inbox" / "meter-reads"
    (workdir.root / "route.csv").write_bytes(upload(20, seed=5).replace(b",", b";"))
    (workdir.root / "route.csv").rename(inbox / "route.csv")
    wait_for("the file", lambda: delivered_total(workdir) == 20)
    stop(proc)


def test_a_kind_is_rehearsed_once_by_the_first_exchange_whose_options_fit(
    workdir: Workdir, service: Callable[[], subprocess.Popen[bytes]]
) -> None:
    config = yaml.safe_load(DEFAULT_CONFIG)
    config["service"] = {"sweep_seconds": 3600, "log_format": "json", "rehearse_rows": 1_000}
    base = config["exchanges"].pop("meter-reads")
    for name, delimiter in (("reads-semicolon", ";"), ("reads-a", ","), ("reads-b", ",")):
        exchange = dict(base, format_options={**base["format_options"], "delimiter": delimiter})
        exchange["source"] = dict(base["source"], path=f"inbox/{name}")
        config["exchanges"][name] = exchange
    workdir.set_config(yaml.safe_dump(config, sort_keys=False))  # the exchanges in this order
    stop(service())
    events = log_events(workdir.root / "service.log")
    failed = [e["message"] for e in events if e.get("event") == "rehearsal_failed"]
    rehearsed = [e["message"] for e in events if e.get("event") == "rehearsed"]
    assert [m.split(":")[0] for m in failed] == ["reads-semicolon"]
    assert [m.split(":")[0] for m in rehearsed] == ["reads-a"]  # reads-b finds it done


def test_the_rehearsal_is_as_large_as_the_exchanges_largest_recent_file(
    workdir: Workdir, upload: Any, service: Callable[[], subprocess.Popen[bytes]]
) -> None:
    """A hub whose meter reads come in small files does not hold a large file's memory: with a
    300-row file delivered this month, the rehearsal is 300 rows, not ``rehearse_rows``."""
    configure(workdir, 5_000)
    workdir.write("inbox/meter-reads/route.csv", upload(300, seed=6))
    assert workdir.hub("cycle").code == 0
    assert delivered_total(workdir) == 300
    stop(service())
    rehearsed = [
        e["message"] for e in log_events(workdir.root / "service.log") if e.get("event") == "rehearsed"
    ]
    assert len(rehearsed) == 1 and "meter-reads: rehearsed a file of 300 rows" in rehearsed[0], rehearsed
