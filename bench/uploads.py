"""Meter-reader uploads for ``bench/ledger_growth.py``, made by the hub's own generator.

Usage::

    python bench/uploads.py nightly DIR COUNT ROWS   # night-001.csv ...: one upload a night up to today
    python bench/uploads.py routes DIR COUNT ROWS    # route-0001.csv ...: tonight's route uploads

Nightly uploads are ``hub.engine.sample.meter_reads_csv`` files a day apart (reads of the two days
before each night), so no two share a key. Route uploads are consecutive slices of one generated
night: each its own meters, all read on the same days. Prints the number of files written.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hub.engine.sample import meter_reads_csv, meter_reads_frame
from hub.engine.sample_common import to_csv


def main(argv: list[str]) -> int:
    if len(argv) != 4 or argv[0] not in ("nightly", "routes"):
        print("usage: uploads.py nightly|routes DIR COUNT ROWS", file=sys.stderr)
        return 2
    what, folder, count, rows = argv[0], Path(argv[1]), int(argv[2]), int(argv[3])
    folder.mkdir(parents=True, exist_ok=True)
    today = datetime.now(UTC)
    if what == "nightly":
        for night in range(count):
            now = today - timedelta(days=count - 1 - night)
            (folder / f"night-{night + 1:03d}.csv").write_bytes(
                meter_reads_csv(rows, now=now, seed=night + 1)
            )
    else:
        tonight = meter_reads_frame(count * rows, now=today)
        for route in range(count):
            (folder / f"route-{route + 1:04d}.csv").write_bytes(to_csv(tonight.slice(route * rows, rows)))
    print(count)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
