"""The winter average: each account's average daily usage over a configured winter window.

A regional sewer utility bills residential sewer for a year on the water used in winter, when little
goes on lawns. Per account, every consumption-history period that intersects the window counts with
its usage prorated by the days it has inside the window (half to even, on integer thousandths);
the average per day is that sum over the days covered (half to even, to ``places``). An account
whose periods cover fewer than ``min_covered_days`` of the window, or that has no history at all,
gets the configured default with reason ``insufficient-history``. Nothing here is a float.

The key ``WA|<season>|<account>|r<N>|<average>|<days>`` carries the revision N (the deliveries of
the account's average for the season before it, plus one), so it is the same every time the same
ledger state is recomputed (nothing posts twice) and never repeats when an average goes A -> B -> A;
``superseding`` keeps the averages that changed since the last delivered one, each naming the key
it replaces. This module is pure: the kind ``winter-average`` (``mappings/winter_average_kind.py``)
gets the histories and the delivered averages from the engine's look-ups.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hub.kernel.queries import engine_for
from hub.kernel.transactions import CisTransaction, columns_of
from hub.kernel.units import UnitName, half_even_div

if TYPE_CHECKING:
    import polars as pl

INSUFFICIENT = "insufficient-history"
MILLI = 1000  # usage_milli is usage in the CIS unit times 1000


class WinterAverage(CisTransaction):
    """An account's winter average daily usage for a season (the year the window ends in)."""

    txn_type: ClassVar[str] = "WinterAverage"

    account: str = Field(description="the utility (CIS) account")
    season: int = Field(description="the year the winter window ends in")
    average_per_day: Decimal | None = Field(None, ge=0)  # None: default wanted but none configured
    unit: str = Field(description="the unit of the volumes")
    days_covered: int = Field(ge=0, description="days of the window the histories cover")
    periods_used: int = Field(ge=0, description="history periods counted")
    method: Literal["prorated", "default"] = Field(description="prorated, or default (too little history)")
    reason: Literal["insufficient-history"] | None = Field(
        None, description="insufficient-history when the default was used"
    )
    supersedes: str | None = Field(None, description="the key of the average it replaces")


class WinterAverageOptions(BaseModel):
    """How winter averages are computed. The window runs from ``start_month``/``start_day`` to
    ``end_month``/``end_day`` inclusive, ending in the season's year (starting in the year before
    when the start falls after the end in the calendar: default Dec 1 of season-1 to Mar 31).
    ``default_average_per_day`` is what an account with too little history gets; when it is not
    set such an account is still delivered, method ``default``, reason ``insufficient-history``,
    with no average, so the CIS keeps its own default and nothing is dropped. ``default_unit`` is
    the unit of a default for an account with no history at all (otherwise its histories' unit)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start_month: int = Field(12, ge=1, le=12, description="first month of the winter window")
    start_day: int = Field(1, ge=1, le=31, description="its first day")
    end_month: int = Field(3, ge=1, le=12, description="last month of the window")
    end_day: int = Field(31, ge=1, le=31, description="its last day")
    min_covered_days: int = Field(60, ge=1, le=366, description="fewer days covered: the default average")
    default_average_per_day: Decimal | None = Field(
        None, ge=0, description="the average of an account with too little history; none when null"
    )
    default_unit: UnitName = Field("CCF", description="the unit of that default")
    places: int = Field(3, ge=0, le=9, description="decimal places of the average")

    @model_validator(mode="after")
    def _real_days(self) -> WinterAverageOptions:
        for month, day in ((self.start_month, self.start_day), (self.end_month, self.end_day)):
            try:
                date(2025, month, day)  # a year without Feb 29: a window must exist every year
            except ValueError:
                raise ValueError(f"month {month} has no day {day} every year") from None
        if self.default_average_per_day is not None:
            exp = self.default_average_per_day.as_tuple().exponent
            if isinstance(exp, int) and -exp > self.places:
                raise ValueError(f"default_average_per_day has more than {self.places} decimals")
        return self

    def window(self, season: int) -> tuple[date, date]:
        """The first and last day (inclusive) of ``season``'s window."""
        end = date(season, self.end_month, self.end_day)
        start_year = (
            season - 1 if (self.start_month, self.start_day) > (self.end_month, self.end_day) else season
        )
        return date(start_year, self.start_month, self.start_day), end


def decimal_text(scaled: pl.Expr, places: int) -> pl.Expr:
    """An integer column of a value times ``10**places`` as its exact decimal text ("-0.005")."""
    import polars as pl

    unit = pl.lit(10**places, pl.Int128)
    size = scaled.cast(pl.Int128).abs()
    whole: pl.Expr = pl.concat_str(
        [pl.when(scaled < 0).then(pl.lit("-")).otherwise(pl.lit("")), size.floordiv(unit).cast(pl.String)]
    )
    if places == 0:
        return whole
    return pl.concat_str([whole, pl.lit("."), size.mod(unit).cast(pl.String).str.zfill(places)])


