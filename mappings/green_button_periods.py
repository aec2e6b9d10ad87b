"""The periods of a Green Button roll-up and the parts of readings inside them, columnar.

A period is whole local days ``[period_start, last_day]`` in the usage point's local time (the
LocalTimeParameters offset the format gives; UTC when the file has none), so in UTC it runs from
``period_start`` 00:00 minus the offset to ``last_day + 1`` 00:00 minus the offset. Periods are
calendar months (``monthly``) or an account's billing periods from the CIS (``billing-periods``).

A reading ``[start, start + duration)`` meets every period it overlaps; its *part* in a period is
the seconds of the overlap (a reading straddling a boundary is split by seconds; its value is
prorated exactly by the caller). Each reading finds its first and last period with an as-of join,
so a million readings cost a sort and two joins, never a Python loop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

DAY = 86_400
# the columns of a periods table (one row per account, local offset and period)
PERIOD_COLUMNS = ("account", "offset", "idx", "period_start", "last_day", "p_start", "p_end")


def _bounds(periods: pl.LazyFrame) -> pl.LazyFrame:
    """``p_start``/``p_end`` (UTC epoch seconds) of periods given by ``period_start``/``last_day``
    (dates) and ``offset`` (seconds east of UTC), and ``idx``: their order within the account and
    offset."""
    import polars as pl

    day0 = pl.col("period_start").cast(pl.Int64) * DAY
    day1 = (pl.col("last_day").cast(pl.Int64) + 1) * DAY
    return (
        periods.with_columns(
            (day0 - pl.col("offset")).alias("p_start"), (day1 - pl.col("offset")).alias("p_end")
        )
        .sort("account", "offset", "p_start")
        .with_columns(pl.int_range(pl.len(), dtype=pl.Int64).over("account", "offset").alias("idx"))
        .select(PERIOD_COLUMNS)
    )


def _local_date(epoch: pl.Expr) -> pl.Expr:
    import polars as pl

    return (epoch // DAY).cast(pl.Int32).cast(pl.Date)


def monthly(readings: pl.LazyFrame) -> pl.LazyFrame:
    """The calendar months (local time) from each account and offset's first reading to its last."""
    import polars as pl

    def month(day: pl.Expr) -> pl.Expr:
        return day.dt.year().cast(pl.Int64) * 12 + day.dt.month().cast(pl.Int64) - 1

    first = month(_local_date(pl.col("r_start") + pl.col("offset")))
    last = month(_local_date(pl.col("r_end") - 1 + pl.col("offset")))
    spans = (
        readings.group_by("account", "offset")
        .agg(first.min().alias("_m0"), last.max().alias("_m1"))
        .with_columns(pl.int_ranges(pl.col("_m0"), pl.col("_m1") + 1).alias("_m"))
        .explode("_m")
    )
    start = pl.date(pl.col("_m") // 12, pl.col("_m") % 12 + 1, 1)
    after = pl.date((pl.col("_m") + 1) // 12, (pl.col("_m") + 1) % 12 + 1, 1)
    return _bounds(
        spans.select(
            "account", "offset", start.alias("period_start"), (after - pl.duration(days=1)).alias("last_day")
        )
    )


def billing(readings: pl.LazyFrame, periods: pl.DataFrame) -> pl.LazyFrame:
    """The accounts' billing periods (``account``, ``period_start``, ``period_end``: the last day,
    inclusive) for each local offset their readings carry."""
    import polars as pl

    offsets = readings.select("account", "offset").unique()
    given = periods.lazy().select("account", "period_start", pl.col("period_end").alias("last_day"))
    return _bounds(offsets.join(given, on="account", how="inner"))


def parts(readings: pl.LazyFrame, periods: pl.LazyFrame) -> pl.LazyFrame:
    """One row per reading and period it overlaps: the reading's columns, the period's
    (``PERIOD_COLUMNS``) and ``overlap`` (seconds, > 0). Readings meeting no period are left out."""
    import polars as pl

    keys = ["account", "offset"]
    starts = periods.select(*keys, "idx", "p_start").sort("p_start")
    ordered = readings.with_columns((pl.col("r_end") - 1).alias("_last")).sort("r_start")
    first = ordered.join_asof(
        starts.rename({"idx": "_i0"}),
        left_on="r_start",
        right_on="p_start",
        by=keys,
        strategy="backward",
        check_sortedness=False,
    ).drop("p_start")
    both = first.sort("_last").join_asof(
        starts.rename({"idx": "_i1"}),
        left_on="_last",
        right_on="p_start",
        by=keys,
        strategy="backward",
        check_sortedness=False,
    )
    spread = (
        both.filter(pl.col("_i1").is_not_null())
        .with_columns(pl.int_ranges(pl.col("_i0").fill_null(0), pl.col("_i1") + 1).alias("idx"))
        .explode("idx")
        .drop("_i0", "_i1", "_last", "p_start")
    )
    overlap = pl.min_horizontal("r_end", "p_end") - pl.max_horizontal("r_start", "p_start")
    return (
        spread.join(periods, on=[*keys, "idx"], how="inner")
        .with_columns(overlap.alias("overlap"))
        .filter(pl.col("overlap") > 0)
    )
