"""Property tests of the green-button roll-up: for contiguous readings of any lengths (straddling
month boundaries or not), any local offset, power of ten and order in the file, every delivered month
is exactly the prorated sum a brute-force count gives, every month the readings cover wholly is
delivered, and every other month they touch is named by a warning: nothing is lost or invented."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.kernel.rows import LINE
from hub.kernel.units import rounded
from mappings.base import MapContext
from mappings.green_button import GreenButtonMapping, GreenButtonMappingOptions

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
UP = "RetailCustomer/1/UsagePoint/1"


def months_touched(start: int, end: int, offset: int) -> list[tuple[date, int, int]]:
    """The local months [start, end) touches: (first day, UTC start, UTC end)."""
    found = []
    day = datetime.fromtimestamp(start + offset, UTC).date().replace(day=1)
    while True:
        after = (day + timedelta(days=32)).replace(day=1)
        lo = int(datetime(day.year, day.month, 1, tzinfo=UTC).timestamp()) - offset
        hi = int(datetime(after.year, after.month, 1, tzinfo=UTC).timestamp()) - offset
        if lo >= end:
            return found
        found.append((day, lo, hi))
        day = after


@st.composite
def readings(draw: st.DrawFn) -> tuple[pl.DataFrame, int, int, list[tuple[int, int, int]]]:
    """Contiguous readings (start, duration, raw value) in a random order, as the format's table."""
    offset = draw(st.sampled_from([-36_000, -18_000, 0, 3_600, 19_800]))
    power = draw(st.integers(-3, 2))
    start = draw(st.integers(1_700_000_000, 1_760_000_000))
    rows = []
    for _ in range(draw(st.integers(1, 40))):
        duration = draw(st.sampled_from([900, 3600, 86_400, 7 * 86_400, 30 * 86_400 + 7]))
        rows.append((start, duration, draw(st.integers(0, 10**9))))
        start += duration
    order = draw(st.permutations(range(len(rows))))
    shuffled = [rows[k] for k in order]
    n = len(rows)
    table = pl.DataFrame(
        {
            "usage_point": [UP] * n,
            "meter_reading": ["MR"] * n,
            "reading_type": ["RT"] * n,
            "service_kind": [0] * n,
            "commodity": [1] * n,
            "uom": [72] * n,
            "power_of_ten_multiplier": [power] * n,
            "interval_length": [None] * n,
            "start": [r[0] for r in shuffled],
            "duration": [r[1] for r in shuffled],
            "value": [r[2] for r in shuffled],
            "cost": [None] * n,
            "quality": [0] * n,
            "local_offset": [offset] * n,
            LINE: [10 * (k + 1) for k in range(n)],
        },
        schema_overrides={"interval_length": pl.Int64, "cost": pl.Int64},
    )
    return table, power, offset, rows


@SETTINGS
@given(readings())
def test_delivered_months_are_exact_and_every_other_month_touched_is_warned_of(
    case: tuple[pl.DataFrame, int, int, list[tuple[int, int, int]]],
) -> None:
    table, power, offset, rows = case
    kind = GreenButtonMapping(
        GreenButtonMappingOptions(
            accounts={UP: "1001"}, rollup={"periods": "monthly", "unit": "kWh", "district": "d"}
        )
    )
    out = kind.map(table, MapContext("feed.xml"))
    warned = kind.notes(table, MapContext("feed.xml"))
    first, last = rows[0][0], rows[-1][0] + rows[-1][1]
    expected = {}
    partial = []
    for day, lo, hi in months_touched(first, last, offset):
        if first <= lo and hi <= last:
            wh = sum(Fraction(v * max(0, min(s + d, hi) - max(s, lo)), d) for s, d, v in rows)
            expected[day] = rounded(wh * Fraction(10) ** power / 1000, 3)
        else:
            partial.append(day)
    got = {r["period_start"]: r["usage"] for r in out["ConsumptionHistory"].to_dicts()}
    assert got == expected
    assert sorted(p.message.split(" ")[1][:10] for p in warned) == [d.isoformat() for d in partial]
    assert all(p.rule == "period-not-rolled-up" and p.severity == "warning" for p in warned)
    assert out["consumption_histories"].get_column("usage_milli").to_list() == [
        int(u.scaleb(3)) for u in out["ConsumptionHistory"].get_column("usage").to_list()
    ]
