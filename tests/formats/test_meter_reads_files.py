"""The meter-reads format at the level of records and files: line numbers across blank lines,
CRLF, BOMs and quoted newlines; file-level failures; the options; the sample generator; regressions."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from formats.meter_reads import FIELDS, MeterReadsFormat, MeterReadsOptions
from hub.engine.sample import BAD_KINDS, HEADER, meter_reads_csv
from hub.kernel.rows import LINE
from tests.formats.meter_reads_cases import (
    CHICAGO,
    NOW,
    findings,
    parse_error,
    row,
    run,
    upload,
    valid_lines,
)

# -- records and lines ------------------------------------------------------------------------------


@pytest.mark.parametrize("quoted", [False, True], ids=["plain", "quoted"])
def test_field_count_too_many_and_too_few(quoted: bool) -> None:
    good = row(route='"R 1"') if quoted else row()
    data = upload(row() + ",extra", good, ",".join(row().split(",")[:9]), row(meter="M2"))
    parsed, validated = run(data)
    assert [(p.line, p.field, p.rule) for p in validated.problems] == [
        (2, None, "field_count"),
        (4, None, "field_count"),
    ]
    too_many, too_few = validated.problems
    assert too_many.message == "expected 11 fields as in the header, found 12"
    assert too_few.message == "expected 11 fields as in the header, found 9"
    # the account cell is masked like every account value in a problem
    assert too_many.value == row(account="******0001") + ",extra"
    assert too_few.value == "R0001,10,******0001,M5000000,1,2026-11-20T08:15:00,00123,00100,01"
    assert valid_lines(validated) == [3, 5]
    assert parsed.rows == validated.rows == 4


def test_blank_lines_are_skipped_and_later_lines_keep_their_numbers() -> None:
    data = upload(
        "", row(meter="M1"), "   ", "\r", row(meter="M2", read_code="10"), "", ""
    )  # "\r\n" is line 5
    parsed, validated = run(data)
    assert [(p.line, p.rule) for p in validated.problems] == [(6, "code_list")]
    assert valid_lines(validated) == [3]
    assert parsed.facts["blank_lines"] == 5
    assert validated.rows == 2


@pytest.mark.parametrize("quoted", [False, True], ids=["plain", "quoted"])
def test_crlf_line_endings(quoted: bool) -> None:
    route = '"R0001"' if quoted else "R0001"
    data = upload(
        row(route=route, trouble_code="LK"), row(meter="M2", reading="x"), row(meter="M3"), eol="\r\n"
    )
    _, validated = run(data)
    assert [(p.line, p.field, p.rule, p.value) for p in validated.problems] == [
        (3, "reading", "integer", "x")
    ]
    assert valid_lines(validated) == [2, 4]
    assert validated.table.get_column("trouble_code").to_list() == ["LK", None]
    assert validated.table.get_column("route").to_list() == ["R0001", "R0001"]


def test_utf8_bom_is_not_part_of_the_first_column() -> None:
    parsed, validated = run(b"\xef\xbb\xbf" + upload(row()))
    assert parsed.facts["header"][0] == "route"
    assert validated.problems == []
    assert validated.table.get_column("route").to_list() == ["R0001"]


def test_quoted_fields_with_commas_and_newlines_keep_line_numbers() -> None:
    data = upload(
        row(route='"Route 7, north"', reader_id='"RD01, RD02"'),
        row(meter="M2", route='"two\nline route"'),  # one record over physical lines 3 and 4
        row(meter="M3", read_code="10"),
    )
    _, validated = run(data)
    assert [(p.line, p.field, p.rule, p.value) for p in validated.problems] == [
        (5, "read_code", "code_list", "10")
    ]
    assert valid_lines(validated) == [2, 3]
    assert validated.table.get_column("route").to_list() == ["Route 7, north", "two\nline route"]
    assert validated.table.get_column("reader_id").to_list()[0] == "RD01, RD02"


def test_ignored_columns_are_reported_as_facts() -> None:
    parsed, validated = run(upload(row() + ",note", header=HEADER + ",comment"))
    assert parsed.facts["ignored_columns"] == ["comment"]
    assert validated.problems == []


# -- file-level failures ----------------------------------------------------------------------------


def test_invalid_utf8_names_line_and_column() -> None:
    data = upload(row()) + "R0001,20,0001000002,Mü".encode() + b"\xff,1,2026-11-20T08:15:00\n"
    exc = parse_error(data)
    assert exc.rule == "encoding"
    assert exc.position.line == 3
    assert exc.position.column == "column 23"  # the character after "R0001,20,0001000002,Mü"
    assert exc.value == "0xff"
    assert "route-7.csv, line 3, column 23" in str(exc)


def test_missing_required_column() -> None:
    header = HEADER.replace(",reader_id", "")
    exc = parse_error(upload(",".join([*row().split(",")[:9], ""]), header=header))
    assert exc.rule == "missing_column"
    assert exc.position.line == 1
    assert "missing required column(s) 'reader_id'" in str(exc)


@pytest.mark.parametrize("name", ["meter", " meter "])
def test_duplicate_header_column(name: str) -> None:
    exc = parse_error(upload(row() + ",M2", header=HEADER + "," + name))
    assert exc.rule == "duplicate_column"
    assert (exc.position.line, exc.position.column, exc.value) == (1, "field 12", "meter")


@pytest.mark.parametrize(
    ("data", "rule"),
    [
        (b"", "empty_file"),
        (b" \r\n\n", "empty_file"),
        (b"\n" + upload(row()), "header"),
        (upload(row(route='"R1"x')), "quoting"),
    ],
)
def test_file_level_failures_name_line_and_rule(data: bytes, rule: str) -> None:
    exc = parse_error(data)
    assert exc.rule == rule
    assert isinstance(exc.position.line, int) and exc.position.line >= 1


def test_broken_quoting_names_the_record_line() -> None:
    exc = parse_error(upload(row(), row(route='"R1"x')))
    assert (exc.rule, exc.position.line) == ("quoting", 3)


# -- options ----------------------------------------------------------------------------------------


def test_configured_column_names() -> None:
    header = HEADER.replace("account", "AcctNo")
    _, validated = run(
        upload(row(), row(meter="M2", account=""), header=header), columns={"account": "AcctNo"}
    )
    assert [(p.line, p.field, p.rule) for p in validated.problems] == [(3, "account", "required")]
    assert validated.table.get_column("account").to_list() == ["0001000001"]

    exc = parse_error(upload(row()), columns={"account": "AcctNo"})
    assert exc.rule == "missing_column"
    assert "'AcctNo'" in str(exc)


def test_configured_datetime_formats() -> None:
    data = upload(
        row(meter="M1", read_at="11/20/2026 08:15"),
        row(meter="M2", read_at="2026-11-20T08:15:00"),  # ISO is not accepted once formats are set
        row(meter="M3", read_at="11/20/2026 14:15 +0000"),
    )
    _, validated = run(data, CHICAGO, datetime_formats=["%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M %z"])
    assert [(p.line, p.field, p.rule, p.value) for p in validated.problems] == [
        (3, "read_at", "datetime", "2026-11-20T08:15:00")
    ]
    expected = datetime(2026, 11, 20, 14, 15, tzinfo=UTC)
    assert validated.table.get_column("read_at").to_list() == [expected, expected]


def test_a_time_in_the_dst_gap_is_a_datetime_problem() -> None:
    # 2026-03-08 02:00-03:00 does not exist in Chicago (clocks jump from 02:00 CST to 03:00 CDT)
    spring = datetime(2026, 3, 9, 12, tzinfo=UTC)
    data = upload(
        row(meter="M1", read_at="2026-03-08T01:59:59"),
        row(meter="M2", read_at="2026-03-08T02:30:00"),
        row(meter="M3", read_at="2026-03-08 02:00"),
        row(meter="M4", read_at="2026-03-08T03:00:00"),
    )
    _, validated = run(data, CHICAGO, now=spring)
    assert [(p.line, p.field, p.rule, p.value) for p in validated.problems] == [
        (3, "read_at", "datetime", "2026-03-08T02:30:00"),
        (4, "read_at", "datetime", "2026-03-08 02:00"),
    ]
    assert validated.table.get_column("read_at").to_list() == [
        datetime(2026, 3, 8, 7, 59, 59, tzinfo=UTC),
        datetime(2026, 3, 8, 8, 0, tzinfo=UTC),
    ]
    # the same wall-clock time is fine where there is no gap
    assert findings(data, "UTC", now=spring) == []


def test_an_ambiguous_fall_back_time_is_the_earlier_instant() -> None:
    _, validated = run(upload(row(read_at="2026-11-01T01:30:00")), CHICAGO)
    assert validated.table.get_column("read_at").to_list() == [datetime(2026, 11, 1, 6, 30, tzinfo=UTC)]


@pytest.mark.parametrize(
    ("stamp", "utc"),
    [
        ("2026-11-20T08:15:00Z", datetime(2026, 11, 20, 8, 15, tzinfo=UTC)),
        ("2026-11-20T08:15-05:00", datetime(2026, 11, 20, 13, 15, tzinfo=UTC)),
        ("2026-11-20T08:15:00+0530", datetime(2026, 11, 20, 2, 45, tzinfo=UTC)),
        ("2026-11-20T08:15:00-05", datetime(2026, 11, 20, 13, 15, tzinfo=UTC)),  # hours-only offset
        ("2026-11-20 08:15:00.5", datetime(2026, 11, 20, 14, 15, 0, 500_000, tzinfo=UTC)),
    ],
)
def test_iso_8601_spellings(stamp: str, utc: datetime) -> None:
    _, validated = run(upload(row(read_at=stamp)), CHICAGO)
    assert validated.problems == []
    assert validated.table.get_column("read_at").to_list() == [utc]


def test_account_values_in_problems_are_masked() -> None:
    data = upload(
        row(meter="M1", account="1234567890123456789012345"),  # 25 characters: too long
        row(meter="M2", account="12 4"),
        row(meter="M3", account="0001000009", read_code="10"),
    )
    _, validated = run(data)
    assert [(p.line, p.field, p.rule, p.value) for p in validated.problems] == [
        (2, "account", "pattern", "*********************2345"),
        (3, "account", "pattern", "****"),
        (4, "read_code", "code_list", "10"),
    ]
    assert all("1234567890" not in (p.value or "") + p.message for p in validated.problems)


def test_the_sample_with_eight_bad_rows_has_one_problem_line_per_kind() -> None:
    parsed, validated = run(meter_reads_csv(100, bad=8, now=NOW), CHICAGO)
    lines = {p.line for p in validated.problems}
    assert len(lines) == 8
    assert sorted(p.rule for p in validated.problems) == sorted(
        [
            "datetime",  # bad_date
            "reading_required",  # missing_reading
            "code_list",  # unknown_code
            "integer",  # not_a_number
            "not_in_future",  # future
            "duplicate_read",  # duplicate
            "field_count",  # field_count
            "required",  # missing_account
        ]
    )
    assert len(BAD_KINDS) == 8
    [too_many] = [p for p in validated.problems if p.rule == "field_count"]
    assert (too_many.value or "").split(",")[2].startswith("******"), "the account cell is masked"
    assert parsed.rows == validated.rows == 100
    assert validated.table.height == 92


def test_the_clean_sample_has_no_problems() -> None:
    parsed, validated = run(meter_reads_csv(300, now=NOW), CHICAGO)
    assert validated.problems == []
    assert validated.table.height == parsed.rows == 300


# -- regressions of fixed bugs --------------------------------------------------------------------


def test_a_bare_cr_in_the_header_line_is_a_parse_error() -> None:
    exc = parse_error(upload(row(), eol="\r"))
    assert (exc.rule, exc.position.line) == ("header", 1)


def test_a_bare_cr_ends_a_record_whether_or_not_the_file_has_quotes() -> None:
    # "R0000<CR>R0001,..." is two records for the csv module: a 1-field one and a full row
    plain = upload("R0000\r" + row(meter="M1"), row(meter="M2"))
    quoted = upload("R0000\r" + row(meter="M1"), row(meter="M2", route='"R0001"'))
    for data in (plain, quoted):
        _, validated = run(data)
        assert [(p.line, p.rule, p.value) for p in validated.problems] == [(2, "field_count", "R0000")]
        assert validated.table.get_column("meter").to_list() == ["M1", "M2"]
        assert validated.table.get_column("route").to_list() == ["R0001", "R0001"]


@pytest.mark.parametrize("data_row", [row() + ",1", row(route='"R0001"') + ",1"])
def test_a_header_column_named_like_the_line_column_is_a_parse_error(data_row: str) -> None:
    exc = parse_error(upload(data_row, header=HEADER + "," + LINE))
    assert (exc.rule, exc.position.line, exc.position.column, exc.value) == ("header", 1, "field 12", LINE)


def test_write_keeps_zero_padding_sub_seconds_and_average_usage() -> None:
    fmt = MeterReadsFormat(MeterReadsOptions())
    data = upload(
        row(read_at="2026-11-20T08:15:00.250", reading="00222", prior_reading="99293") + ",40",
        row(meter="M2", read_code="04", reading="", prior_reading="7") + ",",
        header=HEADER + ",average_usage",
    )
    _, first = run(data, CHICAGO)
    assert first.problems == []
    written = fmt.write(first.table)
    lines = written.decode().splitlines()
    assert lines[0] == HEADER + ",average_usage"
    assert lines[1] == "R0001,10,0001000001,M5000000,1,2026-11-20T14:15:00.250+00:00,00222,99293,01,RD01,,40"
    assert lines[2] == "R0001,10,0001000001,M2,1,2026-11-20T14:15:00+00:00,,7,04,RD01,,"
    _, second = run(written, CHICAGO)
    assert second.problems == []
    columns = [*FIELDS, "average_usage", "reading_digits"]
    assert second.table.select(columns).equals(first.table.select(columns))


def test_write_of_a_string_table_keeps_values() -> None:
    fmt = MeterReadsFormat(MeterReadsOptions())
    parsed, _ = run(upload(row(), row(meter="M2")))
    assert fmt.write(parsed.table) == upload(row(), row(meter="M2"))
    assert pl.read_csv(fmt.write(parsed.table), infer_schema=False).height == 2
