"""The Green Button roll-up: an account's interval readings summed per period into one
``ConsumptionHistory`` (``mapping_options.rollup`` of the ``green-button`` kind).

Which readings: those of usage points mapped to an account (``mapping_options.accounts``) whose
unit (ESPI ``uom``: Wh, therm, m3, US gal) measures the commodity of the roll-up's CIS ``unit``
(and whose usage point's ServiceCategory, when given, is that commodity); a duplicate reading counts
once (the first, as in IntervalUsage). Other reading types (demand, reactive, another commodity)
are delivered as IntervalUsage only, with a warning naming them.

Periods (``mappings/green_button_periods.py``): calendar months in the usage point's local time,
or the account's billing periods from the CIS extract (``hub reference load billing-periods``).
A reading straddling a period boundary counts in each period by its seconds inside it, its value
prorated exactly: the readings wholly inside a period are summed as integers by polars, the shares
of the few straddling ones added as ``Fraction``s (Python per series and period, never per
reading). The usage is converted exactly to the CIS unit and rounded half to even to 3 places
(original usage to 6).

A period is delivered only when complete: every usage point of the account that rolls up in the
file has exactly one reading type there, its readings do not overlap, and they cover every second
of the period. Otherwise it is skipped with a warning naming the account, period and reason (a
later file that covers it delivers it then). ``read_type`` is ``estimated`` when any reading in the
period has an estimated quality (ESPI 8, 9, 12 projected, 13 mixed), else ``actual``.

Key: ``CH|<district>|<account>|<period_start>|<last_day>``, so a resent file posts nothing twice,
and each delivered period is kept as a ``consumption_histories`` fact (winter averages read it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from fractions import Fraction
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from hub.kernel.problems import Problem, mask
from hub.kernel.queries import engine_for
from hub.kernel.rows import LINE
from hub.kernel.units import UNITS, UnitName, factor, rounded

if TYPE_CHECKING:
    import polars as pl

PERIOD = ["period_start", "last_day"]
NO_BILLING_PERIODS = Problem.of(
    "no-billing-periods",
    "no CIS billing-periods extract was ever loaded (hub reference load billing-periods): nothing rolled "
    "up; load it and reprocess the file",
    level="file",
    severity="warning",
)


class RollupOptions(BaseModel):
    """``mapping_options.rollup`` of the green-button kind."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    periods: Literal["monthly", "billing-periods"] = Field(
        description="calendar months in local time, or the CIS billing-periods extract"
    )
    unit: UnitName = Field(description="the CIS unit of the histories, e.g. kWh or therms")
    district: str = Field(
        min_length=1, max_length=64, pattern=r"^[^|\x00-\x1f]+$", description="the histories' district"
    )


@dataclass
class Rolled:
    """The roll-up of a file: ConsumptionHistory rows, their ``consumption_histories`` fact rows,
    and warnings (what was not rolled up and why)."""

    history: pl.DataFrame
    fact: pl.DataFrame
    problems: list[Problem] = field(default_factory=list)


def _outside(readings: pl.DataFrame, found: pl.DataFrame, names: list[str]) -> list[Problem]:
    """One warning per account whose readings meet none of its billing periods."""
    import polars as pl

    lost = (
        readings.join(found.select(LINE).unique(), on=LINE, how="anti")
        .group_by("acct")
        .agg(pl.len().alias("n"), pl.col(LINE).min(), pl.col("r_start").min(), pl.col("r_end").max())
        .sort(LINE)
    )
    return [
        Problem.of(
            "outside-billing-periods",
            f"{n} readings of account {mask(names[acct])} between {_utc(start)} and {_utc(end)} fall "
            "in none of its billing periods in the CIS extract: not rolled up",
            line=line,
            field="account",
            value=names[acct],
            severity="warning",
        )
        for acct, n, line, start, end in lost.iter_rows()
    ]


