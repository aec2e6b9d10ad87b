"""``hub inspect --format greenbutton``: a file's figures from per-entry sums, in bounded memory.

The reader (``scan(..., summary_only=True)``) keeps each entry's figures and its good readings as
runs (a day's block of evenly spaced readings is one row), from which duplicates are found: no
table of every reading is built, so what grows with the file is a few dozen bytes per block.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from formats.base import TABLES, Records, inspected
from formats.greenbutton_links import resolve
from hub.kernel.problems import Problem

if TYPE_CHECKING:
    import polars as pl

    from formats.greenbutton_xml import Scan

# An IntervalBlock entry's figures in ``hub inspect``'s table (its readings are never listed).
BLOCK_COLUMNS = ("usage_point", "meter_reading", "reading_type", "readings", "value_sum", "start", "end")
_SHIFT = 1 << 40  # a duplicate key: reading type group x 2^40 + start (starts below 2^40 s, year 36812)


def summary(found: Scan) -> dict[str, Any]:
    """The issue's summary: usage points with their meter readings' figures, file totals, problems."""
    import polars as pl

    linked = resolve(found)
    found.entries.clear()  # resolved: the per-entry objects are not needed for the figures (memory)
    figures = [
        pl.col("readings").sum(),
        pl.col("value_sum").sum(),
        pl.col("start").min(),
        pl.col("end").max(),
    ]
    schema = {"_entry": pl.Int32, "readings": pl.UInt32, "value_sum": pl.Int64, "cost_sum": pl.Int64}
    schema |= {"start": pl.Int64, "end": pl.Int64}
    entries = pl.concat(found.chunks) if found.chunks else pl.DataFrame(schema=schema)
    entries = entries.group_by("_entry").agg(*figures, pl.col("cost_sum").sum())
    t = entries.join(linked.blocks, on="_entry", how="left")
    totals = t.select(*figures, pl.col("cost_sum").sum()).row(0, named=True)
    per_meter = {
        (row["usage_point"], row["meter_reading"]): row
        for row in t.group_by("usage_point", "meter_reading").agg(*figures).iter_rows(named=True)
    }
    blocks = linked.blocks.group_by("usage_point", "meter_reading").agg(pl.col("_blocks").sum())
    block_count = {(u, m): n for u, m, n in blocks.iter_rows()}
    points = []
    for up in linked.usage_points:
        meters = []
        for mr in up["meter_readings"]:
            key = (up["id"], mr["id"])
            got = per_meter.get(key, {})
            meters.append(
                {
                    **mr,
                    "blocks": block_count.get(key, 0),
                    "readings": got.get("readings") or 0,
                    "value_sum": got.get("value_sum") or 0,
                    "start": got.get("start"),
                    "end": got.get("end"),
                }
            )
        points.append({**up, "meter_readings": meters})
    problems = [*found.problems, *linked.problems, *duplicates(found.keys, linked.blocks)]
    return {
        "usage_points": points,
        "readings": found.readings,
        "value_sum": totals["value_sum"] or 0,
        "cost_sum": totals["cost_sum"] or 0,
        "start": totals["start"],
        "end": totals["end"],
        "problems": inspected(problems),
        TABLES: {"interval_blocks": Records(t.sort("_entry").select(*BLOCK_COLUMNS))},
    }


def duplicates(runs: list[pl.DataFrame], blocks: pl.DataFrame) -> list[Problem]:
    """Good readings of one usage point and reading type with the same start, after the first.

    The reader keeps runs of readings, not readings (``greenbutton_readings.runs``); only the runs
    of a usage point and reading type whose time spans overlap are opened into readings, so a file
    without duplicates never holds a key per reading."""
    import polars as pl

    if not runs:
        return []
    groups = (
        blocks.filter(pl.col("_linked"))
        .with_columns(pl.struct("usage_point", "reading_type").rank("dense").cast(pl.Int64).alias("_group"))
        .select("_entry", "_group", "usage_point", "reading_type")
    )
    top: Any = blocks.get_column("_entry").max()
    size = int(top or 0) + 1
    by_entry = pl.Series([None] * size, dtype=pl.Int64).scatter(
        groups.get_column("_entry").cast(pl.Int64), groups.get_column("_group")
    )
    table = pl.concat(runs)
    runs.clear()
    table = table.with_columns(
        by_entry.gather(table.get_column("_entry").cast(pl.Int64).clip(0, size - 1)).alias("_group")
    )
    table = table.filter(pl.col("_group").is_not_null()).sort("_group", "start")
    end = pl.col("start") + pl.col("step") * pl.col("count")
    reached = end.cum_max().shift(1).over("_group")  # the latest end of the group's earlier runs
    overlapping = table.filter((pl.col("start") < reached).fill_null(False)).get_column("_group").unique()
    if overlapping.is_empty():
        return []
    start = pl.col("start") + pl.col("_k") * pl.col("step")
    rows = (
        table.filter(pl.col("_group").is_in(overlapping.implode()))
        .with_columns(pl.int_ranges(0, pl.col("count")).alias("_k"))
        .explode("_k")
        .select(
            pl.when(start < _SHIFT).then(pl.col("_group") * _SHIFT + start).alias("_key"),
            (pl.col("_line") + pl.col("_k") * pl.col("line_step")).alias("_line"),
        )
    )
    ordered = rows.get_column("_key").sort()  # nulls (no key) never equal their neighbour
    repeated = ordered.filter(ordered == ordered.shift(1)).unique()
    found = (
        rows.filter(pl.col("_key").is_in(repeated.implode()))
        .sort("_line")
        .filter(pl.int_range(pl.len()).over("_key") > 0)
        .with_columns((pl.col("_key") // _SHIFT).alias("_group"), (pl.col("_key") % _SHIFT).alias("start"))
        .join(groups.unique("_group"), on="_group", how="left")
    )
    return [
        Problem.of(
            "duplicate-reading",
            f"a second reading of {rt} at {start} for usage point {up}; the first is kept",
            line=line,
            field="start",
            value=start,
            severity="warning",
        )
        for up, rt, start, line in found.select("usage_point", "reading_type", "start", "_line").iter_rows()
    ]
