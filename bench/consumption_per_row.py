"""The straightforward per-row baseline for district consumption histories, as a whole process.

Usage: ``python bench/consumption_per_row.py FILE OUT`` -- reads FILE with ``csv.DictReader``, builds
one pydantic v2 model per row (dates, a non-negative Decimal usage of at most 6 places, a known unit,
actual|estimated), does the hub's checks per row (start <= end; overlap with the account's previous
period; a gap; a daily rate above 3 x the account's median, in a second pass), converts the usage
exactly to CCF (Fraction, half even, 3 places) and writes one row per history with ``csv.writer``;
prints the number of rows written. An invalid row raises (the benchmark's file has none).
"""

from __future__ import annotations

import csv
import statistics
import sys
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

GALLONS = {
    "gallons": Fraction(1),
    "kgal": Fraction(1000),
    "CCF": Fraction("748.052"),
    "HCF": Fraction("748.052"),
    "m3": Fraction(1000) / Fraction("3.785411784"),
}
CCF = GALLONS["CCF"]


class HistoryRow(BaseModel):
    """One row of a district file (the default header)."""

    model_config = ConfigDict(extra="forbid")

    district: str = Field(min_length=1)
    account: str = Field(min_length=1)
    premise: str = Field(min_length=1)
    service_address: str | None = None
    period_start: date
    period_end: date
    usage: Decimal = Field(ge=0, decimal_places=6)
    unit: str
    read_type: Literal["actual", "estimated"]

    @field_validator("unit")
    @classmethod
    def _unit(cls, unit: str) -> str:
        if unit not in GALLONS:
            raise ValueError(f"unknown unit {unit}")
        return unit


def ccf_milli(usage: Decimal, unit: str) -> int:
    """``usage`` in CCF x 1000, half even."""
    exact = Fraction(usage) * GALLONS[unit] / CCF * 1000
    q, r = divmod(exact.numerator, exact.denominator)
    if 2 * r > exact.denominator or (2 * r == exact.denominator and q % 2):
        q += 1
    return q


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: consumption_per_row.py FILE OUT", file=sys.stderr)
        return 2
    rows: list[tuple[HistoryRow, int, int, str | None]] = []
    last: dict[str, date] = {}
    with open(argv[0], newline="", encoding="utf-8") as src:
        for raw in csv.DictReader(src):
            row = HistoryRow(**{k: (v or None) for k, v in raw.items()})
            if row.period_end < row.period_start:
                raise ValueError(f"period ends before it starts: {raw}")
            prev = last.get(row.account)
            if prev is not None and row.period_start <= prev:
                raise ValueError(f"overlap: {raw}")
            note = "gap" if prev is not None and row.period_start > prev + timedelta(days=1) else None
            last[row.account] = row.period_end
            days = (row.period_end - row.period_start).days + 1
            rows.append((row, days, ccf_milli(row.usage, row.unit), note))
    rates: dict[str, list[Fraction]] = {}
    for row, days, milli, _ in rows:
        rates.setdefault(row.account, []).append(Fraction(milli, days))
    medians = {account: statistics.median(r) for account, r in rates.items()}
    with open(argv[1], "w", newline="", encoding="utf-8") as dst:
        writer = csv.writer(dst)
        writer.writerow(
            [
                *("idempotency_key", "account", "premise", "district", "period_start", "period_end"),
                *("days", "usage", "unit", "original_usage", "original_unit", "read_type", "review"),
            ]
        )
        for row, days, milli, _ in rows:
            key = f"CH|{row.district}|{row.account}|{row.period_start}|{row.period_end}"
            review = Fraction(milli, days) > 3 * medians[row.account]
            usage = Decimal(milli).scaleb(-3)
            writer.writerow(
                [
                    key,
                    row.account,
                    row.premise,
                    row.district,
                    row.period_start,
                    row.period_end,
                    days,
                    usage,
                    "CCF",
                    row.usage,
                    row.unit,
                    row.read_type,
                    review,
                ]
            )
    print(len(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
