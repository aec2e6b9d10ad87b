"""Lockbox transmissions as a whole: the writer -> reader round trip (through the format too), line
endings, empty files and garbage, a bank's own layout (longer records, moved fields, the account in
an overflow record), the check-digit rules, masking of remitter and utility accounts, options that
cannot work, and the writer refusing what does not fit."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from formats.base import ReadContext
from formats.lockbox import LockboxFormat, LockboxOptions
from formats.lockbox_accounts import (
    check_digit_ok,
    check_digit_ok_expr,
    expected_check_digit,
    with_check_digit,
)
from formats.lockbox_layout import AccountLocation, CheckDigitRule, DetailLayout
from formats.lockbox_writer import Batch, Lockbox, write_file
from hub.kernel.errors import MappingError, ParseError
from tests.formats.lockbox_cases import (
    CREATED,
    DEPOSIT,
    LOCKBOX,
    LOCKBOX_CENTS,
    OTHER_LOCKBOX,
    REMITTER_ACCOUNT,
    errors,
    item,
    lines,
    only,
    read,
    replace,
    small_file,
    spec,
    valid_file,
)

V = valid_file()

# -- round trip --------------------------------------------------------------------------------------


def two_lockboxes() -> bytes:
    """Two lockboxes on two deposit dates, batches numbered 1 and 5, a check with overflow records."""
    return write_file(
        spec(
            Lockbox(
                LOCKBOX,
                DEPOSIT,
                [
                    Batch([item(12_345, 1, overflow=["INV 1", "INV 2"]), item(99, 2)]),
                    Batch([item(1, 3)], number=5),
                ],
            ),
            Lockbox(OTHER_LOCKBOX, date(2026, 11, 21), [Batch([item(9_999_999_999, 4, check_date=None)])]),
        )
    )


def test_a_written_table_reads_back_the_same() -> None:
    original = two_lockboxes()
    first = read(original)
    assert first.problems == []
    fmt = LockboxFormat(LockboxOptions())
    rewritten = fmt.write(first.details)
    assert lines(rewritten)[1:] == lines(original)[1:]  # the header's creation time is not in the table
    assert read(rewritten).details.equals(first.details)
    assert first.details["batch"].to_list() == ["001", "001", "005", "001"]
    assert first.details["check_date"].to_list()[-1] is None


def test_the_format_reads_the_pipeline_table() -> None:
    fmt = LockboxFormat(LockboxOptions())
    ctx = ReadContext("deposit.bai", CREATED)
    parsed = fmt.read(V, ctx)
    assert parsed.count == parsed.rows == 4
    assert parsed.facts["records"] == 16
    assert [(lb["number"], lb["stated_amount_cents"]) for lb in parsed.facts["lockboxes"]] == [
        (LOCKBOX, LOCKBOX_CENTS),
        (OTHER_LOCKBOX, 0),
    ]
    validated = fmt.validate(parsed, ctx)
    assert validated.table.height == 4 and validated.rejected == 0 and validated.problems == []


def test_crlf_reads_the_same() -> None:
    found = read(valid_file("\r\n"))
    assert found.problems == [] and found.details.equals(read(V).details)


# -- files that are not transmissions -------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"\n\n  \r\n"])
def test_an_empty_file_is_a_parse_error(data: bytes) -> None:
    with pytest.raises(ParseError) as caught:
        read(data)
    assert caught.value.rule == "empty-file"


def test_garbage_gives_findings_not_exceptions() -> None:
    found = read(b"\x00\xff not a lockbox file\n" * 3)
    rules = {p.rule for p in errors(found)}
    assert {"record-type", "record-order", "character-set"} <= rules
    assert found.summary()["items"] == 0


# -- a bank's own layout ------------------------------------------------------------------------------

# Longer records (padded to 128), the remitter name at 53-92 and free data from 93, check dates
# YYMMDD, and the utility account in the first overflow record of type 6, positions 12-21, mod 11.
BANK = LockboxOptions.model_validate(
    {
        "max_record_length": 132,
        "detail": {"remitter_name": [53, 92], "free_data_start": 93},
        "check_date_format": "%y%m%d",
        "account": {
            "record": "overflow",
            "overflow_type": "6",
            "start": 12,
            "end": 21,
            "check_digit": "mod11",
        },
    }
)


def mod11_account(n: int) -> str:
    """A 10-digit account with its mod 11 check digit (bodies whose digit would be 10 skipped)."""
    body = 100_000_000 + n
    while expected_check_digit("mod11", str(body)) is None:
        body += 1000
    return with_check_digit("mod11", str(body))


def bank_file(*accounts: str) -> bytes:
    items = [
        item(
            100 * n,
            n,
            remitter_name=f"A LONG REMITTER NAME OF FORTY CHARS {n:04d}",
            overflow=[f"{a} INVOICE {n}"],
        )
        for n, a in enumerate(accounts, start=1)
    ]
    return write_file(spec(Lockbox(LOCKBOX, DEPOSIT, [Batch(items)])), BANK, pad_to=128)


def test_a_bank_layout_with_longer_records_and_the_account_in_an_overflow_record() -> None:
    accounts = [mod11_account(n) for n in (1, 2, 3)]
    data = bank_file(*accounts)
    assert {len(r) for r in lines(data)} == {128}
    found = read(data, BANK)
    assert found.problems == []
    d = found.details
    assert d["account_number"].to_list() == accounts
    assert d["account_check_digit_ok"].to_list() == [True, True, True]
    assert d["remitter_name"].to_list()[0] == "A LONG REMITTER NAME OF FORTY CHARS 0001"
    assert d["check_date"].to_list() == [date(2026, 11, 14)] * 3
    # the default layout refuses records this long, each with its positions (and reads the YYMMDD
    # check dates 261114 as MMDDYY: month 26)
    default = read(data)
    too_long = [p for p in errors(default) if p.rule == "record-length"]
    assert [p.line for p in too_long] == list(range(1, 13)) and {p.positions for p in too_long} == {"105-128"}
    assert {p.rule for p in errors(default)} == {"record-length", "field-format"}


def test_a_mistyped_account_in_the_overflow_record() -> None:
    good = mod11_account(2)
    typo = good[:5] + str((int(good[5]) + 1) % 10) + good[6:]  # one digit mistyped: mod 11 catches it
    assert typo != good and not check_digit_ok("mod11", typo)
    found = read(bank_file(mod11_account(1), typo), BANK)
    [warning] = found.problems
    assert (warning.rule, warning.line, warning.positions, warning.severity) == (
        "account-check-digit",
        7,  # 4 detail, 5 its overflow, 6 the second detail, 7 its overflow
        "12-21",
        "warning",
    )
    assert warning.value == "******" + typo[-4:]
    assert found.details["account_check_digit_ok"].to_list() == [True, False]


def test_the_nth_overflow_record_holds_the_account() -> None:
    where = AccountLocation(record="overflow", start=12, end=21, occurrence=2)
    found = read(small_file(item(5, overflow=["FIRST LINE", "4000000001"])), LockboxOptions(account=where))
    assert found.details["account_number"].to_list() == ["4000000001"]
    assert found.details["account_check_digit_ok"].to_list() == [None]  # no rule


def test_a_missing_overflow_record_is_a_warning_on_the_detail() -> None:
    where = AccountLocation(record="overflow", overflow_type="6", start=12, end=21)
    problem = only(read(small_file(), LockboxOptions(account=where)), "warning")
    assert (problem.rule, problem.line, problem.positions) == ("account-number", 4, None)
    assert "overflow record of type 6" in problem.message


def test_more_than_99_overflow_records_number_from_01_again() -> None:
    data = small_file(item(5, overflow=[f"LINE {n}" for n in range(1, 102)]))
    assert lines(data)[103][8:10] == "01"  # the 100th overflow record
    found = read(data)
    assert found.problems == [] and len(found.details["overflow_data"][0]) == 101


# -- check digits --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "account", "ok"),
    [
        ("luhn", "79927398713", True),  # the textbook Luhn example
        ("luhn", "79927398710", False),
        # body 12345 weighted from the right 5*2 + 4*3 + 3*4 + 2*5 + 1*6 = 50; 50 mod 11 = 6; 11 - 6 = 5
        ("mod11", "123455", True),
        ("mod11", "123456", False),
        ("mod11", "1234X5", False),
        ("luhn", "7", False),  # no body
    ],
)
def test_check_digit_rules(rule: CheckDigitRule, account: str, ok: bool) -> None:
    assert check_digit_ok(rule, account) is ok


def test_a_mod11_body_without_a_check_digit() -> None:
    # body 6: 6*2 = 12, 12 mod 11 = 1, 11 - 1 = 10: no single digit fits
    assert expected_check_digit("mod11", "6") is None
    with pytest.raises(ValueError, match="no mod 11 check digit"):
        with_check_digit("mod11", "6")


@given(st.sampled_from(["luhn", "mod11"]), st.text("0123456789 A", max_size=12))
def test_the_column_wise_check_agrees_with_the_scalar_one(rule: CheckDigitRule, account: str) -> None:
    import polars as pl

    column = pl.DataFrame({"a": [account]}).select(check_digit_ok_expr(rule, pl.col("a"), 12))
    assert column.item() is check_digit_ok(rule, account)


# -- masking --------------------------------------------------------------------------------------------


def test_remitter_and_utility_accounts_are_masked_in_problems() -> None:
    data = replace(V, 4, 18, 26, "09100001X")  # a letter in the remitter routing number
    data = replace(data, 4, 92, 92, "0")  # and a mistyped utility account
    found = read(data, account=AccountLocation(start=83, end=92, check_digit="luhn"))
    shown = str(found.summary())
    assert "09100001X" not in shown and "*****001X" in shown
    assert "5000000010" not in shown and "******0010" in shown
    assert REMITTER_ACCOUNT in found.details["remitter_account"].to_list()  # the table keeps them whole


def test_a_remitter_field_never_shows_in_a_writer_error() -> None:
    with pytest.raises(MappingError) as caught:
        small_file(item(5, remitter_account="12345678901234"))
    assert "12345678901234" not in str(caught.value) and "remitter_account" in str(caught.value)


# -- options that cannot work ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "says"),
    [
        ({"detail": {"remitter_name": [50, 82]}}, "remitter_name (50-82) overlaps check_date (47-52)"),
        ({"detail": {"amount": [1, 10]}}, "starts at 2 or later"),
        ({"detail": {"free_data_start": 80}}, "free_data_start 80 is inside the fields"),
        ({"date_format": "%Y%m%d"}, "does not fill"),
        ({"check_date_format": "%m%y"}, "does not fill"),
        ({"max_record_length": 80}, "ends at 82, after max_record_length 80"),
        ({"account": {"start": 40, "end": 49}}, "within the detail record's free data (83-104)"),
        ({"account": {"record": "overflow", "start": 5, "end": 9}}, "overflow record's free data (12-104)"),
        ({"account": {"start": 90, "end": 85}}, "end before they start"),
        ({"account": {"start": 83, "end": 92, "overflow_type": "6"}}, "overflow_type is for an account"),
        ({"account": {"start": 83, "end": 92, "check_digit": "mod97"}}, "luhn"),
        ({"detail": {"colour": [90, 91]}}, "colour"),
    ],
)
def test_options_that_cannot_work_are_refused(options: dict[str, object], says: str) -> None:
    with pytest.raises(ValidationError, match=says.replace("(", r"\(").replace(")", r"\)")):
        LockboxOptions.model_validate(options)


def test_moved_fields_are_read_where_the_options_say() -> None:
    moved = LockboxOptions(detail=DetailLayout(check_number=(37, 44), check_date=(45, 50)))
    data = write_file(spec(Lockbox(LOCKBOX, DEPOSIT, [Batch([item(7, check_number="55")])])), moved)
    assert lines(data)[3][36:50] == "00000055111426"
    assert read(data, moved).details.select("check_number", "check_date").row(0) == (
        "00000055",
        date(2026, 11, 14),
    )


# -- the writer refuses what does not fit --------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda: small_file(item(10_000_000_000)), "amount 10000000000 does not fit positions 8-17"),
        (lambda: small_file(item(-1)), "negative amount"),
        (lambda: small_file(item(5, remitter_name="N" * 31)), "remitter_name"),
        (lambda: small_file(item(5, remitter_name="JOSÉ")), "not printable ASCII"),
        (lambda: small_file(item(5, free_data="X" * 30)), "longer than the maximum 104"),
        (lambda: small_file(*[item(1, n) for n in range(1, 1001)]), "item 1000 does not fit positions 5-7"),
    ],
)
def test_the_writer_refuses_what_does_not_fit(make: object, says: str) -> None:
    with pytest.raises(MappingError, match=says):
        make()  # type: ignore[operator]


def test_the_writer_refuses_an_empty_table() -> None:
    import polars as pl

    with pytest.raises(MappingError, match="no checks"):
        LockboxFormat(LockboxOptions()).write(pl.DataFrame({"amount_cents": []}))


def test_write_takes_the_header_from_the_table() -> None:
    table = read(V).details.with_columns(
        created=datetime(2027, 1, 2, 3, 4), destination=__import__("polars").lit("CITYUTIL")
    )
    header = lines(LockboxFormat(LockboxOptions()).write(table))[0]
    assert header[3:13] == "CITYUTIL  " and header[23:33] == "2701020304"