def _utc(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _by_series(found: pl.DataFrame, periods: pl.DataFrame, series: pl.DataFrame) -> pl.DataFrame:
    """Per series and period (``acct``, ``idx``): seconds covered and the period's length and days,
    whether readings overlap or are estimated, the first line, and ``raw``: the sum of the raw
    values of the readings wholly inside it (a straddling reading's share is ``_straddling``'s)."""
    import polars as pl

    largest = found.select(pl.col("value").abs().max()).item() or 0
    wide = pl.Int64 if largest * max(found.height, 1) < 2**62 else pl.Int128  # Int128 is slower
    whole = pl.col("overlap") == pl.col("duration")
    return (
        found.group_by("series", "idx")
        .agg(
            pl.col("overlap").sum().alias("covered"),
            pl.col("overlapping").any(),
            pl.col("estimated").any(),
            pl.col(LINE).min(),
            pl.when(whole).then(pl.col("value")).otherwise(0).cast(wide).sum().alias("raw"),
        )
        .join(series.select("series", "acct", "offset"), on="series", how="inner")
        .join(periods, on=["acct", "offset", "idx"], how="inner")
        .with_columns((pl.col("p_end") - pl.col("p_start")).alias("length"))
    )


def _straddling(found: pl.DataFrame) -> dict[tuple[int, int], Fraction]:
    """The raw value's share of each reading straddling a period boundary, exactly, by series and
    period (at most two such readings per series and period: Python per period, not per reading)."""
    import polars as pl

    shares: dict[tuple[int, int], Fraction] = {}
    cut = found.filter(pl.col("overlap") != pl.col("duration"))
    for series, idx, value, overlap, duration in cut.select(
        "series", "idx", "value", "overlap", "duration"
    ).iter_rows():
        key = (series, idx)
        shares[key] = shares.get(key, Fraction(0)) + Fraction(value * overlap, duration)
    return shares


def _totals(
    by_series: pl.DataFrame, series: pl.DataFrame, found: pl.DataFrame, target: str
) -> dict[tuple[int, int], tuple[Fraction, set[str]]]:
    """Each account and period's exact usage in ``target`` (raw x 10^power, converted) and the
    units of its readings."""
    shares = _straddling(found)
    totals: dict[tuple[int, int], tuple[Fraction, set[str]]] = {}
    rows = by_series.join(series.select("series", "power", "unit"), on="series").select(
        "series", "acct", "idx", "raw", "power", "unit"
    )
    for sid, acct, idx, raw, power, unit in rows.iter_rows():
        raw_total = Fraction(int(raw or 0)) + shares.get((sid, idx), Fraction(0))
        exact = raw_total * Fraction(10) ** int(power) * factor(unit, target)
        total, units = totals.get((acct, idx), (Fraction(0), set()))
        totals[(acct, idx)] = (total + exact, units | {unit})
    return totals


def _periods(by_series: pl.DataFrame, series: pl.DataFrame) -> pl.DataFrame:
    """Per account and period: why it is not complete (``reason``; null: complete), its first line,
    premise (its usage points) and whether a reading is estimated."""
    import polars as pl

    rolling = series.filter(pl.col("unit").is_not_null())
    expected = rolling.group_by("acct").agg(pl.col("usage_point").n_unique().alias("expected"))
    summary = (
        by_series.join(rolling.select("series", "usage_point"), on="series")
        .group_by("acct", "idx", *PERIOD)
        .agg(
            pl.col("usage_point").n_unique().alias("points"),
            pl.len().alias("series"),
            (pl.col("covered") == pl.col("length")).all().alias("full"),
            pl.col("covered").min(),
            pl.col("length").first(),
            pl.col("overlapping").any(),
            pl.col("estimated").any(),
            pl.col(LINE).min(),
            pl.col("usage_point").unique().sort().str.join(",").alias("premise"),
        )
    )
    reason = (
        pl.when(pl.col("points") < pl.col("expected"))
        .then(pl.format("{} of the account's {} usage points have readings in it", "points", "expected"))
        .when(pl.col("series") > pl.col("points"))
        .then(pl.lit("a usage point has several reading types of this commodity: which to sum is unknown"))
        .when(pl.col("overlapping"))
        .then(pl.lit("readings of a usage point overlap"))
        .when(~pl.col("full"))
        .then(pl.format("readings cover {} of its {} seconds", "covered", "length"))
    )
    return summary.join(expected, on="acct").with_columns(reason.alias("reason")).sort(LINE)


def rollup(
    table: pl.DataFrame, opts: RollupOptions, accounts: dict[str, str], billing: pl.DataFrame | None
) -> Rolled:
    """The roll-up of a file's valid readings; ``billing``: the accounts' billing periods (the
    ``billing_periods`` look-up; None when no extract was ever loaded)."""
    import polars as pl

    from mappings.green_button_periods import billing as billing_periods
    from mappings.green_button_periods import monthly, parts
    from mappings.green_button_series import left_out, series_of

    commodity = UNITS[opts.unit].commodity
    names = sorted(set(accounts.values()))
    ids = {name: i for i, name in enumerate(names)}
    readings, series = series_of(table, commodity, {up: ids[a] for up, a in accounts.items()})
    problems = left_out(series, commodity)
    if opts.periods == "billing-periods":
        if billing is None:
            if readings.height:
                problems.append(NO_BILLING_PERIODS)
            return Rolled(*_split(_empty_history()), problems)
        given = billing.lazy().select(
            pl.col("account").replace_strict(ids, default=None, return_dtype=pl.Int64).alias("acct"),
            "period_start",
            pl.col("period_end").alias("last_day"),
        )
        marked, periods = billing_periods(readings.lazy(), given.drop_nulls("acct"))
    else:
        marked, periods = monthly(readings.lazy())
    engine = engine_for(readings.height)
    found = parts(marked, periods, contained=opts.periods == "monthly").collect(engine=engine)
    if opts.periods == "billing-periods":
        problems += _outside(readings, found, names)
    by_series = _by_series(found, periods.collect(engine=engine), series)
    totals = _totals(by_series, series, found, opts.unit)
    rows: list[dict[str, object]] = []
    for p in _periods(by_series, series).iter_rows(named=True):
        account = names[p["acct"]]
        total, units = totals[(p["acct"], p["idx"])]
        reason = p["reason"]
        if reason is None and total < 0:
            reason = "its usage is negative (net of export)"
        if reason is not None:
            problems.append(
                Problem.of(
                    "period-not-rolled-up",
                    f"period {p['period_start']}..{p['last_day']} of account {mask(account)} is not "
                    f"rolled up: {reason}",
                    line=p[LINE],
                    field="account",
                    value=account,
                    severity="warning",
                )
            )
            continue
        rows.append(_history_row({**p, "account": account}, total, units, opts))
    history = pl.DataFrame(rows, schema=_history_schema()) if rows else _empty_history()
    return Rolled(*_split(history), problems)


def _split(history: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The ConsumptionHistory rows and their ``consumption_histories`` fact rows."""
    import polars as pl

    fact = history.select(
        "idempotency_key",
        "account",
        "district",
        "premise",
        "period_start",
        "period_end",
        pl.col("period_end").alias("last_day"),
        "days",
        "usage_milli",
        "unit",
        "read_type",
        LINE,
    )
    return history.drop("usage_milli"), fact


def _history_row(
    p: dict[str, object], total: Fraction, units: set[str], opts: RollupOptions
) -> dict[str, object]:
    start, last = p["period_start"], p["last_day"]
    assert isinstance(start, date) and isinstance(last, date)
    original_unit = next(iter(units)) if len(units) == 1 else opts.unit
    original = total / factor(original_unit, opts.unit)
    usage = rounded(total, 3)
    return {
        "idempotency_key": f"CH|{opts.district}|{p['account']}|{start.isoformat()}|{last.isoformat()}",
        "account": p["account"],
        "premise": p["premise"],
        "district": opts.district,
        "period_start": start,
        "period_end": last,
        "days": (last - start).days + 1,
        "usage": usage,
        "unit": opts.unit,
        "original_usage": rounded(original, 6),
        "original_unit": original_unit,
        "read_type": "estimated" if p["estimated"] else "actual",
        "review": False,
        "review_reason": None,
        "source_line": p[LINE],
        "usage_milli": int(usage.scaleb(3)),
        LINE: p[LINE],
    }


def _history_schema() -> dict[str, pl.DataType]:
    import polars as pl

    return {
        "idempotency_key": pl.String(),
        "account": pl.String(),
        "premise": pl.String(),
        "district": pl.String(),
        "period_start": pl.Date(),
        "period_end": pl.Date(),
        "days": pl.Int64(),
        "usage": pl.Decimal(38, 3),
        "unit": pl.String(),
        "original_usage": pl.Decimal(38, 6),
        "original_unit": pl.String(),
        "read_type": pl.String(),
        "review": pl.Boolean(),
        "review_reason": pl.String(),
        "source_line": pl.Int64(),
        "usage_milli": pl.Int64(),
        LINE: pl.Int64(),
    }


def _empty_history() -> pl.DataFrame:
    import polars as pl

    return pl.DataFrame(schema=_history_schema())
