"""An agency's status updates: every rule broken alone gives exactly its finding; statuses are read
in any spelling of ours and typed (date, chapter)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from formats.base import ReadContext
from formats.collection_status import StatusFormat, StatusOptions

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
HEADER = "agency_id,account,status,effective_date,case_number,chapter,note"


def run(*lines: str) -> tuple[list[dict[str, object]], list[tuple[int | None, str | None, str]]]:
    fmt = StatusFormat(StatusOptions())
    ctx = ReadContext(file="acme.csv", now=NOW)
    v = fmt.validate(fmt.read(("\n".join([HEADER, *lines]) + "\n").encode(), ctx), ctx)
    return v.table.to_dicts(), [(p.line, p.field, p.rule) for p in v.problems]


def test_statuses_are_read_in_any_spelling_and_typed() -> None:
    rows, found = run(
        "ACME,1,Paid In Full,11/02/2026,,,",
        "ACME,2,BANKRUPTCY,2026-11-03,26-1,13,",
        "ACME,3,paid_in_full,2026-11-03,,,",
    )
    assert found == []
    assert [(r["status"], r["effective_date"], r["chapter"]) for r in rows] == [
        ("paid-in-full", date(2026, 11, 2), None),
        ("bankruptcy", date(2026, 11, 3), 13),
        ("paid-in-full", date(2026, 11, 3), None),
    ]


@pytest.mark.parametrize(
    ("row", "field", "rule"),
    [
        ("ACME,,returned,2026-11-02,,,", "account", "required"),
        ("ACME,2,gone fishing,2026-11-02,,,", "status", "unknown-status"),
        ("ACME,2,returned,2026-11-31,,,", "effective_date", "date"),
        ("ACME,2,returned,2027-01-02,,,", "effective_date", "future-date"),
        ("ACME,2,bankruptcy,2026-11-02,,7,", "case_number", "required"),
        ("ACME,2,bankruptcy,2026-11-02,26-1,,", "chapter", "required"),
        ("ACME,2,bankruptcy,2026-11-02,26-1,9,", "chapter", "chapter"),
        ("ACME,1,returned,2026-11-05,,,", "status", "duplicate-update"),
    ],
)
def test_each_rule_broken_alone(row: str, field: str, rule: str) -> None:
    _, found = run("ACME,1,returned,2026-11-02,,,", row)
    assert found == [(3, field, rule)]
