"""The green-button roll-up: an account's readings summed per period into ConsumptionHistory, exactly
(prorated by seconds at a boundary), in the CIS unit, months in local time or the CIS's billing
periods; incomplete periods warned of and left out; keys and facts as the consumption kind's."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from pydantic import ValidationError

from formats.base import ReadContext
from formats.greenbutton import GreenButtonFormat, GreenButtonOptions
from hub.kernel.problems import Problem
from hub.kernel.units import rounded
from mappings.base import MapContext
from mappings.consumption import ConsumptionHistory
from mappings.green_button import GreenButtonMapping, GreenButtonMappingOptions
from tests.formats.greenbutton_cases import USAGE_POINT, Feed, Reading, build
from tests.lookups import Answers

CTX = ReadContext(file="feed.xml", now=datetime(2026, 12, 1, tzinfo=UTC))
CORPUS = Path("/work/shared/corpus/greenbutton")
ACCOUNT = "0012345"
OFFSET = -18_000  # the test feeds' LocalTimeParameters: UTC-5
JAN_2024 = 1_704_085_200  # 2024-01-01 00:00 at UTC-5
MONTHLY = {"periods": "monthly", "unit": "kWh", "district": "espi-co"}


def table_of(data: bytes) -> pl.DataFrame:
    fmt = GreenButtonFormat(GreenButtonOptions())
    return fmt.validate(fmt.read(data, CTX), CTX).table


def rolled(
    table: pl.DataFrame, rollup: dict[str, Any] | None = None, lookup: Answers | None = None, **accounts: str
) -> tuple[pl.DataFrame, pl.DataFrame, list[Problem]]:
    options = GreenButtonMappingOptions(accounts=accounts or {USAGE_POINT: ACCOUNT}, rollup=rollup or MONTHLY)
    kind = GreenButtonMapping(options)
    ctx = MapContext("feed.xml", lookup) if lookup is not None else MapContext("feed.xml")
    out = kind.map(table, ctx)
    return out["ConsumptionHistory"], out["consumption_histories"], kind.notes(table, ctx)


def hours(n: int, start: int, value: int = 1000, quality: str = "0") -> list[Reading]:
    return [Reading(str(start + 3600 * i), "3600", str(value + i), None, quality) for i in range(n)]


def warned(problems: list[Problem]) -> list[tuple[str, str]]:
    return [(p.rule, p.message) for p in problems]


def test_a_whole_local_month_rolls_up_exactly_and_a_partial_one_is_warned_of() -> None:
    # the last 3 hours of Dec 31 (local) and every hour of January 2024, raw x 10^-3 Wh
    readings = hours(3 + 744, JAN_2024 - 3 * 3600)
    history, fact, problems = rolled(table_of(build(Feed(blocks=[readings], power="-3"))))
    [row] = history.to_dicts()
    january = sum(Fraction(1000 + i, 1000) for i in range(3, 747)) / 1000  # Wh -> kWh
    assert (row["period_start"], row["period_end"], row["days"]) == (date(2024, 1, 1), date(2024, 1, 31), 31)
    assert row["usage"] == rounded(january, 3) == Decimal("1.023")
    assert (row["unit"], row["original_unit"]) == ("kWh", "Wh")
    assert row["original_usage"] == rounded(january * 1000, 6)
    assert row["idempotency_key"] == f"CH|espi-co|{ACCOUNT}|2024-01-01|2024-01-31"
    assert (row["account"], row["premise"], row["district"], row["read_type"]) == (
        ACCOUNT,
        USAGE_POINT,
        "espi-co",
        "actual",
    )
    ConsumptionHistory.model_validate({k: v for k, v in row.items() if k != "_line"})
    [kept] = fact.to_dicts()
    assert (kept["last_day"], kept["usage_milli"], kept["idempotency_key"]) == (
        date(2024, 1, 31),
        1023,
        row["idempotency_key"],
    )
    [(rule, message)] = warned(problems)
    assert rule == "period-not-rolled-up"
    assert "2023-12-01..2023-12-31" in message and "cover 10800 of its 2678400 seconds" in message
    assert ACCOUNT not in message and "***2345" in message  # masked


def test_a_reading_straddling_a_month_boundary_is_prorated_by_seconds() -> None:
    # daily readings from Jan 31 23:00 local (one hour in January) to Mar 1 23:00: February is
    # covered, its first reading 23/24 in it and its last 1/24
    start = JAN_2024 + 30 * 86_400 + 23 * 3600
    readings = [Reading(str(start + 86_400 * i), "86400", str(24_000 + 7 * i), None, "0") for i in range(30)]
    history, _, problems = rolled(table_of(build(Feed(blocks=[readings], power="0"))))
    values = [Fraction(24_000 + 7 * i) for i in range(30)]
    february = (values[0] * Fraction(23, 24) + sum(values[1:29]) + values[29] * Fraction(1, 24)) / 1000
    [row] = history.to_dicts()
    assert row["period_start"] == date(2024, 2, 1) and row["days"] == 29
    assert row["usage"] == rounded(february, 3)
    assert row["original_usage"] == rounded(february * 1000, 6)
    assert sorted(p.message.split(" ")[1] for p in problems) == [
        "2024-01-01..2024-01-31",
        "2024-03-01..2024-03-31",
    ]


def test_one_estimated_reading_makes_the_period_estimated() -> None:
    readings = hours(744, JAN_2024)
    readings[100].quality = "9"  # estimated using linear interpolation
    history, fact, _ = rolled(table_of(build(Feed(blocks=[readings]))))
    assert history.get_column("read_type").to_list() == ["estimated"]
    assert fact.get_column("read_type").to_list() == ["estimated"]


@pytest.mark.parametrize(
    ("drop", "reason"),
    [
        (500, "readings cover 2674800 of its 2678400 seconds"),  # a missing hour
        (None, "readings of a usage point overlap"),
    ],
)
def test_a_gap_or_an_overlap_leaves_the_period_out_with_its_reason(drop: int | None, reason: str) -> None:
    readings = hours(744, JAN_2024)
    if drop is None:
        readings[10].duration = "7200"  # runs into the next reading
    else:
        del readings[drop]
    history, fact, problems = rolled(table_of(build(Feed(blocks=[readings]))))
    assert history.height == 0 and fact.height == 0
    [(rule, message)] = warned(problems)
    assert rule == "period-not-rolled-up" and message.endswith(reason), message


def test_a_duplicate_reading_counts_once() -> None:
    readings = hours(744, JAN_2024, value=1000)
    readings.insert(5, Reading(readings[4].start, "3600", "999999", None, "0"))
    history, _, _ = rolled(table_of(build(Feed(blocks=[readings], power="0"))))
    assert history.get_column("usage").to_list() == [rounded(Fraction(sum(range(1000, 1744)), 1000), 3)]


def test_readings_of_another_commodity_or_unmapped_usage_points_do_not_roll_up() -> None:
    demand = table_of(build(Feed(blocks=[hours(744, JAN_2024)], uom="38")))  # W: demand, not usage
    history, _, problems = rolled(demand)
    assert history.height == 0
    [(rule, message)] = warned(problems)
    assert rule == "not-rolled-up" and "uom 38" in message and "not electricity usage" in message
    history, _, problems = rolled(table_of(build(Feed(blocks=[hours(744, JAN_2024)]))), **{"other": "9"})
    assert history.height == 0 and problems == []


def test_the_cis_unit_is_converted_exactly() -> None:
    data = build(Feed(blocks=[hours(744, JAN_2024, value=1_000_000)], power="0"))
    history, _, _ = rolled(table_of(data), {**MONTHLY, "unit": "MWh"})
    exact = Fraction(sum(range(1_000_000, 1_000_744)), 1_000_000)
    assert history.get_column("usage").to_list() == [rounded(exact, 3)]
    assert history.get_column("unit").to_list() == ["MWh"]


def two_points(*, second_covers: bool) -> pl.DataFrame:
    """The test feed's January for usage point 1, and usage point 2 (the same account) with the
    same readings or only the first half of the month."""
    one = table_of(build(Feed(blocks=[hours(744, JAN_2024)])))
    two = one.with_columns(pl.lit("UP2").alias("usage_point"), (pl.col("_line") + 100_000).alias("_line"))
    if not second_covers:
        two = two.head(372)
    return pl.concat([one, two])


def test_an_accounts_usage_points_are_summed_and_each_must_cover_the_period() -> None:
    accounts = {USAGE_POINT: ACCOUNT, "UP2": ACCOUNT}
    history, _, _ = rolled(two_points(second_covers=True), **accounts)
    [row] = history.to_dicts()
    one = sum(Fraction(1000 + i, 1000) for i in range(744)) / 1000
    assert row["usage"] == rounded(2 * one, 3) and row["premise"] == f"{USAGE_POINT},UP2"
    history, _, problems = rolled(two_points(second_covers=False), **accounts)
    assert history.height == 0
    assert [p.rule for p in problems] == ["period-not-rolled-up"]


def test_a_usage_point_with_two_reading_types_in_a_period_is_ambiguous() -> None:
    one = table_of(build(Feed(blocks=[hours(744, JAN_2024)])))
    both = pl.concat([one, one.with_columns(pl.lit("ReadingType/08").alias("reading_type"))])
    history, _, problems = rolled(both)
    assert history.height == 0
    assert "several reading types" in problems[0].message


def test_a_negative_period_is_left_out() -> None:
    readings = hours(744, JAN_2024, value=-5000)
    history, _, problems = rolled(table_of(build(Feed(blocks=[readings]))))
    assert history.height == 0 and "negative" in problems[0].message


GAS = "v1/BillingAccount/1234567890/UsagePoint/NET_USAGE"
GAS_ROLLUP = {"periods": "monthly", "unit": "therm", "district": "ngma"}


def gas_readings() -> list[tuple[int, int, Fraction]]:
    """gas_direct.xml's readings (start, duration, therms), as its XML says (power -3)."""
    return [
        (1621987200, 3024000, Fraction(37)),
        (1625011200, 2419200, Fraction(14)),
        (1627430400, 2592000, Fraction(21)),
        (1630022400, 2851200, Fraction(27)),
        (1632873600, 2332800, Fraction(41)),
    ]


