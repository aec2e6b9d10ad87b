"""``hub winter-average`` when nothing changed, through the real ``hub`` command and a real SQLite
ledger: it says "no averages changed since <the last delivery>" (text and ``--json``), exits 0 and
writes no CIS batch; the request is recorded like any file whose transactions went before. A
season no history meets says so too."""

from __future__ import annotations

import sqlite3

from conftest import Workdir

HEADER = "district,account,premise,service_address,period_start,period_end,usage,unit,read_type"
WINTER = [
    f"NW,1001,P-1,1 MAIN ST,{start},{end},{usage},CCF,actual"
    for start, end, usage in (
        ("2025-12-01", "2025-12-31", "31"),
        ("2026-01-01", "2026-01-31", "40"),
        ("2026-02-01", "2026-02-28", "22"),
        ("2026-03-01", "2026-03-31", "28"),
    )
]


def batches(workdir: Workdir) -> list[str]:
    return sorted(p.name for p in workdir.cis.glob("winter-averages-*.control.json"))


def recorded_at(workdir: Workdir, file_id: int) -> str:
    with sqlite3.connect(workdir.root / "var" / "hub.db") as conn:
        [(at,)] = conn.execute(
            "SELECT DISTINCT recorded_at FROM winter_averages WHERE file_id = ?", (file_id,)
        )
    return str(at)[:19]


def test_a_second_request_with_nothing_changed_says_so_and_writes_no_batch(workdir: Workdir) -> None:
    path = workdir.write("nw.csv", ("\n".join([HEADER, *WINTER]) + "\n").encode())
    assert workdir.hub("process", path, "-x", "consumption").code == 0
    first = workdir.hub("winter-average", "--season", "2026", "--json")
    assert first.code == 0 and first.json()["delivered"] == 1 and first.json()["note"] is None
    delivered_by = first.json()["id"]
    since = recorded_at(workdir, delivered_by).replace("T", " ")
    assert len(batches(workdir)) == 1

    again = workdir.hub("winter-average", "--season", "2026")
    assert again.code == 0, again.stdout + again.stderr
    assert (
        f"no averages changed since {since} UTC (season 2026 last delivered by file {delivered_by}); "
        "no CIS batch written"
    ) in again.stdout
    out = workdir.hub("winter-average", "--season", "2026", "--json")
    assert out.code == 0
    result = out.json()
    assert (result["state"], result["delivered"], result["batch_id"]) == ("delivered", 0, None)
    assert result["note"].startswith(f"no averages changed since {since} UTC")
    assert len(batches(workdir)) == 1  # no empty CIS batch
    files = workdir.hub("files", "-x", "winter-averages", "--json").json()["files"]
    assert [(f["state"], f["delivered"]) for f in files] == [  # newest first
        ("delivered", 0),
        ("delivered", 0),
        ("delivered", 1),
    ]


def test_a_season_without_histories_says_there_is_nothing_to_average(workdir: Workdir) -> None:
    res = workdir.hub("winter-average", "--season", "2024", "--json")
    assert res.code == 0
    assert res.json()["note"].startswith("no averages for season 2024: no delivered consumption history")
    assert batches(workdir) == []


def test_a_scheduled_run_with_nothing_changed_says_so(workdir: Workdir) -> None:
    from datetime import UTC, datetime

    import yaml

    from mappings.winter_average import WinterAverageOptions
    from mappings.winter_average_kind import closed_season

    season = closed_season(datetime.now(UTC).date(), WinterAverageOptions())
    config = yaml.safe_load((workdir.root / "hub.yaml").read_text())
    config["exchanges"]["winter-averages"]["schedule"] = {"cron": "0 6 1 4 *"}  # Apr 1
    workdir.set_config(yaml.safe_dump(config))
    winter = [row.replace("2025-", f"{season - 1}-").replace("2026-", f"{season}-") for row in WINTER]
    if season % 4 == 0:
        winter[2] = winter[2].replace("-02-28", "-02-29")
    path = workdir.write("nw.csv", ("\n".join([HEADER, *winter]) + "\n").encode())
    assert workdir.hub("process", path, "-x", "consumption").code == 0
    first = workdir.hub("winter-average", "--season", str(season), "--json").json()
    assert first["delivered"] == 1

    res = workdir.hub("run", "--once", "--json", "--log-format", "json")
    assert res.code == 0, res.stderr
    [request] = [o for o in res.json() if o["exchange"] == "winter-averages"]
    assert (request["state"], request["delivered"], request["batch_id"]) == ("delivered", 0, None)
    assert request["note"].startswith("no averages changed since ")
    assert f"(season {season} last delivered by file {first['id']})" in request["note"]
    assert len(batches(workdir)) == 1
