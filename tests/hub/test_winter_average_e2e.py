"""Winter averages and a leak adjustment end to end through the real ``hub`` command and a real
SQLite ledger: a district's year of histories goes through ``consumption``; ``hub winter-average
--season 2026`` delivers one WinterAverage per account (recorded like any file); a leak request is
adjusted against that average; resending the histories or asking again posts nothing twice; a late
history that changes an average delivers exactly one superseding WinterAverage; a scheduled run
(``hub run --once``) computes the season whose window closed most recently."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import yaml
from conftest import Workdir

HEADER = "district,account,premise,service_address,period_start,period_end,usage,unit,read_type"
ADJ_HEADER = "account,kind,period_start,period_end,volume,unit,evidence_ref,requested_by"


def line(account: str, start: str, end: str, usage: str) -> str:
    return f"NW,{account},P-{account},{account} MAIN ST,{start},{end},{usage},CCF,actual"


# 1001: Dec-Mar 121 days, 121 CCF (an average of exactly 1.000 a day), then a leaky May (81 CCF)
# 1002: Jan-Feb only (59 days: too few for an average) until a late March arrives
YEAR = [
    line("1001", "2025-12-01", "2025-12-31", "31"),
    line("1001", "2026-01-01", "2026-01-31", "40"),
    line("1001", "2026-02-01", "2026-02-28", "22"),
    line("1001", "2026-03-01", "2026-03-31", "28"),
    line("1001", "2026-04-01", "2026-04-30", "30"),
    line("1001", "2026-05-01", "2026-05-31", "81"),
    line("1002", "2026-01-01", "2026-01-31", "20"),
    line("1002", "2026-02-01", "2026-02-28", "10"),
]


def csv_bytes(header: str, *rows: str) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def run(workdir: Workdir, *args: str) -> dict[str, Any]:
    res = workdir.hub(*args, "--json")
    assert res.code == 0, (res.stdout, res.stderr)
    out: dict[str, Any] = res.json()
    return out


def averages(workdir: Workdir) -> list[dict[str, str]]:
    import csv

    found: list[dict[str, str]] = []
    for path in sorted(workdir.cis.glob("*.WinterAverage.csv")):
        with path.open(newline="") as fh:
            found += list(csv.DictReader(fh))
    return found


def test_histories_to_winter_averages_to_a_leak_adjustment_each_posted_once(workdir: Workdir) -> None:
    histories = workdir.write("nw-2026.csv", csv_bytes(HEADER, *YEAR))
    assert run(workdir, "process", str(histories), "-x", "consumption")["delivered"] == 8

    out = run(workdir, "winter-average", "--season", "2026")
    assert (out["exchange"], out["state"], out["transactions"]) == (
        "winter-averages",
        "delivered",
        {"WinterAverage": 2},
    )
    rows = {r["account"]: r for r in averages(workdir)}
    a, b = rows["1001"], rows["1002"]
    # 31 + 40 + 22 + 28 = 121 CCF over Dec 1 - Mar 31 (121 days)
    assert (a["average_per_day"], a["unit"], a["days_covered"], a["periods_used"], a["method"]) == (
        "1.000",
        "CCF",
        "121",
        "4",
        "prorated",
    )
    assert a["idempotency_key"] == "WA|2026|1001|r1|1.000|121" and a["supersedes"] == ""
    # 59 days < 60: no default configured, delivered blank so the CIS keeps its own
    assert (b["average_per_day"], b["method"], b["reason"]) == ("", "default", "insufficient-history")
    # the run is a file of the ledger like any other
    listed = workdir.hub("files", "--json").json()["files"]
    assert any(f["exchange"] == "winter-averages" and f["state"] == "delivered" for f in listed)
    shown = run(workdir, "show", str(out["id"]))
    assert shown["exchange"] == "winter-averages"

    # a leak in May: the usage above the winter average (1.000 x 31 days) comes off
    leak = workdir.write(
        "adj.csv", csv_bytes(ADJ_HEADER, "1001,leak,2026-05-01,2026-05-31,50,CCF,TKT-9,billing")
    )
    out = run(workdir, "process", str(leak), "-x", "consumption-adjustments")
    assert out["transactions"] == {"ConsumptionAdjustment": 1}, out
    [adj] = workdir.delivered_rows("ConsumptionAdjustment")
    header = "idempotency_key,account,period_start,period_end,kind,original_volume,adjusted_volume"
    got = dict(zip(header.split(","), adj, strict=False))
    assert (got["original_volume"], got["adjusted_volume"]) == ("81.000", "31.000")
    assert "leak/winter-average-2026" in adj

    # the histories resent (in another order: another file): nothing twice; asking again: nothing
    again = workdir.write("nw-2026-resent.csv", csv_bytes(HEADER, *reversed(YEAR)))
    out = run(workdir, "process", str(again), "-x", "consumption")
    assert (out["delivered"], out["already_delivered"]) == (0, 8)
    out = run(workdir, "winter-average", "--season", "2026")
    assert (out["state"], out["delivered"]) == ("delivered", 0)
    assert len(averages(workdir)) == 2

    # a late March for 1002: exactly one superseding average, naming the key it replaces
    late = workdir.write("nw-late.csv", csv_bytes(HEADER, line("1002", "2026-03-01", "2026-03-31", "60")))
    assert run(workdir, "process", str(late), "-x", "consumption")["delivered"] == 1
    out = run(workdir, "winter-average", "--season", "2026")
    assert out["delivered"] == 1
    newest = averages(workdir)[-1]
    # (20 + 10 + 60) CCF over 90 days
    assert (newest["account"], newest["average_per_day"], newest["days_covered"]) == ("1002", "1.000", "90")
    assert newest["supersedes"] == b["idempotency_key"] == "WA|2026|1002|r1|none|59"
    assert newest["idempotency_key"] == "WA|2026|1002|r2|1.000|90"


def closed_season(today: date) -> int:
    """The season whose Dec 1 - Mar 31 window has most recently closed."""
    return today.year if today > date(today.year, 3, 31) else today.year - 1


def test_a_scheduled_run_computes_the_season_most_recently_closed_once(workdir: Workdir) -> None:
    season = closed_season(datetime.now(UTC).date())
    config = yaml.safe_load((workdir.root / "hub.yaml").read_text())
    config["exchanges"]["winter-averages"]["schedule"] = {"cron": "0 6 1 4 *"}  # Apr 1
    workdir.set_config(yaml.safe_dump(config))
    winter = [
        line("2001", f"{season - 1}-12-01", f"{season}-01-31", "62"),
        line("2001", f"{season}-02-01", f"{season}-03-31", "59" if season % 4 else "60"),
    ]
    histories = workdir.write("nw.csv", csv_bytes(HEADER, *winter))
    assert run(workdir, "process", str(histories), "-x", "consumption")["delivered"] == 2

    res = workdir.hub("run", "--once", "--json", "--log-format", "json")
    assert res.code == 0, res.stderr
    [request] = [o for o in res.json() if o["exchange"] == "winter-averages"]
    assert (request["state"], request["transactions"]) == ("delivered", {"WinterAverage": 1})
    [avg] = averages(workdir)
    assert (avg["account"], avg["season"], avg["average_per_day"]) == ("2001", str(season), "1.000")
    # not due again until the next Apr 1: a second pass computes nothing
    res = workdir.hub("run", "--once", "--json", "--log-format", "json")
    assert res.code == 0, res.stderr
    [left] = [o for o in res.json() if o["exchange"] == "winter-averages"]
    assert (left["state"], left["skipped"], left["delivered"]) == ("skipped", "not-due", 0)
    assert len(averages(workdir)) == 1


def test_the_cis_active_accounts_without_history_get_the_configured_default(workdir: Workdir) -> None:
    config = yaml.safe_load((workdir.root / "hub.yaml").read_text())
    config["exchanges"]["winter-averages"]["mapping_options"]["default_average_per_day"] = "0.150"
    workdir.set_config(yaml.safe_dump(config))
    extract = (
        "account,name,service_address,status\n1001,A,1 MAIN,active\n3003,C,3 MAIN,active\n4004,D,4,closed\n"
    )
    res = workdir.hub("reference", "load", "accounts", workdir.write("accounts.csv", extract.encode()))
    assert res.code == 0, res.stdout + res.stderr
    histories = workdir.write("nw.csv", csv_bytes(HEADER, *[r for r in YEAR if ",1001," in r]))
    assert run(workdir, "process", str(histories), "-x", "consumption")["delivered"] == 6

    assert run(workdir, "winter-average", "--season", "2026")["delivered"] == 2
    rows = {r["account"]: r for r in averages(workdir)}
    assert sorted(rows) == ["1001", "3003"], "the closed account 4004 gets none"
    assert (rows["3003"]["average_per_day"], rows["3003"]["method"], rows["3003"]["days_covered"]) == (
        "0.150",
        "default",
        "0",
    )
    assert rows["1001"]["average_per_day"] == "1.000"


def test_a_request_pending_its_history_posts_once_the_history_arrives(workdir: Workdir) -> None:
    winter = workdir.write("nw-winter.csv", csv_bytes(HEADER, *YEAR[:5]))  # 1001 up to April
    assert run(workdir, "process", str(winter), "-x", "consumption")["delivered"] == 5
    leak = workdir.write(
        "adj.csv", csv_bytes(ADJ_HEADER, "1001,leak,2026-05-01,2026-05-31,50,CCF,TKT-9,billing")
    )
    out = run(workdir, "process", str(leak), "-x", "consumption-adjustments")
    assert (out["state"], out["delivered"]) == ("delivered", 0)
    assert [p["rule"] for p in out["problems"]] == ["pending-history"]
    assert workdir.delivered_rows("ConsumptionAdjustment") == []

    may = workdir.write("nw-may.csv", csv_bytes(HEADER, YEAR[5]))
    assert run(workdir, "process", str(may), "-x", "consumption")["delivered"] == 1
    [adj] = workdir.delivered_rows("ConsumptionAdjustment")
    assert adj[:2] == ["ADJ|1001|leak|2026-05-01|2026-05-31|TKT-9", "1001"]
    assert "31.000" in adj and "leak/winter-average-2026" in adj  # 81 - 1.000 x 31 days
    shown = run(workdir, "show", str(out["id"]))
    assert shown["state"] == "delivered"

    # another history later: the request is no longer pending, and posts nothing twice
    june = workdir.write("nw-june.csv", csv_bytes(HEADER, line("1001", "2026-06-01", "2026-06-30", "30")))
    assert run(workdir, "process", str(june), "-x", "consumption")["delivered"] == 1
    assert len(workdir.delivered_rows("ConsumptionAdjustment")) == 1
