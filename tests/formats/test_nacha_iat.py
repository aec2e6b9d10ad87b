"""IAT batches: a valid IAT file reads clean (returns, a notification of change in a COR batch of IAT
indicator IATCOR, a forward entry with 17s and 18s) and round-trips through the writer; each test then
breaks exactly one rule (addenda order and counts, the stated number of addenda, sequence numbers,
IAT fields, controls) and expects exactly that finding; names, addresses and foreign account numbers
never show."""

from __future__ import annotations

import re
from collections.abc import Callable

import polars as pl
import pytest

from formats.nacha_iat_layout import IAT_BATCH_HEADER, iat_addenda_layout
from formats.nacha_writer import IatEntry
from hub.kernel.errors import MappingError
from tests.formats.nacha_cases import (
    CASE_ARGS,
    bump,
    case,
    check_case,
    errors,
    lines,
    noc,
    read,
    replace,
    ret,
    spec,
    write_file,
)
from tests.formats.nacha_iat_cases import (
    FOREIGN_ACCOUNT,
    ORIGINATOR_ID,
    RECEIVER,
    RECEIVER_ID,
    STREET,
    correspondent,
    domestic_with,
    iat_batch,
    iat_entry,
    iat_file,
    iat_spec,
    info,
    mandatory,
    one,
)

IAT = iat_file()
M = mandatory()
ORDER, TYPE = "iat-addenda", "addenda-type"
# one(): 1 file header, 2 IAT batch header, 3 entry, 4-10 addenda 10-16, 11 its 99, 12 control, 13 file
# control
ONE = one()


def with_17_as(addenda_type: str) -> bytes:
    """A forward IAT entry whose addenda after 10-16 is of another type (line 11)."""
    return replace(one(*M, info("INVOICE"), tc=27), 11, 2, 3, addenda_type)


