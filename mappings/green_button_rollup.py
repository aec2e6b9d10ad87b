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
prorated exactly (a ``Fraction``; the sums are integers grouped by denominator, so Python runs
once per period, never per reading). The usage is converted exactly to the CIS unit and rounded
half to even to 3 places (original usage to 6).

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

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hub.kernel.problems import Problem, mask
from hub.kernel.rows import LINE
from hub.kernel.units import UNITS, factor, rounded, unit_name

if TYPE_CHECKING:
    import polars as pl

# ESPI UnitSymbolKind codes of consumption -> the hub's unit names (hub.kernel.units)
ESPI_UNITS = {72: "Wh", 169: "therms", 42: "m3", 128: "gallons"}
# ESPI ServiceCategory kinds -> commodity
SERVICE_KINDS = {0: "electricity", 1: "gas", 2: "water"}
ESTIMATED = (8, 9, 12, 13)  # QualityOfReading codes that make a period's read estimated
PERIOD = ["account", "period_start", "last_day"]
SERIES = ["usage_point", "reading_type"]


class RollupOptions(BaseModel):
    """``mapping_options.rollup`` of the green-button kind."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    periods: Literal["monthly", "billing-periods"] = Field(
        description="calendar months in local time, or the CIS billing-periods extract"
    )
    unit: str = Field(description="the CIS unit of the histories, e.g. kWh or therms")
    district: str = Field(
        min_length=1, max_length=64, pattern=r"^[^|\x00-\x1f]+$", description="the histories' district"
    )

    @field_validator("unit")
    @classmethod
    def _known_unit(cls, unit: str) -> str:
        name = unit_name(unit)
        if name is None:
            raise ValueError(f"unknown unit {unit!r} (known: {', '.join(UNITS)})")
        return name


@dataclass
class Rolled:
    """The roll-up of a file: ConsumptionHistory rows, their ``consumption_histories`` fact rows,
    and warnings (what was not rolled up and why)."""

    history: pl.DataFrame
    fact: pl.DataFrame
    problems: list[Problem] = field(default_factory=list)


def _readings(table: pl.DataFrame, opts: RollupOptions, accounts: dict[str, str]) -> pl.DataFrame:
    """The file's readings of mapped usage points, once each, with ``account``, ``unit`` (null:
    not this roll-up's commodity), ``offset``, ``r_start``/``r_end`` and ``overlapping``."""
    import polars as pl

    commodity = UNITS[opts.unit].commodity
    units = {code: name for code, name in ESPI_UNITS.items() if UNITS[name].commodity == commodity}
    service = pl.col("service_kind").replace_strict(SERVICE_KINDS, default=None, return_dtype=pl.String)
    unit = pl.col("uom").replace_strict(units, default=None, return_dtype=pl.String)
    wanted = pl.Series(list(accounts), dtype=pl.String)
    prev_end = pl.col("r_end").shift(1).over(SERIES)
    return (
        table.lazy()
        .filter(pl.col("usage_point").is_in(wanted.implode()))
        .unique(["usage_point", "reading_type", "start"], keep="first", maintain_order=True)
        .with_columns(
            pl.col("usage_point").replace_strict(accounts, return_dtype=pl.String).alias("account"),
            pl.when(service.is_null() | (service == commodity)).then(unit).alias("unit"),
            pl.col("local_offset").fill_null(0).alias("offset"),
            pl.col("start").alias("r_start"),
            (pl.col("start") + pl.col("duration")).alias("r_end"),
        )
        .sort(*SERIES, "r_start")
        .with_columns((pl.col("r_start") < prev_end).fill_null(False).alias("overlapping"))
        .collect()
    )


def _left_out(readings: pl.DataFrame, commodity: str) -> list[Problem]:
    """One warning per reading type of a mapped usage point that does not roll up."""
    import polars as pl

    out = (
        readings.filter(pl.col("unit").is_null())
        .group_by(*SERIES)
        .agg(pl.col(LINE).min(), pl.col("uom").first(), pl.col("service_kind").first())
        .sort(LINE)
    )
    return [
        Problem.of(
            "not-rolled-up",
            f"reading type {rt} of usage point {up} (uom {uom}, service kind {kind}) is not "
            f"{commodity} usage: delivered as IntervalUsage, not rolled up",
            line=line,
            field="uom",
            value=uom,
            severity="warning",
        )
        for up, rt, line, uom, kind in out.iter_rows()
    ]


def _outside(readings: pl.DataFrame, found: pl.DataFrame) -> list[Problem]:
    """One warning per account whose readings meet none of its billing periods."""
    import polars as pl

    lost = (
        readings.join(found.select(LINE).unique(), on=LINE, how="anti")
        .group_by("account")
        .agg(pl.len().alias("n"), pl.col(LINE).min(), pl.col("r_start").min(), pl.col("r_end").max())
        .sort(LINE)
    )
    return [
        Problem.of(
            "outside-billing-periods",
            f"{n} readings of account {mask(account)} between {_utc(start)} and {_utc(end)} fall in "
            "none of its billing periods in the CIS extract: not rolled up",
            line=line,
            field="account",
            value=account,
            severity="warning",
        )
        for account, n, line, start, end in lost.iter_rows()
    ]


