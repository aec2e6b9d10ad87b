"""Meter reads -> MeterRead / ReadException: hi/low audit, rollover, exception codes, keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import pytest

from formats.base import ReadContext
from formats.meter_reads import MeterReadsFormat, MeterReadsOptions
from mappings.base import MapContext
from mappings.meter_reads import (
    MeterRead,
    MeterReadsMapping,
    MeterReadsMappingOptions,
    ReadException,
    utc_text,
)

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)
HEADER = (
    "route,sequence,account,meter,register,read_at,reading,prior_reading,read_code,reader_id,trouble_code"
)


def mapped(rows: list[str], header: str = HEADER, **options: Any) -> dict[str, pl.DataFrame]:
    fmt = MeterReadsFormat(MeterReadsOptions())
    ctx = ReadContext("r.csv", NOW, "America/Chicago")
    valid = fmt.validate(fmt.read(("\n".join([header, *rows]) + "\n").encode(), ctx), ctx)
    assert valid.problems == []
    return MeterReadsMapping(MeterReadsMappingOptions(**options)).map(valid.table, MapContext("r.csv"))


def one(rows: list[str], **options: Any) -> tuple[str, dict[str, Any]]:
    out = mapped(rows, **options)
    [(kind, frame)] = [(k, f) for k, f in out.items() if f.height]
    return kind, frame.row(0, named=True)


def row(reading: str, prior: str, code: str = "01", meter: str = "M1") -> str:
    return f"R1,10,0012345,{meter},1,2026-11-20T08:15:00,{reading},{prior},{code},RD1,"


def test_normal_read_posts_with_consumption_and_a_deterministic_key() -> None:
    kind, r = one([row("01500", "01100")])
    assert kind == "MeterRead"
    assert r["consumption"] == 400 and r["rollover"] is False and r["read_type"] == "actual"
    assert r["idempotency_key"] == "M1|1|2026-11-20T14:15:00Z"
    assert r["account"] == "0012345" and r["source_line"] == 2
    MeterRead.model_validate({k: r[k] for k in MeterRead.model_fields})
    assert one([row("01500", "01100")])[1]["idempotency_key"] == r["idempotency_key"]


def test_rollover_at_the_dial_count_is_consumption_not_an_exception() -> None:
    kind, r = one([row("00020", "99950")])
    assert kind == "MeterRead" and r["rollover"] is True and r["consumption"] == 70


def test_a_backwards_read_that_is_not_a_rollover_goes_to_review() -> None:
    kind, r = one([row("50000", "51000")])
    assert kind == "ReadException" and r["exception"] == "negative_consumption"
    assert "below the prior reading by 1000" in r["reason"]
    ReadException.model_validate({k: r[k] for k in ReadException.model_fields})


def test_zero_consumption_is_flagged_unless_turned_off() -> None:
    assert one([row("01100", "01100")])[1]["exception"] == "zero_consumption"
    assert one([row("01100", "01100")], flag_zero_consumption=False)[0] == "MeterRead"


def test_absolute_high_limit() -> None:
    kind, r = one([row("09000", "01000")], max_consumption=5000)
    assert kind == "ReadException" and r["exception"] == "high" and "above the limit 5000" in r["reason"]


@pytest.mark.parametrize(
    ("reading", "expected"), [("01100", "low"), ("01600", "MeterRead"), ("03000", "high")]
)
def test_band_against_the_average_usage_column(reading: str, expected: str) -> None:
    header = HEADER + ",average_usage"
    out = mapped([row(reading, "01000") + ",400"], header=header)
    if expected == "MeterRead":
        assert out["MeterRead"].height == 1
    else:
        assert out["ReadException"].row(0, named=True)["exception"] == expected


@pytest.mark.parametrize(
    ("code", "reading", "kind"),
    [("04", "", "no_access"), ("06", "", "dog"), ("07", "01500", "tamper"), ("09", "", "wrong_route")],
)
def test_exception_codes_are_routed_for_review(code: str, reading: str, kind: str) -> None:
    out_kind, r = one([row(reading, "01100", code)])
    assert out_kind == "ReadException" and r["exception"] == kind and r["read_code"] == code


def test_estimates_and_customer_reads_are_typed() -> None:
    out = mapped([row("01500", "01100", "02", "M1"), row("01500", "01100", "03", "M2")])
    assert out["MeterRead"]["read_type"].to_list() == ["estimate", "customer"]


def test_every_valid_row_becomes_exactly_one_transaction() -> None:
    from hub.engine.sample import meter_reads_frame
    from hub.engine.sample_common import to_csv

    fmt = MeterReadsFormat(MeterReadsOptions())
    ctx = ReadContext("s.csv", NOW)
    valid = fmt.validate(fmt.read(to_csv(meter_reads_frame(5000, now=NOW)), ctx), ctx)
    out = MeterReadsMapping(MeterReadsMappingOptions()).map(valid.table, MapContext("s.csv"))
    lines = pl.concat([f.select("source_line") for f in out.values()])["source_line"]
    assert lines.len() == 5000 and lines.n_unique() == 5000
    assert out["ReadException"].height > 0


@pytest.mark.parametrize("span_days", [0, 3, 5000])
def test_read_times_are_written_as_strftime_writes_them(span_days: int) -> None:
    """The key's read time comes from lookup tables (days, seconds of a day) when the file's days
    are few; sub-seconds are dropped and times before 1970 floor, exactly as strftime writes them."""
    start = datetime(1969, 12, 31, 23, 59, 58, tzinfo=UTC)
    values = [start + timedelta(days=span_days * k / 7, seconds=k * 3601.75) for k in range(8)] + [None]
    for unit in ("ms", "us", "ns"):
        column = pl.Series("read_at", values, pl.Datetime(unit, "UTC"))
        frame = column.to_frame()
        expected = frame.select(
            pl.col("read_at").dt.replace_time_zone(None).dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        )
        assert frame.select(utc_text(column)).equals(expected)
    assert expected.item(0, 0) == "1969-12-31T23:59:58Z" and expected.item(8, 0) is None
