"""District consumption histories -> ``ConsumptionHistory`` CIS transactions.

Each valid row is one account's usage over one period, converted exactly to the CIS unit of its
commodity (``mapping_options.cis_units``; default water CCF, electricity kWh, gas therms), rounded
half to even to 3 places. The checks that need more than the row (``mappings/consumption_checks.py``)
reject a row, naming it, when its unit's commodity has no CIS unit, its account is not in the CIS
accounts extract (when one is loaded), or its period overlaps another period of the account in the
file or one delivered before; a gap between consecutive periods is a warning; an implausible daily
rate is a warning and the transaction is flagged for review.

Key: ``CH|<district>|<account>|<period_start>|<period_end>``, so a resent history posts nothing twice.
Each delivered history is kept (fact ``consumption_histories``) for the overlap check and the
``consumption_histories`` look-up (winter averages).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field, field_validator

from hub.kernel.rows import LINE
from hub.kernel.transactions import CisTransaction, columns_of
from hub.kernel.units import UNITS
from mappings.base import ExchangeKind, MapContext, MappingOptions, PerTable

if TYPE_CHECKING:
    import polars as pl

    from hub.kernel.problems import Problem
    from mappings.consumption_checks import Checked

DEFAULT_CIS_UNITS = {"water": "CCF", "electricity": "kWh", "gas": "therms"}
FACT_COLUMNS = (
    "account",
    "district",
    "premise",
    "period_start",
    "period_end",
    "last_day",
    "days",
    "usage_milli",
    "unit",
    "read_type",
)


class ConsumptionHistory(CisTransaction):
    """One account's metered usage over one period, in the CIS unit of its commodity."""

    txn_type: ClassVar[str] = "ConsumptionHistory"
    total_fields: ClassVar[tuple[str, ...]] = ("days",)

    account: str = Field(description="the utility (CIS) account")
    premise: str = Field(description="the premise (service location)")
    district: str = Field(description="the sending district")
    period_start: date = Field(description="first day of the period")
    period_end: date  # as the district sent it (see ``days`` for the days of usage)
    days: int = Field(ge=1, description="days of usage: last day - start + 1")
    usage: Decimal = Field(ge=0, decimal_places=3, description="usage in the CIS unit")
    unit: str = Field(description="the CIS unit (CCF, kWh, therms)")
    original_usage: Decimal = Field(ge=0, decimal_places=6, description="usage as the district sent it")
    original_unit: str = Field(description="the district's unit")
    read_type: Literal["actual", "estimated"] = Field(description="actual or estimated")
    review: bool = Field(description="true: delivered for a person to decide")
    review_reason: str | None = Field(None, description="why it is held for review")


class ConsumptionMappingOptions(MappingOptions):
    """Options of the ``consumption-history`` mapping (``mapping_options`` in hub.yaml)."""

    cis_units: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_CIS_UNITS),
        description="commodity (water, electricity, gas) -> the unit the CIS keeps it in",
    )
    # a period's daily usage above this multiple of the account's median daily usage is reviewed
    rate_multiple: Decimal = Field(Decimal(3), gt=0, le=1000)
    # how far before the file's first period delivered histories count (median rate, gaps)
    history_days: int = Field(400, ge=0, le=3660)

    @field_validator("cis_units")
    @classmethod
    def _units(cls, units: dict[str, str]) -> dict[str, str]:
        for commodity, unit in units.items():
            known = UNITS.get(unit)
            if known is None or known.commodity != commodity:
                raise ValueError(f"{unit!r} is not a unit of {commodity!r}")
        if not units:
            raise ValueError("at least one commodity needs a CIS unit")
        return units


class ConsumptionMapping(ExchangeKind[ConsumptionMappingOptions]):
    name = "consumption-history"
    default_format = "consumption-csv"
    options_model = ConsumptionMappingOptions
    produces = (ConsumptionHistory,)
    lookups = frozenset({"accounts", "consumption_histories"})
    persists = frozenset({"consumption_histories"})
    key_date_at = -10  # a key ends with its period end, YYYY-MM-DD

    def __init__(self, options: ConsumptionMappingOptions) -> None:
        super().__init__(options)
        self._checked: PerTable[Checked] = PerTable()

    def _check(self, table: pl.DataFrame, ctx: MapContext) -> Checked:
        """The checks of ``table``, once per table (``map`` and ``notes`` get the same one)."""
        from mappings.consumption_checks import check

        return self._checked.get(table, lambda: check(table, self.options, ctx))

    def map(self, table: pl.DataFrame, ctx: MapContext) -> dict[str, pl.DataFrame]:
        import polars as pl

        checked = self._check(table, ctx)
        rows = checked.rows.filter(~pl.col(LINE).is_in(checked.rejected))
        history = rows.select(*columns_of(ConsumptionHistory), LINE)
        fact = rows.select("idempotency_key", *FACT_COLUMNS, LINE)
        return {ConsumptionHistory.txn_type: history, "consumption_histories": fact}

    def notes(self, table: pl.DataFrame, ctx: MapContext) -> list[Problem]:
        """The rows rejected here (errors: the engine rejects their lines) and the warnings."""
        return list(self._check(table, ctx).problems)
