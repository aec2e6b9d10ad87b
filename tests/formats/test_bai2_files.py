"""BAI2 files as a whole: continuations (summaries and fields continued onto 88 records, text joined
across them with "/" and commas inside), each real-world variant with its option on (a warning, the
same money) and off (an error), funds types S, V and D, the writer -> reader round trip (also through
the pipeline's ``Format.write``), the writer refusing what it cannot write, and the format as the
pipeline sees it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest

from formats import get_format
from formats.bai2 import Bai2Format, Bai2Options
from formats.bai2_writer import Account, Bai2Spec, Funds, Group, Summary, Transaction, write_file
from formats.base import ReadContext
from tests.formats.bai2_cases import (
    BANK,
    CREATED,
    UTILITY,
    delete_line,
    edit,
    errors,
    insert_line,
    lines,
    money,
    only,
    read,
    set_line,
    small_file,
    valid_file,
    valid_spec,
    warnings,
)

V = valid_file()
CTX = ReadContext(file="report.bai2", now=datetime(2026, 11, 20, tzinfo=UTC))


def one(*transactions: Transaction) -> Bai2Spec:
    """One group with one account holding ``transactions`` and no summaries."""
    account = Account("1", "", [], list(transactions))
    return Bai2Spec(BANK, UTILITY, CREATED, [Group(BANK, date(2026, 11, 19), [account])])


def texts(data: bytes, **options: Any) -> list[str]:
    return read(data, **options).details["text"].to_list()


# -- continuations --------------------------------------------------------------------------------


def test_text_is_joined_across_88_records_with_commas_and_slashes_kept() -> None:
    assert texts(V) == [
        "LOCKBOX 7788 DEPOSIT, 2 ITEMS/BATCH 4",
        "AUTOPAY CITY UTILITY INV A/B",
        "DEPOSITED ITEM RETURNED NSF",
        "CHECK PAID",
        "WIRE FROM COUNTY WATER DISTRICT",
        "",
    ]
    assert texts(V, text_separator="")[0] == "LOCKBOX 7788 DEPOSIT, 2ITEMS/BATCH 4"


def test_a_summary_continued_mid_triple_onto_an_88_record() -> None:
    # line 3 ends with the type code 100; its amount, count and funds type are on line 4
    [account] = [a for a in read(V).accounts() if a["number"] == "1234567890" and a["group"] == 1]
    assert [
        (s["type_code"], s["amount_cents"], s["item_count"], s["line"]) for s in account["summaries"]
    ] == [
        ("010", -50_000, None, 3),
        ("015", 125_000, None, 3),
        ("100", 210_000, 3, 3),
        ("400", 7_500, 2, 4),
    ]


def test_fields_of_a_16_record_continued_onto_an_88_record() -> None:
    data = set_line(V, 11, "16,475,2500,S,1000,1000/")
    data = insert_line(data, 12, "88,500,CHK4401,,CHECK/PAID, IN FULL")
    # one record more for the account, group and file trailers to count
    data = edit(edit(edit(data, 13, ",10/", ",11/"), 16, ",14/", ",15/"), 24, ",23/", ",24/")
    found = read(data)
    assert found.problems == []
    row = found.details.filter(found.details["_line"] == 11).row(0, named=True)
    assert (row["funds_type"], row["bank_ref"], row["text"]) == ("S", "CHK4401", "CHECK/PAID, IN FULL")
    assert [(a["days"], a["amount_cents"]) for a in row["availability"]] == [(0, 1000), (1, 1000), (2, 500)]


def test_one_slash_ends_the_text_and_the_rest_is_kept() -> None:
    data = small_file(Transaction("115", 1, "B", "C", "INV A/B/"), Transaction("115", 2, text="/ LEADING"))
    assert texts(data) == ["INV A/B/", "/ LEADING"]
    assert "16,115,1,,B,C,INV A/B//" in lines(data)  # the writer adds the ending slash


def test_crlf_line_ends_read_the_same() -> None:
    crlf = V.replace(b"\n", b"\r\n")
    assert read(crlf).problems == []
    assert read(crlf).details.equals(read(V).details)


# -- real-world variants: each tolerated with a warning, an error when its option is off ---------------


def variant(
    name: str, make: Callable[[], bytes], option: str, rule: str, line: int, positions: str | None
) -> Any:
    return pytest.param(make, option, rule, line, positions, id=name)


VARIANTS = [
    # ",/": an empty field after the last summary (citi and svb style)
    variant(
        "comma-slash-03",
        lambda: edit(V, 17, "99999,,/", "99999,,,/"),
        "tolerate_comma_slash",
        "comma-slash",
        17,
        "field 8",
    ),
    variant(
        "comma-slash-49",
        lambda: edit(V, 14, "49,0,2/", "49,0,2,/"),
        "tolerate_comma_slash",
        "comma-slash",
        14,
        "field 4",
    ),
    # the last line without its "/" (svb style, no final line break either)
    variant("missing-slash", lambda: V.rstrip(b"/\n"), "tolerate_missing_slash", "record-end", 23, "field 4"),
    # a text continuation that lost its "88,"
    variant(
        "unprefixed-text",
        lambda: edit(V, 6, "88,ITEMS", "ITEMS"),
        "tolerate_unprefixed_continuation",
        "continuation-prefix",
        6,
        None,
    ),
    # a summary continuation that lost its "88,": the fields are merged all the same
    variant(
        "unprefixed-summary",
        lambda: edit(V, 4, "88,210000", "210000"),
        "tolerate_unprefixed_continuation",
        "continuation-prefix",
        4,
        None,
    ),
    # a blank account total where every amount of the account is zero
    variant(
        "blank-49-total",
        lambda: edit(V, 14, "49,0,", "49,,"),
        "tolerate_blank_control_total",
        "blank-control-total",
        14,
        "field 2",
    ),
    variant(
        "98-without-account-count",
        lambda: edit(V, 15, "98,500000,2,14/", "98,500000,14/"),
        "tolerate_missing_account_count",
        "account-count-missing",
        15,
        "field 3",
    ),
    variant(
        "98-blank-account-count",
        lambda: edit(V, 15, "98,500000,2,14/", "98,500000,,14/"),
        "tolerate_missing_account_count",
        "account-count-missing",
        15,
        "field 3",
    ),
    variant(
        "creation-time-with-seconds",
        lambda: edit(V, 1, ",0605,", ",06:05:00,"),
        "tolerate_creation_time_format",
        "field-format",
        1,
        "field 5",
    ),
    variant("blank-line", lambda: insert_line(V, 12, ""), "tolerate_blank_lines", "blank-line", 12, None),
]


@pytest.mark.parametrize(("make", "option", "rule", "line", "positions"), VARIANTS)
def test_a_variant_reads_the_same_with_a_warning_or_an_error_when_its_option_is_off(
    make: Callable[[], bytes], option: str, rule: str, line: int, positions: str | None
) -> None:
    data = make()
    tolerated = read(data)
    problem = only(tolerated, "warning")
    assert (problem.rule, problem.line, problem.positions, problem.level) == (rule, line, positions, "file")
    assert money(tolerated) == money(read(V))
    assert tolerated.details.drop("_line").equals(read(V).details.drop("_line"))
    refused = only(read(data, **{option: False}), "error")
    assert (refused.rule, refused.line, refused.positions) == (rule, line, positions)


def test_blank_group_and_file_totals_are_tolerated_only_when_everything_is_zero() -> None:
    zero = write_file(
        Bai2Spec(BANK, UTILITY, CREATED, [Group(BANK, date(2026, 11, 19), [Account("1", "", [])])])
    )
    assert lines(zero)[-3:] == ["49,0,2/", "98,0,1,4/", "99,0,1,6/"]
    blank = zero.replace(b"49,0,", b"49,,").replace(b"98,0,", b"98,,").replace(b"99,0,", b"99,,")
    found = read(blank)
    assert [(p.rule, p.line, p.severity) for p in found.problems] == [
        ("blank-control-total", 4, "warning"),
        ("blank-control-total", 5, "warning"),
        ("blank-control-total", 6, "warning"),
    ]
    assert {p.severity for p in read(blank, tolerate_blank_control_total=False).problems} == {"error"}
    # a blank file total over money: an error naming what the groups add up to
    problem = only(read(edit(V, 23, "99,611233,", "99,,")))
    assert (problem.rule, problem.line, problem.severity) == ("blank-control-total", 23, "error")
    assert "611233" in problem.message


# -- funds types ---------------------------------------------------------------------------------------


def test_funds_types_give_their_availability() -> None:
    rows = {r["type_code"]: r for r in read(V).details.iter_rows(named=True)}
    pairs = {code: [(a["days"], a["amount_cents"]) for a in r["availability"]] for code, r in rows.items()}
    assert pairs == {
        "115": [(0, 150_000)],  # funds type 0: all of it immediately
        "165": [(0, 10_000), (1, 20_000), (2, 20_000)],  # S: immediate, one day, two or more days
        "555": [(0, 2_500), (2, 2_500)],  # D: two distributions
        "475": [],  # Z: unknown
        "195": [],  # V: a value date instead
        "257": [(1, 1_234)],
    }
    assert (rows["195"]["value_date"], rows["195"]["value_time"]) == (date(2026, 11, 20), "1300")
    assert {code: r["funds_type"] for code, r in rows.items()} == {
        "115": "0",
        "165": "S",
        "555": "D",
        "475": "Z",
        "195": "V",
        "257": "1",
    }


def test_blank_availability_amounts_of_s_count_as_zero() -> None:
    found = read(
        small_file(Transaction("115", 500, funds=Funds("S", [(0, 0), (1, 200), (2, 300)]))).replace(
            b"S,0,", b"S,,"
        )
    )
    assert found.problems == []
    assert [a["amount_cents"] for a in found.details["availability"][0]] == [0, 200, 300]


# -- writer -> reader ------------------------------------------------------------------------------------


def written(spec: Bai2Spec) -> list[tuple[Any, ...]]:
    return [
        (a.number, t.type_code, t.amount_cents, t.funds.type or None, t.bank_ref, t.customer_ref, t.text)
        for g in spec.groups
        for a in g.accounts
        for t in a.transactions
    ]


@pytest.mark.parametrize("width", [None, 30, 50, 80])
def test_what_the_writer_writes_the_reader_reads_back(width: int | None) -> None:
    spec = valid_spec()
    found = read(write_file(spec, width=width))
    assert found.problems == []
    cols = ["account_number", "type_code", "amount_cents", "funds_type", "bank_ref", "customer_ref", "text"]
    assert [tuple(r) for r in found.details.select(cols).iter_rows()] == written(spec)
    summaries = [
        [(s["type_code"], s["amount_cents"], s["item_count"]) for s in a["summaries"]]
        for a in found.accounts()
    ]
    assert summaries == [
        [(s.type_code, s.amount_cents, s.item_count) for s in a.summaries]
        for g in spec.groups
        for a in g.accounts
    ]
    assert found.control_cents == spec.control_cents == 611_233
    assert found.details["amount_cents"].dtype.is_integer()


def test_format_write_turns_the_read_rows_back_into_a_file() -> None:
    fmt = Bai2Format(Bai2Options())
    parsed = fmt.read(V, CTX)
    again = fmt.read(fmt.write(parsed.table), CTX)
    assert again.problems == []
    keep = [
        "group",
        "account_number",
        "type_code",
        "amount_cents",
        "funds_type",
        "availability",
        "value_date",
        "text",
    ]
    assert again.table.select(keep).equals(parsed.table.select(keep))


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda: small_file(Transaction("115", 1, bank_ref="A,B")), "comma"),
        (lambda: small_file(Transaction("115", -1)), "negative"),
        (lambda: small_file(Transaction("115", 1, funds=Funds("S", [(0, 1)]))), "0, 1 and 2"),
        (lambda: small_file(Transaction("115", 1, funds=Funds("X"))), "funds type"),
        (lambda: small_file(Transaction("115", 1, text="A\nB")), "line break"),
        (lambda: write_file(valid_spec(), width=19), "width"),
        (lambda: write_file(one(Transaction("115", 1, bank_ref="R" * 30)), width=25), "does not fit"),
    ],
)
def test_the_writer_refuses_what_it_cannot_write(make: Callable[[], bytes], says: str) -> None:
    with pytest.raises(ValueError, match=says):
        make()


def test_the_writer_cuts_text_only_at_blanks() -> None:
    spec = one(Transaction("115", 1, text="A" * 40))
    with pytest.raises(ValueError, match="longer than a line"):
        write_file(spec, width=30)
    spec.groups[0].accounts[0].summaries.append(Summary("010", -5))
    spec.groups[0].accounts[0].transactions[0].text = "WORD/ NEXT  TWO"
    assert texts(write_file(spec, width=20)) == ["WORD/ NEXT  TWO"]


# -- in the pipeline ----------------------------------------------------------------------------------


def test_the_registered_format_gives_rows_facts_and_file_level_controls() -> None:
    fmt = get_format("bai2")(Bai2Options())
    parsed = fmt.read(V, CTX)
    assert parsed.count == parsed.rows == 6
    assert parsed.table["_line"].to_list() == [5, 7, 9, 11, 18, 20]
    first = parsed.table.row(0, named=True)
    assert {
        k: first[k] for k in ("group", "account_number", "currency", "type_code", "meaning", "credit_debit")
    } == {
        "group": 1,
        "account_number": "1234567890",
        "currency": "USD",
        "type_code": "115",
        "meaning": "Lockbox Deposit",
        "credit_debit": "credit",
    }
    assert (first["as_of_date"], first["amount_cents"], first["bank_ref"], first["customer_ref"]) == (
        date(2026, 11, 19),
        150_000,
        "LBX1",
        "DEP1",
    )
    assert (first["group_status"], first["as_of_modifier"]) == ("1", "2")  # an update, final previous-day
    assert [a["number"] for a in parsed.facts["accounts"]] == ["1234567890", "5550001111", "1234567890"]
    assert parsed.facts["accounts"][1]["currency"] == "USD"  # the group's, the account giving none
    validated = fmt.validate(parsed, CTX)
    assert validated.table.height == 6 and validated.rejected == 0
    broken = fmt.read(edit(V, 5, "150000", "150001"), CTX)
    assert [p.level for p in broken.problems] == ["file"]


def test_inspect_of_an_unreadable_file_still_lists_its_problem() -> None:
    summary = Bai2Format(Bai2Options()).inspect(b"", CTX)
    assert summary["accounts"] == [] and summary["records"] == 0
    assert [p["rule"] for p in summary["problems"]] == ["empty-file"]


def test_a_deleted_record_is_an_error_not_a_silent_loss() -> None:
    found = read(delete_line(V, 20))
    assert {p.rule for p in errors(found)} == {"account-control", "group-control", "file-control"}
    assert warnings(found) == []