def _utc(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _periods(found: pl.DataFrame, readings: pl.DataFrame) -> pl.DataFrame:
    """Per account and period: whether it is complete (``reason`` null) or why not, the first
    line, the premise (its usage points), the read type and the unit of its readings."""
    import polars as pl

    series = found.group_by(*PERIOD, *SERIES).agg(
        pl.col("overlap").sum().alias("covered"),
        (pl.col("p_end") - pl.col("p_start")).first().alias("length"),
        pl.col("overlapping").any(),
    )
    expected = (
        readings.filter(pl.col("unit").is_not_null())
        .group_by("account")
        .agg(pl.col("usage_point").n_unique().alias("expected"))
    )
    summary = series.group_by(PERIOD).agg(
        pl.col("usage_point").n_unique().alias("points"),
        pl.len().alias("series"),
        (pl.col("covered") == pl.col("length")).all().alias("full"),
        pl.col("covered").min().alias("covered"),
        pl.col("length").first(),
        pl.col("overlapping").any(),
        pl.col("usage_point").unique().sort().str.join(",").alias("premise"),
    )
    extra = found.group_by(PERIOD).agg(
        pl.col(LINE).min(),
        pl.col("quality").is_in(ESTIMATED).any().alias("estimated"),
        pl.col("unit").unique().sort().str.join(",").alias("units"),
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
    return (
        summary.join(expected, on="account")
        .join(extra, on=PERIOD)
        .with_columns(reason.alias("reason"))
        .sort(LINE)
    )


def _totals(found: pl.DataFrame, target: str) -> dict[tuple[str, date, date], Fraction]:
    """Each period's exact usage in ``target``: value x 10^power x factor, prorated by seconds for
    a straddling reading; integer sums grouped by denominator, added as Fractions per period."""
    import polars as pl

    commodity = UNITS[target].commodity
    known = {u: factor(u, target) for u in set(ESPI_UNITS.values()) if UNITS[u].commodity == commodity}
    num = pl.col("unit").replace_strict({k: f.numerator for k, f in known.items()}, return_dtype=pl.Int128)
    den = pl.col("unit").replace_strict({k: f.denominator for k, f in known.items()}, return_dtype=pl.Int128)
    ten = pl.lit(10, pl.Int128)
    power = pl.col("power_of_ten_multiplier").fill_null(0).clip(-30, 30)
    whole = pl.col("overlap") == pl.col("duration")
    n = (
        pl.col("value").cast(pl.Int128)
        * ten.pow(power.clip(0, 30).cast(pl.UInt32))
        * num
        * pl.when(whole).then(1).otherwise(pl.col("overlap")).cast(pl.Int128)
    )
    q = (
        ten.pow((-power).clip(0, 30).cast(pl.UInt32))
        * den
        * pl.when(whole).then(1).otherwise(pl.col("duration")).cast(pl.Int128)
    )
    sums = found.group_by(*PERIOD, q.alias("q")).agg(n.sum().alias("n"))
    totals: dict[tuple[str, date, date], Fraction] = {}
    for account, start, last, den_, num_ in sums.iter_rows():
        key = (account, start, last)
        totals[key] = totals.get(key, Fraction(0)) + Fraction(int(num_), int(den_))
    return totals


def rollup(
    table: pl.DataFrame, opts: RollupOptions, accounts: dict[str, str], billing: pl.DataFrame | None
) -> Rolled:
    """The roll-up of a file's valid readings; ``billing``: the accounts' billing periods (the
    ``billing_periods`` look-up; None when no extract was ever loaded)."""
    import polars as pl

    from mappings.green_button_periods import billing as billing_periods
    from mappings.green_button_periods import monthly, parts

    commodity = UNITS[opts.unit].commodity
    readings = _readings(table, opts, accounts)
    problems = _left_out(readings, commodity)
    rolling = readings.filter(pl.col("unit").is_not_null())
    if opts.periods == "billing-periods" and billing is None:
        if rolling.height:
            problems.append(
                Problem.of(
                    "no-billing-periods",
                    "no CIS billing-periods extract was ever loaded (hub reference load billing-periods): "
                    "nothing rolled up",
                    level="file",
                    severity="warning",
                )
            )
        return Rolled(*_split(_empty_history()), problems)
    if opts.periods == "monthly":
        periods = monthly(rolling.lazy())
    else:
        assert billing is not None
        periods = billing_periods(rolling.lazy(), billing)
    found = parts(rolling.lazy(), periods).collect()
    if opts.periods == "billing-periods":
        problems += _outside(rolling, found)
    summary = _periods(found, rolling)
    totals = _totals(found, opts.unit)
    rows: list[dict[str, object]] = []
    for p in summary.iter_rows(named=True):
        span = f"{p['period_start']}..{p['last_day']}"
        total = totals[(p["account"], p["period_start"], p["last_day"])]
        reason = p["reason"]
        if reason is None and total < 0:
            reason = "its usage is negative (net of export)"
        if reason is not None:
            problems.append(
                Problem.of(
                    "period-not-rolled-up",
                    f"period {span} of account {mask(p['account'])} is not rolled up: {reason}",
                    line=p[LINE],
                    field="account",
                    value=p["account"],
                    severity="warning",
                )
            )
            continue
        rows.append(_history_row(p, total, opts))
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


def _history_row(p: dict[str, object], total: Fraction, opts: RollupOptions) -> dict[str, object]:
    start, last = p["period_start"], p["last_day"]
    assert isinstance(start, date) and isinstance(last, date)
    units = str(p["units"]).split(",")
    original_unit = units[0] if len(units) == 1 else opts.unit
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
