"""Sewer consumption-adjustment requests -> ``ConsumptionAdjustment`` CIS transactions.

Water that never reached the sewer is taken off the sewer volume of a request's period (both dates
inclusive). The period's usage is the account's delivered consumption history prorated to it
(look-up ``consumption_histories``), in the CIS unit. Rules:

- ``leak``: usage above the baseline (the winter average of the season whose window precedes the
  period; else the average daily usage of the year before it; else the configured default winter
  average) times the period's days is removed;
- ``industrial``: the permitted discharge volume (the request's volume) replaces usage;
- ``evaporation``: the sub-metered volume (the request's volume) is subtracted.

An adjustment only ever reduces: the adjusted volume is never below zero nor above the usage, and
the reduction is capped by configuration (``cap_percent`` of usage per kind, default 100). A request
whose period the delivered histories do not cover day for day is not posted: it is reported as a
``pending-history`` warning (the engine's completion of pending requests when the history arrives is
not this module's). A leak with no baseline at all (``no-baseline``) and a volume in a unit of
another commodity (``unit-commodity``) are likewise warnings, not posted.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field, field_validator

from hub.kernel.problems import Problem, mask
from hub.kernel.rows import LINE
from hub.kernel.transactions import CisTransaction, columns_of
from hub.kernel.units import UnitName, convert_scaled, half_even_div, scaled
from mappings.base import ExchangeKind, MapContext, MappingOptions
from mappings.winter_average import WinterAverageOptions, decimal_text

if TYPE_CHECKING:
    import polars as pl

Kind = Literal["leak", "industrial", "evaporation"]
KINDS: tuple[Kind, ...] = ("leak", "industrial", "evaporation")
VOLUME_SCALE = 6  # the format's Decimal(38, 6) volume


class ConsumptionAdjustment(CisTransaction):
    """A reduction of an account's sewer volume for one period, and the rule that gave it."""

    txn_type: ClassVar[str] = "ConsumptionAdjustment"
    total_fields: ClassVar[tuple[str, ...]] = ("original_volume", "adjusted_volume", "reduction")

    account: str = Field(description="the utility (CIS) account")
    period_start: date = Field(description="first day of the period")
    period_end: date = Field(description="last day of the period (as the source gives it)")
    kind: Kind = Field(description="leak, industrial or evaporation")
    original_volume: Decimal = Field(ge=0, description="the period's usage before the adjustment")
    adjusted_volume: Decimal = Field(ge=0, description="the volume to bill")
    reduction: Decimal = Field(ge=0, description="original - adjusted")
    unit: str = Field(description="the unit of the volumes")
    evidence_ref: str = Field(description="work order, permit or meter record")
    requested_by: str = Field(description="who asked")
    rule: str  # e.g. "leak/winter-average-2026", "evaporation/sub-metered; capped at 50%"


class ConsumptionAdjustmentsOptions(MappingOptions):
    """Options of the ``consumption-adjustments`` kind (``mapping_options`` in hub.yaml)."""

    cis_unit: UnitName = Field(
        "CCF", description="the unit of the CIS's volumes; requests are converted to it"
    )
    cap_percent: dict[Kind, int] = Field(
        default_factory=lambda: dict.fromkeys(KINDS, 100),
        description="largest reduction per kind, in percent of the period's usage (0-100)",
    )
    winter: WinterAverageOptions = Field(
        default_factory=WinterAverageOptions,
        description="the winter average a leak is measured against: the winter-average exchange's options",
    )

    @field_validator("cap_percent")
    @classmethod
    def _percent(cls, caps: dict[Kind, int]) -> dict[Kind, int]:
        bad = sorted(k for k, v in caps.items() if not 0 <= v <= 100)
        if bad:
            raise ValueError(f"cap_percent of {', '.join(bad)} is not between 0 and 100")
        return dict.fromkeys(KINDS, 100) | caps


class ConsumptionAdjustmentsMapping(ExchangeKind[ConsumptionAdjustmentsOptions]):
    name: ClassVar[str] = "consumption-adjustments"
    default_format: ClassVar[str] = "consumption-adjustments"
    options_model: ClassVar[type[MappingOptions]] = ConsumptionAdjustmentsOptions
    produces: ClassVar[tuple[type[CisTransaction], ...]] = (ConsumptionAdjustment,)
    lookups: ClassVar[frozenset[str]] = frozenset({"consumption_histories"})
    retried_after: ClassVar[dict[str, str]] = {"pending-history": "consumption-history"}
    options_from: ClassVar[dict[str, str]] = {"winter": "winter-average"}  # the winter-averages' window

    def __init__(self, options: ConsumptionAdjustmentsOptions) -> None:
        super().__init__(options)
        self._planned: tuple[pl.DataFrame, MapContext, pl.DataFrame] | None = None

    def map(self, table: pl.DataFrame, ctx: MapContext) -> dict[str, pl.DataFrame]:
        import polars as pl

        plan = self._plan(table, ctx)
        posted = plan.filter(pl.col("held").is_null())
        return {ConsumptionAdjustment.txn_type: posted.select(*columns_of(ConsumptionAdjustment), LINE)}

    def notes(self, table: pl.DataFrame, ctx: MapContext) -> list[Problem]:
        """A warning for every request not posted: why, naming the account and period."""
        import polars as pl

        held = self._plan(table, ctx).filter(pl.col("held").is_not_null())
        return [
            Problem.of(
                r["held"],
                f"{r['kind']} adjustment of account {mask(r['account'])} for {r['period_start']} to "
                f"{r['period_end']} is not posted: {r['why']}",
                line=r[LINE],
                field="account",
                value=r["account"],
                severity="warning",
            )
            for r in held.iter_rows(named=True)
        ]

    def _plan(self, table: pl.DataFrame, ctx: MapContext) -> pl.DataFrame:
        """Every request with its adjustment, or ``held``/``why`` when it is not posted (asked once
        per table: ``map`` and ``notes`` share it)."""
        if self._planned is not None and self._planned[0] is table and self._planned[1] is ctx:
            return self._planned[2]
        from mappings.adjustment_plan import plan

        result = plan(table, ctx.lookup, self.options)
        self._planned = (table, ctx, result)
        return result


def volume_milli(volume: pl.Expr, unit: pl.Expr, cis_unit: str) -> pl.Expr:
    """A request's Decimal volume in ``unit`` as thousandths of ``cis_unit`` (half to even); null
    when the units measure different commodities."""
    import polars as pl

    return convert_scaled(scaled(volume.cast(pl.String), VOLUME_SCALE), unit, cis_unit, VOLUME_SCALE, 3)


def capped(reduction: pl.Expr, original: pl.Expr, caps: dict[Kind, int]) -> tuple[pl.Expr, pl.Expr]:
    """The reduction limited to 0..usage and to the kind's cap (half to even), and whether the cap
    bit."""
    import polars as pl

    percent = pl.col("kind").replace_strict(caps, return_dtype=pl.Int128)
    cap = half_even_div(original * percent, pl.lit(100, pl.Int128))
    wanted = pl.min_horizontal(reduction.clip(lower_bound=0), original)
    return pl.min_horizontal(wanted, cap), wanted > cap


def as_decimal(milli: pl.Expr) -> pl.Expr:
    import polars as pl

    return decimal_text(milli, 3).cast(pl.Decimal(38, 3))
