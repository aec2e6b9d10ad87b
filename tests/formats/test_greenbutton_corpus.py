"""Every shared-corpus Green Button file is read; its totals (readings, value and cost sums, first
start, last end) agree with an independent count made here with the standard library's
``xml.etree`` over the same file, and hand-checked figures hold."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from formats.base import ReadContext
from formats.greenbutton import GreenButtonFormat, GreenButtonOptions
from tests.formats.greenbutton_cases import independent

CORPUS = Path("/work/shared/corpus/greenbutton")
FILES = sorted(CORPUS.glob("*.xml"))
FORMAT = GreenButtonFormat(GreenButtonOptions())


def test_the_corpus_is_there() -> None:
    assert len(FILES) >= 5


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_each_file_reads_with_totals_an_independent_count_confirms(path: Path) -> None:
    summary = FORMAT.inspect_file(path, ReadContext(file=path.name, now=datetime.now(UTC)))
    assert {k: summary[k] for k in ("readings", "value_sum", "cost_sum", "start", "end")} == independent(
        path.read_bytes()
    )
    per_meter = [m for up in summary["usage_points"] for m in up["meter_readings"]]
    assert sum(m["readings"] for m in per_meter) == summary["readings"]
    assert not [p for p in summary["problems"] if p["rule"].startswith("xml-")]


def test_hand_checked_figures() -> None:
    ctx = ReadContext(file="x", now=datetime.now(UTC))
    coastal = FORMAT.inspect_file(
        CORPUS / "Coastal_Multi_Family_Jan_1_2011_to_Jan_1_2012_RetailCustomer_5.xml", ctx
    )
    # a year of hours: 365 x 24 readings from 2011-01-01 08:00 UTC to 2012-01-01 08:00 UTC, in Wh
    assert coastal["readings"] == 365 * 24
    assert (coastal["start"], coastal["end"]) == (1293868800, 1325404800)
    [meter] = coastal["usage_points"][0]["meter_readings"]
    assert (meter["uom"], meter["power_of_ten_multiplier"], meter["interval_length"]) == (72, 0, 3600)
    assert coastal["problems"] == []

    electric = FORMAT.inspect_file(CORPUS / "electric_containerized.xml", ctx)
    assert (electric["readings"], electric["value_sum"]) == (8, 450 + 430 + 418 + 410 + 595 + 591 + 611 + 581)

    gas = FORMAT.inspect_file(CORPUS / "gas_direct.xml", ctx)
    # 5 monthly bills in therms x 10^-3 (uom 169, multiplier -3); cost in 1/100,000 dollars ($206.24)
    assert gas["usage_points"][0]["kind"] == 1
    assert (gas["readings"], gas["cost_sum"]) == (
        5,
        5_100_000 + 2_493_000 + 3_281_000 + 4_207_000 + 5_543_000,
    )
    assert gas["value_sum"] == (37 + 14 + 21 + 27 + 41) * 1000  # 140 therms
    assert gas["usage_points"][0]["meter_readings"][0]["power_of_ten_multiplier"] == -3

    # odd timestamps (fractional seconds) are named on every reading; the empty ReadingType too
    odd = FORMAT.inspect_file(CORPUS / "gas_containerized.xml", ctx)
    rules = [p["rule"] for p in odd["problems"]]
    assert rules.count("odd-timestamp") == odd["readings"] == 3 and "missing-element" in rules
