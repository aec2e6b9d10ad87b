"""Sample district consumption histories (``consumption`` exchange), for the demo and the benchmark.

A year of monthly periods per account (calendar months, inclusive ends), deterministic for a seed and
built with polars expressions (a million rows in well under a second): mostly CCF, some gallons, kgal
and HCF; each account's usage steady within +-25 % so no period looks implausible; accounts numbered
as ``hub reference sample accounts`` numbers them (the first rows // 12 accounts of that seed).
Optional bad rows break one rule each.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import polars as pl

from hub.engine.sample_common import demo_seed, mix, to_csv
from hub.engine.sample_kinds import SampleFile

if TYPE_CHECKING:
    from hub.engine.config import Settings

CONSUMPTION_HEADER = "district,account,premise,service_address,period_start,period_end,usage,unit,read_type"
BAD_CONSUMPTION = ("bad_date", "negative_usage", "unknown_unit", "period_order", "bad_read_type")
UNITS = ("CCF",) * 16 + ("gallons", "gallons", "kgal", "HCF")  # 80 % CCF


def consumption_frame(rows: int, *, seed: int = 1, year: int = 2026) -> pl.DataFrame:
    """Valid district rows as strings: account i // 12, month i % 12 + 1."""
    i = pl.int_range(0, rows, dtype=pl.Int64)
    acct = i // 12
    month = (i % 12 + 1).cast(pl.Int8)
    start = pl.date(year, month, 1)
    base = 300 + mix(acct, seed, 2700)  # the account's usual month, hundredths of a CCF
    hundredths = base * (75 + mix(i, seed + 1, 51)) // 100
    unit = pl.lit(pl.Series(UNITS)).gather(mix(acct, seed + 2, len(UNITS)))
    # the same usage in the unit the district reports it in (3 decimals, exact enough for a sample)
    milli = (
        pl.when(unit == "gallons")
        .then(hundredths * 748_052 // 100)
        .when(unit == "kgal")
        .then(hundredths * 748_052 // 100_000)
        .otherwise(hundredths * 10)
    )
    usage = (milli // 1000).cast(pl.String) + "." + (milli % 1000).cast(pl.String).str.zfill(3)
    return pl.select(
        pl.lit("NW").alias("district"),
        (1_000_000 + acct * 7 + seed).cast(pl.String).str.zfill(10).alias("account"),
        ("PR" + acct.cast(pl.String).str.zfill(8)).alias("premise"),
        ((100 + mix(acct, seed + 3, 9800)).cast(pl.String) + " MAIN ST").alias("service_address"),
        start.dt.strftime("%Y-%m-%d").alias("period_start"),
        start.dt.month_end().dt.strftime("%Y-%m-%d").alias("period_end"),
        usage.alias("usage"),
        unit.alias("unit"),
        pl.when(mix(i, seed + 4, 20) == 0)
        .then(pl.lit("estimated"))
        .otherwise(pl.lit("actual"))
        .alias("read_type"),
    )


def consumption_csv(rows: int, *, bad: int = 0, seed: int = 1, year: int = 2026) -> bytes:
    """A district file of ``rows`` rows of which ``bad`` (spread evenly) break a rule each."""
    frame = consumption_frame(rows, seed=seed, year=year)
    if bad:
        step = max(rows // bad, 1)
        broken = {
            "bad_date": ("period_start", f"{year}-02-30"),
            "negative_usage": ("usage", "-1.5"),
            "unknown_unit": ("unit", "furlongs"),
            "period_order": ("period_start", f"{year}-12-31"),
            "bad_read_type": ("read_type", "guess"),
        }
        for n in range(min(bad, rows)):
            field, value = broken[BAD_CONSUMPTION[n % len(BAD_CONSUMPTION)]]
            at = n * step
            frame = frame.with_columns(
                pl.when(pl.int_range(pl.len()) == at)
                .then(pl.lit(value))
                .otherwise(pl.col(field))
                .alias(field)
            )
    return to_csv(frame)


def consumption_sample(rows: int, *, bad: int, seed: int, today: date) -> SampleFile:
    """``hub sample --kind consumption``: the year before ``today``'s year, ``bad`` rows broken."""
    bad = min(bad, rows)
    return SampleFile(consumption_csv(rows, bad=bad, seed=seed, year=today.year - 1), rows, bad)


def write_demo_consumption(settings: Settings, stamp: str, rows: int) -> list[str]:
    """``hub demo``: a district's year of histories into the consumption drop folder, when that
    exchange is configured; returns the exchanges to cycle."""
    ex = settings.exchanges.get("consumption")
    if ex is None or ex.config.kind != "consumption-history":
        return []
    ex.source_path.mkdir(parents=True, exist_ok=True)
    data = consumption_csv(max(rows // 12, 1) * 12, bad=3, seed=demo_seed(stamp))
    (ex.source_path / f"{stamp}-district-nw.csv").write_bytes(data)
    return [ex.name]