CASES = [
    # the order and number of an IAT entry's addenda
    case("no-addenda", lambda: write_file(spec(iat_batch([iat_entry(27, 100)]))), ORDER, 3, None, "10 to 16"),
    case("no-addenda-16", lambda: one(*M[:6], tc=27), ORDER, 3, None, "no addenda 16:", "10 to 16"),
    case(
        "11-and-12-swapped",
        lambda: one(M[0], M[2], M[1], *M[3:], tc=27),
        ORDER,
        5,
        "2-3",
        "addenda 12 where addenda 11",
    ),
    case(
        "99-among-10-16",
        lambda: one(*M[:2], ret("R01", 1), *M[2:]),
        ORDER,
        6,
        "2-3",
        "addenda 99 where addenda 12",
    ),
    case("second-13", lambda: one(*M, M[3], tc=27), ORDER, 11, "2-3", "a second addenda 13"),
    case(
        "third-17",
        lambda: one(*M, info("A"), info("B"), info("C"), tc=27),
        ORDER,
        13,
        "2-3",
        "addenda 17 number 3",
        "at most 2",
    ),
    case(
        "sixth-18",
        lambda: one(*M, *(correspondent(f"BANK{n}", "DE") for n in range(6)), tc=27),
        *(ORDER, 16, "2-3", "addenda 18 number 6", "at most 5"),
    ),
    case(
        "17-after-18",
        lambda: one(*M, correspondent("BANK", "DE"), info("A"), tc=27),
        ORDER,
        12,
        "2-3",
        "addenda 17 after an addenda 18",
    ),
    case(
        "17-after-99",
        lambda: one(*M, ret("R01", 1), info("A")),
        ORDER,
        12,
        "2-3",
        "addenda 17 after the entry's addenda 99",
        "last",
    ),
    case(
        "two-99s",
        lambda: one(*M, ret("R01", 1), ret("R01", 1)),
        ORDER,
        12,
        "2-3",
        "addenda 99 after the entry's addenda 99",
    ),
    case(
        "05-in-an-iat-entry",
        lambda: with_17_as("05"),
        TYPE,
        11,
        "2-3",
        "'05' is not one an IAT entry carries",
    ),
    case(
        "10-in-a-ppd-batch",
        lambda: replace(domestic_with({"addenda_type": "05", "payment_info": "X"}), 4, 2, 3, "10"),
        *(TYPE, 4, "2-3", "'10' is not one the hub reads", "10-18 in IAT batches"),
    ),
    case(
        "stated-number-of-addenda",
        lambda: one(*M, ret("R01", 1), addenda_records=8),
        *("iat-addenda-count", 3, "13-16", "0008", "carries 7 IAT addenda", "not counted"),
    ),
    # sequence numbers and traces
    case(
        "entry-sequence-of-addenda-12",
        lambda: replace(ONE, 6, 88, 94, "0000009"),
        *("addenda-sequence", 6, "88-94", "0000009", "should be 0000001"),
    ),
    case(
        "sequence-of-the-second-17",
        lambda: replace(one(*M, info("A"), info("B"), tc=27), 12, 84, 87, "0001"),
        *("addenda-sequence", 12, "84-87", "0001", "should be 2"),
    ),
    case(
        "sequence-of-an-18",
        lambda: replace(
            one(*M, correspondent("A", "DE"), correspondent("B", "FR"), tc=27), 12, 84, 87, "0003"
        ),
        *("addenda-sequence", 12, "84-87", "0003", "should be 2"),
    ),
    case(
        "trace-of-the-99",
        lambda: replace(ONE, 11, 80, 94, "121042880000009"),
        "addenda-trace",
        11,
        "80-94",
        "121042880000009",
    ),
    case(
        "unknown-return-code",
        lambda: one(*M, ret("R97", 1)),
        "return-code",
        11,
        "4-6",
        "R97",
        severity="warning",
    ),
    case(
        "noc-amount", lambda: one(*M, noc("C01", 1), tc=21, cents=5), "noc-amount", 3, "30-39", "0000000005"
    ),
    # IAT fields
    case(
        "foreign-exchange-indicator",
        lambda: replace(ONE, 2, 21, 22, "XX"),
        "field-format",
        2,
        "21-22",
        "FV, VF or FF",
    ),
    case(
        "foreign-exchange-reference-indicator",
        lambda: replace(ONE, 2, 23, 23, "4"),
        "field-format",
        2,
        "23",
        "1, 2 or 3",
    ),
    case(
        "destination-country",
        lambda: replace(ONE, 2, 39, 40, "C1"),
        "field-format",
        2,
        "39-40",
        "2-letter ISO code",
    ),
    case(
        "originating-currency",
        lambda: replace(ONE, 2, 64, 66, "usd"),
        "field-format",
        2,
        "64-66",
        "3-letter ISO code",
    ),
    case(
        "ofac-screening", lambda: replace(ONE, 3, 77, 77, "2"), "field-format", 3, "77", "0 or 1 when present"
    ),
    case(
        "reserved-of-the-entry",
        lambda: replace(ONE, 3, 20, 20, "X"),
        "field-format",
        3,
        "17-29",
        "must be blank",
        severity="warning",
    ),
    case("transaction-type", lambda: replace(ONE, 4, 4, 6, "XYZ"), "field-format", 4, "4-6", "ANN, BUS"),
    case(
        "rdfi-id-qualifier", lambda: replace(ONE, 8, 39, 40, "04"), "field-format", 8, "39-40", "01, 02 or 03"
    ),
    case(
        "original-amount",
        lambda: replace(ONE, 11, 36, 45, "12345     "),
        "field-format",
        11,
        "36-45",
        "10 digits",
    ),
    # controls, exactly as for other batches; the company id is the IAT header's originator id
    case(
        "company-id-padded-otherwise",
        lambda: replace(replace(ONE, 2, 41, 50, "123456789 "), 12, 45, 54, " 123456789"),
        *("batch-control-match", 12, "45-54", "' 123456789'", "'123456789 '", "only by blanks"),
        severity="warning",
    ),
    case(
        "company-id-differs",
        lambda: replace(ONE, 12, 45, 54, "1234567891"),
        *("batch-control-match", 12, "45-54", "'1234567891'", f"'{ORIGINATOR_ID}'"),
    ),
    case(
        "entry-addenda-count",
        lambda: bump(bump(ONE, 12, 5, 10, 1), 13, 14, 21, 1),
        *("batch-control", 12, "5-10", "entries and addenda 10", "add up to 9"),
    ),
    case(
        "entry-hash",
        lambda: bump(bump(ONE, 12, 11, 20, 1), 13, 22, 31, 1),
        "batch-control",
        12,
        "11-20",
        "9100002",
        "9100001",
    ),
    case(
        "total-debit",
        lambda: bump(bump(ONE, 12, 21, 32, 1), 13, 32, 43, 1),
        "batch-control",
        12,
        "21-32",
        "12346",
        "12345",
    ),
]


