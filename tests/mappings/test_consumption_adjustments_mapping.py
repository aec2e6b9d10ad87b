"""Consumption adjustments -> ConsumptionAdjustment: each rule worked by hand (leak against the winter
average, the prior year or the default; industrial; evaporation), never below zero, the cap, requests
held for pending history, and request volumes converted exactly to the CIS unit."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import polars as pl
import pytest

from formats.base import ReadContext
from formats.consumption_adjustments import ConsumptionAdjustmentsFormat
from formats.consumption_adjustments import ConsumptionAdjustmentsOptions as FormatOptions
from hub.kernel.lookups import Keys
from hub.kernel.problems import Problem
from hub.kernel.transactions import columns_of
from mappings import get_kind
from mappings.base import MapContext
from mappings.consumption_adjustments import (
    ConsumptionAdjustment,
    ConsumptionAdjustmentsMapping,
    ConsumptionAdjustmentsOptions,
)
from tests.mappings.test_winter_average import SCHEMA, period

CTX = ReadContext("adj.csv", datetime(2026, 12, 6, tzinfo=UTC))
HEADER = "account,kind,period_start,period_end,volume,unit,evidence_ref,requested_by"
JUNE = (date(2026, 6, 1), date(2026, 6, 30))


class Histories:
    """The ``consumption_histories`` look-up over given rows (None: no ledger at hand), every
    question recorded."""

    def __init__(self, rows: list[dict[str, Any]] | None) -> None:
        self.rows = rows
        self.asked: list[tuple[str, list[str], dict[str, object]]] = []

    def find(self, name: str, keys: Keys, **where: object) -> pl.DataFrame | None:
        self.asked.append((name, sorted(keys), where))
        assert name == "consumption_histories"
        if self.rows is None:
            return None
        table = pl.DataFrame(self.rows, schema=SCHEMA).filter(pl.col("account").is_in(list(keys)))
        since, until = where.get("since"), where.get("until")
        if isinstance(since, date):
            table = table.filter(pl.col("last_day") >= since)
        if isinstance(until, date):
            table = table.filter(pl.col("period_start") <= until)
        return table


def june(account: str, usage_milli: int) -> dict[str, Any]:
    return period(account, *JUNE, usage_milli)


def request(
    account: str, kind: str, volume: str = "0", unit: str = "CCF", span: tuple[date, date] = JUNE
) -> str:
    return f"{account},{kind},{span[0]},{span[1]},{volume},{unit},EV-{account},clerk"


def run(
    requests: list[str], histories: list[dict[str, Any]] | None, **options: Any
) -> tuple[dict[str, dict[str, Any]], list[Problem], Histories]:
    fmt = ConsumptionAdjustmentsFormat(FormatOptions())
    valid = fmt.validate(fmt.read(("\n".join([HEADER, *requests]) + "\n").encode(), CTX), CTX)
    assert valid.problems == []
    kind = ConsumptionAdjustmentsMapping(ConsumptionAdjustmentsOptions.model_validate(options))
    lookup = Histories(histories)
    ctx = MapContext("adj.csv", lookup)
    out = kind.map(valid.table, ctx)
    table = out[ConsumptionAdjustment.txn_type]
    assert table.columns == [*columns_of(ConsumptionAdjustment), "_line"]
    rows = {r["account"]: r for r in table.iter_rows(named=True)}
    for r in rows.values():
        ConsumptionAdjustment.model_validate({k: r[k] for k in ConsumptionAdjustment.model_fields})
    notes = kind.notes(valid.table, ctx)
    assert len(rows) + len(notes) == len(requests)  # every request posted or named
    return rows, notes, lookup


WINTER = period("A1", date(2025, 12, 1), date(2026, 2, 28), 180_000)  # 90 days, 2.000 CCF a day


def volumes(row: dict[str, Any]) -> tuple[Decimal, Decimal, Decimal]:
    return row["original_volume"], row["reduction"], row["adjusted_volume"]


def test_leak_removes_usage_above_the_winter_average() -> None:
    rows, notes, lookup = run([request("A1", "leak")], [WINTER, june("A1", 100_000)])
    a1 = rows["A1"]
    # allowed 2.000 x 30 days = 60.000 of 100.000; 40.000 removed
    assert volumes(a1) == (Decimal("100.000"), Decimal("40.000"), Decimal("60.000"))
    assert a1["rule"] == "leak/winter-average-2026" and a1["unit"] == "CCF" and notes == []
    assert a1["idempotency_key"] == "ADJ|A1|leak|2026-06-01|2026-06-30|EV-A1"
    [(name, keys, where)] = lookup.asked
    assert name == "consumption_histories"
    assert keys == ["A1"] and where["until"] == date(2026, 6, 30)
    assert where["since"] == date(2025, 6, 1)  # the year before, which includes the winter window


def test_a_leak_in_winter_is_measured_against_the_season_before() -> None:
    last_winter = period("A1", date(2024, 12, 1), date(2025, 1, 29), 60_000)  # 60 days, 1.000 a day
    feb = period("A1", date(2026, 2, 1), date(2026, 2, 28), 50_000)
    rows, _notes, _ = run(
        [request("A1", "leak", span=(date(2026, 2, 1), date(2026, 2, 28)))], [last_winter, feb]
    )
    assert rows["A1"]["rule"] == "leak/winter-average-2025"
    assert volumes(rows["A1"]) == (Decimal("50.000"), Decimal("22.000"), Decimal("28.000"))


def test_leak_falls_back_to_the_prior_year_then_to_the_default() -> None:
    spring = period("D4", date(2026, 4, 1), date(2026, 5, 31), 122_000)  # 61 days, 2.000 a day
    rows, _notes, _ = run(
        [request("D4", "leak"), request("E5", "leak")],
        [spring, june("D4", 100_000), june("E5", 100_000)],
        winter={"default_average_per_day": "1.5"},
    )
    assert rows["D4"]["rule"] == "leak/prior-year-average" and rows["D4"]["reduction"] == Decimal("40.000")
    assert rows["E5"]["rule"] == "leak/default-average" and rows["E5"]["reduction"] == Decimal("55.000")


def test_a_leak_with_no_baseline_at_all_is_held_and_named() -> None:
    rows, [note], _ = run([request("E5", "leak")], [june("E5", 100_000)])
    assert rows == {} and note.rule == "no-baseline" and note.severity == "warning" and note.line == 2


def test_industrial_replaces_usage_with_the_permitted_volume() -> None:
    rows, _n, _ = run([request("B2", "industrial", "25")], [june("B2", 100_000)])
    assert volumes(rows["B2"]) == (Decimal("100.000"), Decimal("75.000"), Decimal("25.000"))
    assert rows["B2"]["rule"] == "industrial/permitted-volume"


def test_evaporation_subtracts_the_sub_metered_volume() -> None:
    rows, _n, _ = run([request("C3", "evaporation", "30.5")], [june("C3", 100_000)])
    assert volumes(rows["C3"]) == (Decimal("100.000"), Decimal("30.500"), Decimal("69.500"))
    assert rows["C3"]["rule"] == "evaporation/sub-metered"


def test_usage_of_periods_straddling_the_request_is_prorated() -> None:
    hist = [
        period("C3", date(2026, 5, 16), date(2026, 6, 14), 30_000),  # 14 of 30 days in June: 14.000
        period("C3", date(2026, 6, 15), date(2026, 7, 14), 60_000),  # 16 of 30 days: 32.000
    ]
    rows, _n, _ = run([request("C3", "evaporation", "6")], hist)
    assert volumes(rows["C3"]) == (Decimal("46.000"), Decimal("6.000"), Decimal("40.000"))


def test_an_adjustment_never_goes_below_zero_nor_adds_volume() -> None:
    rows, _n, _ = run(
        [request("C3", "evaporation", "150"), request("B2", "industrial", "150")],
        [june("C3", 100_000), june("B2", 100_000)],
    )
    assert volumes(rows["C3"]) == (Decimal("100.000"), Decimal("100.000"), Decimal("0.000"))
    assert volumes(rows["B2"]) == (Decimal("100.000"), Decimal("0.000"), Decimal("100.000"))


def test_the_reduction_is_capped_per_kind() -> None:
    rows, _n, _ = run(
        [request("C3", "evaporation", "30"), request("B2", "industrial", "25")],
        [june("C3", 100_000), june("B2", 100_000)],
        cap_percent={"evaporation": 20},
    )
    assert volumes(rows["C3"]) == (Decimal("100.000"), Decimal("20.000"), Decimal("80.000"))
    assert rows["C3"]["rule"] == "evaporation/sub-metered; capped at 20%"
    assert rows["B2"]["reduction"] == Decimal("75.000")  # other kinds keep 100%


def test_a_request_without_delivered_history_is_pending_not_posted() -> None:
    july = (date(2026, 7, 1), date(2026, 7, 31))
    longer = (date(2026, 6, 1), date(2026, 7, 15))
    rows, notes, _ = run(
        [request("C3", "evaporation", "1", span=july), request("B2", "industrial", "1", span=longer)],
        [june("C3", 100_000), june("B2", 100_000)],
    )
    assert rows == {}
    assert [(n.rule, n.line, n.field, n.severity) for n in notes] == [
        ("pending-history", 2, "account", "warning"),
        ("pending-history", 3, "account", "warning"),
    ]
    assert "2026-07-01 to 2026-07-31" in notes[0].message and "no delivered history" in notes[0].message
    assert "covers 30 of the period's 45 days" in notes[1].message
    assert notes[0].value == "**" and "C3" not in notes[0].message  # masked


def test_with_no_ledger_at_hand_every_request_is_pending() -> None:
    rows, [note], _ = run([request("C3", "evaporation", "1")], None)
    assert rows == {} and note.rule == "pending-history" and "at hand" in note.message


@pytest.mark.parametrize(
    ("volume", "unit", "ccf"),
    [("748.052", "gallons", "1.000"), ("1", "kgal", "1.337"), ("2", "HCF", "2.000"), ("1", "m3", "0.353")],
)
def test_request_volumes_are_converted_exactly_to_the_cis_unit(volume: str, unit: str, ccf: str) -> None:
    # 1 kgal = 1000 / 748.052 CCF = 1.33680...; 1 m3 = 264.172 gallons = 0.35314... CCF
    rows, _n, _ = run([request("C3", "evaporation", volume, unit)], [june("C3", 100_000)])
    assert rows["C3"]["reduction"] == Decimal(ccf) and rows["C3"]["unit"] == "CCF"


def test_histories_in_another_unit_and_a_cis_unit_of_gallons() -> None:
    hist = [june("C3", 1_000)]  # 1.000 CCF
    rows, _n, _ = run([request("C3", "evaporation", "48.052", "gallons")], hist, cis_unit="gallons")
    assert volumes(rows["C3"]) == (Decimal("748.052"), Decimal("48.052"), Decimal("700.000"))


def test_a_volume_of_another_commodity_is_held_and_named() -> None:
    rows, [note], _ = run([request("C3", "evaporation", "5", "kWh")], [june("C3", 100_000)])
    assert rows == {} and note.rule == "unit-commodity"


def test_options_and_registration() -> None:
    assert get_kind("consumption-adjustments") is ConsumptionAdjustmentsMapping
    with pytest.raises(ValueError, match="between 0 and 100"):
        ConsumptionAdjustmentsOptions.model_validate({"cap_percent": {"leak": 120}})
    assert ConsumptionAdjustmentsOptions().cap_percent == {"leak": 100, "industrial": 100, "evaporation": 100}


def test_an_empty_file_asks_nothing_and_posts_nothing() -> None:
    rows, notes, lookup = run([], [])
    assert rows == {} and notes == [] and lookup.asked == []
