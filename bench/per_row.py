"""The straightforward per-row baseline, as a whole process.

Usage: ``python bench/per_row.py FILE OUT`` -- reads FILE with ``csv.DictReader``, builds one
pydantic v2 model per row (proper types: ints, a datetime, optional fields where the column may be
empty) and writes every model back out with ``csv.writer``; prints the number of rows written.
An invalid row raises (the benchmark's upload has none), so a wrong file fails loudly.
"""

from __future__ import annotations

import csv
import sys
import warnings
from datetime import datetime

from pydantic import BaseModel, ConfigDict

# ``register`` shadows ABCMeta.register harmlessly (the same filter as mappings/meter_reads.py).
warnings.filterwarnings("ignore", message='Field name "register"', category=UserWarning)


class MeterReadRow(BaseModel):
    """One row of a meter-reader upload (the columns of ``hub.engine.sample.HEADER``)."""

    model_config = ConfigDict(extra="forbid")

    route: str
    sequence: int
    account: str
    meter: str
    register: str
    read_at: datetime
    reading: int | None = None  # empty for the no-read codes
    prior_reading: int | None = None
    read_code: str
    reader_id: str
    trouble_code: str | None = None


FIELDS = list(MeterReadRow.model_fields)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: per_row.py FILE OUT", file=sys.stderr)
        return 2
    rows = 0
    with (
        open(argv[0], newline="", encoding="utf-8") as src,
        open(argv[1], "w", newline="", encoding="utf-8") as dst,
    ):
        writer = csv.writer(dst)
        writer.writerow(FIELDS)
        for raw in csv.DictReader(src):
            row = MeterReadRow(**{k: (v or None) for k, v in raw.items()})
            writer.writerow(row.model_dump().values())
            rows += 1
    print(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
