"""Property tests of the meter-reads format: whatever bytes arrive, reading and validating either
accounts for every data row or fails with a ParseError that says where; valid files round-trip."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from formats.base import ReadContext, Validated
from formats.meter_reads import ALL_FIELDS, DEFAULT_READ_CODES, FIELDS, MeterReadsFormat, MeterReadsOptions
from hub.engine.sample import HEADER
from hub.kernel.errors import ParseError
from hub.kernel.rows import LINE

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)
OPTIONS = MeterReadsOptions()
FMT = MeterReadsFormat(OPTIONS)
EARLIEST = NOW - timedelta(days=OPTIONS.read_window_days)
LATEST = NOW + timedelta(minutes=OPTIONS.future_tolerance_minutes)

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
# examples that reach the pandera validation cost ~60 ms each (twice per round trip): fewer of them
SLOW = settings(SETTINGS, max_examples=100)

CSVISH = '0123456789,"\n\r abcMRT-:Z+.'
VALID_ROW = "R0001,10,0001000001,M5000000,1,2026-11-20T12:00:06,96000,95062,01,RD01,"


def ctx(tz: str = "UTC") -> ReadContext:
    return ReadContext(file="upload.csv", now=NOW, timezone=tz)


def read_and_validate(data: bytes, tz: str = "UTC") -> tuple[int, Validated]:
    """Read then validate; only ParseError may escape, and it must say where and which rule."""
    c = ctx(tz)
    try:
        parsed = FMT.read(data, c)
        validated = FMT.validate(parsed, c)
    except ParseError as exc:
        assert exc.position.file == "upload.csv"
        assert exc.rule, "a ParseError names its rule"
        if data:
            assert isinstance(exc.position.line, int), exc
            assert exc.position.line >= 1, exc
        raise
    return parsed.rows, validated


def data_records(data: bytes) -> int:
    """Non-blank data records, counted independently with the csv module."""
    text = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    records = list(csv.reader(io.StringIO(text, newline=""), strict=True))[1:]
    return sum(1 for r in records if r and not (len(r) == 1 and not r[0].strip()))


def check_accounting(data: bytes, tz: str = "UTC") -> None:
    try:
        rows, validated = read_and_validate(data, tz)
    except ParseError as exc:
        event(f"ParseError {exc.rule}")  # --hypothesis-show-statistics shows which paths ran
        return
    event("validated")
    for rule in {p.rule for p in validated.problems}:
        event(f"problem {rule}")
    problem_lines = {p.line for p in validated.problems}
    assert None not in problem_lines, "row problems always name their line"
    assert validated.table.height + len(problem_lines) == rows
    assert validated.rows == rows
    assert rows == data_records(data), (rows, data)
    assert validated.table.get_column(LINE).is_in(list(problem_lines)).sum() == 0


# -- never anything but ParseError ----------------------------------------------------------------


@SETTINGS
@given(st.binary(max_size=600))
def test_arbitrary_bytes_only_raise_parse_error(data: bytes) -> None:
    check_accounting(data)


@SETTINGS
@given(st.binary(max_size=600) | st.text(max_size=300).map(str.encode), st.sampled_from(["\n", "\r\n"]))
def test_arbitrary_bytes_after_a_valid_header(tail: bytes, eol: str) -> None:
    check_accounting((HEADER + eol).encode() + tail, "America/Chicago")


@SETTINGS
@given(st.text(alphabet=CSVISH, max_size=400))
def test_csv_like_text_only_raises_parse_error(text: str) -> None:
    check_accounting(text.encode())


def cells(alphabet: str) -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(alphabet=alphabet, max_size=12),
        st.sampled_from(["", "01", "04", "07", "10", "0001", "M1", "1", "00123", "2026-11-20T10:00"]),
        st.sampled_from(["2026-11-20T10:00:00-06:00", "2026-03-08T02:30", "2026/11/20", "2027-01-01T00:00Z"]),
    )


# without quotes anywhere the polars fast path reads the file; with them, the csv module does
# (and polars only when every record has the header's 11 fields, so most generated records do)
csv_rows = st.sampled_from([CSVISH, CSVISH.replace('"', "")]).flatmap(
    lambda alphabet: st.lists(
        st.lists(cells(alphabet), min_size=11, max_size=11)
        | st.lists(cells(alphabet), min_size=9, max_size=13),
        max_size=12,
    )
)


@SLOW
@given(csv_rows, st.sampled_from(["\n", "\r\n"]))
def test_csv_like_rows_after_a_valid_header(rows: list[list[str]], eol: str) -> None:
    body = eol.join(",".join(r) for r in rows)
    check_accounting((HEADER + eol + VALID_ROW + eol + body).encode(), "America/Chicago")


# -- generated valid files round-trip -------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    route: str
    sequence: int
    sequence_text: str
    account: str
    meter: str
    register: str
    read_at: datetime  # the UTC instant
    read_at_text: str
    reading: int | None
    reading_text: str
    prior_reading: int | None
    prior_text: str
    read_code: str
    reader_id: str
    trouble_code: str | None
    average_usage: int | None

    def cells(self) -> dict[str, str]:
        return {
            "route": self.route,
            "sequence": self.sequence_text,
            "account": self.account,
            "meter": self.meter,
            "register": self.register,
            "read_at": self.read_at_text,
            "reading": self.reading_text,
            "prior_reading": self.prior_text,
            "read_code": self.read_code,
            "reader_id": self.reader_id,
            "trouble_code": self.trouble_code or "",
            "average_usage": "" if self.average_usage is None else str(self.average_usage),
        }

    def expected(self) -> dict[str, Any]:
        return {
            "route": self.route,
            "sequence": self.sequence,
            "account": self.account,
            "meter": self.meter,
            "register": self.register,
            "read_at": self.read_at,
            "reading": self.reading,
            "prior_reading": self.prior_reading,
            "read_code": self.read_code,
            "reader_id": self.reader_id,
            "trouble_code": self.trouble_code,
            "average_usage": self.average_usage,
        }


ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
FREE_TEXT = ALNUM + ' ,"-#'  # CSV-special characters force quoting (the exact csv path)


def padded(value: int, extra: int) -> str:
    return str(value).zfill(len(str(value)) + extra)


@st.composite
def read_times(draw: st.DrawFn, tz: str) -> tuple[datetime, str]:
    """A UTC instant inside the read window and one of its ISO 8601 spellings."""
    seconds = draw(st.integers(0, int((LATEST - EARLIEST).total_seconds()) - 2))
    millis = draw(st.sampled_from([0, 0, 0, 5, 250, 999]))
    instant = EARLIEST + timedelta(seconds=seconds + 1, milliseconds=millis)
    style = draw(st.sampled_from(["Z", "offset", "compact_offset", "hour_offset", "local", "local_space"]))
    if style == "hour_offset":
        minutes = 60 * draw(st.integers(-12, 14))
        shown = instant.astimezone(timezone(timedelta(minutes=minutes)))
    elif style in ("offset", "compact_offset"):
        minutes = draw(st.sampled_from([-600, -360, -300, -210, 0, 60, 330, 545, 840]))
        shown = instant.astimezone(timezone(timedelta(minutes=minutes)))
    elif style == "Z":
        shown = instant
    else:
        shown = instant.astimezone(ZoneInfo(tz))
        # the second of two equal local times (DST fall-back) cannot be written without an offset
        assume(shown.fold == 0)
    stamp = shown.strftime("%Y-%m-%dT%H:%M")
    if shown.second or millis or draw(st.booleans()):
        stamp += shown.strftime(":%S")
        if millis:
            stamp += f".{millis:03d}"
    if style == "local_space":
        stamp = stamp.replace("T", " ")
    if style == "Z":
        stamp += "Z"
    elif style == "offset":
        stamp += shown.strftime("%z")[:3] + ":" + shown.strftime("%z")[3:]
    elif style == "compact_offset":
        stamp += shown.strftime("%z")
    elif style == "hour_offset":
        stamp += shown.strftime("%z")[:3]
    return instant, stamp


@st.composite
def valid_rows(draw: st.DrawFn, tz: str, with_average: bool) -> list[Row]:
    count = draw(st.integers(0, 12))
    rows = []
    for i in range(count):
        code = draw(st.sampled_from(sorted(DEFAULT_READ_CODES)))
        need = DEFAULT_READ_CODES[code].reading
        has_reading = need == "required" or (need == "optional" and draw(st.booleans()))
        reading = draw(st.integers(0, 99_999)) if has_reading else None
        prior = draw(st.none() | st.integers(0, 99_999))
        sequence = draw(st.integers(0, 999_999))
        instant, stamp = draw(read_times(tz))
        account_digits = draw(st.text(alphabet="0123456789", min_size=1, max_size=12))
        route = draw(st.text(alphabet=FREE_TEXT, min_size=1, max_size=20).filter(lambda s: s == s.strip()))
        rows.append(
            Row(
                route=route,
                sequence=sequence,
                sequence_text=padded(sequence, draw(st.integers(0, 3))),
                account="0" * draw(st.integers(1, 4)) + account_digits,
                meter=draw(st.text(alphabet=ALNUM + "-", min_size=1, max_size=14)) + f"-{i}",
                register=draw(st.text(alphabet=ALNUM, min_size=1, max_size=4)),
                read_at=instant,
                read_at_text=stamp,
                reading=reading,
                reading_text="" if reading is None else padded(reading, draw(st.integers(0, 4))),
                prior_reading=prior,
                prior_text="" if prior is None else padded(prior, draw(st.integers(0, 4))),
                read_code=code,
                reader_id=draw(st.text(alphabet=FREE_TEXT, min_size=1, max_size=20)).strip() or "RD",
                trouble_code=draw(st.none() | st.text(alphabet=ALNUM, min_size=1, max_size=4)),
                average_usage=draw(st.none() | st.integers(0, 5_000)) if with_average else None,
            )
        )
    return rows


def to_csv(rows: list[Row], header: list[str], eol: str) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=eol)
    writer.writerow(header)
    for row in rows:
        cells = row.cells()
        writer.writerow([cells[h] for h in header])
    return buf.getvalue().encode()


def fields_of(table: pl.DataFrame) -> list[dict[str, Any]]:
    return table.select(ALL_FIELDS).to_dicts()


@st.composite
def uploads(draw: st.DrawFn) -> tuple[str, list[str], list[Row]]:
    """(time zone, header in any column order, rows); average_usage is an optional extra column."""
    tz = draw(st.sampled_from(["UTC", "America/Chicago"]))
    with_average = draw(st.booleans())
    header = draw(st.permutations([*FIELDS, "average_usage"] if with_average else FIELDS))
    return tz, list(header), draw(valid_rows(tz, with_average))


@SLOW
@given(uploads(), st.sampled_from(["\n", "\r\n"]))
def test_generated_valid_file_round_trips(upload: tuple[str, list[str], list[Row]], eol: str) -> None:
    tz, header, rows = upload
    data = to_csv(rows, header, eol)
    total, validated = read_and_validate(data, tz)

    assert validated.problems == []
    assert total == len(rows)
    assert fields_of(validated.table) == [r.expected() for r in rows]
    assert validated.table.schema["read_at"] == pl.Datetime("us", "UTC")

    # write -> read again gives the same typed table (zero-padding and sub-seconds included)
    again_total, again = read_and_validate(FMT.write(validated.table), tz)
    assert again.problems == []
    assert again_total == len(rows)
    assert fields_of(again.table) == fields_of(validated.table)
    assert again.table.get_column("reading_digits").to_list() == (
        validated.table.get_column("reading_digits").to_list()
    )


@pytest.mark.parametrize("tz", ["UTC", "America/Chicago"])
def test_round_trip_keeps_an_example_exactly(tz: str) -> None:
    row = "R0001,0010,0001000001,M5000000,1,2026-11-20T12:00:06.250,00222,99293,01,RD01,LK\n"
    _, first = read_and_validate((HEADER + "\n" + row).encode(), tz)
    written = FMT.write(first.table)
    assert b",00222,99293," in written, written
    _, second = read_and_validate(written, tz)
    assert fields_of(second.table) == fields_of(first.table)
    [record] = fields_of(second.table)
    assert record["account"] == "0001000001"
    assert record["reading"] == 222
    local = datetime(2026, 11, 20, 12, 0, 6, 250_000, tzinfo=ZoneInfo(tz))
    assert record["read_at"] == local.astimezone(UTC)
