"""Green Button files for tests: a feed of one usage point, one meter reading, its reading type and
IntervalBlocks of readings, written with chosen prefixes; each field can be broken alone."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

ATOM = "http://www.w3.org/2005/Atom"
ESPI = "http://naesb.org/espi"
BASE = "https://utility.example/espi/1_1/resource/"
USAGE_POINT = "RetailCustomer/9/UsagePoint/1"
METER_READING = USAGE_POINT + "/MeterReading/01"
READING_TYPE = "ReadingType/07"


@dataclass
class Reading:
    start: str | None = "1700000000"
    duration: str | None = "3600"
    value: str | None = "1500"
    cost: str | None = "12000"
    quality: str | None = "0"


@dataclass
class Feed:
    blocks: list[list[Reading]] = field(default_factory=lambda: [[Reading()]])
    uom: str | None = "72"
    power: str | None = "-3"
    kind: str | None = "0"
    atom: str = "atom"  # prefix of the Atom namespace ("" = default namespace)
    espi: str = "espi"
    block_up: str = METER_READING + "/IntervalBlock"
    block_self: str = METER_READING + "/IntervalBlock"
    meter_related_type: str = READING_TYPE
    doctype: str = ""


def hourly(n: int, start: int = 1_700_000_000, value: int = 1000) -> list[Reading]:
    return [
        Reading(str(start + 3600 * i), "3600", str(value + i), str(10 * (value + i)), "0") for i in range(n)
    ]


def _el(prefix: str, name: str, text: str | None, omit_none: bool = True) -> str:
    tag = f"{prefix}:{name}" if prefix else name
    if text is None:
        return "" if omit_none else f"<{tag}/>"
    return f"<{tag}>{text}</{tag}>"


def build(feed: Feed) -> bytes:
    a, e = feed.atom, feed.espi
    at = (lambda n: f"{a}:{n}") if a else (lambda n: n)
    et = (lambda n: f"{e}:{n}") if e else (lambda n: n)
    ns_a = f'xmlns:{a}="{ATOM}"' if a else f'xmlns="{ATOM}"'
    ns_e = f'xmlns:{e}="{ESPI}"' if e else ""

    def entry(self_href: str, up: str, related: list[str], content: str) -> str:
        links = [
            f'<{at("link")} rel="self" href="{BASE}{self_href}"/>',
            f'<{at("link")} rel="up" href="{BASE}{up}"/>',
        ]
        links += [f'<{at("link")} rel="related" href="{BASE}{r}"/>' for r in related]
        return (
            f"<{at('entry')}>\n"
            + "\n".join(links)
            + f"\n<{at('content')}>\n{content}\n</{at('content')}>\n</{at('entry')}>\n"
        )

    def esp(inner: str, name: str) -> str:
        xmlns = f' xmlns="{ESPI}"' if not e else ""
        return f"<{et(name)}{xmlns}>{inner}</{et(name)}>"

    parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n{feed.doctype}<{at("feed")} {ns_a} {ns_e}>\n']
    parts.append(f"<{at('id')}>urn:uuid:test</{at('id')}>\n")
    kind = _el(e, "kind", feed.kind, omit_none=False)
    parts.append(
        entry(
            USAGE_POINT,
            "RetailCustomer/9/UsagePoint",
            [USAGE_POINT + "/MeterReading", "LocalTimeParameters/01"],
            esp(f"<{et('ServiceCategory')}>{kind}</{et('ServiceCategory')}>", "UsagePoint"),
        )
    )
    tz = _el(e, "tzOffset", "-18000")
    parts.append(entry("LocalTimeParameters/01", "LocalTimeParameters", [], esp(tz, "LocalTimeParameters")))
    parts.append(
        entry(
            METER_READING,
            USAGE_POINT + "/MeterReading",
            [METER_READING + "/IntervalBlock", feed.meter_related_type],
            esp("", "MeterReading"),
        )
    )
    rt = "".join(
        [
            _el(e, "commodity", "1"),
            _el(e, "currency", "840"),
            _el(e, "intervalLength", "3600"),
            _el(e, "powerOfTenMultiplier", feed.power),
            _el(e, "uom", feed.uom),
        ]
    )
    parts.append(entry(READING_TYPE, "ReadingType", [], esp(rt, "ReadingType")))
    for i, block in enumerate(feed.blocks):
        readings = []
        for r in block:
            period = _el(e, "duration", r.duration, omit_none=False) + _el(
                e, "start", r.start, omit_none=False
            )
            quality = (
                ""
                if r.quality is None
                else f"<{et('ReadingQuality')}>{_el(e, 'quality', r.quality)}</{et('ReadingQuality')}>"
            )
            value = _el(e, "value", r.value, omit_none=False)
            readings.append(
                f"<{et('IntervalReading')}>{_el(e, 'cost', r.cost)}{quality}"
                f"<{et('timePeriod')}>{period}</{et('timePeriod')}>{value}</{et('IntervalReading')}>\n"
            )
        parts.append(
            entry(
                f"{feed.block_self}/{i}",
                feed.block_up,
                [],
                esp("\n" + "".join(readings), "IntervalBlock"),
            )
        )
    parts.append(f"</{at('feed')}>\n")
    return "".join(parts).encode()


def independent(data: bytes) -> dict[str, Any]:
    """Readings, sums and span of a file counted with the standard library's xml.etree: every
    IntervalReading; whole-number fields only, starts from 1970, positive durations (the issue's
    figures). Another parser than the format's, so the two check each other."""
    ns = "{" + ESPI + "}"

    def whole(text: str | None) -> int | None:
        return int(text) if text is not None and re.fullmatch(r"\s*[+-]?[0-9]+\s*", text) else None

    readings, value_sum, cost_sum, starts, ends = 0, 0, 0, [], []
    for reading in ET.fromstring(data).iter(ns + "IntervalReading"):
        readings += 1
        value_sum += whole(reading.findtext(ns + "value")) or 0
        cost_sum += whole(reading.findtext(ns + "cost")) or 0
        start = whole(reading.findtext(f"{ns}timePeriod/{ns}start"))
        duration = whole(reading.findtext(f"{ns}timePeriod/{ns}duration"))
        if start is not None and start >= 0:
            starts.append(start)
            if duration is not None and duration > 0:
                ends.append(start + duration)
    return {
        "readings": readings,
        "value_sum": value_sum,
        "cost_sum": cost_sum,
        "start": min(starts, default=None),
        "end": max(ends, default=None),
    }
