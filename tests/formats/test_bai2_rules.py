"""BAI2 rules, one at a time: each test breaks exactly one rule of the valid generated file (see
bai2_cases for its 23 lines) and expects exactly that finding (rule, line, field ordinal, severity,
and the wrong and right numbers): account, group and file controls, amounts, type codes, funds
types, header fields and record order."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from formats.bai2_writer import Funds, Transaction
from hub.kernel.errors import ParseError
from tests.formats.bai2_cases import (
    CASE_ARGS,
    case,
    check_case,
    delete_line,
    edit,
    errors,
    insert_line,
    only,
    read,
    small_file,
    valid_file,
)

V = valid_file()


def twice(*edits: tuple[int, str, str]) -> bytes:
    data = V
    for line, old, new in edits:
        data = edit(data, line, old, new)
    return data


CONTROLS = [
    # a 16 amount one cent off: the account trailer (line 12) disagrees with its records, nothing else
    # (the group trailer sums the stated account control totals)
    case(
        "16-amount",
        lambda: edit(V, 5, "150000", "150001"),
        *("account-control", 12, "field 2", "500000", "500001"),
    ),
    case(
        "summary-amount-on-88",
        lambda: edit(V, 4, "210000", "210100"),
        *("account-control", 12, "field 2", "500000", "500100"),
    ),
    # a balance's sign counts: -50000 read as +50000 adds 100000
    case(
        "balance-sign",
        lambda: edit(V, 3, "-50000", "+50000"),
        *("account-control", 12, "field 2", "500000", "600000"),
    ),
    case(
        "49-record-count", lambda: edit(V, 12, ",10/", ",11/"), "account-control", 12, "field 3", "11", "10"
    ),
    # the group total off and the file total with it: only the group trailer disagrees with its accounts
    case(
        "98-total",
        lambda: twice((15, "500000", "500001"), (23, "611233", "611234")),
        *("group-control", 15, "field 2", "500001", "500000"),
    ),
    case("98-accounts", lambda: edit(V, 15, ",2,14/", ",3,14/"), "group-control", 15, "field 3", "3", "2"),
    case("98-records", lambda: edit(V, 15, ",14/", ",15/"), "group-control", 15, "field 4", "15", "14"),
    case(
        "99-total", lambda: edit(V, 23, "611233", "611234"), "file-control", 23, "field 2", "611234", "611233"
    ),
    case("99-groups", lambda: edit(V, 23, ",2,23/", ",3,23/"), "file-control", 23, "field 3", "3", "2"),
    case("99-records", lambda: edit(V, 23, ",23/", ",24/"), "file-control", 23, "field 4", "24", "23"),
    # blank where money depends on it: always an error, whatever the option
    case(
        "49-blank-with-amounts",
        lambda: edit(V, 12, "49,500000,", "49,,"),
        *("blank-control-total", 12, "field 2", "500000", "amounts depend"),
    ),
    case(
        "49-record-count-blank",
        lambda: edit(V, 12, ",10/", ",/"),
        *("account-control", 12, "field 3", "blank", "10"),
    ),
]

AMOUNTS = [
    # an amount that cannot be read: the file is rejected, and its account trailer is not compared
    case("amount-letter", lambda: edit(V, 11, "2500", "25O0"), "amount", 11, "field 3", "25O0", "cents"),
    case("amount-decimal", lambda: edit(V, 11, "2500", "25.00"), "amount", 11, "field 3", "25.00"),
    case("amount-sign", lambda: edit(V, 11, "2500", "+2500"), "amount", 11, "field 3", "sign"),
    case("amount-missing", lambda: edit(V, 11, "2500", ""), "amount", 11, "field 3", "without an amount"),
    case(
        "amount-19-digits",
        lambda: edit(V, 11, ",2500,", ",0000000000000002500,"),
        *("amount", 11, "field 3", "18 digits"),
    ),
    case("summary-sign", lambda: edit(V, 4, "7500", "-7500"), "amount", 4, "field 17", "sign"),
    case("item-count", lambda: edit(V, 4, "210000,3,", "210000,X,"), "field-format", 4, "field 14", "'X'"),
    case("control-total-letter", lambda: edit(V, 14, "49,0,", "49,O,"), "amount", 14, "field 2", "'O'"),
]

CODES = [
    case("type-code-short", lambda: edit(V, 11, "475", "47"), "type-code", 11, "field 2", "'47'", "001-999"),
    case("type-code-balance", lambda: edit(V, 11, "475", "015"), "type-code", 11, "field 2", "balance"),
    case(
        "type-code-unknown",
        lambda: edit(V, 11, "475", "119"),
        *("type-code", 11, "field 2", "119", "not in the hub's BAI2 table"),
        severity="warning",
    ),
    case(
        "type-code-unknown-rejected",
        lambda: edit(V, 11, "475", "119"),
        *("type-code", 11, "field 2", "119"),
        unknown_type_codes="reject",
    ),
    case(
        "summary-type-code",
        lambda: edit(V, 17, ",015,", ",01,"),
        *("type-code", 17, "field 4", "'01'"),
    ),
    case("funds-type", lambda: edit(V, 11, ",Z,", ",X,"), "funds-type", 11, "field 4", "'X'"),
    case("value-date", lambda: edit(V, 18, "V,261120", "V,261131"), "funds-type", 18, "field 5", "261131"),
    case("value-time", lambda: edit(V, 18, "1300", "1360"), "field-format", 18, "field 6", "1360"),
    case("distributed-count", lambda: edit(V, 9, "D,2,", "D,X,"), "field-format", 9, "field 5", "'X'"),
    case("distributed-no-count", lambda: edit(V, 9, "D,2,", "D,,"), "funds-type", 9, "field 5", "count"),
    case(
        "distributed-total",
        lambda: edit(V, 9, "2,2500,RET1", "2,2400,RET1"),
        *("availability-total", 9, "field 4", "4900", "5000"),
        severity="warning",
    ),
    case(
        "s-availability-total",
        lambda: edit(V, 7, "20000,20000,ACH1", "20000,20001,ACH1"),
        *("availability-total", 7, "field 4", "50001", "50000"),
        severity="warning",
    ),
]

HEADERS = [
    case("version", lambda: edit(V, 1, ",,,2/", ",,,3/"), "version", 1, "field 9", "must be 2"),
    case("creation-date", lambda: edit(V, 1, "261120", "261320"), "field-format", 1, "field 4", "261320"),
    case(
        "field-count", lambda: edit(V, 14, "49,0,2/", "49,0,2,7/"), "field-count", 14, "field 4", "4 fields"
    ),
    case(
        "group-status",
        lambda: edit(V, 2, ",1,261119", ",5,261119"),
        "field-format",
        2,
        "field 4",
        "test only",
    ),
    case("as-of-date", lambda: edit(V, 2, "261119", "261131"), "field-format", 2, "field 5", "261131"),
    case("as-of-time", lambda: edit(V, 2, "2400", "2401"), "field-format", 2, "field 6", "2401"),
    case("group-currency", lambda: edit(V, 16, ",USD,3/", ",US,3/"), "field-format", 16, "field 7", "'US'"),
    case("as-of-modifier", lambda: edit(V, 16, ",USD,3/", ",USD,7/"), "field-format", 16, "field 8", "7"),
    case("account-currency", lambda: edit(V, 17, ",USD,", ",usd,"), "field-format", 17, "field 3", "usd"),
]

ORDER = [
    case(
        "after-file-trailer",
        lambda: insert_line(V, 24, "16,115,100,0,,/"),
        *("record-order", 24, "field 1", "after the file trailer", "line 23"),
    ),
    case(
        "no-file-trailer",
        lambda: delete_line(V, 23),
        *("record-order", 22, "field 1", "no file trailer"),
    ),
    case(
        "88-first",
        lambda: b"88,TEXT/\n" + V,
        *("record-code", 1, None, "before any record"),
    ),
]


def test_the_generated_files_are_valid() -> None:
    assert read(V).problems == []
    assert read(valid_file(None)).problems == []
    assert read(small_file(Transaction("115", 1))).problems == []


@pytest.mark.parametrize(CASE_ARGS, CONTROLS + AMOUNTS + CODES + HEADERS + ORDER)
def test_one_broken_rule_gives_exactly_its_finding(
    make: Callable[[], bytes],
    options: dict[str, Any],
    rule: str,
    line: int,
    positions: str | None,
    severity: str,
    says: tuple[str, ...],
) -> None:
    check_case(make, options, rule, line, positions, severity, says)


def test_controls_are_file_level_and_name_their_field() -> None:
    problem = only(read(edit(V, 5, "150000", "150001")))
    assert (problem.level, problem.field, problem.value) == ("file", "control_total", "500000")
    assert problem.message == (
        "account control total 500000 but the account's 03 and 16 amounts add up to 500001"
    )


def test_a_row_error_rejects_its_transaction_only() -> None:
    found = read(edit(V, 11, ",Z,", ",X,"))
    assert only(found).level == "row"
    assert found.details.filter(found.details["rejected"])["_line"].to_list() == [11]
    # the amount error is file-level: the controls cannot be checked without it
    assert only(read(edit(V, 11, "2500", "25O0"))).level == "file"


def test_custom_type_codes_are_kept_without_a_finding() -> None:
    found = read(edit(V, 11, "475", "901"))
    assert found.problems == []
    row = found.details.filter(found.details["_line"] == 11).row(0, named=True)
    assert (row["type_code"], row["credit_debit"], row["meaning"]) == ("901", "custom", None)


def test_a_missing_account_trailer_is_reported_with_the_counts_it_throws_off() -> None:
    found = read(delete_line(V, 14))  # the all-zero account's 49
    assert [(p.rule, p.line, p.positions) for p in found.problems] == [
        ("record-order", 14, "field 1"),  # account on line 13 has no account trailer before the 98
        ("group-control", 14, "field 4"),  # the group now has 13 records, not 14
        ("file-control", 22, "field 4"),  # the file 22, not 23
    ]
    assert "line 13" in found.problems[0].message
    assert all(p.level == "file" for p in errors(found))


def test_a_transaction_outside_an_account_is_rejected() -> None:
    data = insert_line(delete_line(V, 20), 16, "16,257,1234,1,,/")  # moved from its account to before a 02
    found = read(data)
    assert ("record-order", 16) in {(p.rule, p.line) for p in found.problems}
    assert found.details.filter(found.details["_line"] == 16)["rejected"].to_list() == [True]


def test_an_empty_file_is_a_parse_error() -> None:
    for data in (b"", b"\n\n  \n"):
        with pytest.raises(ParseError) as raised:
            read(data)
        assert raised.value.rule == "empty-file"


def test_a_small_file_with_every_funds_type_is_valid() -> None:
    data = small_file(
        Transaction("115", 300, funds=Funds("S", [(0, 100), (1, 100), (2, 100)])),
        Transaction("116", 300, funds=Funds("D", [(0, 300)])),
        Transaction("195", 1, funds=Funds("V", value_date=date(2026, 1, 2))),
    )
    assert read(data).problems == []
