"""Green Button readings -> IntervalUsage: exact values at every power of ten, units, accounts by
configuration, UTC starts, deterministic keys, duplicates delivered once."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import polars as pl
import pytest

from formats.base import ReadContext
from formats.greenbutton import GreenButtonFormat, GreenButtonOptions
from mappings.base import MapContext
from mappings.green_button import GreenButtonMapping, GreenButtonMappingOptions, IntervalUsage
from tests.formats.greenbutton_cases import USAGE_POINT, Feed, Reading, build, hourly

CTX = ReadContext(file="feed.xml", now=datetime(2026, 12, 1, tzinfo=UTC))


def mapped(feed: Feed, **options: Any) -> pl.DataFrame:
    fmt = GreenButtonFormat(GreenButtonOptions())
    valid = fmt.validate(fmt.read(build(feed), CTX), CTX)
    out = GreenButtonMapping(GreenButtonMappingOptions(**options)).map(valid.table, MapContext("feed.xml"))
    assert list(out) == ["IntervalUsage"]
    return out["IntervalUsage"]


@pytest.mark.parametrize(
    ("raw", "power", "exact"),
    [
        ("1500", "-3", "1.500"),
        ("-1500", "-3", "-1.500"),
        ("7", "-6", "0.000007"),
        ("-7", "-2", "-0.07"),
        ("123456789012345678", "-9", "123456789.012345678"),
        ("42", "0", "42"),
        ("42", "3", "42000"),
        ("0", "-3", "0.000"),
    ],
)
def test_the_value_is_raw_times_ten_to_the_multiplier_exactly(raw: str, power: str, exact: str) -> None:
    [row] = mapped(Feed(blocks=[[Reading(value=raw)]], power=power)).to_dicts()
    assert row["value"] == exact
    assert Decimal(row["value"]) == Decimal(raw).scaleb(int(power))
    assert (row["raw_value"], row["power_of_ten_multiplier"]) == (int(raw), int(power))


def test_a_row_carries_the_usage_point_account_unit_start_and_key() -> None:
    [row] = mapped(Feed(blocks=[[Reading()]]), accounts={USAGE_POINT: "0012345"}).to_dicts()
    assert (row["usage_point"], row["account"], row["unit"]) == (USAGE_POINT, "0012345", "Wh")
    assert row["start"] == "2023-11-14T22:13:20Z" and row["duration_seconds"] == 3600
    assert row["idempotency_key"] == f"GB|{USAGE_POINT}|ReadingType/07|2023-11-14T22:13:20Z"
    assert row["idempotency_key"][GreenButtonMapping.key_date_at or 0 :][:10] == "2023-11-14"
    assert (row["cost"], row["quality"], row["local_offset_seconds"]) == (12000, "valid", -18000)
    IntervalUsage.model_validate({k: row[k] for k in IntervalUsage.model_fields})


def test_without_a_configured_account_the_row_has_none_and_units_follow_the_uom() -> None:
    [row] = mapped(Feed(blocks=[[Reading()]], uom="169")).to_dicts()
    assert row["account"] is None and row["unit"] == "therm"
    [odd] = mapped(Feed(blocks=[[Reading()]], uom="999")).to_dicts()
    assert odd["unit"] == "uom 999"


def test_duplicates_are_delivered_once_the_first_kept_and_keys_are_stable() -> None:
    readings = hourly(3)
    readings.append(Reading(readings[0].start, "3600", "5", None, "8"))
    first = mapped(Feed(blocks=[readings]))
    assert first.height == 3 and first.get_column("raw_value").to_list() == [1000, 1001, 1002]
    again = mapped(Feed(blocks=[hourly(3)]))
    assert again.get_column("idempotency_key").to_list() == first.get_column("idempotency_key").to_list()
    assert first.get_column("idempotency_key").n_unique() == 3


def test_quality_codes_are_named() -> None:
    rows = mapped(Feed(blocks=[[Reading(quality="8"), Reading(start="1700003600", quality=None)]])).to_dicts()
    assert [r["quality"] for r in rows] == ["estimated using reference day", None]
