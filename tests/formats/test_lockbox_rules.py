"""Lockbox rules, one at a time: each test breaks exactly one rule of a valid generated transmission
and expects exactly that finding (rule, line, positions, severity, level, and the wrong and expected
values): batch and lockbox totals, the lockbox number and deposit date of the totals, the trailer
count, item and batch numbers, overflow records, field formats, record order and length, and the
utility account's check digit."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from formats.base import ReadContext
from formats.lockbox import LockboxFormat, LockboxOptions
from formats.lockbox_layout import AccountLocation
from tests.formats.lockbox_cases import (
    CASE_ARGS,
    CREATED,
    LOCKBOX_CENTS,
    bump,
    case,
    check_case,
    delete_line,
    errors,
    insert_line,
    item,
    lines,
    only,
    read,
    replace,
    set_line,
    small_file,
    utility_account,
    valid_file,
)

V = valid_file()
# Lines of V (see lockbox_cases.valid_file): 1 header, 2 service, 3 lockbox header; 4 detail with
# overflow records 5 and 6; details 7 and 8; 9 batch total (batch 001: 3 items, 22,346 cents);
# 10 detail (batch 002); 11 batch total; 12 lockbox total (4 items, 25,022,346 cents); 13-15 an
# empty lockbox (header, batch total of 0 items, lockbox total); 16 trailer (16 records).
ROW = {"level": "row"}
DETAIL_7 = lines(V)[6]
SERVICE = lines(V)[1]

CONTROLS = [
    case(
        "batch-total-one-cent-off",
        lambda: bump(V, 9, 24, 33, 1),
        *("batch-total", 9, "24-33", "batch 001 of lockbox 1234567", "22347 cents", "22346 cents"),
    ),
    case(
        "batch-total-count",
        lambda: bump(V, 9, 21, 23, 1),
        *("batch-total", 9, "21-23", "batch 001", "states 4 items", "has 3 detail records"),
    ),
    case(
        "lockbox-total-amount",
        lambda: bump(V, 12, 25, 34, -1),
        *("lockbox-total", 12, "25-34", "lockbox 1234567", "25022345 cents", f"{LOCKBOX_CENTS} cents"),
    ),
    case(
        "lockbox-total-count",
        lambda: bump(V, 12, 21, 24, 1),
        *("lockbox-total", 12, "21-24", "states 5 items", "has 4 detail records"),
    ),
    case(
        "empty-lockbox-total-count",
        lambda: bump(V, 15, 21, 24, 1),
        *("lockbox-total", 15, "21-24", "lockbox 7654321", "states 1 item ", "has 0 detail records"),
    ),
    case(
        "empty-batch-total-amount",
        lambda: bump(V, 14, 24, 33, 100),
        *("batch-total", 14, "24-33", "100 cents (1.00)", "0 cents (0.00)"),
    ),
    case("trailer-count", lambda: bump(V, 16, 2, 7, 1), "trailer-count", 16, "2-7", "17 records", "has 16"),
    case(
        "batch-total-lockbox-number",
        lambda: replace(V, 9, 8, 14, "1234568"),
        *("lockbox-match", 9, "8-14", "lockbox number 1234568", "header's 1234567 (line 3)"),
    ),
    case(
        "lockbox-total-deposit-date",
        lambda: replace(V, 12, 15, 20, "261121"),
        *("lockbox-match", 12, "15-20", "deposit date 261121", "header's 261120 (line 3)"),
    ),
]

DETAILS = [
    case(
        "item-number-gap",
        lambda: replace(V, 8, 5, 7, "004"),
        *("item-number", 8, "5-7", "item number 004", "item 002 (line 7)"),
        **ROW,
    ),
    case(
        "item-number-first",
        lambda: replace(V, 10, 5, 7, "002"),
        *("item-number", 10, "5-7", "item number 002", "should be 001"),
        **ROW,
    ),
    case(
        "batch-number",
        lambda: replace(V, 7, 2, 4, "002"),
        *("batch-number", 7, "2-4", "batch number 002", "batch total's 001 (line 9)"),
        **ROW,
    ),
    case(
        "overflow-item",
        lambda: replace(V, 5, 5, 7, "002"),
        *("overflow-item", 5, "5-7", "item number 002", "detail's 001 (line 4)"),
        **ROW,
    ),
    case(
        "overflow-batch",
        lambda: replace(V, 6, 2, 4, "003"),
        *("overflow-item", 6, "2-4", "batch number 003", "detail's 001 (line 4)"),
        **ROW,
    ),
    case(
        "overflow-sequence",
        lambda: replace(V, 6, 9, 10, "03"),
        *("overflow-sequence", 6, "9-10", "number 03", "should be 02"),
        **ROW,
    ),
    case(
        "overflow-last-too-early",
        lambda: replace(V, 5, 11, 11, "9"),
        *("overflow-last", 5, "11", "indicator 9", "should be 0"),
        **ROW,
    ),
    case(
        "overflow-last-missing",
        lambda: replace(V, 6, 11, 11, "0"),
        *("overflow-last", 6, "11", "indicator 0", "should be 9"),
        **ROW,
    ),
]

FIELDS = [
    # an unreadable amount rejects its check; the totals it would enter are not compared
    case(
        "amount-not-digits",
        lambda: replace(V, 7, 8, 17, "00000100O0"),
        *("field-format", 7, "8-17", "amount must be 10 digits", "00000100O0"),
        **ROW,
    ),
    case(
        "check-date",
        lambda: replace(V, 4, 47, 52, "133126"),
        *("field-format", 4, "47-52", "check_date must be a date MMDDYY", "133126"),
        **ROW,
    ),
    case(
        "remitter-routing-masked",
        lambda: replace(V, 4, 18, 26, "09100001X"),
        *("field-format", 4, "18-26", "must be 9 digits", "*****001X"),
        **ROW,
    ),
    case(
        "deposit-date",
        lambda: replace(V, 3, 15, 20, "261131"),
        *("field-format", 3, "15-20", "deposit_date must be a date YYMMDD", "261131"),
    ),
    case(
        "lockbox-number",
        lambda: replace(V, 3, 8, 14, "12345A7"),
        *("field-format", 3, "8-14", "lockbox must be 7 digits", "12345A7"),
    ),
    case(
        "file-date", lambda: replace(V, 1, 24, 29, "261320"), "field-format", 1, "24-29", "YYMMDD", "261320"
    ),
    case("file-time", lambda: replace(V, 1, 30, 33, "2460"), "field-format", 1, "30-33", "HHMM", "2460"),
    case(
        "batch-total-count-digits",
        lambda: replace(V, 9, 21, 23, "00X"),
        *("field-format", 9, "21-23", "count must be 3 digits", "00X"),
    ),
    case(
        "trailer-count-digits",
        lambda: replace(V, 16, 2, 7, "00001X"),
        *("field-format", 16, "2-7", "record_count must be 6 digits"),
    ),
    case(
        "service-type",
        lambda: replace(V, 2, 32, 34, "4X0"),
        *("field-format", 2, "32-34", "service_type must be 3 digits", "4X0"),
    ),
    case(
        "destination-blank",
        lambda: replace(V, 1, 4, 13, " " * 10),
        *("field-format", 1, "4-13", "destination is required"),
    ),
    case(
        "character-set",
        lambda: replace(V, 7, 60, 60, "\x01"),
        *("character-set", 7, "60", "0x01", "position 60"),
        **ROW,
    ),
]

STRUCTURE = [
    case(
        "unknown-record-type",
        lambda: insert_line(V, 13, "3 A COMMENT", recount=True),
        *("record-type", 13, "1", "unknown record type '3'"),
    ),
    case("no-trailer", lambda: delete_line(V, 16), "record-order", 15, None, "no trailer record"),
    case(
        "no-header",
        lambda: delete_line(V, 1, recount=True),
        *("record-order", 1, "1", "does not start with a header record", "service record"),
    ),
    case(
        "second-service",
        lambda: insert_line(V, 3, SERVICE, recount=True),
        *("record-order", 3, "1", "a second service record"),
    ),
    case(
        "lockbox-header-before-lockbox-total",
        lambda: delete_line(V, 12, recount=True),
        *("record-order", 12, "1", "lockbox header record (type 5) before the open lockbox's total"),
    ),
    case(
        "lockbox-total-before-batch-total",
        lambda: delete_line(V, 11, recount=True),
        *("record-order", 11, "1", "lockbox total record (type 8) before the open batch's total"),
    ),
    case(
        "record-after-trailer",
        lambda: insert_line(V, 17, lines(V)[12], recount=True),
        *("record-order", 17, "1", "lockbox header record (type 5) after the trailer"),
    ),
    case(
        "overflow-after-batch-total",
        lambda: insert_line(V, 10, "40020016019STRAY", recount=True),
        *("record-order", 10, "1", "overflow record (type 4) after a batch total record"),
    ),
    # counted among the file's items, but in no batch: never passed on
    case(
        "detail-outside-lockbox",
        lambda: insert_line(V, 13, DETAIL_7, recount=True),
        *("record-order", 13, "1", "detail record (type 6) outside a lockbox", "after the lockbox total"),
    ),
    case(
        "record-too-long",
        lambda: set_line(V, 7, DETAIL_7.ljust(104) + "X"),
        *("record-length", 7, "105", "105 characters", "maximum 104"),
        **ROW,
    ),
    case(
        "short-header",
        lambda: set_line(V, 1, lines(V)[0][:29]),
        *("record-length", 1, "30-33", "29 characters", "33 its fields take", "padded"),
        severity="warning",
    ),
    case(
        "short-detail",
        lambda: small_file(item(500, remitter_name="", free_data="")).replace(b" " * 30 + b"\n", b"\n", 1),
        *("record-length", 4, "53-82", "52 characters", "82 its fields take"),
        severity="warning",
        **ROW,
    ),
    case("blank-line", lambda: insert_line(V, 10, ""), "blank-line", 10, None, "skipped", severity="warning"),
]


def test_the_generated_files_are_valid() -> None:
    found = read(V)
    assert found.problems == []
    assert found.summary()["amount_cents"] == LOCKBOX_CENTS
    assert read(small_file()).problems == []


@pytest.mark.parametrize(CASE_ARGS, CONTROLS + DETAILS + FIELDS + STRUCTURE)
def test_one_broken_rule_gives_exactly_its_finding(
    make: Callable[[], bytes],
    rule: str,
    line: int | None,
    positions: str | None,
    severity: str,
    level: str,
    says: tuple[str, ...],
) -> None:
    check_case(make, rule, line, positions, severity, level, says)


def test_a_batch_total_one_cent_off_rejects_the_whole_file() -> None:
    data = bump(V, 9, 24, 33, 1)
    problem = only(read(data))
    assert (problem.rule, problem.line, problem.positions, problem.field) == (
        "batch-total",
        9,
        "24-33",
        "amount",
    )
    assert (problem.level, problem.value) == ("file", "0000022347")
    assert problem.message == (
        "batch 001 of lockbox 1234567: the batch total states 22347 cents (223.47) but its details add up "
        "to 22346 cents (223.46)"
    )
    fmt = LockboxFormat(LockboxOptions())
    ctx = ReadContext("deposit.bai", CREATED)
    validated = fmt.validate(fmt.read(data, ctx), ctx)
    # no check is rejected by itself, but a file-level error: the pipeline rejects the whole file
    assert validated.rejected == 0 and any(
        p.level == "file" and p.severity == "error" for p in validated.problems
    )


def test_short_records_are_errors_when_not_tolerated() -> None:
    data = set_line(V, 1, lines(V)[0][:29])
    problem = only(read(data, tolerate_short_records=False))
    assert (problem.rule, problem.line, problem.positions) == ("record-length", 1, "30-33")
    assert "padded" not in problem.message


def test_a_row_error_rejects_its_check_and_only_its_check() -> None:
    found = read(replace(V, 6, 9, 10, "03"))  # the second overflow record of the check on line 4
    assert found.details.filter(found.details["rejected"])["_line"].to_list() == [4]
    fmt = LockboxFormat(LockboxOptions())
    ctx = ReadContext("deposit.bai", CREATED)
    validated = fmt.validate(fmt.read(replace(V, 6, 9, 10, "03"), ctx), ctx)
    assert validated.table["_line"].to_list() == [7, 8, 10] and validated.rejected == 1


def test_a_detail_outside_a_lockbox_is_counted_and_rejected() -> None:
    found = read(insert_line(V, 13, DETAIL_7, recount=True))
    stray = found.details.filter(found.details["_line"] == 13)
    assert stray["rejected"].to_list() == [True] and stray["lockbox"].to_list() == [None]
    assert [p.level for p in errors(found)] == ["file"]


ACCOUNT = LockboxOptions(account=AccountLocation(start=83, end=92, check_digit="luhn"))


def test_the_account_number_is_read_from_the_scanline_with_its_check_digit() -> None:
    found = read(V, ACCOUNT)
    assert found.problems == []
    assert found.details["account_number"].to_list() == [utility_account(n) for n in (1, 2, 3, 4)]
    assert found.details["account_check_digit_ok"].to_list() == [True] * 4


def test_a_mistyped_account_is_a_warning_naming_both_check_digits() -> None:
    account = utility_account(2)  # 5000000025: Luhn check digit 5
    assert account == "5000000025"
    data = replace(V, 7, 92, 92, "6")
    check_case(
        lambda: data,
        *("account-check-digit", 7, "83-92", "warning", "row", ("check digit 6", "expected 5", "******0026")),
        options=ACCOUNT,
    )
    found = read(data, ACCOUNT)
    assert found.details["account_check_digit_ok"].to_list() == [True, False, True, True]
    assert not found.details["rejected"].any()  # kept: the mapping sends it to suspense
    assert "5000000026" not in str(found.summary())


def test_a_missing_account_is_a_warning() -> None:
    data = replace(V, 8, 83, 92, " " * 10)
    check_case(
        lambda: data,
        *("account-number", 8, "83-92", "warning", "row", ("no utility account number", "83-92")),
        options=ACCOUNT,
    )
    assert read(data, ACCOUNT).details["account_number"].to_list()[2] is None
