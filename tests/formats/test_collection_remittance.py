"""An agency's remittance file: every row rule broken alone gives exactly its finding, the trailer is
checked against the rows (count and each total), never trusted, and amounts are exact cents."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from formats.base import ReadContext
from formats.collection_remittance import RemittanceFormat, RemittanceOptions

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
HEADER = "agency_id,reference,account,gross,commission,net,paid_on"


MESSAGES: list[str] = []


def run(*lines: str) -> tuple[list[dict[str, object]], list[tuple[int | None, str | None, str, str]]]:
    fmt = RemittanceFormat(RemittanceOptions())
    ctx = ReadContext(file="acme.csv", now=NOW)
    v = fmt.validate(fmt.read(("\n".join([HEADER, *lines]) + "\n").encode(), ctx), ctx)
    MESSAGES[:] = [p.message for p in v.problems]
    return v.table.to_dicts(), [(p.line, p.field, p.rule, p.level) for p in v.problems]


def test_amounts_are_exact_cents_and_the_trailer_agrees() -> None:
    rows, found = run(
        'ACME,R-1,1001,"$1,200.50",300.12,900.38,2026-11-20', 'TRAILER,1,,"1,200.50",300.12,900.38,'
    )
    assert found == []
    [row] = rows
    assert (row["gross_cents"], row["commission_cents"], row["net_cents"], row["paid_on"]) == (
        120050,
        30012,
        90038,
        date(2026, 11, 20),
    )


@pytest.mark.parametrize(
    ("row", "field", "rule"),
    [
        ("ACME,,1001,10.00,1.00,9.00,2026-11-20", "reference", "required"),
        ("ACME,R-2,1001,10.001,1.00,9.00,2026-11-20", "gross", "bad-amount"),
        ("ACME,R-2,1001,0.00,0.00,0.00,2026-11-20", "gross", "not-positive"),
        ("ACME,R-2,1001,10.00,1.00,8.00,2026-11-20", "net", "net-mismatch"),
        ("ACME,R-2,1001,10.00,1.00,9.00,2026-13-01", "paid_on", "date"),
        ("ACME,R-2,1001,10.00,1.00,9.00,2027-01-01", "paid_on", "future-date"),
        ("ACME,R-1,1001,10.00,1.00,9.00,2026-11-20", "reference", "duplicate-reference"),
    ],
)
def test_each_row_rule_broken_alone(row: str, field: str, rule: str) -> None:
    good = "ACME,R-1,1001,5.00,1.00,4.00,2026-11-20"
    trailer = "TRAILER,2,,15.00,2.00,13.00," if rule not in ("bad-amount", "net-mismatch") else None
    if rule == "bad-amount":
        trailer = "TRAILER,2,,5.00,2.00,13.00,"  # the bad gross adds nothing
    if rule == "net-mismatch":
        trailer = "TRAILER,2,,15.00,2.00,12.00,"
    if rule == "not-positive":
        trailer = "TRAILER,2,,5.00,1.00,4.00,"
    _, found = run(good, row, trailer or "")
    assert [f for f in found if f[3] == "row"] == [(3, field, rule, "row")]
    assert [f for f in found if f[3] == "file"] == []


@pytest.mark.parametrize(
    ("trailer", "words"),
    [
        ("TRAILER,2,,5.00,1.00,4.00,", "count '2' is not the 1 payment rows"),
        ("TRAILER,1,,5.01,1.00,4.00,", "gross total $5.01 is not the rows' $5.00"),
        ("TRAILER,1,,5.00,1.00,x,", "net total x is not the rows' $4.00"),
    ],
)
def test_a_trailer_that_disagrees_rejects_the_file(trailer: str, words: str) -> None:
    _, found = run("ACME,R-1,1001,5.00,1.00,4.00,2026-11-20", trailer)
    assert [f[2:] for f in found] == [("trailer", "file")]
    assert words in MESSAGES[0]


def test_a_missing_or_misplaced_trailer_rejects_the_file() -> None:
    _, found = run("ACME,R-1,1001,5.00,1.00,4.00,2026-11-20")
    assert [f[2:] for f in found] == [("trailer", "file")]
    _, found = run("TRAILER,1,,5.00,1.00,4.00,", "ACME,R-1,1001,5.00,1.00,4.00,2026-11-20")
    assert [f[2:] for f in found] == [("trailer", "file")]
