"""Consumption-adjustment requests: a valid file types every row; each rule broken alone gives exactly
its finding (line, field, value, rule); the file writes back as it was read."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from formats import get_format
from formats.base import ReadContext, Validated
from formats.consumption_adjustments import ConsumptionAdjustmentsFormat, ConsumptionAdjustmentsOptions
from hub.kernel.errors import ParseError
from hub.kernel.rows import LINE

CTX = ReadContext("adj.csv", datetime(2026, 12, 6, tzinfo=UTC))
HEADER = "account,kind,period_start,period_end,volume,unit,evidence_ref,requested_by"
GOOD = [
    "0012345,leak,2026-06-01,2026-06-30,0,CCF,WO-1001,jdoe",
    "0012346,industrial,2026-06-01,2026-06-30,12.5,kgal,PERMIT-7,asmith",
    "0012347,Evaporation,2026-07-01,2026-07-31,3.125,gal,SUB-3,asmith",
]
FIELDS = HEADER.split(",")


def check(rows: list[str], header: str = HEADER, **options: object) -> Validated:
    fmt = ConsumptionAdjustmentsFormat(ConsumptionAdjustmentsOptions.model_validate(options))
    return fmt.validate(fmt.read(("\n".join([header, *rows]) + "\n").encode(), CTX), CTX)


def test_a_valid_file_types_every_row() -> None:
    out = check(GOOD)
    assert out.problems == [] and out.rows == 3
    rows = out.table.to_dicts()
    assert [r["kind"] for r in rows] == ["leak", "industrial", "evaporation"]
    assert [r["unit"] for r in rows] == ["CCF", "kgal", "gallons"]
    assert rows[1]["volume"] == Decimal("12.5") and rows[2]["period_end"] == date(2026, 7, 31)


def test_the_format_is_registered() -> None:
    assert get_format("consumption-adjustments") is ConsumptionAdjustmentsFormat


def with_value(field: str, value: str) -> str:
    cells = GOOD[1].split(",")
    cells[FIELDS.index(field)] = value
    return ",".join(cells)


@pytest.mark.parametrize(
    ("field", "value", "rule", "shown"),
    [
        ("account", "", "required", None),
        ("kind", "", "required", None),
        ("period_start", "", "required", None),
        ("period_end", "", "required", None),
        ("volume", "", "required", None),
        ("unit", "", "required", None),
        ("evidence_ref", "", "required", None),
        ("requested_by", "", "required", None),
        ("period_start", "2026-02-30", "date", "2026-02-30"),
        ("period_end", "30/06/2026", "date", "30/06/2026"),
        ("period_end", "2026-05-31", "period_order", "2026-05-31"),
        ("volume", "12.5 kgal", "decimal", "12.5 kgal"),
        ("volume", "1.1234567", "decimal", "1.1234567"),
        ("volume", "-3", "non_negative", "-3"),
        ("unit", "furlongs", "unit", "furlongs"),
        ("kind", "flood", "code_list", "flood"),
    ],
)
def test_each_broken_rule_alone_gives_exactly_its_finding(
    field: str, value: str, rule: str, shown: str | None
) -> None:
    out = check([GOOD[0], with_value(field, value), GOOD[2]])
    [p] = out.problems
    assert (p.line, p.field, p.rule, p.value, p.severity) == (3, field, rule, shown, "error")
    assert out.table.height == 2 and out.rejected_lines == 1


def test_a_missing_column_rejects_the_file() -> None:
    with pytest.raises(ParseError, match="requested_by"):
        check(GOOD, header=HEADER.replace(",requested_by", ",who"))


def test_columns_are_renamed_by_configuration() -> None:
    out = check(
        GOOD, header=HEADER.replace("evidence_ref", "work_order"), columns={"evidence_ref": "work_order"}
    )
    assert out.problems == [] and out.table.get_column("evidence_ref").to_list()[0] == "WO-1001"


def test_the_file_writes_back_as_read() -> None:
    fmt = ConsumptionAdjustmentsFormat(ConsumptionAdjustmentsOptions())
    data = ("\n".join([HEADER, *GOOD[:2]]) + "\n").encode()
    written = fmt.write(fmt.validate(fmt.read(data, CTX), CTX).table)
    again = fmt.validate(fmt.read(written, CTX), CTX)
    assert again.problems == [] and again.table.drop(LINE).equals(
        fmt.validate(fmt.read(data, CTX), CTX).table.drop(LINE)
    )
