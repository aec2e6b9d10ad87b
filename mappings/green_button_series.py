"""The readings a Green Button roll-up sums, columnar: those of mapped usage points, once each, in
*series* (a usage point's reading type), with what each series measures.

A duplicate reading (same usage point, reading type and start) counts once, the first in the file,
as in IntervalUsage: a stable sort puts it right after the first, so one comparison with the row
before finds it. A reading that starts before the previous one of its series ends overlaps it.
Only integers and flags travel with the readings; what a series measures is one small table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub.kernel.problems import Problem
from hub.kernel.queries import engine_for
from hub.kernel.rows import LINE
from hub.kernel.units import UNITS

if TYPE_CHECKING:
    import polars as pl

# ESPI UnitSymbolKind codes of consumption -> the hub's unit names (hub.kernel.units)
ESPI_UNITS = {72: "Wh", 169: "therms", 42: "m3", 128: "gallons"}
# ESPI ServiceCategory kinds -> commodity
SERVICE_KINDS = {0: "electricity", 1: "gas", 2: "water"}
ESTIMATED = (8, 9, 12, 13)  # QualityOfReading codes that make a period's read estimated


def series_of(
    table: pl.DataFrame, commodity: str, accounts: dict[str, int]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The readings of the usage points in ``accounts`` (usage point -> account id) and their
    series. Readings: ``series``, ``acct``, ``offset``, ``r_start``, ``r_end``, ``duration``,
    ``value``, ``estimated``, ``overlapping`` and the line, of series that roll up only. Series:
    ``series``, ``usage_point``, ``reading_type``, ``acct``, ``offset``, ``uom``, ``service_kind``,
    ``power`` and ``unit`` (null: not ``commodity`` usage, it does not roll up), first line."""
    import polars as pl

    up, rt, start = pl.col("usage_point"), pl.col("reading_type"), pl.col("start")
    # a series is an integer: the codes of its usage point and reading type as categoricals
    code = (
        up.cast(pl.Categorical).to_physical().cast(pl.Int64) * (1 << 32)
        + rt.cast(pl.Categorical).to_physical().cast(pl.Int64)
    ).alias("series")
    wanted = pl.Series(list(accounts), dtype=pl.String)
    mapped = table.lazy().filter(up.is_in(wanted.implode()))
    units = {c: name for c, name in ESPI_UNITS.items() if UNITS[name].commodity == commodity}
    service = pl.col("service_kind").replace_strict(SERVICE_KINDS, default=None, return_dtype=pl.String)
    unit = pl.col("uom").replace_strict(units, default=None, return_dtype=pl.String)
    series = (
        mapped.group_by("usage_point", "reading_type")
        .agg(
            pl.col("uom", "service_kind").first(),
            pl.col("power_of_ten_multiplier").first().fill_null(0).alias("power"),
            pl.col("local_offset").first().fill_null(0).alias("offset"),
            pl.col(LINE).min(),
        )
        .select(
            code,
            "usage_point",
            "reading_type",
            up.replace_strict(accounts, return_dtype=pl.Int64).alias("acct"),
            "offset",
            "uom",
            "service_kind",
            "power",
            pl.when(service.is_null() | (service == commodity)).then(unit).alias("unit"),
            LINE,
        )
        .sort(LINE)
        .collect(engine=engine_for(table.height))
    )
    rolling = series.filter(pl.col("unit").is_not_null())
    ids = rolling.get_column("series")
    acct = dict(zip(ids.to_list(), rolling.get_column("acct").to_list(), strict=True))
    offset = dict(zip(ids.to_list(), rolling.get_column("offset").to_list(), strict=True))
    s = pl.col("series")
    new = (s != s.shift(1)).fill_null(True)
    end = start + pl.col("duration")
    readings = (
        mapped.select(
            code,
            "start",
            "duration",
            "value",
            pl.col("quality").is_in(ESTIMATED).fill_null(False).alias("estimated"),
            LINE,
        )
        .filter(s.is_in(ids.implode()))
        .sort("series", "start", maintain_order=True)  # stable: a duplicate follows the first
        .with_columns(new.alias("_new"))
        .filter(pl.col("_new") | (start != start.shift(1)))
        .select(
            "series",
            s.replace_strict(acct, return_dtype=pl.Int64).alias("acct"),
            s.replace_strict(offset, return_dtype=pl.Int64).alias("offset"),
            start.alias("r_start"),
            end.alias("r_end"),
            "duration",
            "value",
            "estimated",
            (~pl.col("_new") & (start < end.shift(1))).alias("overlapping"),
            LINE,
        )
        .collect(engine=engine_for(table.height))
    )
    return readings, series


def left_out(series: pl.DataFrame, commodity: str) -> list[Problem]:
    """One warning per series (reading type of a mapped usage point) that does not roll up."""
    import polars as pl

    out = series.filter(pl.col("unit").is_null()).sort(LINE)
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
        for up, rt, uom, kind, line in out.select(
            "usage_point", "reading_type", "uom", "service_kind", LINE
        ).iter_rows()
    ]