def winter_averages(
    histories: pl.DataFrame, accounts: Sequence[str], season: int, options: WinterAverageOptions
) -> pl.DataFrame:
    """One ``WinterAverage`` row (``columns_of(WinterAverage)``, sorted by account, ``source_line``
    the row's position) per account of ``accounts``, from their ``consumption_histories`` rows."""
    import polars as pl

    first, last = options.window(season)
    places = options.places
    start = pl.max_horizontal(pl.col("period_start"), pl.lit(first))
    end = pl.min_horizontal(pl.col("last_day"), pl.lit(last))
    inside = ((end - start).dt.total_days() + 1).clip(lower_bound=0).cast(pl.Int128)
    span = (pl.col("last_day") - pl.col("period_start")).dt.total_days() + 1
    days = pl.when(pl.col("days") > 0).then(pl.col("days")).otherwise(span).cast(pl.Int128)
    wanted = pl.Series("account", list(dict.fromkeys(accounts)), pl.String)
    periods = (
        histories.lazy()
        .filter(pl.col("account").is_in(wanted.implode()))
        .with_columns(inside.alias("inside"))
        .filter(pl.col("inside") > 0)
        .with_columns(
            half_even_div(pl.col("usage_milli").cast(pl.Int128) * pl.col("inside"), days).alias("part")
        )
        .group_by("account")
        .agg(
            pl.col("part").sum().alias("usage_milli"),
            pl.col("inside").sum().cast(pl.Int64).alias("days_covered"),
            pl.len().cast(pl.Int64).alias("periods_used"),
            pl.col("unit").sort().first().alias("unit"),
        )
    )
    units = histories.lazy().group_by("account").agg(pl.col("unit").sort().first().alias("history_unit"))
    default = options.default_average_per_day
    default_scaled = None if default is None else int(default.scaleb(places))
    enough = pl.col("days_covered") >= options.min_covered_days
    prorated = half_even_div(
        pl.col("usage_milli") * 10**places, pl.col("days_covered").cast(pl.Int128) * MILLI
    )
    out = (
        pl.DataFrame(wanted)
        .lazy()
        .join(periods, on="account", how="left")
        .join(units, on="account", how="left")
        .with_columns(
            pl.col("days_covered").fill_null(0),
            pl.col("periods_used").fill_null(0),
            pl.coalesce("unit", "history_unit", pl.lit(options.default_unit)).alias("unit"),
        )
        .with_columns(
            pl.when(enough).then(prorated).otherwise(pl.lit(default_scaled, pl.Int128)).alias("scaled"),
            pl.when(enough).then(pl.lit("prorated")).otherwise(pl.lit("default")).alias("method"),
            pl.when(enough).then(pl.lit(None, pl.String)).otherwise(pl.lit(INSUFFICIENT)).alias("reason"),
        )
        .with_columns(decimal_text(pl.col("scaled"), places).alias("text"))
        .sort("account")
        .with_columns(
            pl.lit(season, pl.Int64).alias("season"),
            pl.col("text").cast(pl.Decimal(38, places)).alias("average_per_day"),
            pl.lit(None, pl.String).alias("supersedes"),
            pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("source_line"),
            pl.concat_str(
                [
                    pl.lit(f"WA|{season}|"),
                    pl.col("account"),
                    pl.lit("|r1|"),
                    pl.col("text").fill_null("none"),
                    pl.lit("|"),
                    pl.col("days_covered").cast(pl.String),
                ]
            ).alias("idempotency_key"),
        )
        .select(columns_of(WinterAverage))
    )
    return out.collect(engine=engine_for(histories.height))


def content(key: pl.Expr) -> pl.Expr:
    """A key without its revision: ``WA|season|account|average|days`` (what changed or not)."""
    return key.str.replace(r"\|r[0-9]+\|", "|")


def superseding(new: pl.DataFrame, delivered: pl.DataFrame) -> pl.DataFrame:
    """The rows of ``new`` to deliver: an average for an account and season that has none
    delivered, or whose average or days covered differ from the last one delivered (``delivered``
    in delivery order, last row last), then keyed with revision N (deliveries before + 1) and
    ``supersedes`` set to that last delivered key. Unchanged averages go."""
    import polars as pl

    last = (
        delivered.lazy()
        .select("account", pl.col("season").cast(pl.Int64), pl.col("idempotency_key").alias("previous"))
        .group_by("account", "season", maintain_order=True)
        .agg(pl.col("previous").last(), pl.len().cast(pl.Int64).alias("deliveries"))
    )
    key = pl.col("idempotency_key")
    return (
        new.lazy()
        .join(last, on=["account", "season"], how="left")
        .filter(pl.col("previous").is_null() | (content(pl.col("previous")) != content(key)))
        .with_columns(
            pl.col("previous").alias("supersedes"),
            key.str.replace(
                r"\|r[0-9]+\|",
                pl.concat_str(
                    [pl.lit("|r"), (pl.col("deliveries").fill_null(0) + 1).cast(pl.String), pl.lit("|")]
                ),
            ),
        )
        .select(new.columns)
        .collect(engine=engine_for(new.height + delivered.height))
    )
