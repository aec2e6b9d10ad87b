"""Winter averages: proration at the window's edges, minimum covered days, defaults, rounding,
keys and superseding; properties over random histories."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from hub.kernel.transactions import columns_of
from mappings.winter_average import (
    WinterAverage,
    WinterAverageOptions,
    decimal_text,
    superseding,
    winter_averages,
)

SCHEMA: dict[str, Any] = {
    "account": pl.String,
    "district": pl.String,
    "premise": pl.String,
    "period_start": pl.Date,
    "period_end": pl.Date,
    "last_day": pl.Date,
    "days": pl.Int64,
    "usage_milli": pl.Int64,
    "unit": pl.String,
    "read_type": pl.String,
    "idempotency_key": pl.String,
}
OPTIONS = WinterAverageOptions(default_average_per_day=Decimal("4.5"))


def period(account: str, start: date, last: date, usage_milli: int, unit: str = "CCF") -> dict[str, Any]:
    days = (last - start).days + 1
    return {
        "account": account,
        "district": "D1",
        "premise": "P-" + account,
        "period_start": start,
        "period_end": last + timedelta(days=1),
        "last_day": last,
        "days": days,
        "usage_milli": usage_milli,
        "unit": unit,
        "read_type": "actual",
        "idempotency_key": f"D1|{account}|{start}|{last}",
    }


def histories(*rows: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=SCHEMA)


def averages(rows: list[dict[str, Any]], accounts: list[str], **options: Any) -> dict[str, dict[str, Any]]:
    opts = WinterAverageOptions(**({"default_average_per_day": Decimal("4.5")} | options))
    out = winter_averages(histories(*rows), accounts, 2026, opts)
    assert out.columns == columns_of(WinterAverage)
    found = {r["account"]: r for r in out.iter_rows(named=True)}
    for r in found.values():
        WinterAverage.model_validate(r)
    return found


def test_a_period_straddling_dec_1_counts_only_its_days_inside_the_window() -> None:
    # Nov 16 - Dec 15: 30 days, 30.000 CCF; 15 days inside -> 15.000; Dec 16 - Feb 28: 75 days, 60.000
    found = averages(
        [
            period("A1", date(2025, 11, 16), date(2025, 12, 15), 30_000),
            period("A1", date(2025, 12, 16), date(2026, 2, 28), 60_000),
        ],
        ["A1"],
    )["A1"]
    # (15.000 + 60.000) / 90 days = 0.8333.. -> 0.833
    assert found["average_per_day"] == Decimal("0.833")
    assert (found["days_covered"], found["periods_used"], found["method"]) == (90, 2, "prorated")
    assert found["reason"] is None and found["unit"] == "CCF"
    assert found["idempotency_key"] == "WA|2026|A1|r1|0.833|90"


def test_a_period_straddling_mar_31_counts_only_its_days_inside_the_window() -> None:
    # Jan 1 - Mar 1: 60 days, 6.000; Mar 2 - Apr 30: 60 days, 12.000, 30 inside -> 6.000
    found = averages(
        [
            period("A1", date(2026, 1, 1), date(2026, 3, 1), 6_000),
            period("A1", date(2026, 3, 2), date(2026, 4, 30), 12_000),
        ],
        ["A1"],
    )["A1"]
    assert (found["days_covered"], found["periods_used"]) == (90, 2)
    assert found["average_per_day"] == Decimal("0.133")  # 12.000 / 90 = 0.1333..


def test_sixty_days_covered_is_enough_and_fifty_nine_is_not() -> None:
    sixty = period("A1", date(2026, 1, 1), date(2026, 3, 1), 120_000)  # 60 days
    fifty_nine = period("B2", date(2026, 1, 1), date(2026, 2, 28), 118_000)  # 59 days
    found = averages([sixty, fifty_nine], ["A1", "B2"])
    assert found["A1"]["method"] == "prorated" and found["A1"]["average_per_day"] == Decimal("2.000")
    assert found["B2"]["method"] == "default" and found["B2"]["reason"] == "insufficient-history"
    assert found["B2"]["average_per_day"] == Decimal("4.500") and found["B2"]["days_covered"] == 59
    assert found["B2"]["idempotency_key"] == "WA|2026|B2|r1|4.500|59"


def test_an_account_with_no_history_gets_the_default_in_the_default_unit() -> None:
    found = averages([], ["Z9"], default_unit="gallons")["Z9"]
    assert (found["method"], found["reason"], found["unit"]) == ("default", "insufficient-history", "gallons")
    assert (found["days_covered"], found["periods_used"], found["average_per_day"]) == (0, 0, Decimal("4.5"))


def test_without_a_configured_default_the_account_is_still_delivered_with_no_average() -> None:
    out = winter_averages(histories(), ["Z9"], 2026, WinterAverageOptions())
    row = out.row(0, named=True)
    assert row["average_per_day"] is None and row["method"] == "default"
    assert row["idempotency_key"] == "WA|2026|Z9|r1|none|0"


def test_rounding_at_a_tie_goes_to_the_even_digit() -> None:
    # 60 days: 0.150 CCF -> 0.0025/day, a tie at 3 places -> 0.002; 0.210 -> 0.0035 -> 0.004
    found = averages(
        [
            period("A1", date(2026, 1, 1), date(2026, 3, 1), 150),
            period("B2", date(2026, 1, 1), date(2026, 3, 1), 210),
        ],
        ["A1", "B2"],
    )
    assert found["A1"]["average_per_day"] == Decimal("0.002")
    assert found["B2"]["average_per_day"] == Decimal("0.004")


def test_proration_of_a_straddling_period_rounds_half_to_even() -> None:
    # Nov 30 - Dec 1: 2 days, 0.001 CCF, 1 day inside: 0.0005 -> 0.000 (half to even, not 0.001)
    edge = averages(
        [
            period("A1", date(2025, 11, 30), date(2025, 12, 1), 1),
            period("A1", date(2025, 12, 2), date(2026, 1, 30), 60_000),  # 60 days
        ],
        ["A1"],
        places=6,
    )["A1"]
    assert edge["days_covered"] == 61 and edge["average_per_day"] == Decimal("0.983607")  # 60/61


def test_the_window_is_configurable() -> None:
    rows = [period("A1", date(2026, 1, 1), date(2026, 3, 1), 60_000)]
    found = averages(rows, ["A1"], start_month=2, start_day=1, end_month=2, end_day=28, min_covered_days=28)
    assert found["A1"]["days_covered"] == 28 and found["A1"]["average_per_day"] == Decimal("1.000")


@pytest.mark.parametrize(
    "options",
    [{"end_month": 2, "end_day": 29}, {"default_unit": "furlongs"}, {"default_average_per_day": "1.2345"}],
)
def test_options_that_cannot_work_are_refused(options: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        WinterAverageOptions(**options)


def test_recomputing_unchanged_averages_delivers_nothing_and_a_change_supersedes() -> None:
    rows = [period("A1", date(2026, 1, 1), date(2026, 3, 1), 120_000)]
    first = winter_averages(histories(*rows), ["A1", "B2"], 2026, OPTIONS)
    assert superseding(first, first.head(0)).height == 2
    assert superseding(first, first).height == 0
    late = [*rows, period("B2", date(2025, 12, 1), date(2026, 2, 28), 90_000)]  # 90 days
    second = winter_averages(histories(*late), ["A1", "B2"], 2026, OPTIONS)
    changed = superseding(second, first)
    assert changed.get_column("account").to_list() == ["B2"]
    b2 = changed.row(0, named=True)
    assert b2["supersedes"] == "WA|2026|B2|r1|4.500|0" and b2["idempotency_key"] == "WA|2026|B2|r2|1.000|90"
    # the last delivered one is replaced, not the first
    assert superseding(first, pl.concat([first, changed])).get_column("supersedes").to_list() == [
        "WA|2026|B2|r2|1.000|90"
    ]


def test_an_average_going_back_to_an_earlier_value_gets_a_key_of_its_own() -> None:
    """A -> B -> A: the third delivery is revision 3, not a repeat of the first key (which the
    ledger would skip as delivered)."""
    rows = [period("A1", date(2026, 1, 1), date(2026, 3, 1), 120_000)]
    first = winter_averages(histories(*rows), ["A1"], 2026, OPTIONS)
    a = superseding(first, first.head(0))
    late = [*rows, period("A1", date(2025, 12, 1), date(2025, 12, 31), 31_000)]
    b = superseding(winter_averages(histories(*late), ["A1"], 2026, OPTIONS), a)
    back = superseding(first, pl.concat([a, b]))
    keys = [t.get_column("idempotency_key").item() for t in (a, b, back)]
    assert keys[0].startswith("WA|2026|A1|r1|") and keys[1].startswith("WA|2026|A1|r2|")
    assert keys[2] == keys[0].replace("|r1|", "|r3|") and len(set(keys)) == 3
    assert back.get_column("supersedes").item() == keys[1]


# Property tests: random non-overlapping periods of one account around the 2026 window.
@st.composite
def account_periods(draw: st.DrawFn) -> list[dict[str, Any]]:
    day = date(2025, 9, 1) + timedelta(days=draw(st.integers(0, 60)))
    rows = []
    for _ in range(draw(st.integers(0, 10))):
        day += timedelta(days=draw(st.integers(0, 20)))  # a gap
        length = draw(st.integers(1, 60))
        rows.append(period("A1", day, day + timedelta(days=length - 1), draw(st.integers(0, 10**9))))
        day += timedelta(days=length)
    return rows


@settings(max_examples=150, deadline=None)
@given(account_periods(), st.integers(0, 6))
def test_average_times_days_is_the_prorated_sum_within_rounding(
    rows: list[dict[str, Any]], places: int
) -> None:
    opts = WinterAverageOptions(min_covered_days=1, default_average_per_day=Decimal(0), places=places)
    row = winter_averages(histories(*rows), ["A1"], 2026, opts).row(0, named=True)
    first, last = date(2025, 12, 1), date(2026, 3, 31)
    prorated, covered = Decimal(0), 0
    for r in rows:
        inside = (min(r["last_day"], last) - max(r["period_start"], first)).days + 1
        if inside > 0:
            covered += inside
            prorated += Decimal(r["usage_milli"]) * inside / r["days"] / 1000
    assert row["days_covered"] == covered
    avg = row["average_per_day"]
    assert avg >= 0
    if covered:
        # each period's proration rounds by at most 0.0005, the average by half a unit of `places`
        slack = Decimal(len(rows)) * Decimal("0.0005") + Decimal(covered) * Decimal(5).scaleb(-places - 1)
        assert abs(avg * covered - prorated) <= slack
    else:
        assert row["method"] == "default"


@settings(max_examples=100, deadline=None)
@given(account_periods(), st.integers(1, 400), st.integers(0, 10**9))
def test_a_period_outside_the_window_changes_nothing(
    rows: list[dict[str, Any]], gap: int, usage: int
) -> None:
    before = winter_averages(histories(*rows), ["A1"], 2026, OPTIONS)
    start = date(2026, 4, 1) + timedelta(days=gap) if gap % 2 else date(2025, 11, 30) - timedelta(days=gap)
    last = start + timedelta(days=gap % 30) if gap % 2 else date(2025, 11, 30)
    extra = period("A1", start, last, usage)
    after = winter_averages(histories(*rows, extra), ["A1"], 2026, OPTIONS)
    assert after.equals(before)


@given(st.integers(-(10**20), 10**20), st.integers(0, 9))
def test_decimal_text_is_the_exact_scaled_value(value: int, places: int) -> None:
    text = pl.select(decimal_text(pl.lit(value, pl.Int128), places)).item()
    assert Decimal(text) == Decimal(value).scaleb(-places)
