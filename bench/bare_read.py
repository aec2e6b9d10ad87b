"""The floor of the benchmark: a bare ``polars.read_csv`` of the upload, as a whole process.

Usage: ``python bench/bare_read.py FILE`` -- prints the number of data rows read.
Every column is read as a string (``infer_schema=False``), as the hub's reader does.
"""

from __future__ import annotations

import sys

import polars as pl


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: bare_read.py FILE", file=sys.stderr)
        return 2
    frame = pl.read_csv(argv[0], infer_schema=False)
    print(frame.height)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