def test_a_corpus_gas_file_of_billing_intervals_rolls_up_by_calendar_month() -> None:
    table = table_of((CORPUS / "gas_direct.xml").read_bytes())
    history, _, problems = rolled(table, GAS_ROLLUP, **{GAS: "1234567890"})
    got = {r["period_start"]: r["usage"] for r in history.to_dicts()}
    expected = {}
    for month in (6, 7, 8, 9):  # May and October are partly covered: warned of
        lo = int(datetime(2021, month, 1, tzinfo=UTC).timestamp())
        hi = int(datetime(2021, month + 1, 1, tzinfo=UTC).timestamp())
        part = sum(v * max(0, min(s + d, hi) - max(s, lo)) / d for s, d, v in gas_readings())
        expected[date(2021, month, 1)] = rounded(part, 3)
    assert got == expected
    assert set(history.get_column("unit")) == {"therms"}
    assert sorted(p.message.split(" ")[1] for p in problems) == [
        "2021-05-01..2021-05-31",
        "2021-10-01..2021-10-31",
    ]


def test_billing_periods_from_the_cis_extract() -> None:
    table = table_of((CORPUS / "gas_direct.xml").read_bytes())
    periods = [  # the first two readings' spans exactly, then one the file does not cover fully
        {"account": "1234567890", "period_start": date(2021, 5, 26), "period_end": date(2021, 6, 29)},
        {"account": "1234567890", "period_start": date(2021, 6, 30), "period_end": date(2021, 7, 27)},
        {"account": "1234567890", "period_start": date(2021, 7, 28), "period_end": date(2021, 12, 31)},
    ]
    lookup = Answers(billing_periods=periods)
    rollup = {**GAS_ROLLUP, "periods": "billing-periods"}
    history, fact, problems = rolled(table, rollup, lookup, **{GAS: "1234567890"})
    assert [(r["period_start"], r["period_end"], r["days"], r["usage"]) for r in history.to_dicts()] == [
        (date(2021, 5, 26), date(2021, 6, 29), 35, Decimal("37.000")),
        (date(2021, 6, 30), date(2021, 7, 27), 28, Decimal("14.000")),
    ]
    assert fact.get_column("usage_milli").to_list() == [37_000, 14_000]
    assert lookup.asked == [("billing_periods", ["1234567890"], {})]
    assert [p.rule for p in problems] == ["period-not-rolled-up"]
    assert "2021-07-28..2021-12-31" in problems[0].message

    history, _, problems = rolled(table, rollup, Answers(billing_periods=periods[1:2]), **{GAS: "1234567890"})
    assert history.height == 1
    assert [p.rule for p in problems] == ["outside-billing-periods"]
    assert "4 readings of account ******7890" in problems[0].message

    history, _, problems = rolled(table, rollup, Answers(billing_periods=None), **{GAS: "1234567890"})
    assert history.height == 0 and [p.rule for p in problems] == ["no-billing-periods"]


