"""Properties of consumption adjustments over random requests and histories: every request is posted
or named, the volumes add up, nothing goes below zero or past the cap; and mutated request files
never crash the format nor lose a row unnamed."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from formats.consumption_adjustments import FIELDS, ConsumptionAdjustmentsFormat
from formats.consumption_adjustments import ConsumptionAdjustmentsOptions as FormatOptions
from hub.kernel.errors import ParseError
from mappings.base import MapContext
from mappings.consumption_adjustments import (
    KINDS,
    ConsumptionAdjustment,
    ConsumptionAdjustmentsMapping,
    ConsumptionAdjustmentsOptions,
)
from tests.mappings.test_consumption_adjustments_mapping import CTX, HEADER, Histories
from tests.mappings.test_winter_average import period

ACCOUNTS = ["A1", "B2", "C3"]
UNITS = ["CCF", "gallons", "kgal", "m3"]


@st.composite
def history(draw: st.DrawFn) -> list[dict[str, Any]]:
    rows = []
    for account in ACCOUNTS:
        day = date(2025, 10, 1) + timedelta(days=draw(st.integers(0, 30)))
        for _ in range(draw(st.integers(0, 12))):
            day += timedelta(days=draw(st.integers(0, 5)))
            length = draw(st.integers(20, 40))
            usage = draw(st.integers(0, 10**8))
            rows.append(period(account, day, day + timedelta(days=length - 1), usage))
            day += timedelta(days=length)
    return rows


@st.composite
def requests(draw: st.DrawFn) -> list[str]:
    lines = []
    for i in range(draw(st.integers(1, 8))):
        start = date(2026, 1, 1) + timedelta(days=draw(st.integers(0, 200)))
        end = start + timedelta(days=draw(st.integers(0, 60)))
        volume = Decimal(draw(st.integers(0, 10**9))).scaleb(-draw(st.integers(0, 6)))
        account, kind, unit = (draw(st.sampled_from(x)) for x in (ACCOUNTS, KINDS, UNITS))
        lines.append(f"{account},{kind},{start},{end},{volume},{unit},EV{i},clerk")
    return lines


@settings(max_examples=120, deadline=None)
@given(requests(), history(), st.integers(0, 100), st.sampled_from([None, "0", "2.5"]))
def test_volumes_add_up_never_below_zero_nor_past_the_cap(
    lines: list[str], hist: list[dict[str, Any]], cap: int, default: str | None
) -> None:
    fmt = ConsumptionAdjustmentsFormat(FormatOptions())
    valid = fmt.validate(fmt.read(("\n".join([HEADER, *lines]) + "\n").encode(), CTX), CTX)
    assert valid.problems == []
    options = ConsumptionAdjustmentsOptions.model_validate(
        {"cap_percent": {"leak": cap}, "winter": {"default_average_per_day": default}}
    )
    kind = ConsumptionAdjustmentsMapping(options)
    ctx = MapContext("adj.csv", Histories(hist))
    posted = kind.map(valid.table, ctx)[ConsumptionAdjustment.txn_type]
    notes = kind.notes(valid.table, ctx)
    assert sorted([*posted.get_column("_line").to_list(), *(n.line for n in notes)]) == list(
        range(2, len(lines) + 2)
    )
    for r in posted.iter_rows(named=True):
        assert r["original_volume"] == r["adjusted_volume"] + r["reduction"]
        assert r["adjusted_volume"] >= 0 and r["reduction"] >= 0
        if r["kind"] == "leak":
            assert r["reduction"] * 100 <= r["original_volume"] * cap + Decimal("0.0005") * 100
    assert {n.rule for n in notes} <= {"pending-history", "no-baseline"}


GOOD = [
    "0012345,leak,2026-06-01,2026-06-30,0,CCF,WO-1001,jdoe",
    "0012346,industrial,2026-06-01,2026-06-30,12.5,kgal,PERMIT-7,asmith",
]


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 1), st.sampled_from(FIELDS), st.text(max_size=12))
def test_a_mutated_cell_never_crashes_and_never_loses_a_row_unnamed(row: int, field: str, text: str) -> None:
    cells = [line.split(",") for line in GOOD]
    cells[row][FIELDS.index(field)] = (
        text.replace(",", ";").replace("\n", " ").replace("\r", " ").replace('"', "'")
    )
    data = ("\n".join([HEADER, *(",".join(c) for c in cells)]) + "\n").encode()
    fmt = ConsumptionAdjustmentsFormat(FormatOptions())
    try:
        out = fmt.validate(fmt.read(data, CTX), CTX)
    except ParseError:
        return  # a file that cannot be read at all is refused as a whole, by name
    assert out.table.height + out.rejected_lines == out.rows == 2
    named = {p.line for p in out.problems if p.severity == "error"}
    assert set(out.table.get_column("_line").to_list()).isdisjoint(named)
