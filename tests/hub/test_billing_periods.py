"""``hub reference load billing-periods``: the CIS's billing periods per account, loaded through the
real ``hub`` command, each broken rule refused alone by line and field, and answered to the
green-button roll-up by the ``billing_periods`` look-up (None until an extract is loaded)."""

from __future__ import annotations

from datetime import date

import pytest

from hub.engine.lookups import LedgerLookups
from hub.ledger import Ledger
from tests.conftest import Workdir

HEADER = "account,period_start,period_end\n"


def billing_periods(workdir: Workdir, accounts: list[str]) -> list[tuple[str, date, date]] | None:
    ledger = Ledger.open(f"sqlite:///{workdir.root / 'var' / 'hub.db'}")
    try:
        lk = LedgerLookups(
            ledger, exchange="green-button", kind="k", declared=frozenset({"billing_periods"}), timezone="UTC"
        )
        found = lk.find("billing_periods", accounts)
        return None if found is None else [tuple(r) for r in found.rows()]  # type: ignore[misc]
    finally:
        ledger.close()


def test_billing_periods_are_loaded_and_looked_up_by_account(workdir: Workdir) -> None:
    workdir.hub("reference", "status")  # the ledger exists
    assert billing_periods(workdir, ["1001"]) is None  # nothing known yet
    extract = (
        b"Period_End,Account,period_start,cycle\n"
        b"2026-01-31,1001,2026-01-01,C1\n2025-12-31,1001,2025-12-01,C1\n\n2026-01-14,0002,2025-12-15,C2\n"
    )
    result = workdir.hub("reference", "load", "billing-periods", workdir.write("bp.csv", extract))
    assert result.code == 0, result.stdout + result.stderr
    assert "loaded 3 billing-periods from bp.csv as load 1" in result.stdout
    assert "by status" not in result.stdout
    assert billing_periods(workdir, ["1001", "0002", "9999"]) == [
        ("0002", date(2025, 12, 15), date(2026, 1, 14)),
        ("1001", date(2025, 12, 1), date(2025, 12, 31)),
        ("1001", date(2026, 1, 1), date(2026, 1, 31)),
    ]
    status = {s["kind"]: s for s in workdir.hub("reference", "status", "--json").json()}
    assert (status["billing-periods"]["rows"], status["billing-periods"]["file"]) == (3, "bp.csv")
    again = workdir.write("bp2.csv", HEADER.encode() + b"1001,2026-02-01,2026-02-28\n")
    # one period where there were three: far fewer rows, so loaded on purpose (--force)
    assert workdir.hub("reference", "load", "billing-periods", again).code == 2
    assert workdir.hub("reference", "load", "billing-periods", again, "--force").code == 0
    assert billing_periods(workdir, ["1001", "0002"]) == [("1001", date(2026, 2, 1), date(2026, 2, 28))]


@pytest.mark.parametrize(
    ("rows", "rule", "line", "field"),
    [
        ("1001,2026-01-01,2026-01-31\n1001,2026-01-31,2026-02-27\n", "overlap", 3, "period_start"),
        ("1001,2026-01-01,2026-01-31\n1001,2026-01-01,2026-01-30\n", "duplicate", 3, "period_start"),
        ("1001,2026-02-30,2026-03-31\n", "invalid_date", 2, "period_start"),
        ("1001,2026-01-01,01/31/2026\n", "invalid_date", 2, "period_end"),
        ("1001,2026-02-01,2026-01-31\n", "period_order", 2, "period_end"),
        (",2026-01-01,2026-01-31\n", "required", 2, "account"),
        ("1001,2026-01-01\n", "field_count", 2, None),
        (f"{'1' * 65},2026-01-01,2026-01-31\n", "invalid", 2, "account"),
    ],
    ids=["overlap", "duplicate", "no-such-day", "not-iso", "order", "no-account", "field-count", "long"],
)
def test_each_broken_rule_alone_refuses_the_extract(
    workdir: Workdir, rows: str, rule: str, line: int, field: str | None
) -> None:
    path = workdir.write("bad.csv", (HEADER + rows).encode())
    result = workdir.hub("reference", "load", "billing-periods", path, "--json")
    assert result.code == 1, result.stderr
    report = result.json()
    [problem] = report["problems"]
    assert (problem["rule"], problem["line"], problem["field"]) == (rule, line, field)
    assert (report["loaded"], report["current_load"]) == (False, None)
    if rule == "overlap":
        assert "overlaps period 2026-01-01..2026-01-31 of the same account on line 2" in problem["message"]


def test_there_is_no_sample_of_billing_periods(workdir: Workdir) -> None:
    result = workdir.hub("reference", "sample", "billing-periods", workdir.root / "x.csv")
    assert result.code == 2 and not (workdir.root / "x.csv").exists()
