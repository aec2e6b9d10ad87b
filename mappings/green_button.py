"""Green Button interval readings -> ``IntervalUsage`` CIS transactions.

One transaction per reading of a usage point, reading type and start: a duplicate reading (the
format warns of it) is delivered once, the first in the file. The value is exact: the raw integer
times 10^powerOfTenMultiplier, written as decimal text in the ReadingType's unit (never a float).
The account is the one configuration gives the usage point (``mapping_options.accounts``).

With ``mapping_options.rollup`` the readings of mapped usage points are also summed per period into
``ConsumptionHistory`` rows (``mappings/green_button_rollup.py``), kept as ``consumption_histories``
facts for winter averages.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from pydantic import Field, model_validator

from hub.kernel.queries import engine_for
from hub.kernel.rows import LINE
from hub.kernel.transactions import CisTransaction, columns_of
from mappings.base import ExchangeKind, MapContext, MappingOptions
from mappings.consumption import ConsumptionHistory
from mappings.green_button_rollup import RollupOptions

if TYPE_CHECKING:
    import polars as pl

    from hub.kernel.problems import Problem
    from mappings.green_button_rollup import Rolled

# ESPI UnitSymbolKind codes (NAESB REQ.21) -> the unit's name.
UOM_NAMES = {
    0: "none",
    5: "A",
    29: "V",
    31: "J",
    33: "Hz",
    38: "W",
    42: "m3",
    61: "VA",
    63: "VAr",
    71: "VAh",
    72: "Wh",
    73: "VArh",
    106: "Ah",
    119: "ft3",
    122: "ft3/h",
    125: "m3/h",
    128: "US gal",
    129: "US gal/h",
    169: "therm",
}
# ESPI QualityOfReading codes -> names.
QUALITY_NAMES = {
    0: "valid",
    7: "manually edited",
    8: "estimated using reference day",
    9: "estimated using linear interpolation",
    10: "questionable",
    11: "derived",
    12: "projected (forecast)",
    13: "mixed",
    14: "raw",
    15: "normalized for weather",
    16: "other",
    17: "validated",
    18: "verified",
    19: "revenue-quality",
}


class IntervalUsage(CisTransaction):
    """Measured usage of one interval of a usage point (Green Button ESPI)."""

    txn_type: ClassVar[str] = "IntervalUsage"
    total_fields: ClassVar[tuple[str, ...]] = ("duration_seconds",)

    usage_point: str = Field(description="the UsagePoint's id")
    account: str | None = Field(None, description="the CIS account of the usage point, when configured")
    meter_reading: str = Field(description="the MeterReading's id")
    reading_type: str = Field(description="the ReadingType's id")
    start: datetime = Field(description="interval start, UTC")
    duration_seconds: int = Field(gt=0, description="interval length")
    value: Decimal = Field(description="raw value x 10^power_of_ten_multiplier, exact")
    unit: str = Field(description="from the ReadingType's uom (Wh, therm, m3, …)")
    raw_value: int = Field(description="the value as the file gives it")
    power_of_ten_multiplier: int = Field(description="the ReadingType's multiplier")
    cost: int | None = None  # 1/100,000 of the currency, as the file gives it
    quality: str | None = Field(None, description="ReadingQuality by name")
    local_offset_seconds: int | None = Field(None, description="the LocalTimeParameters offset")


class GreenButtonMappingOptions(MappingOptions):
    """Options of the ``green-button`` kind (``mapping_options`` in hub.yaml)."""

    accounts: dict[str, str] = Field(
        default_factory=dict, description="usage point id (as hub inspect shows it) -> CIS account"
    )
    rollup: RollupOptions | None = Field(
        None, description="sum the mapped usage points' readings per period into ConsumptionHistory"
    )

    @model_validator(mode="after")
    def _rollup_needs_accounts(self) -> GreenButtonMappingOptions:
        if self.rollup is not None and not self.accounts:
            raise ValueError("rollup sums the readings of usage points mapped to an account: fill accounts")
        return self


def exact_value(raw: pl.Expr, power: pl.Expr) -> pl.Expr:
    """``raw x 10^power`` as exact decimal text: integer arithmetic, no float anywhere."""
    import polars as pl

    big = raw.cast(pl.Int128)
    scale = (-power).clip(0, 30).cast(pl.UInt32)
    up = big * pl.lit(10, pl.Int128).pow(power.clip(0, 30).cast(pl.UInt32))
    unit = pl.lit(10, pl.Int128).pow(scale)
    whole = (big.abs() // unit).cast(pl.String)
    frac = (big.abs() % unit).cast(pl.String).str.zfill(scale.cast(pl.Int64))
    sign = pl.when(big < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    return pl.when(power >= 0).then(up.cast(pl.String)).otherwise(sign + whole + pl.lit(".") + frac)


class GreenButtonMapping(ExchangeKind[GreenButtonMappingOptions]):
    name = "green-button"
    default_format = "greenbutton"
    options_model = GreenButtonMappingOptions
    produces = (IntervalUsage, ConsumptionHistory)
    lookups = frozenset({"billing_periods"})  # asked only when the roll-up is by billing periods
    persists = frozenset({"consumption_histories"})
    # An IntervalUsage key ends with the interval's start, YYYY-MM-DDTHH:MM:SSZ; a roll-up's key
    # (CH|district|account|start|last day) has no date there and is kept undated: a few a file.
    key_date_at = -20

    def __init__(self, options: GreenButtonMappingOptions) -> None:
        super().__init__(options)
        self._rolled: tuple[pl.DataFrame, Rolled] | None = None

    def _rollup(self, table: pl.DataFrame, ctx: MapContext) -> Rolled | None:
        """The roll-up of ``table`` when one is configured, once per table (``map`` and ``notes``)."""
        from mappings.green_button_rollup import rollup

        opts = self.options.rollup
        if opts is None:
            return None
        if self._rolled is None or self._rolled[0] is not table:
            billing = None
            if opts.periods == "billing-periods":
                billing = ctx.lookup.find("billing_periods", sorted(set(self.options.accounts.values())))
            self._rolled = (table, rollup(table, opts, self.options.accounts, billing))
        return self._rolled[1]

    def notes(self, table: pl.DataFrame, ctx: MapContext) -> list[Problem]:
        """The roll-up's warnings: reading types and periods not rolled up, and why."""
        rolled = self._rollup(table, ctx)
        return [] if rolled is None else list(rolled.problems)

    def map(self, table: pl.DataFrame, ctx: MapContext) -> dict[str, pl.DataFrame]:
        import polars as pl

        rolled = self._rollup(table, ctx)  # first: its work is freed before the rows are built
        start = pl.from_epoch(pl.col("start"), time_unit="s")
        rows = (
            table.lazy()
            .with_columns(start.dt.strftime("%Y-%m-%dT%H:%M:%SZ").alias("_start"))
            .with_columns(
                pl.concat_str(
                    [pl.lit("GB"), pl.col("usage_point"), pl.col("reading_type"), pl.col("_start")],
                    separator="|",
                ).alias("idempotency_key")
            )
            .unique("idempotency_key", keep="first", maintain_order=True)
            .select(
                "idempotency_key",
                "usage_point",
                pl.col("usage_point")
                .replace_strict(self.options.accounts, default=None, return_dtype=pl.String)
                .alias("account"),
                "meter_reading",
                "reading_type",
                pl.col("_start").alias("start"),
                pl.col("duration").alias("duration_seconds"),
                exact_value(pl.col("value"), pl.col("power_of_ten_multiplier")).alias("value"),
                pl.col("uom")
                .replace_strict(UOM_NAMES, default=None, return_dtype=pl.String)
                .fill_null(pl.lit("uom ") + pl.col("uom").cast(pl.String))
                .alias("unit"),
                pl.col("value").alias("raw_value"),
                "power_of_ten_multiplier",
                "cost",
                pl.col("quality")
                .replace_strict(QUALITY_NAMES, default=None, return_dtype=pl.String)
                .fill_null(pl.lit("code ") + pl.col("quality").cast(pl.String))
                .alias("quality"),
                pl.col("local_offset").alias("local_offset_seconds"),
                pl.col(LINE).alias("source_line"),
                LINE,
            )
            .select(*columns_of(IntervalUsage), LINE)
            .collect(engine=engine_for(table.height))
        )
        if rolled is None:
            return {IntervalUsage.txn_type: rows}
        history = rolled.history.select(*columns_of(ConsumptionHistory), LINE)
        return {
            IntervalUsage.txn_type: rows,
            ConsumptionHistory.txn_type: history,
            "consumption_histories": rolled.fact,
        }
