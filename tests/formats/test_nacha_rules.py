"""NACHA entry and addenda rules, one at a time: each test breaks exactly one rule of a valid
generated file and expects exactly that finding (rule, line, positions, severity, and the wrong and
expected values): transaction codes, prenotes, routing check digits, addenda indicators, trace
order and ODFI, return and NOC addenda, 05 sequences, return and change codes."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.formats.nacha_cases import (
    CASE_ARGS,
    ODFI,
    batch,
    case,
    check_case,
    entry,
    info,
    noc,
    only,
    read,
    replace,
    ret,
    small_file,
    spec,
    valid_file,
    write_file,
)

V = valid_file()
# Lines of V (see nacha_cases.valid_file): 1 file header; 3-4 an R01 entry and its addenda; 39-41
# a PPD debit and its two addenda 05; 45 a CCD credit without addenda.
ONE = batch("PPD", [entry(27, 100)])

CASES = [
    case(
        "transaction-code",
        lambda: small_file(entry(25, 100)),
        "transaction-code",
        3,
        "2-3",
        "25",
        "21-24, 26-29",
    ),
    case("prenote-amount", lambda: small_file(entry(28, 100)), "zero-amount", 3, "30-39", "28", "0000000100"),
    case("zero-dollar-amount", lambda: small_file(entry(24, 1)), "zero-amount", 3, "30-39", "24", "amount 0"),
    case(
        "routing-check-digit",
        lambda: small_file(entry(27, 100, routing="091000018")),
        *("routing-check-digit", 3, "12", "check digit 8", "091000018", "should be 9"),
    ),
    case(
        "immediate-destination-check-digit",
        lambda: write_file(spec(ONE, immediate_destination="121042881")),
        *("routing-check-digit", 1, "4-13", "121042881", "should be 2"),
    ),
    # often a company id rather than a routing number: a warning
    case(
        "immediate-origin-check-digit",
        lambda: write_file(spec(ONE, immediate_origin="091000011")),
        *("routing-check-digit", 1, "14-23", "091000011", "should be 9"),
        severity="warning",
    ),
    case(
        "immediate-destination-not-routing",
        lambda: write_file(spec(ONE, immediate_destination="12104288X")),
        *("routing-number", 1, "4-13", "12104288X", "9-digit"),
    ),
    case(
        "indicator-0", lambda: replace(V, 3, 79, 79, "0"), "addenda-indicator", 3, "79", "is 0", "1 addenda"
    ),
    case(
        "indicator-1",
        lambda: replace(V, 45, 79, 79, "1"),
        "addenda-indicator",
        45,
        "79",
        "is 1",
        "no addenda",
    ),
    case(
        "indicator-2", lambda: replace(V, 45, 79, 79, "2"), "addenda-indicator", 45, "79", "0 or 1", "not 2"
    ),
    case(
        "trace-order",
        lambda: small_file(entry(27, 1, trace=f"{ODFI}0000002"), entry(27, 2, trace=f"{ODFI}0000001", n=2)),
        *("trace-order", 4, "80-94", f"{ODFI}0000001", f"{ODFI}0000002"),
    ),
    case(
        "trace-repeated",
        lambda: small_file(entry(27, 1, trace=f"{ODFI}0000002"), entry(27, 2, trace=f"{ODFI}0000002", n=2)),
        *("trace-order", 4, "80-94", "ascending"),
    ),
    case(
        "trace-odfi",
        lambda: small_file(entry(27, 1, trace="091000010000001")),
        *("trace-odfi", 3, "80-87", "091000010000001", ODFI),
    ),
    case(
        "two-return-addenda",
        lambda: small_file(entry(26, 5, ret("R01", 1), ret("R02", 1))),
        *("addenda-count", 5, "2-3", "exactly 1", "has 2", "line 3"),
    ),
    case(
        "return-and-05-addenda",
        lambda: small_file(entry(26, 5, ret("R01", 1), info("X"))),
        *("addenda-count", 5, "2-3", "exactly 1", "has 2"),
    ),
    case(
        "addenda-trace",
        lambda: small_file(entry(26, 5, ret("R01", 1, trace=f"{ODFI}0000009"))),
        *("addenda-trace", 4, "80-94", f"{ODFI}0000009", f"{ODFI}0000001"),
    ),
    case(
        "05-sequence", lambda: replace(V, 41, 84, 87, "0003"), "addenda-sequence", 41, "84-87", "0003", "be 2"
    ),
    case(
        "05-entry-sequence",
        lambda: replace(V, 41, 88, 94, "0000003"),
        *("addenda-sequence", 41, "88-94", "0000003", "should be 0000014"),
    ),
    case(
        "return-code-R96",
        lambda: small_file(entry(26, 5, ret("R96", 1))),
        *("return-code", 4, "4-6", "R96", "not in the NACHA rules"),
        severity="warning",
    ),
    # not an R code at all: an error even while unknown codes are kept
    case(
        "return-code-malformed",
        lambda: small_file(entry(26, 5, ret("X01", 1))),
        "return-code",
        4,
        "4-6",
        "Rnn",
    ),
    case(
        "change-code-C99",
        lambda: small_file(entry(21, 0, noc("C99", 1))),
        *("change-code", 4, "4-6", "C99", "not in the NACHA rules"),
        severity="warning",
    ),
    case(
        "change-code-malformed",
        lambda: small_file(entry(21, 0, noc("CC1", 1))),
        "change-code",
        4,
        "4-6",
        "Cnn",
    ),
    case(
        "noc-amount",
        lambda: small_file(entry(21, 100, noc("C01", 1))),
        *("noc-amount", 3, "30-39", "amount 0", "0000000100"),
    ),
]


def test_the_generated_files_are_valid() -> None:
    assert read(V).problems == []
    assert read(small_file()).problems == []
    assert read(small_file(entry(21, 0, noc("C05", 1, "22")))).problems == []


@pytest.mark.parametrize(CASE_ARGS, CASES)
def test_one_broken_rule_gives_exactly_its_finding(
    make: Callable[[], bytes], rule: str, line: int, positions: str, severity: str, says: tuple[str, ...]
) -> None:
    check_case(make, rule, line, positions, severity, says)


@pytest.mark.parametrize("code", ["R96", "R97"])
def test_unknown_return_codes_are_errors_when_rejected(code: str) -> None:
    data = small_file(entry(26, 5, ret(code, 1)))
    problem = only(read(data, unknown_codes="reject"))
    assert (problem.rule, problem.line, problem.positions, problem.value) == ("return-code", 4, "4-6", code)
    kept = read(data)
    assert kept.summary()["returns"][0]["code"] == code  # kept, with a warning
    assert not kept.entries["rejected"].any()


def test_unknown_change_code_is_an_error_when_rejected() -> None:
    problem = only(read(small_file(entry(21, 0, noc("C99", 1))), unknown_codes="reject"))
    assert (problem.rule, problem.line, problem.value) == ("change-code", 4, "C99")


def test_a_row_error_rejects_its_entry_and_only_its_entry() -> None:
    found = read(replace(V, 41, 84, 87, "0003"))  # the second addenda 05 of the entry on line 39
    rejected = found.entries.filter(found.entries["rejected"])
    assert rejected["_line"].to_list() == [39]
    assert found.entries.height == 17
