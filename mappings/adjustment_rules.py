"""The arithmetic of consumption adjustments, as columnar expressions on integer thousandths.

Volumes are ``*_milli`` columns: the volume in the CIS unit times 1000 (``Int128``). A request's
usage is the delivered history prorated to its period (each history period counts the days it has
inside the request's period, half to even). The leak baseline is the account's winter average for
the season whose window precedes the period, else the average daily usage of the year before the
period, else the configured default winter average. Nothing here is a float.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from hub.kernel.units import convert_scaled, half_even_div, scaled
from mappings.winter_average import MILLI, WinterAverageOptions, winter_averages

if TYPE_CHECKING:
    import polars as pl

PRIOR_YEAR_DAYS = 365
HISTORY_COLUMNS = ["account", "period_start", "last_day", "days", "usage_milli", "unit"]


def season_of(start: pl.Expr, winter: WinterAverageOptions) -> pl.Expr:
    """The season whose winter window ends before ``start`` (a Date column)."""
    import polars as pl

    after_end = (start.dt.month() > winter.end_month) | (
        (start.dt.month() == winter.end_month) & (start.dt.day() > winter.end_day)
    )
    return start.dt.year().cast(pl.Int64) - pl.when(after_end).then(0).otherwise(1)


def history_span(requests: pl.DataFrame, winter: WinterAverageOptions) -> tuple[date, date]:
    """The days of history the requests need: their periods, the winter windows before them and
    the year before each."""
    import polars as pl

    first_start: date = requests.get_column("period_start").min()  # type: ignore[assignment]
    last_end: date = requests.get_column("period_end").max()  # type: ignore[assignment]
    seasons = requests.select(season_of(pl.col("period_start"), winter)).to_series()
    earliest_season = int(seasons.min())  # type: ignore[arg-type]
    since = min(winter.window(earliest_season)[0], first_start - timedelta(days=PRIOR_YEAR_DAYS))
    return since, last_end


def in_cis_unit(histories: pl.DataFrame, cis_unit: str) -> pl.DataFrame:
    """The history columns the rules use, usage converted to ``cis_unit`` (thousandths, exact)."""
    import polars as pl

    return histories.select(HISTORY_COLUMNS).with_columns(
        convert_scaled(pl.col("usage_milli").cast(pl.Int128), pl.col("unit"), cis_unit, 3, 3).alias(
            "usage_milli"
        )
    )


def prorated(
    requests: pl.LazyFrame, histories: pl.LazyFrame, start: str, end: str, prefix: str
) -> pl.LazyFrame:
    """Per request (``row``), the history usage prorated to the days ``start``..``end`` (inclusive
    Date columns of the requests) and the days the histories cover: ``<prefix>_milli``,
    ``<prefix>_days``."""
    import polars as pl

    lo = pl.max_horizontal(pl.col("period_start"), pl.col("_from"))
    hi = pl.min_horizontal(pl.col("last_day"), pl.col("_to"))
    inside = ((hi - lo).dt.total_days() + 1).clip(lower_bound=0).cast(pl.Int128)
    span = (pl.col("last_day") - pl.col("period_start")).dt.total_days() + 1
    days = pl.when(pl.col("days") > 0).then(pl.col("days")).otherwise(span).cast(pl.Int128)
    return (
        requests.select("row", "account", pl.col(start).alias("_from"), pl.col(end).alias("_to"))
        .join(histories, on="account", how="inner")
        .with_columns(inside.alias("inside"))
        .filter(pl.col("inside") > 0)
        .group_by("row")
        .agg(
            half_even_div(pl.col("usage_milli") * pl.col("inside"), days).sum().alias(f"{prefix}_milli"),
            pl.col("inside").sum().cast(pl.Int64).alias(f"{prefix}_days"),
        )
    )


def winter_baselines(
    requests: pl.DataFrame, histories: pl.DataFrame, winter: WinterAverageOptions
) -> pl.DataFrame:
    """Per account and season of the requests: the winter average per day (scaled by
    ``10**places``) and its method, from ``winter_averages`` (one call per season, not per row)."""
    import polars as pl

    parts = []
    for season in requests.get_column("season").unique().sort().to_list():
        accounts = requests.filter(pl.col("season") == season).get_column("account").unique().to_list()
        found = winter_averages(histories, accounts, season, winter)
        parts.append(
            found.select(
                "account",
                "season",
                "method",
                scaled(pl.col("average_per_day").cast(pl.String), winter.places).alias("winter_scaled"),
            )
        )
    schema = {"account": pl.String, "season": pl.Int64, "method": pl.String, "winter_scaled": pl.Int128}
    return pl.concat(parts) if parts else pl.DataFrame(schema=schema)


def leak_allowance(
    requests: pl.LazyFrame, histories: pl.LazyFrame, winter: WinterAverageOptions
) -> pl.LazyFrame:
    """Adds ``baseline_scaled`` (usage per day times ``10**places``), ``baseline`` (which one) and
    ``allowed_milli`` (baseline x the period's days) to leak requests; null where none is known."""
    import polars as pl

    places = winter.places
    prior = prorated(
        requests.with_columns(
            (pl.col("period_start") - pl.duration(days=PRIOR_YEAR_DAYS)).alias("prior_start"),
            (pl.col("period_start") - pl.duration(days=1)).alias("prior_end"),
        ),
        histories,
        "prior_start",
        "prior_end",
        "prior",
    )
    prior_avg = half_even_div(
        pl.col("prior_milli") * 10**places, pl.col("prior_days").cast(pl.Int128) * MILLI
    )
    enough_prior = pl.col("prior_days").fill_null(0) >= winter.min_covered_days
    default = winter.default_average_per_day
    default_scaled = pl.lit(None if default is None else int(default.scaleb(places)), pl.Int128)
    winter_ok = pl.col("method") == "prorated"
    baseline = (
        pl.when(winter_ok)
        .then(pl.col("winter_scaled"))
        .when(enough_prior)
        .then(prior_avg)
        .otherwise(default_scaled)
    )
    which = (
        pl.when(winter_ok)
        .then(pl.lit("winter-average-") + pl.col("season").cast(pl.String))
        .when(enough_prior)
        .then(pl.lit("prior-year-average"))
        .when(default_scaled.is_not_null())
        .then(pl.lit("default-average"))
    )
    period_days = ((pl.col("period_end") - pl.col("period_start")).dt.total_days() + 1).cast(pl.Int128)
    return (
        requests.join(prior, on="row", how="left")
        .with_columns(baseline.alias("baseline_scaled"), which.alias("baseline"))
        .with_columns(
            half_even_div(
                pl.col("baseline_scaled") * period_days * MILLI, pl.lit(10**places, pl.Int128)
            ).alias("allowed_milli")
        )
    )
