"""An agency's placement file layout: CSV with its own names and order, or fixed width at its own
positions through the fixed-width engine; values never cut (a long one refuses the file without
showing it); a layout that cannot work is a configuration error naming why."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import pytest
from pydantic import TypeAdapter, ValidationError

from hub.kernel.errors import MappingError
from mappings.placement_layouts import Layout, write_placements

ROWS = pl.DataFrame(
    {
        "account": ["1001", "1002"],
        "name": ["Ana Garcia", "Li Wei"],
        "ssn": ["123456789", "234567890"],
        "date_of_birth": [date(1971, 8, 23), date(1980, 1, 2)],
        "balance_cents": [25010, 100000],
        "close_date": [date(2026, 6, 1), date(2026, 6, 2)],
        "zip": ["62701", "627011234"],
    }
)
FIXED: dict[str, Any] = {
    "type": "fixed-width",
    "record_length": 60,
    "fields": {
        "account": [2, 11],
        "name": [12, 31],
        "ssn": [32, 40],
        "balance": [41, 50],
        "close_date": [51, 58],
    },
    "trailer": {"count": [2, 7], "total": [8, 19]},
}


def layout(spec: dict[str, Any]) -> Any:
    return TypeAdapter(Layout).validate_python(spec)


def test_a_csv_layout_uses_the_agencys_names_and_order() -> None:
    spec = {
        "fields": ["account", "balance", "name", "close_date"],
        "columns": {"account": "Acct"},
        "date_format": "%m/%d/%Y",
    }
    text = write_placements(ROWS, layout(spec)).decode()
    assert text.splitlines() == [
        "Acct,balance,name,close_date",
        "1001,250.10,Ana Garcia,06/01/2026",
        "1002,1000.00,Li Wei,06/02/2026",
        "TRAILER,2,1250.10,",
    ]


def test_a_fixed_width_layout_puts_each_value_at_its_positions() -> None:
    lines = write_placements(ROWS, layout(FIXED)).decode().splitlines()
    assert [len(line) for line in lines] == [60, 60, 60]
    first = lines[0]
    assert first[0] == "D" and first[1:11] == "1001      " and first[11:31] == "Ana Garcia".ljust(20)
    assert first[31:40] == "123456789" and first[40:50] == "0000025010" and first[50:58] == "20260601"
    assert lines[2][0] == "T" and lines[2][1:7] == "000002" and lines[2][7:19] == "000000125010"


def test_a_value_too_long_refuses_the_file_without_showing_it() -> None:
    long = ROWS.with_columns(pl.Series("name", ["A Name Much Too Long For Twenty", "Li Wei"]))
    with pytest.raises(MappingError) as err:
        write_placements(long, layout(FIXED))
    assert "name" in str(err.value) and "12-31" in str(err.value) and "Much" not in str(err.value)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"fields": {**FIXED["fields"], "ssn": [30, 40]}}, "overlaps"),
        ({"fields": {**FIXED["fields"], "nickname": [59, 60]}}, "unknown field"),
        ({"fields": {**FIXED["fields"], "close_date": [51, 56]}}, "date format"),
        ({"fields": {"account": [2, 11]}}, "the account and the balance"),
        ({"record_length": 40}, "after"),
    ],
)
def test_a_layout_that_cannot_work_is_refused_naming_why(change: dict[str, Any], words: str) -> None:
    with pytest.raises(ValidationError) as err:
        layout({**FIXED, **change})
    assert words in str(err.value)
