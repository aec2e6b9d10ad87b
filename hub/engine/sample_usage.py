"""Sample usage files beside the district histories (``sample_consumption``): sewer adjustment
requests (``consumption-adjustments``), winter-average requests (``winter-averages``) and Green
Button interval usage (``green-button``), for trying the hub and for tests.

Adjustment requests name accounts of the consumption sample of the same seed, each for a month of
the year that sample covers (the year before ``today``), so they post once those histories are
delivered. Winter-average requests ask for the seasons that closed before ``today``. A Green Button
file holds hourly kWh readings of a few usage points, whole days from midnight UTC of the day
before ``today`` back. Optional bad rows break one rule each.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time, timedelta

from formats.consumption_adjustments import FIELDS as ADJUSTMENT_FIELDS
from hub.engine.sample_common import pick, sample_account
from hub.engine.sample_kinds import SampleFile

BAD_ADJUSTMENTS = ("period_order", "code_list", "decimal", "unit", "date")
ATOM, ESPI = "http://www.w3.org/2005/Atom", "http://naesb.org/espi"
BASE = "https://utility.example/espi/1_1/resource/"
READINGS_PER_POINT = 24 * 7  # a week of hourly readings per usage point


def adjustments_sample(rows: int, *, bad: int, seed: int, today: date) -> SampleFile:
    """``rows`` requests for accounts of ``consumption_sample(12 * rows, seed=seed)``: mostly leaks
    (a repaired service line), some industrial discharge permits and cooling-tower evaporation;
    ``bad`` of them (spread evenly) break a rule each."""
    year = today.year - 1
    bad = min(bad, rows)
    step = max(rows // bad, 1) if bad else 0
    broken = {k * step: BAD_ADJUSTMENTS[k % len(BAD_ADJUSTMENTS)] for k in range(bad)}
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=ADJUSTMENT_FIELDS, lineterminator="\n")
    writer.writeheader()
    for n in range(rows):
        month = 4 + pick(n, seed + 81, 9)  # after the winter window: a leak has its baseline
        start = date(year, month, 1)
        end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        kind = ("leak", "leak", "leak", "industrial", "evaporation")[pick(n, seed + 82, 5)]
        row = {
            "account": sample_account(n, seed),
            "kind": kind,
            "period_start": start.isoformat(),
            "period_end": end.isoformat(),
            "volume": "0"
            if kind == "leak"
            else f"{1 + pick(n, seed + 83, 20)}.{pick(n, seed + 84, 100):02d}",
            "unit": "CCF",
            "evidence_ref": f"WO-{year}-{seed}-{n + 1:05d}",
            "requested_by": ("billing", "permits", "field-service")[pick(n, seed + 85, 3)],
        }
        rule = broken.get(n)
        if rule == "period_order":
            row["period_start"], row["period_end"] = row["period_end"], row["period_start"]
        elif rule == "code_list":
            row["kind"] = "flood"
        elif rule == "decimal":
            row["volume"] = "12,5"
        elif rule == "unit":
            row["unit"] = "buckets"
        elif rule == "date":
            row["period_end"] = f"{year}-02-30"
        writer.writerow(row)
    return SampleFile(buf.getvalue().encode(), rows, bad)


def winter_request_sample(rows: int, *, bad: int, seed: int, today: date) -> SampleFile:
    """``rows`` requests, for the ten seasons ending in the years before ``today``'s, newest first
    (again after ten); ``bad`` of them name a season that is not a year."""
    bad = min(bad, rows)
    at = datetime.combine(today, time(6, 0), tzinfo=UTC)
    lines = ["season,requested_at"]
    for n in range(rows):
        season = str(today.year - 1 - n % 10)
        if n < bad:
            season = f"{season[:2]}x{season[3:]}"
        lines.append(f"{season},{(at + timedelta(seconds=n)).isoformat()}")
    return SampleFile(("\n".join(lines) + "\n").encode(), rows, bad)


def greenbutton_sample(rows: int, *, bad: int, seed: int, today: date) -> SampleFile:
    """An ESPI feed of ``rows`` hourly readings (Wh, kWh to the CIS) over usage points of a week each;
    ``bad`` readings (spread evenly) carry a value that is not a whole number."""
    bad = min(bad, rows)
    step = max(rows // bad, 1) if bad else 0
    broken = {k * step for k in range(bad)}
    end = int(datetime.combine(today, time(), tzinfo=UTC).timestamp())
    points = max(1, -(-rows // READINGS_PER_POINT))
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        f'<feed xmlns="{ATOM}" xmlns:espi="{ESPI}">\n<id>urn:uuid:sample-{seed}</id>\n',
        _entry(
            "LocalTimeParameters/01", "LocalTimeParameters", [], "LocalTimeParameters", _el("tzOffset", "0")
        ),
        _entry(
            "ReadingType/01",
            "ReadingType",
            [],
            "ReadingType",
            _el("commodity", "1")
            + _el("currency", "840")
            + _el("intervalLength", "3600")
            + _el("powerOfTenMultiplier", "0")
            + _el("uom", "72"),
        ),
    ]
    n = 0
    for p in range(points):
        point = f"RetailCustomer/{seed}/UsagePoint/{p + 1}"
        meter = f"{point}/MeterReading/01"
        category = f"<espi:ServiceCategory>{_el('kind', '0')}</espi:ServiceCategory>"
        parts.append(
            _entry(
                point, f"RetailCustomer/{seed}/UsagePoint", [f"{point}/MeterReading"], "UsagePoint", category
            )
        )
        parts.append(
            _entry(
                meter,
                f"{point}/MeterReading",
                [f"{meter}/IntervalBlock", "ReadingType/01"],
                "MeterReading",
                "",
            )
        )
        count = min(READINGS_PER_POINT, rows - n)
        start = end - 3600 * count
        readings = []
        for h in range(count):
            watt_hours = 300 + pick(n, seed + 91 + p, 1_700) + (600 if 17 <= (h % 24) <= 21 else 0)
            value = f"{watt_hours}x" if n in broken else str(watt_hours)
            readings.append(
                "<espi:IntervalReading>"
                + _el("cost", str(watt_hours * 14))
                + "<espi:timePeriod>"
                + _el("duration", "3600")
                + _el("start", str(start + 3600 * h))
                + "</espi:timePeriod>"
                + _el("value", value)
                + "</espi:IntervalReading>\n"
            )
            n += 1
        block = (
            f"<espi:interval>{_el('duration', str(3600 * count))}{_el('start', str(start))}</espi:interval>\n"
        )
        parts.append(
            _entry(
                f"{meter}/IntervalBlock/1",
                f"{meter}/IntervalBlock",
                [],
                "IntervalBlock",
                "\n" + block + "".join(readings),
            )
        )
    parts.append("</feed>\n")
    return SampleFile("".join(parts).encode(), rows, bad)


def _el(name: str, text: str) -> str:
    return f"<espi:{name}>{text}</espi:{name}>"


def _entry(self_href: str, up: str, related: list[str], kind: str, content: str) -> str:
    links = [f'<link rel="self" href="{BASE}{self_href}"/>', f'<link rel="up" href="{BASE}{up}"/>']
    links += [f'<link rel="related" href="{BASE}{r}"/>' for r in related]
    return (
        f"<entry>\n{''.join(links)}\n<content>\n<espi:{kind}>{content}</espi:{kind}>\n</content>\n</entry>\n"
    )
