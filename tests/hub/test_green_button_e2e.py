"""The green-button exchange end to end through the real ``hub`` command: a Green Button feed becomes
a CIS batch of IntervalUsage rows with exact values, units and the configured account; a duplicate
reading is delivered once and warned of; a resent file posts nothing twice; ``hub inspect --json``
prints the issue's summary; a file declaring a DOCTYPE is rejected, not expanded."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from tests.conftest import Workdir
from tests.formats.greenbutton_cases import USAGE_POINT, Feed, Reading, build, hourly

CORPUS = Path("/work/shared/corpus/greenbutton")
ACCOUNT = "0012345"


def rows(workdir: Workdir) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    for path in sorted(workdir.cis.glob("*.IntervalUsage.csv")):
        found += list(csv.DictReader(io.StringIO(path.read_text())))
    return found


def process(workdir: Workdir, name: str, data: bytes) -> tuple[int, dict[str, Any]]:
    res = workdir.hub("process", workdir.write(name, data), "-x", "green-button", "--json")
    assert res.stdout, res.stderr
    return res.code, res.json()


def with_account(workdir: Workdir) -> None:
    text = (workdir.root / "hub.yaml").read_text()
    workdir.set_config(
        text.replace("      accounts: {}\n", f'      accounts: {{"{USAGE_POINT}": "{ACCOUNT}"}}\n')
    )


def test_a_feed_becomes_interval_usage_once_with_exact_values(workdir: Workdir) -> None:
    with_account(workdir)
    readings = hourly(4)
    readings.append(Reading(readings[1].start, "3600", "99", "1", "0"))  # a duplicate of the second
    data = build(Feed(blocks=[readings], power="-3"))
    code, out = process(workdir, "usage-2023-11.xml", data)
    assert code == 0, out
    assert out["state"] == "delivered" and out["transactions"] == {"IntervalUsage": 4}, out
    got = rows(workdir)
    assert [r["value"] for r in got] == ["1.000", "1.001", "1.002", "1.003"]  # raw x 10^-3, exact
    assert {r["unit"] for r in got} == {"Wh"} and {r["account"] for r in got} == {ACCOUNT}
    first = got[0]
    assert first["start"] == "2023-11-14T22:13:20Z" and first["duration_seconds"] == "3600"
    assert first["idempotency_key"] == f"GB|{USAGE_POINT}|ReadingType/07|2023-11-14T22:13:20Z"
    assert (
        first["cost"] == "10000" and first["quality"] == "valid" and first["local_offset_seconds"] == "-18000"
    )
    assert got[1]["raw_value"] == "1001"  # the first of the duplicates is kept

    code, again = process(workdir, "usage-2023-11-resent.xml", data)
    assert (code, again["state"]) == (0, "duplicate")
    overlapping = build(Feed(blocks=[hourly(6)]))  # the same four hours and two more
    code, later = process(workdir, "usage-2023-11-later.xml", overlapping)
    assert code == 0 and later["already_delivered"] == 4, later
    assert len(rows(workdir)) == 6


def test_odd_rows_are_reported_and_the_good_ones_delivered(workdir: Workdir) -> None:
    readings = hourly(3)
    readings[2].start = "1700007200.5"
    code, out = process(workdir, "odd.xml", build(Feed(blocks=[readings])))
    assert code == 1 and (out["state"], out["delivered"], out["rejected"]) == ("delivered", 2, 1), out
    assert [(p["rule"], p["field"], p["value"]) for p in out["problems"]] == [
        ("odd-timestamp", "start", "1700007200.5")
    ]
    assert out["transactions"] == {"IntervalUsage": 2}, out
    assert len(rows(workdir)) == 2


def test_a_corpus_file_is_delivered(workdir: Workdir) -> None:
    name = "Coastal_Multi_Family_Jan_1_2011_to_Jan_1_2012_RetailCustomer_5.xml"
    code, out = process(workdir, name, (CORPUS / name).read_bytes())
    assert code == 0 and out["transactions"] == {"IntervalUsage": 8760}, out
    got = rows(workdir)
    assert sum(int(r["raw_value"]) for r in got) == 4_425_305  # as inspect and the xml.etree count say


def test_inspect_prints_the_summary_and_refuses_a_doctype(workdir: Workdir) -> None:
    path = workdir.write("feed.xml", build(Feed(blocks=[hourly(3), hourly(2, 1_700_100_000)])))
    res = workdir.hub("inspect", path, "--format", "greenbutton", "--json")
    assert res.code == 0, res.stdout + res.stderr
    s = res.json()
    assert list(s) == [
        "format",
        "usage_points",
        "readings",
        "value_sum",
        "cost_sum",
        "start",
        "end",
        "problems",
    ]
    [point] = s["usage_points"]
    [meter] = point["meter_readings"]
    assert (point["kind"], meter["uom"], meter["blocks"], meter["readings"]) == (0, 72, 2, 5)
    assert (s["readings"], s["value_sum"], s["start"], s["end"]) == (
        5,
        3003 + 2001,
        1_700_000_000,
        1_700_107_200,
    )
    human = workdir.hub("inspect", path, "--format", "greenbutton")
    assert human.code == 0 and "readings 5" in human.stdout

    bomb = '<!DOCTYPE feed [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
    bad = workdir.write("bomb.xml", build(Feed(doctype=bomb)))
    res = workdir.hub("inspect", bad, "--format", "greenbutton", "--json")
    assert res.code == 1 and [p["rule"] for p in res.json()["problems"]] == ["xml-doctype"]
    code, out = process(workdir, "bomb.xml", bad.read_bytes())
    assert code != 0 and not rows(workdir), out
