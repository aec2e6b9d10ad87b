"""NACHA field formats and character set: each test breaks one field of one record of a valid
generated file and expects exactly that finding (digits, dates, trace numbers, required text,
reserved blanks as warnings, addenda types, characters outside printable ASCII)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.formats.nacha_cases import CASE_ARGS, case, check_case, only, read, replace, small_file, valid_file

V = valid_file()
# Lines of V (see nacha_cases.valid_file): 1 file header; 2 PPD returns batch header; 3-4 an R01
# entry and its addenda; 10 the R68 addenda; 12 the R71 addenda; 14 the R15 addenda; 15 batch
# control; 32 a C01 addenda 98; 36 forward PPD header; 45 a CCD credit without addenda; 49 file control.

CASES = [
    case("digits", lambda: replace(V, 1, 2, 3, "0X"), "field-format", 1, "2-3", "0X", "2 digits"),
    case(
        "optional-digits",
        lambda: replace(V, 1, 30, 33, "06x5"),
        "field-format",
        1,
        "30-33",
        "06x5",
        "4 digits",
    ),
    case("date", lambda: replace(V, 1, 24, 29, "261331"), "field-format", 1, "24-29", "261331", "YYMMDD"),
    # polars' strptime alone reads " 61120" as a date
    case(
        "date-blank", lambda: replace(V, 1, 24, 29, " 61120"), "field-format", 1, "24-29", " 61120", "YYMMDD"
    ),
    case(
        "optional-date",
        lambda: replace(V, 14, 22, 27, "261301"),
        "field-format",
        14,
        "22-27",
        "date_of_death",
    ),
    case(
        "contested-date",
        lambda: replace(V, 12, 22, 27, "000167"),
        *("field-format", 12, "22-27", "000167", "date_original_returned"),
    ),
    case("effective-date", lambda: replace(V, 36, 70, 75, "000000"), "field-format", 36, "70-75", "000000"),
    # tolerated: on returns the ACH Operator replaces an invalid effective date
    case(
        "effective-date-returns",
        lambda: replace(V, 2, 70, 75, "000000"),
        *("field-format", 2, "70-75", "000000", "tolerated"),
        severity="warning",
    ),
    case(
        "trace",
        lambda: replace(V, 45, 80, 94, "12104288000000A"),
        *("field-format", 45, "80-94", "12104288000000A", "15-digit"),
    ),
    case(
        "original-trace",
        lambda: replace(V, 4, 7, 21, "09100001000000X"),
        *("field-format", 4, "7-21", "09100001000000X", "15-digit"),
    ),
    case(
        "required",
        lambda: replace(V, 2, 5, 20, " " * 16),
        "field-format",
        2,
        "5-20",
        "company_name",
        "required",
    ),
    case(
        "return-trace", lambda: replace(V, 10, 39, 53, " " * 15), "field-format", 10, "39-53", "return_trace"
    ),
    case(
        "reserved-file-control",
        lambda: replace(V, 49, 94, 94, "X"),
        *("field-format", 49, "56-94", "X", "blank"),
        severity="warning",
    ),
    case(
        "reserved-98",
        lambda: replace(V, 32, 22, 27, "ABCDEF"),
        *("field-format", 32, "22-27", "ABCDEF"),
        severity="warning",
    ),
    case(
        "reserved-dishonored",
        lambda: replace(V, 10, 36, 38, "XYZ"),
        *("field-format", 10, "36-38", "XYZ"),
        severity="warning",
    ),
    case(
        "reserved-batch-control",
        lambda: replace(V, 15, 74, 79, "ZZZZZZ"),
        *("field-format", 15, "74-79", "ZZZZZZ"),
        severity="warning",
    ),
    case("addenda-type", lambda: replace(V, 38, 2, 3, "02"), "addenda-type", 38, "2-3", "02", "05, 98, 99"),
    case("control-character", lambda: replace(V, 45, 55, 55, "\x01"), "character-set", 45, "55", "0x01"),
    case("latin-1", lambda: replace(V, 1, 41, 41, "\xe9"), "character-set", 1, "41", "0xe9", "position 41"),
    case("tab", lambda: replace(V, 38, 10, 10, "\t"), "character-set", 38, "10", "0x09"),
]


def test_the_generated_file_is_valid() -> None:
    assert read(V).problems == []


@pytest.mark.parametrize(CASE_ARGS, CASES)
def test_one_broken_field_gives_exactly_its_finding(
    make: Callable[[], bytes], rule: str, line: int, positions: str, severity: str, says: tuple[str, ...]
) -> None:
    check_case(make, rule, line, positions, severity, says)


def test_a_field_error_on_an_entry_or_addenda_is_a_row_error_and_rejects_the_entry() -> None:
    found = read(replace(V, 14, 22, 27, "261301"))  # the R15 addenda's date of death
    problem = only(found)
    assert problem.level == "row"
    assert found.entries.filter(found.entries["rejected"])["_line"].to_list() == [13]
    header = only(read(replace(V, 1, 2, 3, "0X")))
    assert header.level == "file"


def test_an_invalid_effective_date_is_an_error_when_the_batch_holds_a_forward_entry() -> None:
    from tests.formats.nacha_cases import entry, ret

    mixed = small_file(entry(26, 5, ret("R01", 1)), entry(27, 5, n=2), effective_date="000000")
    problem = only(read(mixed))
    assert (problem.field, problem.line, problem.positions) == ("effective_date", 2, "70-75")