@pytest.mark.parametrize(CASE_ARGS, CASES)
def test_one_broken_iat_rule_gives_exactly_its_finding(
    make: Callable[[], bytes], rule: str, line: int, positions: str, severity: str, says: tuple[str, ...]
) -> None:
    check_case(make, rule, line, positions, severity, says)


def test_the_generated_iat_files_are_valid() -> None:
    assert read(IAT).problems == [] and read(ONE).problems == []


def test_an_iat_finding_names_its_field_and_rejects_its_entry_only() -> None:
    found = read(replace(IAT, 14, 4, 4, "\x07"))  # addenda 11 of the second return
    [problem] = found.problems
    assert (problem.rule, problem.line, problem.level, problem.positions) == ("character-set", 14, "row", "4")
    assert found.entries.filter(pl.col("rejected")).get_column("_line").to_list() == [12]
    order = read(one(M[0], M[2], M[1], *M[3:], tc=27))
    [wrong] = order.problems
    assert (wrong.field, wrong.value, wrong.level) == ("addenda_type", "12", "row")
    assert order.entries.get_column("rejected").to_list() == [True]
    missing = read(one(*M[:6], tc=27)).problems[0]
    assert (missing.field, missing.value) == ("addenda_type", "16")


def test_an_iat_file_reads_into_the_entry_table_like_a_domestic_one() -> None:
    found = read(IAT)
    e = found.entries
    assert e.get_column("iat").to_list() == [True] * 4
    assert [b.iat for b in found.batches] == [True, True, True]
    first = e.row(0, named=True)
    assert (first["dfi_account"].rstrip(), first["individual_id"], first["amount_cents"]) == (
        FOREIGN_ACCOUNT,
        RECEIVER_ID,
        12_345,
    )
    assert (first["routing"], first["return_code"], first["original_amount"]) == (
        "091000019",
        "R01",
        "0000012345",
    )
    assert (first["sec_code"], first["company_id"], first["company_name"]) == ("IAT", ORIGINATOR_ID, "")
    assert e.get_column("addenda_count").to_list() == [8, 8, 8, 14]
    assert e.get_column("change_code").to_list() == [None, None, "C01", None]
    assert e.row(3, named=True)["payment_info"] == "INVOICE 2001SECOND LINE"
    assert [b.entries + b.addenda for b in found.batches] == [18, 9, 15]
    assert (found.debit_cents, found.credit_cents) == (72_344, 0)


def test_inspect_shows_iat_batches_and_the_original_amount_of_an_iat_return() -> None:
    s = read(IAT).summary()
    assert [b["sec_code"] for b in s["batches"]] == ["IAT", "COR", "IAT"]
    assert s["batches"][1]["iat"] == {
        "iat_indicator": "IATCOR",
        "foreign_exchange_indicator": "FV",
        "destination_country": "CA",
        "originating_currency": "USD",
        "destination_currency": "CAD",
    }
    assert s["batches"][0]["company_id"] == ORIGINATOR_ID
    assert [(r["code"], r["iat"], r["original_amount_cents"]) for r in s["returns"]] == [
        ("R01", True, 12_345),
        ("R03", True, 9_999),
    ]
    assert [(n["code"], n["iat"]) for n in s["nocs"]] == [("C01", True)]
    assert RECEIVER not in str(s) and FOREIGN_ACCOUNT[:-4] not in str(s)


