"""``hub run`` reacting to files as they arrive, through the real service process.

A file renamed into a watched folder is looked at at once (the settle wait is for files still being
written); a file that arrives while the exchange's sweep is busy with another is taken by that
sweep going round again, not left for the next periodic sweep; every enabled exchange is prepared
(formats, kinds, imports) before the service says it started.
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

# Far longer than any wait below: a file taken here was not taken by a settle wait or a periodic sweep.
SLOW = {"sweep_seconds": 3600, "settle_seconds": 600, "log_format": "json"}


def configure_slow(workdir: Workdir) -> None:
    config = yaml.safe_load(DEFAULT_CONFIG)
    config["service"] = SLOW
    workdir.set_config(yaml.safe_dump(config))


def test_a_file_renamed_into_the_watched_folder_is_taken_without_the_settle_wait(
    workdir: Workdir, upload: Any, service: Callable[[], subprocess.Popen[bytes]]
) -> None:
    configure_slow(workdir)
    proc = service()
    inbox = workdir.root / "inbox" / "meter-reads"
    partial = inbox / "route-1.csv.part"
    partial.write_bytes(upload(40, seed=1))  # written in place: the sweep it hints at waits 600 s
    partial.rename(inbox / "route-1.csv")
    wait_for("the renamed file", lambda: delivered_total(workdir) == 40, timeout=60)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 0
    assert ledger_rows(workdir, "SELECT name, state FROM files") == [("route-1.csv", "delivered")]
    assert len(workdir.controls()) == 1
    assert not (inbox / "route-1.csv").exists()  # archived once recorded


def test_a_file_arriving_while_another_is_processed_is_taken_right_after_it(
    workdir: Workdir, upload: Any, service: Callable[[], subprocess.Popen[bytes]]
) -> None:
    configure_slow(workdir)
    proc = service()
    inbox = workdir.root / "inbox" / "meter-reads"
    (workdir.root / "big.csv").write_bytes(upload(300_000, seed=2))  # seconds of work
    (workdir.root / "big.csv").rename(inbox / "route-2.csv")
    wait_for("processing to start", lambda: ledger_rows(workdir, "SELECT id FROM files"), timeout=60)
    (workdir.root / "small.csv").write_bytes(upload(30, seed=3))
    (workdir.root / "small.csv").rename(inbox / "route-3.csv")  # the sweep is busy with route-2
    wait_for("both files", lambda: delivered_total(workdir) == 300_030, timeout=120)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 0
    assert ledger_rows(workdir, "SELECT name, state FROM files ORDER BY id") == [
        ("route-2.csv", "delivered"),
        ("route-3.csv", "delivered"),
    ]
    assert sorted(c["source"]["name"] for c in workdir.controls()) == ["route-2.csv", "route-3.csv"]


def test_every_enabled_exchange_is_prepared_before_the_service_starts(
    workdir: Workdir, service: Callable[[], subprocess.Popen[bytes]]
) -> None:
    config = yaml.safe_load(DEFAULT_CONFIG)
    config["service"] = SLOW
    off = dict(config["exchanges"]["meter-reads"], enabled=False, watch=False)
    off["source"] = dict(off["source"], path="inbox/meter-reads-off")
    config["exchanges"]["meter-reads-off"] = off
    workdir.set_config(yaml.safe_dump(config))
    proc = service()
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 0
    events = log_events(workdir.root / "service.log")
    names = [e.get("event") for e in events]
    assert names.index("warmed_up") < names.index("started")
    prepared = next(e for e in events if e.get("event") == "warmed_up")
    listed = prepared["message"].split(": ", 1)[1].split(", ")
    assert "meter-reads" in listed and "meter-reads-off" not in listed  # only enabled exchanges
    assert not any(e.get("event") == "warm_up_failed" for e in events)
