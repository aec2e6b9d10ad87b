"""NACHA files as a whole: the tolerance options (CR LF, no line breaks, short last line, missing
padding), empty files and garbage, masking of sensitive values, and the writer -> reader round trip
with the writer refusing what does not fit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace as changed
from typing import Any

import pytest

from formats.nacha_layout import ADDENDA_98, addenda_99_layout
from hub.kernel.errors import MappingError, ParseError
from tests.formats.nacha_cases import (
    ACCOUNT,
    CORRECTED,
    INDIVIDUAL,
    delete_line,
    entry,
    errors,
    facts,
    insert_line,
    join,
    lines,
    only,
    read,
    replace,
    set_line,
    small_file,
    valid_file,
    valid_spec,
    warnings,
    write_file,
)

V = valid_file()
FILE_CONTROL = 49

# -- tolerance options --------------------------------------------------------------------------------

TEN = small_file(*[entry(27, 100 * n, n=n) for n in range(1, 7)])  # exactly 10 records, no padding


def _short_last_line() -> bytes:
    records = lines(TEN)
    records[-1] = records[-1].rstrip(" ")
    return join(records)


def tolerance(name: str, make: Callable[[], bytes], original: bytes, option: str, *finding: Any) -> Any:
    """A deviation ``option`` tolerates: ``make`` reads like ``original`` with ``finding`` (rule, line,
    positions) as a warning, or as an error when the option is off."""
    return pytest.param(make, original, option, finding, id=name)


TOLERANCES = [
    tolerance("crlf", lambda: valid_file("\r\n"), V, "tolerate_crlf", "line-breaks", None, None),
    tolerance(
        "no-breaks",
        lambda: "".join(lines(V)).encode(),
        V,
        "tolerate_no_line_breaks",
        "line-breaks",
        None,
        None,
    ),
    tolerance(
        "no-breaks-short-last-record",
        lambda: "".join(lines(_short_last_line())).encode(),
        *(TEN, "tolerate_short_lines", "record-length", 10, "56-94"),
    ),
    tolerance("short-last-line", _short_last_line, TEN, "tolerate_short_lines", "record-length", 10, "56-94"),
    tolerance(
        "missing-padding", lambda: delete_line(V, 50), V, "tolerate_missing_padding", "padding", 49, None
    ),
    tolerance(
        "blank-lines-at-the-end",
        lambda: V + b"\n  \n\n",
        *(V, "tolerate_trailing_blank_lines", "blank-line", 51, None),
    ),
    tolerance(
        "blank-line-after-crlf-file-control",
        lambda: valid_file("\r\n") + b"\r\n",
        *(V, "tolerate_trailing_blank_lines", "blank-line", 51, None),
    ),
    tolerance(
        "blank-line-after-unpadded-file-control",
        lambda: join(lines(TEN)) + b"\n",
        *(TEN, "tolerate_trailing_blank_lines", "blank-line", 11, None),
    ),
]


@pytest.mark.parametrize(("make", "original", "option", "finding"), TOLERANCES)
def test_a_tolerated_deviation_reads_the_same_with_a_warning_or_an_error_when_turned_off(
    make: Callable[[], bytes], original: bytes, option: str, finding: tuple[str, int | None, str | None]
) -> None:
    data = make()
    assert data != original
    tolerated = read(data)
    assert [(p.rule, p.line, p.positions) for p in warnings(tolerated) if p.rule == finding[0]] == [finding]
    assert errors(tolerated) == []
    assert facts(tolerated) == facts(read(original))
    assert tolerated.entries.drop("_line").equals(read(original).entries.drop("_line"))
    strict = read(data, **{option: False})
    assert [(p.rule, p.line, p.positions) for p in errors(strict)] == [finding]
    assert len(strict.problems) == len(tolerated.problems)


def test_blank_lines_at_the_end_are_one_finding_naming_them_and_a_blank_line_between_stays_an_error() -> None:
    [trailing] = read(V + b"\n \t\n\n").problems
    assert (trailing.rule, trailing.line, trailing.value, trailing.level) == ("blank-line", 51, "3", "file")
    assert trailing.message == "3 blank lines after the last record (lines 51-53); skipped"
    between = insert_line(V, 3, "", keep_blocks=False) + b"\n"
    found = read(between)
    assert [(p.rule, p.line, p.severity) for p in found.problems] == [
        ("blank-line", 3, "error"),
        ("blank-line", 52, "warning"),
    ]
    assert found.problems[0].message == "a blank line between records"


def test_no_line_breaks_numbers_records_and_may_end_with_one_line_break() -> None:
    data = "".join(lines(V)).encode() + b"\n"
    problem = only(read(data), "warning")
    assert problem.rule == "line-breaks" and "record numbers" in problem.message
    # positions and lines still name the record: the header's record size, record 1
    broken = read(data.replace(b"A094", b"A095"))
    assert [(p.rule, p.line, p.positions) for p in errors(broken)] == [("file-header", 1, "35-37")]


def test_crlf_on_some_lines_only_is_reported_with_the_count() -> None:
    records = lines(V)
    data = ("".join(r + "\r\n" for r in records[:3]) + "".join(r + "\n" for r in records[3:])).encode()
    problem = only(read(data), "warning")
    assert problem.rule == "line-breaks" and "3 of 50 lines" in problem.message


# -- garbage --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"\n\n", b"   \r\n", b"\x0c", b" \n\x0b\n"])
def test_an_empty_file_is_a_parse_error_at_line_1(data: bytes) -> None:
    with pytest.raises(ParseError) as raised:
        read(data)
    assert raised.value.rule == "empty-file" and raised.value.position.line == 1


@pytest.mark.parametrize(
    "data",
    [
        b"\x00\xff not a bank file at all\n" * 3,
        b"x",
        "\u00b2".encode("latin-1") * 94,
        bytes(range(256)) * 4,
        b"9" * 94 + b"\n",
        b"1" * 94 + b"\n" + b"9" * 94,
        V.replace(b"\n", b"\r"),
        V[:500],
        # digits Python's isdigit takes but int refuses, in every numeric control field
        replace(replace(replace(V, 49, 2, 7, "00000\xb2"), 1, 35, 37, "0\xb39"), 16, 88, 94, "000000\xb9"),
    ],
)
def test_garbage_gives_error_findings_never_another_exception(data: bytes) -> None:
    found = read(data)
    assert errors(found), found.problems
    assert all(p.line is None or p.line >= 1 for p in found.problems)
    found.summary()


# -- sensitive values ---------------------------------------------------------------------------------


def test_account_numbers_corrected_data_and_individual_ids_never_show_in_findings() -> None:
    secrets = (ACCOUNT, INDIVIDUAL, CORRECTED)
    broken = [
        replace(V, 3, 13, 29, " " * 17),  # a blank account number: its (masked) value is shown
        replace(V, 3, 20, 20, "\x07"),  # a bell inside the account number
        replace(V, 3, 45, 45, "\xff"),  # inside the individual id
        replace(V, 32, 40, 40, "\t"),  # inside the corrected data
        replace(V, 32, 4, 6, "X01"),  # a malformed change code on the NOC with the corrected data
        replace(V, 3, 12, 12, "0"),  # a wrong check digit on the entry with the account number
        replace(V, 3, 79, 79, "0"),
        set_line(V, 3, lines(V)[2] + "EXTRA"),
    ]
    for data in broken:
        found = read(data)
        assert found.problems
        for p in found.problems:
            for secret in secrets:
                assert secret[:-4] not in f"{p.message} {p.value}", (secret, p)
        assert not any(secret[:-4] in str(found.summary()) for secret in secrets)
    blank = only(read(broken[0]))
    assert (blank.field, blank.value) == ("dfi_account", "*" * 13 + " " * 4)


def test_the_writer_does_not_show_a_sensitive_value_it_refuses() -> None:
    with pytest.raises(MappingError) as raised:
        small_file(entry(27, 1, dfi_account=ACCOUNT + "9"))
    assert ACCOUNT not in str(raised.value) and "dfi_account" in str(raised.value)


# -- writer -> reader round trip -----------------------------------------------------------------------


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_round_trip_gives_back_every_field_and_total(newline: str) -> None:
    s = valid_spec()
    found = read(write_file(s, newline=newline))
    assert [p.rule for p in found.problems] == (["line-breaks"] if newline == "\r\n" else [])
    rows = found.entries.to_dicts()
    written = [(b, e) for b in s.batches for e in b.entries]
    assert len(rows) == len(written) == 17
    addenda = found.addenda.to_dicts() if found.addenda is not None else []
    for (b, e), row in zip(written, rows, strict=True):
        assert int(row["transaction_code"]) == e.transaction_code
        assert row["routing"] == e.routing and row["amount_cents"] == e.amount_cents
        assert row["dfi_account"].rstrip() == e.dfi_account
        assert row["individual_id"].rstrip() == e.individual_id
        assert row["individual_name"].rstrip() == e.individual_name
        assert row["trace"].startswith(b.odfi) and row["addenda_count"] == len(e.addenda)
        assert (row["sec_code"], row["company_id"]) == (b.sec_code, b.company_id)
        assert row["effective_date"] == "261121"
        mine = [a for a in addenda if a["entry"] == row["entry"]]
        assert [a["layout"][:2] for a in mine] == [a["addenda_type"] for a in e.addenda]
        for want, got in zip(e.addenda, mine, strict=True):
            layout = (
                ADDENDA_98 if want["addenda_type"] == "98" else addenda_99_layout(want.get("return_code", ""))
            )
            for name, value in want.items():
                if want["addenda_type"] == "05" or name == "addenda_type":
                    continue
                assert got[name].rstrip() == value, (name, layout[name].positions)
            if want["addenda_type"] != "05":
                assert got["trace"] == row["trace"]
    # the entry table joins an entry's 05 texts; each addenda row keeps its own
    assert [r["payment_info"] for r in rows if r["payment_info"]] == [
        "INVOICE 1001",
        "INVOICE 1002SECOND LINE",
        "REFUND",
    ]
    texts = [a["payment_info"].rstrip() for a in addenda if a["layout"] == "05"]
    assert texts == ["INVOICE 1001", "INVOICE 1002", "SECOND LINE", "REFUND"]
    for b, facts_ in zip(s.batches, found.batches, strict=True):
        debit = sum(e.amount_cents for e in b.entries if e.transaction_code % 10 >= 5)
        credit = sum(e.amount_cents for e in b.entries if e.transaction_code % 10 < 5)
        stated = facts_.control or {}
        assert (facts_.debit_cents, facts_.credit_cents) == (debit, credit)
        assert (int(stated["total_debit"]), int(stated["total_credit"])) == (debit, credit)
        assert int(stated["entry_addenda_count"]) == len(b.entries) + sum(len(e.addenda) for e in b.entries)
    summary = found.summary()
    assert (summary["debit_cents"], summary["credit_cents"]) == (323_315, 100_005_015)
    codes = [r["code"] for r in summary["returns"]]
    assert codes == ["R01", "R02", "R03", "R68", "R71", "R15", "R29", "R24", "R10", "R07"]
    assert [n["code"] for n in summary["nocs"]] == ["C01", "C03"]
    assert found.header is not None and found.header["immediate_destination"] == " 121042882"


def test_round_trip_of_a_written_file_is_a_fixed_point() -> None:
    assert write_file(valid_spec()) == V
    assert write_file(valid_spec(), newline="\r\n") == V.replace(b"\n", b"\r\n")


@pytest.mark.parametrize(
    ("change", "what"),
    [
        ({"amount_cents": 10_000_000_000}, "amount"),  # 11 digits in a 10-digit field
        ({"amount_cents": -1}, "amount"),
        ({"dfi_account": "1" * 18}, "dfi_account"),
        ({"individual_name": "N" * 23}, "individual_name"),
        ({"individual_name": "JOS\u00c9"}, "individual_name"),  # not ASCII
        ({"individual_name": "A\tB"}, "individual_name"),  # not printable
        ({"routing": "09100001"}, "routing"),
        ({"routing": "0910000190"}, "routing"),
        ({"routing": "09100001X"}, "check_digit"),
        ({"transaction_code": 270}, "transaction_code"),
        ({"trace": "1210428800000001"}, "trace"),
    ],
)
def test_the_writer_refuses_a_value_that_does_not_fit_its_field(change: dict[str, Any], what: str) -> None:
    e = changed(entry(27, 1), **change)
    with pytest.raises(MappingError) as raised:
        small_file(e)
    assert what in str(raised.value)


def test_the_writer_refuses_a_wrong_addenda_value() -> None:
    with pytest.raises(MappingError, match="original_rdfi"):
        small_file(entry(26, 1, {"addenda_type": "99", "return_code": "R01", "original_rdfi": "123456789"}))
    with pytest.raises(MappingError, match="corrected_data"):
        small_file(entry(21, 0, {"addenda_type": "98", "change_code": "C01", "corrected_data": "1" * 30}))


def test_default_trace_numbers_are_unique_across_the_batches_of_a_file() -> None:
    found = read(valid_file())
    traces = found.entries.get_column("trace").to_list()
    assert len(found.batches) > 1 and len(traces) == len(set(traces))
