"""District consumption histories end to end through the real ``hub`` command and a real SQLite
ledger: a district's file becomes ConsumptionHistory rows in the CIS unit; the same histories resent
in another file post nothing twice; a period overlapping one delivered before is rejected naming both
periods while the good rows deliver (accept-valid-rows); with the CIS accounts extract loaded, an
account it does not know is a rejected row, named."""

from __future__ import annotations

import csv
import io
from typing import Any

from conftest import Workdir

HEADER = "district,account,premise,service_address,period_start,period_end,usage,unit,read_type"


def district_file(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def line(account: str, start: str, end: str, usage: str, unit: str = "CCF") -> str:
    return f"NW,{account},P-{account},{account} MAIN ST,{start},{end},{usage},{unit},actual"


YEAR = [
    line("1001", "2026-01-01", "2026-01-31", "12.5"),
    line("1001", "2026-02-01", "2026-02-28", "9350.65", "gallons"),
    line("1002", "2026-01-01", "2026-01-31", "2", "kgal"),
]


def process(workdir: Workdir, name: str, data: bytes) -> tuple[int, dict[str, Any]]:
    res = workdir.hub("process", workdir.write(name, data), "-x", "consumption", "--json")
    assert res.stdout, res.stderr
    return res.code, res.json()


def histories(workdir: Workdir) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    for path in sorted(workdir.cis.glob("*.ConsumptionHistory.csv")):
        found += list(csv.DictReader(io.StringIO(path.read_text())))
    return found


def test_a_district_file_delivers_in_the_cis_unit_and_a_resend_posts_nothing_twice(workdir: Workdir) -> None:
    code, out = process(workdir, "nw-2026-02.csv", district_file(*YEAR))
    assert code == 0, out
    assert (out["state"], out["delivered"], out["rejected"]) == ("delivered", 3, 0)
    rows = histories(workdir)
    assert [(r["account"], r["usage"], r["unit"], r["original_usage"], r["original_unit"]) for r in rows] == [
        ("1001", "12.500", "CCF", "12.500000", "CCF"),
        ("1001", "12.500", "CCF", "9350.650000", "gallons"),  # 9350.65 / 748.052 = 12.5 exactly
        ("1002", "2.674", "CCF", "2.000000", "kgal"),  # 2000 / 748.052 = 2.67361... -> 2.674
    ]
    assert rows[0]["idempotency_key"] == "CH|NW|1001|2026-01-01|2026-01-31" and rows[1]["days"] == "28"
    # the same histories in another file (one more period added): only the new one posts
    code, out = process(
        workdir, "nw-2026-03.csv", district_file(*YEAR, line("1001", "2026-03-01", "2026-03-31", "11"))
    )
    assert code == 0, out
    assert (out["delivered"], out["already_delivered"]) == (1, 3)
    assert len(histories(workdir)) == 4
    assert len({r["idempotency_key"] for r in histories(workdir)}) == 4


def test_an_overlap_with_a_delivered_history_is_rejected_naming_both_periods(workdir: Workdir) -> None:
    code, _ = process(workdir, "nw-1.csv", district_file(*YEAR))
    assert code == 0
    later = district_file(
        line("1001", "2026-02-15", "2026-03-15", "6"), line("1002", "2026-02-01", "2026-02-28", "3")
    )
    code, out = process(workdir, "nw-2.csv", later)
    assert code == 1
    assert (out["state"], out["delivered"], out["rejected"]) == ("delivered", 1, 1)
    [problem] = [p for p in out["problems"] if p["severity"] == "error"]
    assert (problem["line"], problem["rule"]) == (2, "overlap_delivered")
    assert "2026-02-15..2026-03-15" in problem["message"] and "2026-02-01..2026-02-28" in problem["message"]
    assert [r["account"] for r in histories(workdir)][-1] == "1002"


def test_an_unknown_account_is_rejected_once_the_accounts_extract_is_loaded(workdir: Workdir) -> None:
    extract = "account,name,service_address,status\n1001,A,1 MAIN,active\n1002,B,2 MAIN,active\n"
    res = workdir.hub("reference", "load", "accounts", workdir.write("accounts.csv", extract.encode()))
    assert res.code == 0, res.stdout + res.stderr
    code, out = process(
        workdir, "nw.csv", district_file(*YEAR, line("7777", "2026-01-01", "2026-01-31", "1"))
    )
    assert code == 1
    assert (out["delivered"], out["rejected"]) == (3, 1)
    [problem] = out["problems"]
    assert (problem["line"], problem["field"], problem["rule"]) == (5, "account", "unknown_account")
    assert problem["value"] != "7777"  # account numbers are masked
    assert "7777" not in {r["account"] for r in histories(workdir)}


def test_the_district_file_is_checked_line_by_line(workdir: Workdir) -> None:
    bad = district_file(YEAR[0], "NW,1003,P3,,2026-02-30,2026-03-31,1,CCF,actual", YEAR[2])
    res = workdir.hub("validate", workdir.write("bad.csv", bad), "-x", "consumption", "--json")
    assert res.code == 1, res.stdout + res.stderr
    problems = res.json()["problems"]
    assert [(p["line"], p["field"], p["rule"]) for p in problems] == [(3, "period_start", "date")]


def test_a_sample_district_file_delivers_all_but_its_bad_rows(workdir: Workdir) -> None:
    res = workdir.hub("sample", "district.csv", "--kind", "consumption", "--rows", "240", "--bad", "5")
    assert res.code == 0, res.stdout + res.stderr
    code, out = process(workdir, "district-again.csv", (workdir.root / "district.csv").read_bytes())
    assert code == 1
    assert (out["rows"], out["delivered"], out["rejected"]) == (240, 235, 5)
    errors = sorted({p["rule"] for p in out["problems"] if p["severity"] == "error"})
    assert errors == ["date", "negative", "period_order", "read_type", "unit"]
