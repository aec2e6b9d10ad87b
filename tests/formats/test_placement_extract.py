"""The CIS extract of accounts to place with a collection agency: every rule broken alone gives
exactly its finding (line, field, rule), SSNs are shown to their last four digits at most and dates
of birth never, and a good extract is typed exactly (balance in cents, SSN digits, flags)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from formats.base import ReadContext
from formats.placement_extract import FIELDS, PlacementExtractFormat, PlacementExtractOptions

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
GOOD = {
    "account": "100234",
    "name": "Ana Garcia",
    "ssn": "123-45-6789",
    "date_of_birth": "1980-05-17",
    "address": "12 Main St",
    "city": "Springfield",
    "state": "il",
    "zip": "62701-1234",
    "phone": "(217) 555-0100",
    "balance": "$1,234.5",
    "service_from": "2021-03-01",
    "service_to": "2026-06-30",
    "last_payment_date": "2026-04-02",
    "first_delinquency_date": "2026-05-15",
    "close_date": "2026-07-01",
    "flags": "",
}


def extract(*rows: dict[str, str]) -> bytes:
    lines = [",".join(FIELDS)] + [",".join(f'"{r.get(f, "")}"' for f in FIELDS) for r in rows]
    return ("\n".join(lines) + "\n").encode()


def run(data: bytes) -> tuple[list[dict[str, object]], list[tuple[int | None, str | None, str]], list[str]]:
    fmt = PlacementExtractFormat(PlacementExtractOptions())
    ctx = ReadContext(file="closed.csv", now=NOW)
    validated = fmt.validate(fmt.read(data, ctx), ctx)
    found = [(p.line, p.field, p.rule) for p in validated.problems]
    texts = [f"{p.message} {p.value}" for p in validated.problems]
    return validated.table.to_dicts(), found, texts


def test_a_good_extract_is_typed_exactly() -> None:
    rows, found, _ = run(extract(GOOD, {**GOOD, "account": "100235", "flags": "Bankruptcy; attorney"}))
    assert found == []
    first, second = rows
    assert (first["balance_cents"], first["ssn"], first["zip"], first["phone"], first["state"]) == (
        123450,
        "123456789",
        "627011234",
        "2175550100",
        "IL",
    )
    assert first["date_of_birth"] == date(1980, 5, 17) and first["close_date"] == date(2026, 7, 1)
    assert first["flags"] is None and second["flags"] == "attorney;bankruptcy"


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"account": ""}, "account", "required"),
        ({"ssn": "", "date_of_birth": ""}, "ssn", "required"),
        ({"ssn": "12-345-678"}, "ssn", "ssn-format"),
        ({"ssn": "000-12-3456"}, "ssn", "ssn-impossible"),
        ({"ssn": "666-12-3456"}, "ssn", "ssn-impossible"),
        ({"ssn": "912-12-3456"}, "ssn", "ssn-impossible"),
        ({"ssn": "123-00-3456"}, "ssn", "ssn-impossible"),
        ({"ssn": "123-45-0000"}, "ssn", "ssn-impossible"),
        ({"date_of_birth": "1980-02-30"}, "date_of_birth", "date"),
        ({"date_of_birth": "2015-01-01"}, "date_of_birth", "implausible-age"),
        ({"close_date": "2027-01-01"}, "close_date", "future-date"),
        ({"service_to": "2020-01-01"}, "service_to", "date-order"),
        ({"close_date": "2021-01-01"}, "close_date", "date-order"),
        ({"balance": "12.345"}, "balance", "bad-amount"),
        ({"balance": "0.00"}, "balance", "not-positive"),
        ({"zip": "6270"}, "zip", "zip"),
        ({"state": "XX"}, "state", "state"),
        ({"phone": "555-0100"}, "phone", "phone"),
        ({"flags": "deceased;lawyer"}, "flags", "unknown-flag"),
    ],
)
def test_each_rule_broken_alone_gives_exactly_its_finding(
    change: dict[str, str], field: str, rule: str
) -> None:
    rows, found, _ = run(
        extract({**GOOD, "account": "1"}, {**GOOD, **change, "account": change.get("account", "2")})
    )
    assert found == [(3, field, rule)]
    assert len(rows) == 1  # the good row stays


def test_an_account_twice_is_refused_on_its_later_line() -> None:
    _, found, texts = run(extract(GOOD, {**GOOD, "name": "Someone Else"}))
    assert found == [(3, "account", "duplicate-account")]
    assert "line 2" in texts[0] and "100234" not in texts[0]


def test_personal_values_are_never_shown_whole() -> None:
    bad = {**GOOD, "ssn": "000-45-6789", "date_of_birth": "2019-05-17", "phone": "555-0100"}
    _, found, texts = run(extract(bad))
    assert {f for _, f, _ in found} == {"ssn", "date_of_birth", "phone"}
    text = " ".join(texts)
    assert "000-45" not in text and "000456789" not in text and "6789" in text  # last four at most
    assert "2019" not in text and "05-17" not in text  # a date of birth never
    assert "555-0100" not in text
