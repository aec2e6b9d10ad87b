"""Shared by the meter-reads format tests: a default row, an upload builder, and runners that
return the findings as (line, field, rule, value)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from formats.base import Parsed, ReadContext, Validated
from formats.meter_reads import FIELDS, MeterReadsFormat, MeterReadsOptions
from hub.engine.sample import HEADER
from hub.kernel.errors import ParseError
from hub.kernel.rows import LINE

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)
CHICAGO = "America/Chicago"

DEFAULTS = {
    "route": "R0001",
    "sequence": "10",
    "account": "0001000001",
    "meter": "M5000000",
    "register": "1",
    "read_at": "2026-11-20T08:15:00",
    "reading": "00123",
    "prior_reading": "00100",
    "read_code": "01",
    "reader_id": "RD01",
    "trouble_code": "",
}

Finding = tuple[int | None, str | None, str, str | None]


def row(**cells: str) -> str:
    """One data line in the default column order; keyword arguments replace default cells."""
    unknown = set(cells) - set(DEFAULTS)
    assert not unknown, unknown
    return ",".join({**DEFAULTS, **cells}[f] for f in FIELDS)


def upload(*rows: str, header: str = HEADER, eol: str = "\n") -> bytes:
    return (eol.join([header, *rows]) + eol).encode()


def ctx(tz: str = "UTC", now: datetime = NOW) -> ReadContext:
    return ReadContext(file="route-7.csv", now=now, timezone=tz)


def run(data: bytes, tz: str = "UTC", now: datetime = NOW, **options: Any) -> tuple[Parsed, Validated]:
    fmt = MeterReadsFormat(MeterReadsOptions(**options))
    c = ctx(tz, now)
    parsed = fmt.read(data, c)
    return parsed, fmt.validate(parsed, c)


def findings(data: bytes, tz: str = "UTC", now: datetime = NOW, **options: Any) -> list[Finding]:
    _, validated = run(data, tz, now, **options)
    return [(p.line, p.field, p.rule, p.value) for p in validated.problems]


def valid_lines(validated: Validated) -> list[int]:
    return validated.table.get_column(LINE).to_list()


def parse_error(data: bytes, **options: Any) -> ParseError:
    with pytest.raises(ParseError) as info:
        run(data, **options)
    assert info.value.position.file == "route-7.csv"
    return info.value
