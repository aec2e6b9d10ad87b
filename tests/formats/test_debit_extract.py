"""The CIS autopay extract format: every rule names its line, field and rule, values that do not fit
their NACHA field are refused (never cut), sensitive values are masked, and valid rows come out typed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from formats.base import ReadContext
from formats.debit_extract import DebitExtractFormat, DebitExtractOptions
from hub.kernel.errors import ParseError
from hub.kernel.rows import LINE
from tests.hub.debit_extracts import extract, row

NOW = datetime(2026, 11, 23, 15, tzinfo=UTC)  # a Monday


def check(data: bytes, **options: Any) -> tuple[list[tuple[int | None, str | None, str, str | None]], Any]:
    fmt = DebitExtractFormat(DebitExtractOptions(**options))
    ctx = ReadContext(file="autopay.csv", now=NOW, timezone="America/Chicago")
    validated = fmt.validate(fmt.read(data, ctx), ctx)
    return [(p.line, p.field, p.rule, p.value) for p in validated.problems], validated


def test_a_clean_extract_comes_out_typed() -> None:
    problems, validated = check(
        extract([row(1), row(3, account_type="Savings", effective_date="2026-11-30", amount_cents="0042")])
    )
    assert problems == []
    table = validated.table
    assert table.get_column("amount_cents").to_list() == [1037, 42]
    assert table.get_column("account_type").to_list() == ["checking", "savings"]
    assert table.get_column("effective_date").to_list() == [None, date(2026, 11, 30)]
    assert table.get_column("account").to_list() == ["0001000001", "0001000003"]  # leading zeros kept
    assert table.get_column(LINE).to_list() == [2, 3]


@pytest.mark.parametrize(
    ("values", "field", "rule", "shown"),
    [
        ({"routing": "231380105"}, "routing", "routing_check_digit", "*****0105"),
        ({"routing": "23138010"}, "routing", "routing_digits", "****8010"),
        ({"routing": "2313801O4"}, "routing", "routing_digits", "*****01O4"),
        ({"amount_cents": "12.50"}, "amount_cents", "integer", "12.50"),
        ({"amount_cents": "$1250"}, "amount_cents", "integer", "$1250"),
        ({"amount_cents": "-100"}, "amount_cents", "positive", "-100"),
        ({"amount_cents": "0"}, "amount_cents", "positive", "0"),
        ({"amount_cents": "10000000000"}, "amount_cents", "range", "10000000000"),
        ({"dfi_account": "4000 1234"}, "dfi_account", "digits", "*****1234"),
        ({"dfi_account": "123456789012345678"}, "dfi_account", "nacha_width", "**************5678"),
        ({"account": "0001000001-EXTRA"}, "account", "nacha_width", "************XTRA"),
        ({"name": "CUSTOMER WITH A VERY LONG NAME"}, "name", "nacha_width", "**************************NAME"),
        ({"name": "JOSÉ NÚÑEZ"}, "name", "printable", "******ÚÑEZ"),
        ({"account_type": "chequing"}, "account_type", "code_list", "chequing"),
        ({"payment_id": ""}, "payment_id", "required", None),
        ({"payment_id": "P 1"}, "payment_id", "printable", "P 1"),
        ({"effective_date": "11/30/2026"}, "effective_date", "date", "11/30/2026"),
        ({"effective_date": "2026-02-30"}, "effective_date", "date", "2026-02-30"),
        ({"effective_date": "2026-11-22"}, "effective_date", "not_in_past", "2026-11-22"),
        ({"effective_date": "2027-01-05"}, "effective_date", "window", "2027-01-05"),
    ],
)
def test_each_rule_names_line_field_and_rule_with_the_value_masked(
    values: dict[str, Any], field: str, rule: str, shown: str | None
) -> None:
    problems, validated = check(extract([row(1), row(2, **values)]))
    assert problems == [(3, field, rule, shown)]
    assert validated.table.get_column(LINE).to_list() == [2]
    assert validated.rejected_lines == 1


def test_one_problem_per_field_and_every_field_of_a_row() -> None:
    problems, _ = check(extract([row(1, routing="", amount_cents="x", name="É" * 30)]))
    assert [(f, r) for _, f, r, _ in problems] == [
        ("name", "printable"),
        ("routing", "required"),
        ("amount_cents", "integer"),
    ]


def test_a_payment_id_twice_is_refused_on_each_later_line() -> None:
    problems, validated = check(
        extract([row(1), row(2), row(3, payment_id="P-00001"), row(4, payment_id="P-00001")])
    )
    assert [(line, rule) for line, _, rule, _ in problems] == [(4, "duplicate"), (5, "duplicate")]
    assert validated.table.height == 2


def test_the_partners_column_names_and_a_missing_column() -> None:
    data = b"PayNo,Acct,Name,ABA,BankAcct,Type,Cents\nP-1,0001,ANN,231380104,123,checking,500\n"
    columns = {
        "payment_id": "PayNo",
        "account": "Acct",
        "name": "Name",
        "routing": "ABA",
        "dfi_account": "BankAcct",
        "account_type": "Type",
        "amount_cents": "Cents",
    }
    problems, validated = check(data, columns=columns)
    assert problems == [] and validated.table.get_column("payment_id").to_list() == ["P-1"]
    with pytest.raises(ParseError, match="missing required column"):
        check(data)


def test_write_then_read_gives_the_same_rows() -> None:
    _, validated = check(extract([row(1), row(2, effective_date="2026-12-01")]))
    fmt = DebitExtractFormat(DebitExtractOptions())
    problems, again = check(fmt.write(validated.table))
    assert problems == []
    assert again.table.drop(LINE).equals(validated.table.drop(LINE))
