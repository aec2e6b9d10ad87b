"""The floor of the benchmark: a bare ``polars.read_csv`` of the upload, as a whole process.

Usage: ``python bench/bare_read.py FILE`` -- prints the number of data rows read.
Every column is read as a string (``infer_schema=False``), as the hub's reader does.

``python bench/bare_read.py --timed FILE`` times only the read (polars is imported first) and
prints ``{"rows", "seconds", "cpu_seconds"}``: the in-process floor ``bench/service.py`` compares a
running service with.
"""

from __future__ import annotations

import json
import sys
import time

import polars as pl


def main(argv: list[str]) -> int:
    timed = argv[:1] == ["--timed"]
    if timed:
        argv = argv[1:]
    if len(argv) != 1:
        print("usage: bare_read.py [--timed] FILE", file=sys.stderr)
        return 2
    wall, cpu = time.perf_counter(), time.process_time()
    frame = pl.read_csv(argv[0], infer_schema=False)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if timed:
        print(json.dumps({"rows": frame.height, "seconds": round(wall, 4), "cpu_seconds": round(cpu, 4)}))
    else:
        print(frame.height)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
