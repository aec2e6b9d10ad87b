"""The green-button roll-up end to end through the real ``hub`` command and SQLite ledger: a winter of
hourly readings becomes one ConsumptionHistory per local calendar month in the CIS batch (a partial
month warned of, not delivered), a resent or overlapping file posts nothing twice, and ``hub
winter-average`` averages the rolled-up months; by the CIS's billing periods once the extract is
loaded with ``hub reference load billing-periods``."""

from __future__ import annotations

import csv
from typing import Any

from tests.conftest import Workdir
from tests.formats.greenbutton_cases import USAGE_POINT, Feed, Reading, build

ACCOUNT = "0012345"
DEC_2025 = 1_764_565_200  # 2025-12-01 00:00 at the feed's UTC-5
WINTER_HOURS = 121 * 24  # Dec 1 - Mar 31


def configure(workdir: Workdir, periods: str) -> None:
    text = (workdir.root / "hub.yaml").read_text()
    rollup = f"{{periods: {periods}, unit: kWh, district: espi-co}}"
    workdir.set_config(
        text.replace(
            "      accounts: {}\n",
            f'      accounts: {{"{USAGE_POINT}": "{ACCOUNT}"}}\n      rollup: {rollup}\n',
        )
    )


def winter(extra_before: int = 2, estimated_at: int = 1500) -> bytes:
    """Hourly readings of 1000 Wh (1001 on odd hours) from ``extra_before`` hours before Dec 1 to
    Mar 31 24:00 local; one February hour estimated."""
    readings = []
    for i in range(-extra_before, WINTER_HOURS):
        quality = "8" if i == estimated_at else "0"
        readings.append(Reading(str(DEC_2025 + 3600 * i), "3600", str(1000 + i % 2), None, quality))
    return build(Feed(blocks=[readings], power="0"))


def process(workdir: Workdir, name: str, data: bytes) -> dict[str, Any]:
    res = workdir.hub("process", workdir.write(name, data), "-x", "green-button", "--json")
    assert res.code == 0, (res.stdout, res.stderr)
    out: dict[str, Any] = res.json()
    return out


def histories(workdir: Workdir) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    for path in sorted(workdir.cis.glob("*.ConsumptionHistory.csv")):
        with path.open(newline="") as fh:
            found += list(csv.DictReader(fh))
    return found


def test_a_winter_of_readings_rolls_up_by_month_once_and_feeds_the_winter_average(workdir: Workdir) -> None:
    configure(workdir, "monthly")
    out = process(workdir, "winter.xml", winter())
    assert out["transactions"] == {"IntervalUsage": WINTER_HOURS + 2, "ConsumptionHistory": 4}, out
    [partial] = out["problems"]  # the two hours of Nov 30: November is not covered
    assert (partial["rule"], partial["severity"], partial["value"]) == (
        "period-not-rolled-up",
        "warning",
        "***2345",
    )
    assert "2025-11-01..2025-11-30" in partial["message"]
    got = [
        (r["period_start"], r["period_end"], r["days"], r["usage"], r["unit"], r["read_type"])
        for r in histories(workdir)
    ]
    assert got == [  # 24 kWh a day, plus 1 Wh every other hour
        ("2025-12-01", "2025-12-31", "31", "744.372", "kWh", "actual"),
        ("2026-01-01", "2026-01-31", "31", "744.372", "kWh", "actual"),
        ("2026-02-01", "2026-02-28", "28", "672.336", "kWh", "estimated"),
        ("2026-03-01", "2026-03-31", "31", "744.372", "kWh", "actual"),
    ]
    first = histories(workdir)[0]
    assert first["idempotency_key"] == f"CH|espi-co|{ACCOUNT}|2025-12-01|2025-12-31"
    assert (first["account"], first["premise"], first["district"]) == (ACCOUNT, USAGE_POINT, "espi-co")
    assert (first["original_usage"], first["original_unit"]) == ("744372.000000", "Wh")
    [control] = workdir.controls()
    assert "ConsumptionHistory" in str(control) and "IntervalUsage" in str(control)

    # the same readings in another file (two hours more before): nothing posted twice
    again = process(workdir, "winter-again.xml", winter(extra_before=4))
    assert again["transactions"] == {"IntervalUsage": 2, "ConsumptionHistory": 0}, again
    assert again["already_delivered"] == WINTER_HOURS + 2 + 4
    assert len(histories(workdir)) == 4
    assert process(workdir, "winter-resent.xml", winter())["state"] == "duplicate"

    res = workdir.hub("winter-average", "--season", "2026", "--json")
    assert res.code == 0, res.stdout + res.stderr
    assert res.json()["transactions"] == {"WinterAverage": 1}
    [average] = workdir.delivered_rows("WinterAverage")
    header = "idempotency_key,account,season,average_per_day,unit,days_covered,periods_used,method"
    row = dict(zip(header.split(","), average, strict=False))
    # (3 x 744.372 + 672.336) kWh over 121 days
    assert (row["account"], row["average_per_day"], row["unit"]) == (ACCOUNT, "24.012", "kWh")
    assert (row["days_covered"], row["periods_used"], row["method"]) == ("121", "4", "prorated")


def test_billing_periods_come_from_the_cis_extract(workdir: Workdir) -> None:
    configure(workdir, "billing-periods")
    out = process(workdir, "early.xml", winter())
    assert out["transactions"] == {"IntervalUsage": WINTER_HOURS + 2, "ConsumptionHistory": 0}, out
    assert [p["rule"] for p in out["problems"]] == ["no-billing-periods"]

    extract = "account,period_start,period_end\n" + "".join(
        f"{ACCOUNT},{start},{end}\n"
        for start, end in [
            ("2025-11-15", "2025-12-14"),  # starts before the readings: left out, warned
            ("2025-12-15", "2026-01-14"),
            ("2026-01-15", "2026-02-14"),
        ]
    )
    path = workdir.write("cis/billing-periods.csv", extract.encode())
    assert workdir.hub("reference", "load", "billing-periods", path).code == 0
    # the file delivered before the extract was loaded, reprocessed: its periods roll up now
    res = workdir.hub("reprocess", str(out["id"]), "--json")
    assert res.code == 0, res.stdout + res.stderr
    out = res.json()
    assert out["transactions"] == {"IntervalUsage": 0, "ConsumptionHistory": 2}, out
    assert out["already_delivered"] == WINTER_HOURS + 2
    assert sorted(p["rule"] for p in out["problems"]) == ["outside-billing-periods", "period-not-rolled-up"]
    got = [(r["period_start"], r["period_end"], r["days"], r["usage"]) for r in histories(workdir)]
    assert got == [
        ("2025-12-15", "2026-01-14", "31", "744.372"),
        ("2026-01-15", "2026-02-14", "31", "744.372"),
    ]
