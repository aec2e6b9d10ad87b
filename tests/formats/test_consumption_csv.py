"""District consumption histories (``consumption-csv``): each rule broken alone gives exactly its
finding (line, field, value, rule); per-district layouts (header names, date formats, unit spellings,
exclusive period ends) read into the same typed rows; usage is exact (millionths, no float)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from formats.base import ReadContext, Validated
from formats.consumption_csv import ConsumptionCsvFormat, ConsumptionCsvOptions
from hub.kernel.errors import ParseError

HEADER = "district,account,premise,service_address,period_start,period_end,usage,unit,read_type"
GOOD = ["NW", "1001", "P1", "1 MAIN ST", "2026-01-01", "2026-01-31", "12.5", "CCF", "actual"]
FIELDS = HEADER.split(",")
CTX = ReadContext(file="nw.csv", now=datetime(2026, 12, 6, tzinfo=UTC))


def validated(lines: list[list[str]], header: str = HEADER, **options: object) -> Validated:
    fmt = ConsumptionCsvFormat(ConsumptionCsvOptions.model_validate(options))
    data = "\n".join([header, *(",".join(cells) for cells in lines)]) + "\n"
    return fmt.validate(fmt.read(data.encode(), CTX), CTX)


def broken(field: str, value: str) -> list[str]:
    row = list(GOOD)
    row[FIELDS.index(field)] = value
    return row


def test_a_good_row_is_typed_with_its_days_and_exact_usage() -> None:
    v = validated([GOOD, broken("usage", "9350.650001")])
    assert v.problems == []
    first, second = v.table.to_dicts()
    assert (first["period_start"], first["last_day"], first["days"]) == (
        date(2026, 1, 1),
        date(2026, 1, 31),
        31,
    )
    assert first["usage_micro"] == 12_500_000 and first["unit"] == "CCF"
    assert second["usage_micro"] == 9_350_650_001  # six decimals kept exactly


CASES = [
    ("period_start", "2026-02-30", "date"),
    ("period_end", "31/01/2026", "date"),
    ("period_end", "2025-12-31", "period_order"),
    ("usage", "12.5.1", "decimal"),
    ("usage", "-3", "negative"),
    ("usage", "1.1234567", "decimals"),
    ("usage", "1" * 25, "decimal"),
    ("unit", "furlongs", "unit"),
    ("unit", "MWh", "unit"),  # a unit the kernel knows but a district may not send
    ("read_type", "guess", "read_type"),
    ("premise", "P\x1f1", "control_character"),  # the ledger packs histories with control characters
    *[(f, "", "required") for f in FIELDS if f != "service_address"],
]


@pytest.mark.parametrize(("field", "value", "rule"), CASES)
def test_each_rule_broken_alone_gives_exactly_its_finding(field: str, value: str, rule: str) -> None:
    v = validated([GOOD, broken(field, value), GOOD])
    assert [(p.line, p.field, p.rule, p.severity) for p in v.problems] == [(3, field, rule, "error")]
    assert v.table.height == 2 and v.rows == 3
    if value and field not in ("account", "service_address"):
        assert v.problems[0].value == value[:200]


def test_several_bad_fields_on_one_line_are_each_named() -> None:
    v = validated([["NW", "", "P1", "", "2026-02-30", "2026-01-31", "-1", "x", "y"]])
    assert sorted((p.field, p.rule) for p in v.problems) == [
        ("account", "required"),
        ("period_start", "date"),
        ("read_type", "read_type"),
        ("unit", "unit"),
        ("usage", "negative"),
    ]


def test_a_district_layout_with_its_names_dates_units_and_exclusive_end() -> None:
    header = "Dist,AcctNo,Premise,FromDate,ToDate,Consumption,UOM,ReadKind"
    row = ["SE", "2002", "P9", "01/01/2026", "02/01/2026", "7", "CF100", "Estimated"]
    v = validated(
        [row],
        header=header,
        columns={
            "district": "Dist",
            "account": "AcctNo",
            "premise": "Premise",
            "period_start": "FromDate",
            "period_end": "ToDate",
            "usage": "Consumption",
            "unit": "UOM",
            "read_type": "ReadKind",
        },
        date_formats=["%m/%d/%Y"],
        units={"CF100": "CCF"},
        period_end="exclusive",
    )
    assert v.problems == []
    r = v.table.to_dicts()[0]
    assert (r["period_end"], r["last_day"], r["days"]) == (date(2026, 2, 1), date(2026, 1, 31), 31)
    assert (r["unit"], r["unit_given"], r["read_type"], r["service_address"]) == (
        "CCF",
        "CF100",
        "estimated",
        None,
    )


def test_an_exclusive_end_on_the_start_day_is_an_empty_period() -> None:
    v = validated([broken("period_end", "2026-01-01")], period_end="exclusive")
    assert [(p.field, p.rule) for p in v.problems] == [("period_end", "period_order")]


def test_unit_spellings_are_matched_without_case() -> None:
    v = validated([broken("unit", u) for u in ("ccf", "Gallons", "KGAL", "m3", "kwh", "Therm")])
    assert v.problems == []
    assert v.table.get_column("unit").to_list() == ["CCF", "gallons", "kgal", "m3", "kWh", "therms"]


def test_a_missing_column_rejects_the_file_naming_it() -> None:
    with pytest.raises(ParseError, match="'usage'"):
        validated([GOOD[:6] + GOOD[7:]], header=HEADER.replace(",usage", ""))


def test_an_unknown_unit_in_the_options_is_refused() -> None:
    with pytest.raises(ValueError, match="furlongs"):
        ConsumptionCsvOptions.model_validate({"units": {"F": "furlongs"}})


def test_write_reads_back_the_same_rows() -> None:
    fmt = ConsumptionCsvFormat(ConsumptionCsvOptions())
    v = validated([GOOD, broken("account", "1002")])
    again = fmt.validate(
        fmt.read(fmt.write(v.table.with_columns(v.table["unit_given"].alias("unit"))), CTX), CTX
    )
    assert again.problems == [] and again.table.drop("usage").equals(v.table.drop("usage"))
