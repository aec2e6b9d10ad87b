"""The straightforward per-row baseline for winter averages, as a whole process.

Usage: ``python bench/winter_average_per_row.py SEASON OUT WINDOW HISTORY.csv...`` -- WINDOW is
``MM-DD:MM-DD`` (first and last day, the last in SEASON's year, the first in the year before when it
falls later in the calendar). Reads the delivered ``ConsumptionHistory`` CIS files with
``csv.DictReader``, one row at a time (``date.fromisoformat``, ``Decimal`` usage in thousandths):
each period meeting the window adds its usage prorated by the days it has inside (``usage x inside
days / period days``, half to even, on thousandths), then each account's average per day is that
sum over the days covered, half to even to 3 places; fewer than 60 days covered: method
``default``, no average (none configured). Writes ``account,average_per_day,days_covered,
periods_used,method`` sorted by account; prints the number of accounts.
"""

from __future__ import annotations

import csv
import sys
from datetime import date, timedelta
from decimal import Decimal

MIN_COVERED_DAYS = 60
PLACES = 3


def half_even(numerator: int, denominator: int) -> int:
    q, r = divmod(numerator, denominator)
    if 2 * r > denominator or (2 * r == denominator and q % 2):
        q += 1
    return q


def window(season: int, spec: str) -> tuple[date, date]:
    first, last = ((int(p) for p in part.split("-")) for part in spec.split(":"))
    (fm, fd), (lm, ld) = first, last
    start_year = season - 1 if (fm, fd) > (lm, ld) else season
    return date(start_year, fm, fd), date(season, lm, ld)


def main(argv: list[str]) -> int:
    if len(argv) < 4:
        print("usage: winter_average_per_row.py SEASON OUT WINDOW HISTORY.csv...", file=sys.stderr)
        return 2
    out, (first, last) = argv[1], window(int(argv[0]), argv[2])
    totals: dict[str, list[int]] = {}  # account -> [prorated thousandths, days covered, periods]
    for path in argv[3:]:
        with open(path, newline="", encoding="utf-8") as src:
            for row in csv.DictReader(src):
                start = date.fromisoformat(row["period_start"])
                days = int(row["days"])
                last_day = start + timedelta(days=days - 1)
                inside = (min(last_day, last) - max(start, first)).days + 1
                if inside <= 0:
                    continue  # an account counts when one of its periods meets the window
                acc = totals.setdefault(row["account"], [0, 0, 0])
                milli = int(Decimal(row["usage"]).scaleb(3))
                acc[0] += half_even(milli * inside, days)
                acc[1] += inside
                acc[2] += 1
    with open(out, "w", newline="", encoding="utf-8") as dst:
        writer = csv.writer(dst)
        writer.writerow(["account", "average_per_day", "days_covered", "periods_used", "method"])
        for account in sorted(totals):
            milli, covered, periods = totals[account]
            if covered >= MIN_COVERED_DAYS:
                scaled = half_even(milli * 10**PLACES, covered * 1000)
                average, method = str(Decimal(scaled).scaleb(-PLACES)), "prorated"
            else:
                average, method = "", "default"
            writer.writerow([account, average, covered, periods, method])
    print(len(totals))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
