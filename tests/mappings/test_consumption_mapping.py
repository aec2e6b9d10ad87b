"""District histories -> ``ConsumptionHistory``: usage converted exactly to the CIS unit (half even, 3
places); a unit of an unconfigured commodity, an account the CIS does not know, a period overlapping
another of the account (in the file or delivered) are rejected rows naming what they meet; a gap is a
warning; an implausible daily rate is a warning and flags the transaction for review."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import polars as pl

from formats.base import ReadContext
from formats.consumption_csv import ConsumptionCsvFormat, ConsumptionCsvOptions
from hub.kernel.rows import LINE
from hub.kernel.units import convert
from mappings import get_kind
from mappings.base import MapContext
from mappings.consumption import ConsumptionHistory, ConsumptionMapping, ConsumptionMappingOptions
from tests.lookups import Answers

HEADER = "district,account,premise,service_address,period_start,period_end,usage,unit,read_type"
CTX = ReadContext(file="nw.csv", now=datetime(2026, 12, 6, tzinfo=UTC))


def row(account: str, start: str, end: str, usage: str = "10", unit: str = "CCF") -> str:
    return f"NW,{account},P{account},,{start},{end},{usage},{unit},actual"


def typed(*lines: str) -> pl.DataFrame:
    fmt = ConsumptionCsvFormat(ConsumptionCsvOptions())
    v = fmt.validate(fmt.read("\n".join([HEADER, *lines, ""]).encode(), CTX), CTX)
    assert v.problems == []
    return v.table


def mapped(
    table: pl.DataFrame, answers: Answers | None = None, **options: Any
) -> tuple[pl.DataFrame, list[Any], pl.DataFrame]:
    kind = ConsumptionMapping(ConsumptionMappingOptions.model_validate(options))
    ctx = MapContext("nw.csv", answers or Answers(accounts=None, consumption_histories=[]))
    out = kind.map(table, ctx)
    return out["ConsumptionHistory"], kind.notes(table, ctx), out["consumption_histories"]


def delivered(account: str, start: date, last: date, usage_milli: int = 10_000) -> dict[str, Any]:
    return {
        "account": account,
        "district": "NW",
        "premise": f"P{account}",
        "period_start": start,
        "period_end": last,
        "last_day": last,
        "days": (last - start).days + 1,
        "usage_milli": usage_milli,
        "unit": "CCF",
        "read_type": "actual",
        "idempotency_key": f"CH|NW|{account}|{start}|{last}",
    }


def test_the_kind_is_registered_with_its_transaction_and_key_date() -> None:
    kind = get_kind("consumption-history")
    assert kind is ConsumptionMapping and kind.produces == (ConsumptionHistory,)
    key = "CH|NW|1001|2026-01-01|2026-01-31"
    assert kind.key_date_at is not None and key[kind.key_date_at :] == "2026-01-31"


def test_units_convert_exactly_to_the_cis_unit_half_even() -> None:
    usages = [("9350.65", "gallons"), ("1", "m3"), ("2.5", "kgal"), ("7", "HCF"), ("0.0005", "CCF")]
    table = typed(*[row(str(1000 + i), "2026-01-01", "2026-01-31", u, n) for i, (u, n) in enumerate(usages)])
    history, notes, fact = mapped(table)
    assert notes == []
    expected = [convert(Decimal(u), n, "CCF", 3) for u, n in usages]
    assert history.get_column("usage").to_list() == expected
    assert expected[0] == Decimal("12.500") and expected[4] == Decimal("0.000")  # 0.0005 -> even
    assert fact.get_column("usage_milli").to_list() == [int(e * 1000) for e in expected]
    assert set(history.get_column("unit")) == {"CCF"}
    assert history.get_column("original_usage").to_list() == [Decimal(u) for u, _ in usages]
    assert history.get_column("original_unit").to_list() == [n for _, n in usages]
    one = history.row(0, named=True)
    assert one["idempotency_key"] == "CH|NW|1000|2026-01-01|2026-01-31" and one["days"] == 31
    ConsumptionHistory.model_validate({k: v for k, v in one.items() if k != LINE})


def test_energy_goes_to_its_own_cis_unit_and_an_unconfigured_commodity_is_rejected() -> None:
    table = typed(
        row("1", "2026-01-01", "2026-01-31", "5", "kWh"), row("2", "2026-01-01", "2026-01-31", "3", "therms")
    )
    history, notes, _ = mapped(table)
    assert history.select("unit", "usage").rows() == [("kWh", Decimal("5.000")), ("therms", Decimal("3.000"))]
    history, notes, _ = mapped(table, cis_units={"water": "gallons", "gas": "therms"})
    assert history.get_column("unit").to_list() == ["therms"]
    assert [(p.line, p.field, p.rule, p.value) for p in notes] == [(2, "unit", "commodity", "kWh")]


def test_overlapping_periods_in_the_file_reject_the_later_naming_both() -> None:
    table = typed(
        row("1", "2026-01-01", "2026-01-31"),
        row("1", "2026-01-20", "2026-02-20"),
        row("2", "2026-01-20", "2026-02-20"),  # another account: no overlap
    )
    history, notes, _ = mapped(table)
    assert [(p.line, p.rule, p.severity) for p in notes] == [(3, "overlap", "error")]
    assert "2026-01-20..2026-02-20" in notes[0].message and "2026-01-01..2026-01-31" in notes[0].message
    assert "line 2" in notes[0].message
    assert history.get_column(LINE).to_list() == [2, 4]


def test_a_period_inside_a_long_earlier_one_names_the_long_one() -> None:
    table = typed(
        row("1", "2026-01-01", "2026-03-31"),
        row("1", "2026-02-01", "2026-02-10"),
        row("1", "2026-03-01", "2026-03-05"),
    )
    _, notes, _ = mapped(table)
    assert [(p.line, p.rule) for p in notes] == [(3, "overlap"), (4, "overlap")]
    assert all("2026-01-01..2026-03-31" in p.message for p in notes)


def test_an_overlap_with_a_delivered_history_is_rejected_but_an_exact_resend_is_not() -> None:
    answers = Answers(
        accounts=None, consumption_histories=[delivered("1", date(2026, 1, 1), date(2026, 1, 31))]
    )
    table = typed(row("1", "2026-01-01", "2026-01-31"), row("1", "2026-01-25", "2026-02-28"))
    history, notes, _ = mapped(table, answers)
    assert [(p.line, p.rule) for p in notes] == [(3, "overlap")]  # in the file first: one finding a row
    only = typed(row("1", "2026-01-01", "2026-01-31"), row("1", "2026-02-01", "2026-02-28"))
    history, notes, _ = mapped(only, answers)
    assert notes == [] and history.height == 2  # the resent period is left to exactly-once delivery
    history, notes, _ = mapped(typed(row("1", "2026-01-25", "2026-02-28")), answers)
    assert [(p.line, p.rule) for p in notes] == [(2, "overlap_delivered")]
    assert "2026-01-25..2026-02-28" in notes[0].message and "2026-01-01..2026-01-31" in notes[0].message
    assert history.is_empty()
    name, keys, where = answers.asked[-1]
    assert (name, keys, where) == (
        "consumption_histories",
        ["1"],
        {"since": date(2026, 1, 25) - timedelta(days=400), "until": date(2026, 2, 28)},
    )


def test_a_gap_between_periods_is_a_warning_and_delivers() -> None:
    answers = Answers(
        accounts=None, consumption_histories=[delivered("1", date(2025, 12, 1), date(2025, 12, 31))]
    )
    table = typed(row("1", "2026-02-01", "2026-02-28"), row("1", "2026-03-01", "2026-03-31"))
    history, notes, _ = mapped(table, answers)
    assert [(p.line, p.rule, p.severity) for p in notes] == [(2, "gap", "warning")]
    assert "2026-01-01 to 2026-01-31" in notes[0].message
    assert history.height == 2


def test_an_implausible_daily_rate_is_reviewed_with_a_configurable_multiple() -> None:
    periods = [("2026-01-01", "2026-01-28"), ("2026-01-29", "2026-02-25"), ("2026-02-26", "2026-03-25")]
    periods.append(("2026-03-26", "2026-04-22"))
    lines = [row("1", s, e, u) for (s, e), u in zip(periods, ("10", "11", "12", "40"), strict=True)]
    history, notes, _ = mapped(typed(*lines))
    assert [(p.line, p.rule, p.severity) for p in notes] == [(5, "implausible_rate", "warning")]
    assert history.filter(pl.col("review")).get_column(LINE).to_list() == [5]
    assert (
        history.filter(pl.col("review"))
        .get_column("review_reason")
        .to_list()[0]
        .startswith("daily usage above 3")
    )
    assert history.get_column("review").sum() == 1 and history.height == 4
    history, notes, _ = mapped(typed(*lines), rate_multiple=Decimal("3.5"))
    # 40/28 a day against the median (11+12)/2/28: 3.48 x, under 3.5
    assert Fraction(40) / Fraction(23, 2) < Fraction(35, 10) and notes == []
    assert not history.get_column("review").any()


def test_delivered_histories_count_in_the_median() -> None:
    past = [delivered("1", date(2025, m, 1), date(2025, m, 28), 40_000) for m in (1, 2, 3)]
    lines = [row("1", "2026-01-01", "2026-01-28", "40")]
    history, notes, _ = mapped(typed(*lines), Answers(accounts=None, consumption_histories=past))
    assert not history.get_column("review").any()
    lines = [row("1", "2026-01-01", "2026-01-28", "130")]
    history, notes, _ = mapped(typed(*lines), Answers(accounts=None, consumption_histories=past))
    assert history.get_column("review").to_list() == [True]
    assert [p.rule for p in notes] == ["gap", "implausible_rate"]  # nothing since 2025-03-28


def test_an_account_the_cis_does_not_know_is_rejected_when_an_extract_is_loaded() -> None:
    accounts = [{"number": "1", "name": "A", "service_address": "1 MAIN", "status": "active", "active": True}]
    table = typed(row("1", "2026-01-01", "2026-01-31"), row("9", "2026-01-01", "2026-01-31"))
    history, notes, _ = mapped(table, Answers(accounts=accounts, consumption_histories=[]))
    assert [(p.line, p.field, p.rule) for p in notes] == [(3, "account", "unknown_account")]
    assert history.get_column("account").to_list() == ["1"]
    history, notes, _ = mapped(table)  # no extract ever loaded: nothing to check against
    assert notes == [] and history.height == 2


def test_huge_usages_convert_exactly_too() -> None:
    usages = [("999999999999.999999", "gallons"), ("123456789012.5", "m3"), ("1", "CCF")]
    table = typed(*[row(str(1000 + i), "2026-01-01", "2026-01-31", u, n) for i, (u, n) in enumerate(usages)])
    history, _, _ = mapped(table)
    assert history.get_column("usage").to_list() == [convert(Decimal(u), n, "CCF", 3) for u, n in usages]


def test_an_accounts_water_and_electricity_periods_are_separate_histories() -> None:
    lines = [row("1", "2026-01-01", "2026-01-31", "10"), row("1", "2026-01-01", "2026-01-31", "900", "kWh")]
    lines += [row("1", "2026-02-01", "2026-02-28", "11"), row("1", "2026-02-01", "2026-02-28", "950", "kWh")]
    lines += [row("1", "2026-03-01", "2026-03-31", "12"), row("1", "2026-03-01", "2026-03-31", "990", "kWh")]
    history, notes, _ = mapped(typed(*lines))
    assert notes == [] and history.height == 6  # no overlap, and kWh never counts in the water median
    assert not history.get_column("review").any()