def test_without_a_rollup_only_interval_usage_is_mapped_and_nothing_is_looked_up() -> None:
    table = table_of(build(Feed(blocks=[hours(3, JAN_2024)])))
    kind = GreenButtonMapping(GreenButtonMappingOptions(accounts={USAGE_POINT: ACCOUNT}))
    lookup = Answers()
    assert list(kind.map(table, MapContext("feed.xml", lookup))) == ["IntervalUsage"]
    assert kind.notes(table, MapContext("feed.xml", lookup)) == [] and lookup.asked == []


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"accounts": {}, "rollup": MONTHLY}, "fill accounts"),
        ({"accounts": {"u": "1"}, "rollup": {**MONTHLY, "unit": "furlongs"}}, "unknown unit"),
        ({"accounts": {"u": "1"}, "rollup": {**MONTHLY, "district": "a|b"}}, "pattern"),
        ({"accounts": {"u": "1"}, "rollup": {**MONTHLY, "periods": "weekly"}}, "monthly"),
    ],
)
def test_bad_rollup_options_are_refused(options: dict[str, Any], error: str) -> None:
    with pytest.raises(ValidationError, match=error):
        GreenButtonMappingOptions(**options)


def test_the_coastal_corpus_year_rolls_up_into_twelve_local_months_summing_to_the_file() -> None:
    name = "Coastal_Multi_Family_Jan_1_2011_to_Jan_1_2012_RetailCustomer_5.xml"
    table = table_of((CORPUS / name).read_bytes())  # hourly, 2011-01-01 to 2012-01-01 at UTC-8
    history, _, problems = rolled(table, **{"RetailCustomer/5/UsagePoint/1": "0012345"})
    assert problems == []
    assert history.get_column("period_start").to_list() == [date(2011, m, 1) for m in range(1, 13)]
    assert sum(history.get_column("usage").to_list()) == Decimal("4425.305")  # its 4,425,305 Wh
    assert history.get_column("days").sum() == 365
