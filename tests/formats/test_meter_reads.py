"""Example-based tests of the meter-reads rules: each rule's exact finding (line, field, rule, value)
for a partner's row; records, files and options are in test_meter_reads_files.py."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from formats.meter_reads import FIELDS
from tests.formats.meter_reads_cases import (
    CHICAGO,
    Finding,
    findings,
    row,
    run,
    upload,
    valid_lines,
)

# -- one test per rule ------------------------------------------------------------------------------


def test_a_clean_row_has_no_findings_and_is_typed() -> None:
    _, validated = run(upload(row()), CHICAGO)
    assert validated.problems == []
    [record] = validated.table.select(FIELDS).to_dicts()
    assert record["account"] == "0001000001"
    assert record["sequence"] == 10
    assert record["reading"] == 123 and record["prior_reading"] == 100
    assert record["read_at"] == datetime(2026, 11, 20, 14, 15, tzinfo=UTC)  # 08:15 CST is UTC-6
    assert record["trouble_code"] is None


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ({"reading": "12O45"}, (2, "reading", "integer", "12O45")),
        ({"prior_reading": "1.5"}, (2, "prior_reading", "integer", "1.5")),
        ({"sequence": "-10"}, (2, "sequence", "integer", "-10")),
    ],
)
def test_integer(cells: dict[str, str], expected: Finding) -> None:
    assert findings(upload(row(), row(meter="M2", **cells))) == [(3, *expected[1:])]


@pytest.mark.parametrize(
    "value",
    [
        "+5",
        "-0",
        "+0",
        "1_000",
        "1e3",
        "0x10",
        "\u0661\u0662",
        "\uff15",
        "1234567890123456789",
        "0" * 19,
        "5-",
    ],
)
def test_a_whole_number_is_digits_only_at_most_18(value: str) -> None:
    """Signs, separators, other scripts' digits and a 19th digit are not register units, though
    polars' cast would take some of them (the reader's test is its cast plus length and sign)."""
    assert findings(upload(row(reading=value))) == [(2, "reading", "integer", value)]


def test_a_whole_number_may_have_18_digits_with_leading_zeros() -> None:
    assert findings(upload(row(reading="0" * 15 + "123", read_code="01"))) == []


@pytest.mark.parametrize(
    "value", ["2026/11/20", "\u0662\u0660\u0662\u0666-11-20T08:15:00", "2026-11-20T8:15:00"]
)
def test_datetime(value: str) -> None:
    assert findings(upload(row(read_at=value))) == [(2, "read_at", "datetime", value)]


@pytest.mark.parametrize("field", ["account", "meter", "read_code", "reader_id", "read_at", "route"])
def test_required(field: str) -> None:
    assert findings(upload(row(**{field: ""}))) == [(2, field, "required", None)]


def test_required_value_of_only_spaces_is_missing() -> None:
    assert findings(upload(row(account="   "))) == [(2, "account", "required", None)]


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ({"register": "12345"}, (2, "register", "pattern", "12345")),
        ({"meter": "M 500"}, (2, "meter", "pattern", "M 500")),
        ({"trouble_code": "LK-1"}, (2, "trouble_code", "pattern", "LK-1")),
    ],
)
def test_pattern(cells: dict[str, str], expected: Finding) -> None:
    assert findings(upload(row(**cells))) == [expected]


def test_code_list() -> None:
    _, validated = run(upload(row(read_code="10")))
    [problem] = validated.problems
    assert (problem.line, problem.field, problem.rule, problem.value) == (2, "read_code", "code_list", "10")
    assert "'10' is not one of the configured codes (01, 02, 03, 04, 05, 06, 07, 08, 09)" in problem.message


def test_not_in_future_allows_the_tolerance_only() -> None:
    data = upload(
        row(meter="M1", read_at="2026-11-22T12:10:00Z"),  # exactly now + 10 minutes: accepted
        row(meter="M2", read_at="2026-11-22T12:10:01Z"),
        row(meter="M3", read_at="2026-11-22T06:05:00", reading="00124"),  # 12:05 UTC in Chicago
        row(meter="M4", read_at="2026-11-22T06:11:00"),  # 12:11 UTC
    )
    assert findings(data, CHICAGO) == [
        (3, "read_at", "not_in_future", "2026-11-22T12:10:01Z"),
        (5, "read_at", "not_in_future", "2026-11-22T06:11:00"),
    ]


def test_read_window() -> None:
    data = upload(
        row(meter="M1", read_at="2026-10-08T12:00:00Z"),  # exactly 45 days back: accepted
        row(meter="M2", read_at="2026-10-08T11:59:59Z"),
    )
    _, validated = run(data)
    assert [(p.line, p.field, p.rule, p.value) for p in validated.problems] == [
        (3, "read_at", "read_window", "2026-10-08T11:59:59Z")
    ]
    assert "older than the 45-day read window" in validated.problems[0].message
    assert findings(data, read_window_days=60) == []


@pytest.mark.parametrize("code", ["01", "02", "03"])
def test_reading_required(code: str) -> None:
    assert findings(upload(row(read_code=code, reading=""))) == [(2, "reading", "reading_required", None)]


@pytest.mark.parametrize("code", ["04", "05", "06"])
def test_reading_not_expected(code: str) -> None:
    assert findings(upload(row(read_code=code, reading="00123"))) == [
        (2, "reading", "reading_not_expected", "00123")
    ]


@pytest.mark.parametrize("code", ["04", "07", "08", "09"])
def test_codes_without_a_reading_pass(code: str) -> None:
    assert findings(upload(row(read_code=code, reading=""))) == []


def test_optional_codes_accept_a_reading() -> None:
    assert findings(upload(row(read_code="07"))) == []


def test_duplicate_read_flags_only_the_later_lines() -> None:
    data = upload(
        row(),
        row(register="2"),  # another register of the same meter: not a duplicate
        row(route="R0002", reading="00130"),  # same meter, register and time
        row(read_at="2026-11-20T08:15:00-06:00"),  # the same instant spelled with an offset
    )
    _, validated = run(data, CHICAGO)
    assert [(p.line, p.field, p.rule, p.value) for p in validated.problems] == [
        (4, "meter", "duplicate_read", "M5000000"),
        (5, "meter", "duplicate_read", "M5000000"),
    ]
    assert valid_lines(validated) == [2, 3]


def test_a_hash_collision_is_not_reported_as_a_duplicate() -> None:
    """The duplicate check flags rows whose key hash occurred earlier; each candidate is confirmed on
    the key itself. Here rows 1 and 2 are handed over as candidates as a collision would flag them."""
    from formats.meter_reads_schema import _exact_duplicates

    stamp = datetime(2026, 11, 20, 14, 15, tzinfo=UTC)
    typed = pl.DataFrame(
        {
            "meter": ["M1", "M2", "M1", "M1"],
            "register": ["1", "1", "1", "2"],
            "read_at": [stamp, stamp, stamp, stamp],
        }
    )
    assert _exact_duplicates(typed, [1, 2, 3]) == {2}
    assert _exact_duplicates(typed, []) == set()


def test_one_row_can_break_several_rules() -> None:
    assert findings(upload(row(read_code="10", register="12345", reading="x"))) == [
        (2, "read_code", "code_list", "10"),
        (2, "reading", "integer", "x"),
        (2, "register", "pattern", "12345"),
    ]
