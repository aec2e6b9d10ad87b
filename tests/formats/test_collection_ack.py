"""An agency's acknowledgement file: summary rows and account rows told apart, every rule broken
alone gives exactly its finding."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from formats.base import ReadContext
from formats.collection_ack import AckFormat, AckOptions

HEADER = "agency_id,placement_file,count,total,account,amount"


def run(*lines: str) -> tuple[list[dict[str, object]], list[tuple[int | None, str | None, str]]]:
    fmt = AckFormat(AckOptions())
    ctx = ReadContext(file="ack.csv", now=datetime(2026, 12, 1, tzinfo=UTC))
    v = fmt.validate(fmt.read(("\n".join([HEADER, *lines]) + "\n").encode(), ctx), ctx)
    return v.table.to_dicts(), [(p.line, p.field, p.rule) for p in v.problems]


def test_summary_and_account_rows_are_typed() -> None:
    rows, found = run('ACME,p1.csv,2,"1,000.50",,', "ACME,p1.csv,,,1001,500.25")
    assert found == []
    assert [(r["summary"], r["count"], r["total_cents"], r["account"], r["amount_cents"]) for r in rows] == [
        (True, 2, 100050, None, None),
        (False, None, None, "1001", 50025),
    ]


def test_a_file_without_the_account_columns_is_read() -> None:
    fmt = AckFormat(AckOptions())
    ctx = ReadContext(file="ack.csv", now=datetime(2026, 12, 1, tzinfo=UTC))
    v = fmt.validate(fmt.read(b"agency_id,placement_file,count,total\nACME,p1.csv,2,10.00\n", ctx), ctx)
    assert v.problems == [] and v.table.get_column("count").to_list() == [2]


@pytest.mark.parametrize(
    ("row", "field", "rule"),
    [
        (",p2.csv,1,1.00,,", "agency_id", "required"),
        ("ACME,p1.csv,1,1.00,1009,1.00", "account", "row-kind"),
        ("ACME,p1.csv,,,,", "account", "row-kind"),
        ("ACME,p2.csv,x,1.00,,", "count", "count"),
        ("ACME,p2.csv,1,1.001,,", "total", "bad-amount"),
        ("ACME,p1.csv,,,1002,1.5x", "amount", "bad-amount"),
        ("ACME,p1.csv,,,1001,1.00", "account", "duplicate-account"),
        ("ACME,p1.csv,1,1.00,,", "placement_file", "summary"),
    ],
)
def test_each_rule_broken_alone(row: str, field: str, rule: str) -> None:
    _, found = run("ACME,p1.csv,2,2.00,,", "ACME,p1.csv,,,1001,1.00", row)
    flagged = [f for f in found if f[0] == 4]
    assert flagged == [(4, field, rule)]