def test_iat_round_trip_gives_back_every_field() -> None:
    s = iat_spec()
    found = read(IAT)
    assert write_file(iat_spec()) == IAT
    addenda = found.addenda.to_dicts() if found.addenda is not None else []
    rows = found.entries.to_dicts()
    written = [(b, e) for b in s.batches for e in b.entries]
    records = lines(IAT)
    for b, facts in zip(s.batches, found.batches, strict=True):
        header = IAT_BATCH_HEADER.values(records[facts.header_line - 1])
        for name in ("originator_id", "sec_code", "iat_indicator", "destination_country"):
            assert header[name].rstrip() == getattr(b, name)
        assert (header["originating_currency"], header["destination_currency"]) == (
            b.originating_currency,  # type: ignore[union-attr]
            b.destination_currency,  # type: ignore[union-attr]
        )
    for (_, e), row in zip(written, rows, strict=True):
        assert isinstance(e, IatEntry)
        assert (int(row["transaction_code"]), row["routing"], row["amount_cents"]) == (
            e.transaction_code,
            e.routing,
            e.amount_cents,
        )
        assert row["dfi_account"].rstrip() == e.dfi_account
        assert (row["ofac_screening"].strip(), row["secondary_ofac_screening"].strip()) == (
            e.ofac_screening,
            e.secondary_ofac_screening,
        )
        assert int(row["addenda_records"]) == sum(a["addenda_type"] not in ("98", "99") for a in e.addenda)
        mine = [a for a in addenda if a["entry"] == row["entry"]]
        assert [a["layout"].removeprefix("I") for a in mine] == [a["addenda_type"] for a in e.addenda]
        for want, got in zip(e.addenda, mine, strict=True):
            iat_addenda_layout(want)  # every written type has its layout
            for name, value in want.items():
                assert got[name].rstrip() == value, name
            if "entry_sequence" in got and got["entry_sequence"] is not None:
                assert got["entry_sequence"] == row["trace"][-7:]


def test_names_addresses_and_foreign_accounts_never_show_in_iat_findings() -> None:
    secrets = (RECEIVER, RECEIVER_ID, STREET, FOREIGN_ACCOUNT, "CITY UTILITY", "100 MAIN ST")
    broken = [
        replace(ONE, 3, 40, 74, " " * 35),  # a blank foreign account: its (masked) value is shown
        replace(ONE, 3, 50, 50, "\x07"),  # inside the foreign account
        replace(ONE, 4, 47, 81, " " * 35),  # a blank receiver name
        replace(ONE, 4, 50, 50, "\xff"),  # inside the receiver name
        replace(ONE, 5, 10, 10, "\t"),  # inside the originator's name
        replace(ONE, 8, 45, 45, "\x01"),  # inside an IBAN
        replace(ONE, 9, 6, 6, "\x07"),  # inside the receiver id
        replace(ONE, 9, 19, 53, " " * 35),  # a blank street
    ]
    for data in broken:
        found = read(data)
        assert errors(found), data
        for p in found.problems:
            for secret in secrets:
                assert secret[4:-4] not in f"{p.message} {p.value}", (secret, p)
        assert not any(secret[4:-4] in str(found.summary()) for secret in secrets)
    blank = read(broken[2]).problems[0]
    assert (blank.field, blank.value) == ("receiver_name", "*" * 31 + " " * 4)


@pytest.mark.parametrize(
    ("addenda", "says"),
    [
        ({"addenda_type": "05", "payment_info": "X"}, "no addenda '05'"),
        ({"addenda_type": "10", "transaction_type": "MIS", "receiver_name": "N" * 36}, "receiver_name ****"),
    ],
)
def test_the_iat_writer_refuses_what_an_iat_entry_cannot_carry(addenda: dict[str, str], says: str) -> None:
    with pytest.raises(MappingError, match=re.escape(says)) as raised:
        one(addenda)
    assert "NNNN" not in str(raised.value)


def test_an_iat_batch_without_entries_is_an_order_error() -> None:
    found = read(write_file(spec(iat_batch([]))))
    assert [(p.rule, p.line, p.message) for p in found.problems] == [
        ("record-order", 3, "batch has no entry detail records")
    ]
