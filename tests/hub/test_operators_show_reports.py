"""``hub show ID`` names the last run's report files, each by what it holds (``errors`` when the
run found an error, ``warnings`` when it found warnings only), and for a placement file sent to an
agency the agency's acknowledgement file."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

from tests.conftest import Workdir
from tests.hub.test_ach_returns_e2e import configure as configure_returns
from tests.hub.test_ach_returns_e2e import process as process_returns
from tests.hub.test_ach_returns_e2e import returns_file
from tests.hub.test_placements_e2e import configure as configure_placements
from tests.hub.test_placements_e2e import extract, originate, person


def test_show_names_an_errors_report_and_a_warnings_report_by_content(
    workdir: Workdir, upload: Callable[..., bytes]
) -> None:
    configure_returns(workdir)
    code, out = process_returns(workdir, "returns.ach", returns_file())  # an R97: a warning, nothing rejected
    assert code == 0 and out["state"] == "delivered"
    assert {p["severity"] for p in out["problems"]} == {"warning"}
    assert sorted(Path(p).suffixes[-2] + Path(p).suffix for p in out["reports"]) == [
        ".warnings.csv",
        ".warnings.json",
    ]
    text = workdir.hub("show", str(out["id"]))
    assert "warnings report (CSV): " in text.stdout and "errors report" not in text.stdout
    shown = workdir.hub("show", str(out["id"]), "--json").json()
    assert shown["reports"] == out["reports"] and all(Path(p).is_file() for p in shown["reports"])
    with open(shown["reports"][0], newline="") as fh:
        assert {r["severity"] for r in csv.DictReader(fh)} == {"warning"}

    bad = workdir.write("route-bad.csv", upload(20, bad=2))
    rejected = workdir.hub("process", bad, "-x", "meter-reads", "--json").json()
    assert rejected["state"] == "rejected" and all(".errors." in p for p in rejected["reports"])
    detail = workdir.hub("show", str(rejected["id"]))
    csv_report = next(p for p in rejected["reports"] if p.endswith(".csv"))
    assert "errors report (CSV): " in detail.stdout and "warnings report" not in detail.stdout
    assert csv_report in "".join(detail.stdout.split())  # the path, however the terminal wraps it


def test_show_names_the_agencys_acknowledgement_of_a_placement_file(workdir: Workdir) -> None:
    configure_placements(workdir)
    code, sent = originate(workdir, "closed.csv", extract(person("1001"), person("1002")))
    assert code == 0
    [placement] = [p.name for p in (workdir.root / "outbox" / "placements").glob("*.csv")]
    before = workdir.hub("show", str(sent["id"]))
    assert "acknowledged by" not in before.stdout

    ack = f"agency_id,placement_file,count,total,account,amount\nACME,{placement},2,500.20,,\n"
    res = workdir.hub(
        "process", workdir.write("acme-ack.csv", ack.encode()), "-x", "placement-acks", "--json"
    )
    assert res.code in (0, 1), res.stderr
    ack_id = res.json()["id"]
    after = workdir.hub("show", str(sent["id"]))
    assert f"acknowledged by ACME in file {ack_id} acme-ack.csv" in after.stdout
    [found] = workdir.hub("show", str(sent["id"]), "--json").json()["acknowledgements"]
    assert (found["file_id"], found["agency"], found["name"]) == (ack_id, "ACME", "acme-ack.csv")
