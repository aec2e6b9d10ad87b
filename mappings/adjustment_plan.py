"""Each consumption-adjustment request planned: its usage, the rule's reduction, the cap, its key, or
why it is held (``pending-history``, ``no-baseline``, ``unit-commodity``). One look-up for the whole
table; every step a polars expression over all requests."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub.kernel.lookups import Lookups
from hub.kernel.queries import engine_for
from hub.kernel.rows import LINE
from mappings.adjustment_rules import (
    history_span,
    in_cis_unit,
    leak_allowance,
    prorated,
    season_of,
    winter_baselines,
)
from mappings.consumption_adjustments import (
    ConsumptionAdjustmentsOptions,
    as_decimal,
    capped,
    volume_milli,
)

if TYPE_CHECKING:
    import polars as pl

HISTORY_SCHEMA = {
    "account": "String",
    "period_start": "Date",
    "last_day": "Date",
    "days": "Int64",
    "usage_milli": "Int128",
    "unit": "String",
}


def _empty_histories() -> pl.DataFrame:
    import polars as pl

    return pl.DataFrame(schema={k: getattr(pl, v) for k, v in HISTORY_SCHEMA.items()})


def plan(table: pl.DataFrame, lookup: Lookups, options: ConsumptionAdjustmentsOptions) -> pl.DataFrame:
    """The requests with ``original_milli``, ``reduction_milli``, the CIS columns, ``held`` (null
    when posted) and ``why``."""
    import polars as pl

    winter, cis = options.winter, options.cis_unit
    requests = table.with_row_index("row").with_columns(
        season_of(pl.col("period_start"), winter).alias("season"),
        volume_milli(pl.col("volume"), pl.col("unit"), cis).alias("requested_milli"),
    )
    found = None
    if requests.height:
        since, until = history_span(requests, winter)
        accounts = requests.get_column("account").unique().sort().to_list()
        found = lookup.find("consumption_histories", accounts, since=since, until=until)
    known = found is not None
    histories = in_cis_unit(found, cis) if found is not None else _empty_histories()
    histories = histories.with_columns(pl.lit(cis).alias("unit"))
    usage = prorated(requests.lazy(), histories.lazy(), "period_start", "period_end", "usage")
    leaks = requests.filter(pl.col("kind") == "leak")
    baselines = winter_baselines(leaks, histories, winter)
    period_days = (pl.col("period_end") - pl.col("period_start")).dt.total_days() + 1
    frame = leak_allowance(
        requests.lazy()
        .join(usage, on="row", how="left")
        .join(baselines.lazy(), on=["account", "season"], how="left"),
        histories.lazy(),
        winter,
    )
    original = pl.col("usage_milli").fill_null(0)
    kind = pl.col("kind")
    wanted = (
        pl.when(kind == "leak")
        .then(original - pl.col("allowed_milli"))
        .when(kind == "industrial")
        .then(original - pl.col("requested_milli"))
        .otherwise(pl.col("requested_milli"))
    )
    reduction, cap_bit = capped(wanted, original, options.cap_percent)
    basis = (
        pl.when(kind == "leak")
        .then(pl.col("baseline"))
        .when(kind == "industrial")
        .then(pl.lit("permitted-volume"))
        .otherwise(pl.lit("sub-metered"))
    )
    caps = kind.replace_strict(options.cap_percent, return_dtype=pl.Int64).cast(pl.String)
    rule = pl.concat_str(
        [kind, pl.lit("/"), basis, pl.when(cap_bit).then(pl.lit("; capped at ") + caps + pl.lit("%"))],
        ignore_nulls=True,
    )
    held = (
        pl.when(pl.col("requested_milli").is_null())
        .then(pl.lit("unit-commodity"))
        .when(pl.col("usage_days").fill_null(0) < period_days)
        .then(pl.lit("pending-history"))
        .when((kind == "leak") & pl.col("allowed_milli").is_null())
        .then(pl.lit("no-baseline"))
    )
    no_history = "no consumption histories are at hand" if not known else "no delivered history yet"
    why = (
        pl.when(pl.col("held") == "unit-commodity")
        .then(pl.lit("its volume's unit ") + pl.col("unit") + pl.lit(f" does not measure what {cis} does"))
        .when((pl.col("held") == "pending-history") & (pl.col("usage_days").fill_null(0) == 0))
        .then(pl.lit(f"pending-history: {no_history} for the period"))
        .when(pl.col("held") == "pending-history")
        .then(
            pl.lit("pending-history: the delivered history covers ")
            + pl.col("usage_days").cast(pl.String)
            + pl.lit(" of the period's ")
            + period_days.cast(pl.String)
            + pl.lit(" days")
        )
        .when(pl.col("held") == "no-baseline")
        .then(pl.lit("no winter average, prior-year usage or default average to measure the leak against"))
    )
    return (
        frame.with_columns(
            original.alias("original_milli"),
            reduction.alias("reduction_milli"),
            rule.alias("rule"),
            held.alias("held"),
        )
        .with_columns(
            why.alias("why"),
            as_decimal(pl.col("original_milli")).alias("original_volume"),
            as_decimal(pl.col("original_milli") - pl.col("reduction_milli")).alias("adjusted_volume"),
            as_decimal(pl.col("reduction_milli")).alias("reduction"),
            pl.lit(cis).alias("unit"),
            pl.concat_str(
                [
                    pl.lit("ADJ"),
                    pl.col("account"),
                    kind,
                    pl.col("period_start").cast(pl.String),
                    pl.col("period_end").cast(pl.String),
                    pl.col("evidence_ref"),
                ],
                separator="|",
            ).alias("idempotency_key"),
            pl.col(LINE).alias("source_line"),
        )
        .sort("row")
        .collect(engine=engine_for(requests.height))
    )
