"""NACHA batch and file controls and the file header's fixed values: each test changes one control of
a valid generated file (one cent, one count) and expects exactly that error, naming both numbers."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.formats.nacha_cases import (
    CASE_ARGS,
    batch,
    bump,
    case,
    check_case,
    entry,
    read,
    replace,
    small_file,
    spec,
    valid_file,
    write_file,
)

V = valid_file()
CONTROL = 15  # the first batch's control: 12 entries and addenda, debits 379.44, credits 50.00
FILE_CONTROL = 49


def both(start: int, end: int, file_start: int, file_end: int, delta: int = 1) -> bytes:
    """Change a batch control figure and the file control's sum of it alike: only the batch control
    then disagrees with its records (the file control still adds up the batch controls)."""
    return bump(bump(V, CONTROL, start, end, delta), FILE_CONTROL, file_start, file_end, delta)


MATCH = "batch-control-match"


def company_ids(header: str, control: str) -> bytes:
    """One batch whose header and control carry these company ids (line 2 and line 5)."""
    return replace(replace(small_file(), 2, 41, 50, header), 5, 45, 54, control)


CASES = [
    case(
        "service-class",
        lambda: replace(V, CONTROL, 2, 4, "220"),
        MATCH,
        CONTROL,
        "2-4",
        "'220'",
        "'200'",
        "line 2",
    ),
    case(
        "company-id", lambda: replace(V, CONTROL, 45, 54, "1234567891"), MATCH, CONTROL, "45-54", "1234567890"
    ),
    case(
        "odfi",
        lambda: replace(V, CONTROL, 80, 87, "12104289"),
        MATCH,
        CONTROL,
        "80-87",
        "12104289",
        "12104288",
    ),
    case(
        "company-id-padded-otherwise",
        lambda: company_ids("231380104 ", " 231380104"),
        *(MATCH, 5, "45-54", "' 231380104'", "'231380104 '", "line 2", "only by blanks; tolerated"),
        severity="warning",
    ),
    # leading zeros are not padding: the first character of a company id says what kind of id it is
    case(
        "company-id-zero-filled",
        lambda: company_ids("231380104 ", "0231380104"),
        *(MATCH, 5, "45-54", "'0231380104'", "'231380104 '"),
    ),
    case("batch-number", lambda: replace(V, CONTROL, 88, 94, "0000009"), MATCH, CONTROL, "88-94", "0000009"),
    case("entry-addenda-count", lambda: both(5, 10, 14, 21), "batch-control", CONTROL, "5-10", "13", "12"),
    case(
        "entry-hash", lambda: both(11, 20, 22, 31), "batch-control", CONTROL, "11-20", "54600007", "54600006"
    ),
    case("total-debit", lambda: both(21, 32, 32, 43), "batch-control", CONTROL, "21-32", "37945", "37944"),
    case("total-credit", lambda: both(33, 44, 44, 55), "batch-control", CONTROL, "33-44", "5001", "5000"),
    case("debit-less", lambda: both(21, 32, 32, 43, -1), "batch-control", CONTROL, "21-32", "37943", "37944"),
    case(
        "credits-only-with-debits",
        lambda: small_file(entry(27, 100), entry(22, 5, n=2), service_class="220"),
        *("service-class", 2, "2-4", "220", "100 cents of debits"),
    ),
    case(
        "debits-only-with-credits",
        lambda: small_file(entry(27, 100), entry(22, 5, n=2), service_class="225"),
        *("service-class", 2, "2-4", "225", "5 cents of credits"),
    ),
    case(
        "unknown-service-class",
        lambda: small_file(entry(27, 100), service_class="230"),
        *("service-class", 2, "2-4", "230", "200, 220, 225 or 280"),
    ),
    case(
        "batch-numbers-ascending",
        lambda: replace(replace(V, 16, 88, 94, "0000001"), 21, 88, 94, "0000001"),
        *("batch-number", 16, "88-94", "batch number 0000001", "ascending"),
    ),
    case(
        "batch-count", lambda: bump(V, FILE_CONTROL, 2, 7, 1), "file-control", FILE_CONTROL, "2-7", "8", "7"
    ),
    case(
        "block-count", lambda: bump(V, FILE_CONTROL, 8, 13, 1), "file-control", FILE_CONTROL, "8-13", "6", "5"
    ),
    case(
        "file-entry-addenda-count",
        lambda: bump(V, FILE_CONTROL, 14, 21, -1),
        *("file-control", FILE_CONTROL, "14-21", "32", "33"),
    ),
    case(
        "file-entry-hash",
        lambda: bump(V, FILE_CONTROL, 22, 31, 1),
        *("file-control", FILE_CONTROL, "22-31", "154700018", "154700017"),
    ),
    case(
        "file-total-debit",
        lambda: bump(V, FILE_CONTROL, 32, 43, 1),
        *("file-control", FILE_CONTROL, "32-43", "323316", "323315"),
    ),
    case(
        "file-total-credit",
        lambda: bump(V, FILE_CONTROL, 44, 55, 1),
        *("file-control", FILE_CONTROL, "44-55", "100005016", "100005015"),
    ),
    case("record-size", lambda: replace(V, 1, 35, 37, "095"), "file-header", 1, "35-37", "095", "094"),
    case("blocking-factor", lambda: replace(V, 1, 38, 39, "20"), "file-header", 1, "38-39", "20", "10"),
    case("format-code", lambda: replace(V, 1, 40, 40, "2"), "file-header", 1, "40", "2", "must be 1"),
    case("file-id-modifier", lambda: replace(V, 1, 34, 34, "a"), "file-header", 1, "34", "'a'", "A-Z"),
]


@pytest.mark.parametrize(CASE_ARGS, CASES)
def test_one_wrong_control_gives_exactly_its_error(
    make: Callable[[], bytes], rule: str, line: int, positions: str, severity: str, says: tuple[str, ...]
) -> None:
    problem = check_case(make, rule, line, positions, severity, says)
    assert problem.level == "file"


def test_a_company_id_padded_otherwise_is_an_error_when_not_tolerated() -> None:
    [problem] = read(company_ids(" 231380104", "231380104 "), tolerate_company_id_padding=False).problems
    assert (problem.rule, problem.line, problem.positions, problem.severity) == (MATCH, 5, "45-54", "error")
    assert problem.message.endswith("only by blanks") and problem.value == "231380104 "


def test_the_figures_the_cases_rely_on() -> None:
    found = read(V)
    first = found.batches[0]
    assert (first.entries + first.addenda, first.debit_cents, first.credit_cents) == (12, 37_944, 5_000)
    # 6 entries of routing 09100001: hash 54600006; 17 entries in all: 154700017
    assert first.entry_hash == 6 * 9_100_001 and sum(b.entry_hash for b in found.batches) == 17 * 9_100_001
    assert (found.debit_cents, found.credit_cents) == (323_315, 100_005_015)
    assert found.records == 50 and len(found.batches) == 7


def test_a_one_cent_batch_error_alone_also_breaks_the_file_control() -> None:
    found = read(bump(V, CONTROL, 21, 32, 1))
    assert [(p.rule, p.line, p.positions) for p in found.problems] == [
        ("batch-control", CONTROL, "21-32"),
        ("file-control", FILE_CONTROL, "32-43"),
    ]


def test_entry_hash_keeps_the_last_ten_digits() -> None:
    # 1,100 entries of routing 99999999 (check digit: 9*32 = 288, so 2) add up to 109,999,998,900;
    # the hash keeps the last ten digits, 9,999,998,900
    entries = [entry(22, 1, n=i, routing="999999992") for i in range(1, 1101)]
    found = read(small_file(*entries))
    assert found.problems == []
    assert found.batches[0].entry_hash == 1100 * 99_999_999
    lines = small_file(*entries).decode().split("\n")
    assert lines[1101 + 1][10:20] == "9999998900"


def test_prenotes_in_a_credits_only_batch_are_fine() -> None:
    data = write_file(spec(batch("PPD", [entry(23, 0), entry(33, 0, n=2)], service_class="220")))
    assert read(data).problems == []
