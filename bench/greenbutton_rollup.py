"""What the green-button roll-up costs on top of mapping the IntervalUsage rows.

Builds the table the ``greenbutton`` format gives (``--points`` usage points, each with
``--hours`` hourly readings from 2024-01-01 local time, every usage point mapped to an account) and
times ``GreenButtonMapping.map`` + ``notes`` without and with ``rollup: {periods: monthly}``, in
this process, best of ``--repeat`` runs. Reading the XML is not timed (``bench/greenbutton.py``
times the reader).

    .venv/bin/python bench/greenbutton_rollup.py --points 200 --hours 5000     # 1,000,000 readings
    .venv/bin/python bench/greenbutton_rollup.py --points 1000 --hours 5000    # 5,000,000 readings
"""

from __future__ import annotations

import argparse
import resource
import time

import polars as pl

from hub.kernel.rows import LINE
from mappings.base import MapContext
from mappings.green_button import GreenButtonMapping, GreenButtonMappingOptions

JAN_2024 = 1_704_085_200  # 2024-01-01 00:00 at UTC-5


def table(points: int, hours: int) -> pl.DataFrame:
    """The format's table of ``points`` x ``hours`` hourly readings (a usage point's hours in order)."""
    i = pl.int_range(0, points * hours)
    return pl.select(
        (pl.lit("RetailCustomer/1/UsagePoint/") + (i // hours).cast(pl.String)).alias("usage_point"),
        pl.lit("MeterReading/01").alias("meter_reading"),
        pl.lit("ReadingType/07").alias("reading_type"),
        pl.lit(0, pl.Int64).alias("service_kind"),
        pl.lit(1, pl.Int64).alias("commodity"),
        pl.lit(72, pl.Int64).alias("uom"),
        pl.lit(-3, pl.Int64).alias("power_of_ten_multiplier"),
        pl.lit(3600, pl.Int64).alias("interval_length"),
        (JAN_2024 + (i % hours) * 3600).cast(pl.Int64).alias("start"),
        pl.lit(3600, pl.Int64).alias("duration"),
        (1000 + i % 97).cast(pl.Int64).alias("value"),
        pl.lit(None, pl.Int64).alias("cost"),
        pl.lit(0, pl.Int64).alias("quality"),
        pl.lit(-18_000, pl.Int64).alias("local_offset"),
        (i * 7 + 100).cast(pl.Int64).alias(LINE),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=200)
    parser.add_argument("--hours", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    readings = table(args.points, args.hours)
    accounts = {f"RetailCustomer/1/UsagePoint/{k}": f"{k:08d}" for k in range(args.points)}
    monthly = {"periods": "monthly", "unit": "kWh", "district": "bench"}
    for name, rollup in (("IntervalUsage only", None), ("with the monthly roll-up", monthly)):
        best = float("inf")
        for _ in range(args.repeat):
            kind = GreenButtonMapping(GreenButtonMappingOptions(accounts=accounts, rollup=rollup))
            began = time.perf_counter()
            out = kind.map(readings, MapContext("bench.xml"))
            notes = kind.notes(readings, MapContext("bench.xml"))
            best = min(best, time.perf_counter() - began)
        counts = {k: v.height for k, v in out.items()}
        print(f"{readings.height:,} readings, {name}: {best:.2f} s; {counts}; {len(notes)} warnings")
    print(f"peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")


if __name__ == "__main__":
    main()
