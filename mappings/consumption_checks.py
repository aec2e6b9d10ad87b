"""The checks of consumption histories that need more than one row: commodity, CIS account, overlaps
(within the file and with delivered histories), gaps and implausible daily rates. Columnar: each
check is a polars plan over the whole file; Python runs only per problem found."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

import polars as pl

from hub.kernel.problems import Problem
from hub.kernel.rows import LINE
from hub.kernel.units import UNITS, factor, half_even_div

if TYPE_CHECKING:
    from datetime import date

    from mappings.base import MapContext
    from mappings.consumption import ConsumptionMappingOptions

USAGE_SCALE = 6  # the format's usage_micro
# the columns of the ``consumption_histories`` look-up this module reads
DELIVERED_SCHEMA = {
    "account": pl.String,
    "unit": pl.String,
    "idempotency_key": pl.String,
    "period_start": pl.Date,
    "period_end": pl.Date,
    "last_day": pl.Date,
    "days": pl.Int64,
    "usage_milli": pl.Int64,
}


@dataclass
class Checked:
    """The rows with their CIS columns, the lines rejected here, and the problems (errors, warnings)."""

    rows: pl.DataFrame
    rejected: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _decimal_text(scaled: pl.Expr, places: int) -> pl.Expr:
    """An integer of value x 10**places as an exact Decimal(38, places) (a decimal product: exact)."""
    step = pl.lit(Decimal(1).scaleb(-places), pl.Decimal(38, places))
    return (scaled.cast(pl.Decimal(38, 0)) * step).cast(pl.Decimal(38, places))


def _converted(table: pl.DataFrame, opts: ConsumptionMappingOptions) -> pl.DataFrame:
    commodity = pl.col("unit").replace_strict(
        {u.name: u.commodity for u in UNITS.values()}, default=None, return_dtype=pl.String
    )
    # one exact pass (Int128): each unit's factor to its commodity's CIS unit, null for the others
    factors = {
        u.name: factor(u.name, opts.cis_units[u.commodity])
        for u in UNITS.values()
        if u.commodity in opts.cis_units
    }
    # Int64 when no product can overflow it (the usual file: Int128 division is ten times slower)
    largest = table.get_column("usage_micro").max()
    widest = max(
        [f.numerator * 10**3 for f in factors.values()]
        + [f.denominator * 10**USAGE_SCALE for f in factors.values()]
    )
    wide = pl.Int64 if isinstance(largest, int) and largest * widest < 2**62 else pl.Int128
    num = pl.col("unit").replace_strict(
        {k: f.numerator for k, f in factors.items()}, default=None, return_dtype=wide
    )
    den = pl.col("unit").replace_strict(
        {k: f.denominator for k, f in factors.items()}, default=None, return_dtype=wide
    )
    milli = half_even_div(
        pl.col("usage_micro").cast(wide) * num * pl.lit(10**3, wide), den * pl.lit(10**USAGE_SCALE, wide)
    )
    cis_unit = commodity.replace_strict(opts.cis_units, default=None, return_dtype=pl.String)
    key = pl.concat_str(
        [
            pl.lit("CH"),
            pl.col("district"),
            pl.col("account"),
            pl.col("period_start").cast(pl.String),  # ISO: YYYY-MM-DD
            pl.col("period_end").cast(pl.String),
        ],
        separator="|",
    )
    return table.with_columns(
        key.alias("idempotency_key"),
        commodity.alias("commodity"),
        milli.cast(pl.Int64).alias("usage_milli"),
        pl.col("unit").alias("original_unit"),
        cis_unit.alias("cis_unit"),
        _decimal_text(pl.col("usage_micro"), USAGE_SCALE).alias("original_usage"),
        pl.col(LINE).alias("source_line"),
        pl.lit(False).alias("review"),
        pl.lit(None, pl.String).alias("review_reason"),
    ).with_columns(
        _decimal_text(pl.col("usage_milli"), 3).alias("usage"),
        pl.col("cis_unit").alias("unit"),
    )


def _commodity_problems(rows: pl.DataFrame, opts: ConsumptionMappingOptions) -> list[Problem]:
    wanted = ", ".join(f"{c} ({u})" for c, u in opts.cis_units.items())
    bad = rows.filter(pl.col("cis_unit").is_null()).select(LINE, "original_unit", "commodity")
    return [
        Problem.of(
            "commodity",
            f"unit {unit} measures {commodity}, which this exchange does not take (it takes {wanted})",
            line=line,
            field="unit",
            value=unit,
        )
        for line, unit, commodity in bad.iter_rows()
    ]


def _account_problems(rows: pl.DataFrame, ctx: MapContext) -> list[Problem]:
    accounts = rows.get_column("account").unique().sort()
    known = ctx.lookup.find("accounts", accounts.to_list())
    if known is None:  # no accounts extract was ever loaded: nothing to check against
        return []
    unknown = rows.filter(~pl.col("account").is_in(known.get_column("number").implode()))
    return [
        Problem.of(
            "unknown_account",
            "account not found in the CIS accounts extract",
            line=line,
            field="account",
            value=account,
        )
        for line, account in unknown.select(LINE, "account").iter_rows()
    ]


def _period(start: date, end: date) -> str:
    return f"{start:%Y-%m-%d}..{end:%Y-%m-%d}"


def _running_reach(ordered: pl.DataFrame) -> pl.DataFrame:
    """Rows sorted by series (``_series``: an account's periods of one commodity) and period start,
    with ``_prev_reach`` (the latest last day of the series' earlier-starting periods; null on its
    first) and ``_other`` (the line that reaches it). Windows without a group-by: the sort puts a
    series together, so a running maximum of (series number, day) stays inside its series."""
    epoch = pl.col("last_day").cast(pl.Int32).cast(pl.Int64)
    same = pl.col("_series") == pl.col("_series").shift(1)
    group = (~same.fill_null(False)).cum_sum().cast(pl.Int64)
    span = 1 << 32
    marked = ordered.with_columns(group.alias("_group")).with_columns(
        ((pl.col("_group") * span + epoch).cum_max() - pl.col("_group") * span).alias("_reach_days"),
    )
    reach = pl.col("_reach_days").cast(pl.Int32).cast(pl.Date)
    holder = pl.when(pl.col("_reach_days") == epoch).then(pl.col(LINE)).forward_fill()
    return marked.with_columns(reach.alias("_reach"), holder.alias("_holder")).with_columns(
        pl.when(same).then(pl.col("_reach").shift(1)).alias("_prev_reach"),
        pl.when(same).then(pl.col("_holder").shift(1)).alias("_other"),
    )


def _file_overlaps(rows: pl.DataFrame) -> list[Problem]:
    """Each period that starts on or before the latest last day of an earlier-starting period of
    the same account (that period and its line named)."""
    ordered = rows.select(LINE, "_series", "period_start", "period_end", "last_day").sort(
        "_series", "period_start", LINE
    )
    hits = _running_reach(ordered).filter(pl.col("period_start") <= pl.col("_prev_reach"))
    if hits.height == 0:
        return []
    other = ordered.select(
        pl.col(LINE).alias("_other"), pl.col("period_start").alias("_os"), pl.col("period_end").alias("_oe")
    )
    hits = hits.join(other, on="_other", how="left")
    return [
        Problem.of(
            "overlap",
            f"period {_period(s, e)} overlaps period {_period(os_, oe)} of the same account on line {o}",
            line=line,
            field="period_start",
            value=_period(s, e),
        )
        for line, s, e, o, os_, oe in hits.select(
            LINE, "period_start", "period_end", "_other", "_os", "_oe"
        ).iter_rows()
    ]


def _delivered_overlaps(rows: pl.DataFrame, delivered: pl.DataFrame) -> list[Problem]:
    """Each period that meets a delivered history of the account under another key."""
    if delivered.height == 0 or rows.height == 0:
        return []
    before = delivered.select(
        "_series",
        pl.col("idempotency_key").alias("_key"),
        pl.col("period_start").alias("_ds"),
        pl.col("period_end").alias("_de"),
        pl.col("last_day").alias("_dl"),
    )
    hits = (
        rows.select(LINE, "_series", "idempotency_key", "period_start", "period_end", "last_day")
        .join(before, on="_series", how="inner")
        .filter(
            (pl.col("_key") != pl.col("idempotency_key"))
            & (pl.col("_ds") <= pl.col("last_day"))
            & (pl.col("_dl") >= pl.col("period_start"))
        )
        .sort(LINE, "_ds")
        .unique(LINE, keep="first", maintain_order=True)
    )
    return [
        Problem.of(
            "overlap_delivered",
            f"period {_period(s, e)} overlaps period {_period(ds, de)} of the same account delivered before",
            line=line,
            field="period_start",
            value=_period(s, e),
        )
        for line, s, e, ds, de in hits.select(LINE, "period_start", "period_end", "_ds", "_de").iter_rows()
    ]


def _history(rows: pl.DataFrame, delivered: pl.DataFrame) -> pl.DataFrame:
    """The account's periods: the file's (``_line`` set) and those delivered under other keys."""
    cols = ["_series", "idempotency_key", "period_start", "last_day", "days", "usage_milli"]
    mine = rows.select(*cols, pl.col(LINE).cast(pl.Int64))
    others = delivered.filter(~pl.col("idempotency_key").is_in(mine.get_column("idempotency_key").implode()))
    return pl.concat([mine, others.select(*cols, pl.lit(None, pl.Int64).alias(LINE))], how="vertical_relaxed")


def _gaps(history: pl.DataFrame) -> list[Problem]:
    ordered = _running_reach(history.sort("_series", "period_start", LINE, nulls_last=False))
    gaps = ordered.filter(
        pl.col(LINE).is_not_null() & (pl.col("period_start") > pl.col("_prev_reach") + pl.duration(days=1))
    )
    return [
        Problem.of(
            "gap",
            f"no history from {prev + timedelta(days=1):%Y-%m-%d} to {start - timedelta(days=1):%Y-%m-%d} "
            "before this period",
            line=line,
            field="period_start",
            value=f"{start:%Y-%m-%d}",
            severity="warning",
        )
        for line, start, prev in gaps.select(LINE, "period_start", "_prev_reach").iter_rows()
    ]


def _rates(history: pl.DataFrame, multiple: Fraction) -> pl.DataFrame:
    """The file's lines whose daily usage is above ``multiple`` x the account's median daily usage
    (exact: rates in millionths of a unit a day, the median kept doubled)."""
    rate = half_even_div(pl.col("usage_milli") * 1000, pl.col("days"))
    with_rate = history.with_columns(rate.alias("_rate"))
    sorted_rate = pl.col("_rate").sort()
    medians = with_rate.group_by("_series").agg(
        (sorted_rate.get((pl.len() - 1) // 2) + sorted_rate.get(pl.len() // 2)).alias("_median2")
    )
    return (
        with_rate.filter(pl.col(LINE).is_not_null())
        .join(medians, on="_series", how="left")
        .filter(pl.col("_rate") * 2 * multiple.denominator > pl.col("_median2") * multiple.numerator)
        .select(LINE, "_rate", "_median2")
    )


def _micro(value: int) -> str:
    return f"{value // 10**6}.{value % 10**6:06d}".rstrip("0").rstrip(".")


def check(table: pl.DataFrame, opts: ConsumptionMappingOptions, ctx: MapContext) -> Checked:
    rows = _converted(table, opts)
    problems = _commodity_problems(rows, opts) + _account_problems(rows, ctx)
    rejected = {p.line for p in problems}
    rows_ok = rows.filter(~pl.col(LINE).is_in(list(rejected))) if rejected else rows
    delivered = None
    if rows_ok.height:
        delivered = ctx.lookup.find(
            "consumption_histories",
            rows_ok.get_column("account").unique().sort().to_list(),
            since=rows_ok.get_column("period_start").min() - timedelta(days=opts.history_days),  # type: ignore[operator]
            until=rows_ok.get_column("last_day").max(),
        )
    if delivered is None:  # no ledger at hand (tests, ``hub inspect``): nothing delivered to meet
        delivered = pl.DataFrame(schema=DELIVERED_SCHEMA)
    # an account's series: its periods of one commodity (water and electricity may share a period)
    rows_ok = rows_ok.with_columns(pl.concat_str(["account", "cis_unit"], separator="\x1f").alias("_series"))
    delivered = delivered.with_columns(pl.concat_str(["account", "unit"], separator="\x1f").alias("_series"))
    inside = _file_overlaps(rows_ok)
    rest = rows_ok.filter(~pl.col(LINE).is_in([p.line for p in inside])) if inside else rows_ok
    overlaps = inside + _delivered_overlaps(rest, delivered)  # one finding per row
    problems += overlaps
    rejected |= {p.line for p in overlaps}
    kept = rows_ok.filter(~pl.col(LINE).is_in(list(rejected))) if overlaps else rows_ok
    history = _history(kept, delivered)
    problems += _gaps(history)
    m = Fraction(opts.rate_multiple)
    flagged = _rates(history, m)
    flagged = flagged.join(rows.select(LINE, "cis_unit"), on=LINE, how="left")
    for line, rate, median2, unit in flagged.select(LINE, "_rate", "_median2", "cis_unit").iter_rows():
        problems.append(
            Problem.of(
                "implausible_rate",
                f"{_micro(rate)} {unit} a day is above {opts.rate_multiple} x the account's median "
                f"{_micro(median2 // 2)} {unit} a day: routed for review",
                line=line,
                field="usage",
                value=None,
                severity="warning",
            )
        )
    if flagged.height:
        reasons = flagged.select(
            LINE,
            pl.lit(True).alias("review"),
            pl.lit(f"daily usage above {opts.rate_multiple} x the account's median").alias("review_reason"),
        )
        rows = (
            rows.drop("review", "review_reason")
            .join(reasons, on=LINE, how="left")
            .with_columns(pl.col("review").fill_null(False))
        )
    problems.sort(key=lambda p: (p.line or 0, p.field or ""))
    return Checked(rows=rows, rejected=sorted(x for x in rejected if x is not None), problems=problems)
