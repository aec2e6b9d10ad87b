"""``hub validate`` runs the exchange kind's own checks, read-only, through the real ``hub`` command
and a real SQLite ledger: an overlap with a history delivered before is named with both periods and
exits 1 as processing would reject it, while the ledger and the CIS folder stay exactly as they
were; every consumption-history check (overlap inside the file, unknown account once the accounts
extract is loaded, implausible rate) and the adjustments' pending-history are what `hub process`
then reports, problem for problem."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Any

from conftest import Workdir

HEADER = "district,account,premise,service_address,period_start,period_end,usage,unit,read_type"
ADJUSTMENTS = "account,kind,period_start,period_end,volume,unit,evidence_ref,requested_by"


def district_file(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def line(account: str, start: str, end: str, usage: str) -> str:
    return f"NW,{account},P-{account},{account} MAIN ST,{start},{end},{usage},CCF,actual"


def ledger_contents(workdir: Workdir) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the SQLite ledger."""
    with sqlite3.connect(workdir.root / "var" / "hub.db") as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}


def outbox(workdir: Workdir) -> dict[str, str]:
    return {
        str(p.relative_to(workdir.root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((workdir.root / "outbox").rglob("*"))
        if p.is_file()
    }


def problems(out: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(p["line"], p["rule"], p["severity"], p["message"]) for p in out["problems"]]


def test_validate_names_an_overlap_with_a_delivered_history_and_changes_nothing(workdir: Workdir) -> None:
    first = workdir.write("nw-jan.csv", district_file(line("1001", "2026-01-01", "2026-01-31", "12")))
    assert workdir.hub("process", first, "-x", "consumption").code == 0
    before, cis_before = ledger_contents(workdir), outbox(workdir)

    later = workdir.write(
        "nw-feb.csv",
        district_file(
            line("1001", "2026-01-20", "2026-02-19", "9"), line("1002", "2026-02-01", "2026-02-28", "3")
        ),
    )
    res = workdir.hub("validate", later, "-x", "consumption")
    assert res.code == 1, res.stdout + res.stderr
    assert "overlap_delivered" in res.stdout
    assert "2026-01-20..2026-02-19" in res.stdout and "2026-01-01..2026-01-31" in res.stdout
    dry = workdir.hub("validate", later, "-x", "consumption", "--json")
    assert dry.code == 1
    [error] = [p for p in dry.json()["problems"] if p["severity"] == "error"]
    assert (error["line"], error["field"], error["rule"]) == (2, "period_start", "overlap_delivered")
    assert "2026-01-20..2026-02-19 overlaps period 2026-01-01..2026-01-31" in error["message"]
    assert (dry.json()["rejected"], dry.json()["transactions"]) == (1, {"ConsumptionHistory": 1})

    assert ledger_contents(workdir) == before  # no file, run, key, history or rejection recorded
    assert outbox(workdir) == cis_before
    assert [f["name"] for f in workdir.hub("files", "--json").json()["files"]] == ["nw-jan.csv"]


def test_validate_reports_exactly_what_processing_then_rejects_and_warns(workdir: Workdir) -> None:
    extract = "account,name,service_address,status\n1001,A,1 MAIN,active\n1002,B,2 MAIN,active\n"
    assert (
        workdir.hub("reference", "load", "accounts", workdir.write("accounts.csv", extract.encode())).code
        == 0
    )
    history = [line("1001", f"2025-{m:02d}-01", f"2025-{m:02d}-28", "10") for m in range(1, 7)]
    assert (
        workdir.hub(
            "process", workdir.write("nw-2025.csv", district_file(*history)), "-x", "consumption"
        ).code
        == 0
    )
    path = workdir.write(
        "nw-2026.csv",
        district_file(
            line("1001", "2025-07-01", "2025-07-28", "95"),  # 9.5 x the account's median daily rate
            line("1002", "2025-07-01", "2025-07-31", "3"),
            line("1002", "2025-07-15", "2025-08-14", "3"),  # overlaps line 3, in the file
            line("7777", "2025-07-01", "2025-07-31", "1"),  # not in the accounts extract
        ),
    )
    dry = workdir.hub("validate", path, "-x", "consumption", "--json")
    assert dry.code == 1
    rules = {(p[0], p[1], p[2]) for p in problems(dry.json())}
    assert {
        (2, "implausible_rate", "warning"),
        (4, "overlap", "error"),
        (5, "unknown_account", "error"),
    } <= rules
    real = workdir.hub("process", path, "-x", "consumption", "--json")
    assert real.code == 1
    assert problems(real.json()) == problems(dry.json())
    assert real.json()["rejected"] == dry.json()["rejected"] == 2
    assert real.json()["delivered"] == sum(dry.json()["transactions"].values()) == 2


def test_validate_of_adjustments_names_the_requests_waiting_for_their_history(workdir: Workdir) -> None:
    requests = f"{ADJUSTMENTS}\n1001,evaporation,2026-03-01,2026-03-31,2,CCF,EV-1,clerk\n"
    path = workdir.write("adj.csv", requests.encode())
    dry = workdir.hub("validate", path, "-x", "consumption-adjustments", "--json")
    assert dry.code == 0, dry.stdout + dry.stderr
    [warning] = dry.json()["problems"]
    assert (warning["line"], warning["rule"], warning["severity"]) == (2, "pending-history", "warning")
    assert workdir.hub("files", "--json").json()["files"] == []
    assert not Path(workdir.root / "var" / "landed").exists() or not list(
        (workdir.root / "var" / "landed").iterdir()
    )


def test_validate_leaves_what_an_interrupted_delivery_left_for_the_next_delivery(workdir: Workdir) -> None:
    path = workdir.write("nw.csv", district_file(line("1001", "2026-01-01", "2026-01-31", "12")))
    assert workdir.hub("process", path, "-x", "consumption").code == 0
    staged = workdir.cis / ".consumption-20260101T000000-f9-r9.ConsumptionHistory.csv.tmp"
    staged.write_bytes(b"a batch a crash left staged, never recorded\n")
    before = ledger_contents(workdir)
    assert workdir.hub("validate", path, "-x", "consumption").code == 0
    assert staged.exists() and ledger_contents(workdir) == before  # a dry run changes nothing
    assert workdir.hub("files").code == 0 and staged.exists()  # nor does a read-only command
    again = workdir.write("nw-again.csv", district_file(line("1001", "2026-02-01", "2026-02-28", "9")))
    assert workdir.hub("process", again, "-x", "consumption").code == 0
    assert not staged.exists()  # the next delivery finishes the interrupted one's clean-up
