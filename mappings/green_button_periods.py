"""The periods of a Green Button roll-up and the parts of readings inside them, columnar.

A period is whole local days ``[period_start, last_day]`` in the usage point's local time (the
LocalTimeParameters offset the format gives; UTC when the file has none), so in UTC it runs from
``period_start`` 00:00 minus the offset to ``last_day + 1`` 00:00 minus the offset. Periods are
calendar months (``monthly``) or an account's billing periods from the CIS (``billing``).

A reading ``[r_start, r_end)`` meets every period it overlaps; its *part* in a period is the seconds
of the overlap (``overlap``; the caller prorates a straddling reading's value by it). Each reading
gets the index of its first and last period (``_i0``, ``_i1``): for months by arithmetic, for billing
periods by an as-of join; only the few readings that straddle a boundary are split. Accounts are
integer ids (``acct``) here, so every join and group is on integers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

DAY = 86_400
KEYS = ["acct", "offset"]
# the columns of a periods table (one row per account, local offset and period)
PERIOD_COLUMNS = ("acct", "offset", "idx", "period_start", "last_day", "p_start", "p_end")


def _utc_bounds() -> list[pl.Expr]:
    import polars as pl

    day0 = pl.col("period_start").cast(pl.Int64) * DAY
    day1 = (pl.col("last_day").cast(pl.Int64) + 1) * DAY
    return [(day0 - pl.col("offset")).alias("p_start"), (day1 - pl.col("offset")).alias("p_end")]


def _month(epoch: pl.Expr) -> pl.Expr:
    """The month number (year x 12 + month - 1) of a local time in epoch seconds."""
    import polars as pl

    day = (epoch // DAY).cast(pl.Int32).cast(pl.Date)
    return day.dt.year().cast(pl.Int64) * 12 + day.dt.month().cast(pl.Int64) - 1


def monthly(readings: pl.LazyFrame) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """The readings with ``_i0``/``_i1`` (month numbers, local time) and the periods: each account
    and offset's calendar months from its first reading's to its last's (``idx`` the month number)."""
    import polars as pl

    marked = readings.with_columns(
        _month(pl.col("r_start") + pl.col("offset")).alias("_i0"),
        _month(pl.col("r_end") - 1 + pl.col("offset")).alias("_i1"),
    )
    idx = pl.col("idx")
    periods = (
        marked.group_by(KEYS)
        .agg(pl.col("_i0").min(), pl.col("_i1").max())
        .select(*KEYS, pl.int_ranges("_i0", pl.col("_i1") + 1).alias("idx"))
        .explode("idx")
        .with_columns(
            pl.date(idx // 12, idx % 12 + 1, 1).alias("period_start"),
            (pl.date((idx + 1) // 12, (idx + 1) % 12 + 1, 1) - pl.duration(days=1)).alias("last_day"),
        )
        .with_columns(_utc_bounds())
        .select(PERIOD_COLUMNS)
    )
    return marked, periods


def billing(readings: pl.LazyFrame, given: pl.LazyFrame) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """The readings with ``_i0``/``_i1`` (their first and last billing period's ``idx``; ``_i0``
    null when a reading starts before the account's first period, ``_i1`` null when it ends before
    it) and the periods: the accounts' billing periods (``given``: ``acct``, ``period_start``,
    ``last_day``) for each local offset their readings carry, ``idx`` their order."""
    import polars as pl

    periods = (
        readings.select(KEYS)
        .unique()
        .join(given, on="acct", how="inner")
        .with_columns(_utc_bounds())
        .sort(*KEYS, "p_start")
        .with_columns(pl.int_range(pl.len(), dtype=pl.Int64).over(KEYS).alias("idx"))
        .select(PERIOD_COLUMNS)
    )
    starts = periods.select(*KEYS, "idx", "p_start").sort("p_start")

    def asof(frame: pl.LazyFrame, on: str, name: str) -> pl.LazyFrame:
        found = starts.rename({"idx": name, "p_start": "_p"})
        return frame.sort(on).join_asof(
            found, left_on=on, right_on="_p", by=KEYS, strategy="backward", check_sortedness=False
        )

    marked = asof(readings.with_columns((pl.col("r_end") - 1).alias("_last")), "r_start", "_i0")
    marked = asof(marked.drop("_p"), "_last", "_i1").drop("_p", "_last")
    return marked, periods


def parts(marked: pl.LazyFrame, periods: pl.LazyFrame, *, contained: bool) -> pl.LazyFrame:
    """One row per reading and period it overlaps: the reading's columns, the period's ``idx`` and
    ``overlap`` (seconds, > 0); readings meeting no period are left out. ``contained``: a reading
    whose first and last period are the same lies wholly inside it (months: no gaps between them),
    so only the readings that straddle a boundary are joined to the periods' bounds."""
    import polars as pl

    inside = marked.filter(pl.col("_i1").is_not_null()).with_columns(pl.col("_i0").fill_null(0))
    same = pl.col("_i0") == pl.col("_i1")
    bounds = periods.select(*KEYS, "idx", "p_start", "p_end")
    overlap = pl.min_horizontal("r_end", "p_end") - pl.max_horizontal("r_start", "p_start")

    def cut(frame: pl.LazyFrame) -> pl.LazyFrame:
        joined = frame.join(bounds, on=[*KEYS, "idx"], how="inner")
        return joined.with_columns(overlap.alias("overlap")).drop("p_start", "p_end")

    single = inside.filter(same).with_columns(pl.col("_i0").alias("idx"))
    single = single.with_columns(pl.col("duration").alias("overlap")) if contained else cut(single)
    spread = cut(
        inside.filter(~same).with_columns(pl.int_ranges("_i0", pl.col("_i1") + 1).alias("idx")).explode("idx")
    )
    return (
        pl.concat([single, spread], how="vertical_relaxed").drop("_i0", "_i1").filter(pl.col("overlap") > 0)
    )
