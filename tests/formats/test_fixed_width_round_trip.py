"""One round trip for every fixed-width format: values of every field of every record layout (NACHA's,
lockbox's default and a bank's own) written by the engine's writer, with LF or CR LF, read back by the
engine (split, order, field checks, cut) clean and identical."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from formats.fixed_width.fields import check, cut, digits, text
from formats.fixed_width.kinds import parse_date
from formats.fixed_width.layout import Field, Kind, Record
from formats.fixed_width.order import Grammar, order
from formats.fixed_width.split import Tolerances, split
from formats.fixed_width.writer import render
from formats.lockbox_layout import ORDER as LOCKBOX_ORDER
from formats.lockbox_layout import LockboxOptions
from formats.nacha_layout import (
    ADDENDA_05,
    ADDENDA_98,
    ADDENDA_99,
    ADDENDA_99_CONTESTED,
    ADDENDA_99_DISHONORED,
    BATCH_CONTROL,
    BATCH_HEADER,
    ENTRY,
    FILE_CONTROL,
    FILE_HEADER,
)
from formats.nacha_layout import ORDER as NACHA_ORDER

BANK = LockboxOptions.model_validate(
    {
        "max_record_length": 132,
        "detail": {
            "check_number": [37, 44],
            "check_date": [45, 52],
            "remitter_name": [53, 92],
            "free_data_start": 93,
        },
        "check_date_format": "%Y%m%d",
        "date_format": "%d%m%y",
    }
)


def _lockbox(options: LockboxOptions) -> list[Record]:
    return [options.records[kind] for kind in "12564789"]


# Each format: its grammar, and records in an order it accepts, each layout at least once.
FORMATS: dict[str, tuple[Grammar, list[Record], str]] = {
    "nacha": (
        NACHA_ORDER,
        [FILE_HEADER, BATCH_HEADER]
        + [
            r
            for addenda in (ADDENDA_05, ADDENDA_98, ADDENDA_99, ADDENDA_99_DISHONORED, ADDENDA_99_CONTESTED)
            for r in (ENTRY, addenda)
        ]
        + [BATCH_CONTROL, FILE_CONTROL],
        "NACHA",
    ),
    "lockbox": (LOCKBOX_ORDER, _lockbox(LockboxOptions()), "lockbox"),
    "lockbox-bank": (LOCKBOX_ORDER, _lockbox(BANK), "lockbox"),
}
PRINTABLE = st.characters(min_codepoint=0x20, max_codepoint=0x7E)


def value(kind: Kind, f: Field) -> st.SearchStrategy[Any]:
    """A value a field of ``kind`` holds: what the writer takes and the reader gives back."""
    if kind.date_format:
        return st.dates(date(1970, 1, 1), date(2068, 12, 31))
    if kind.numeric:
        return st.integers(0, 10**f.width - 1)
    if kind.code == "B":
        return st.none()
    if kind.code == "T":  # lockbox's time HHMM
        return st.times().map(lambda t: t.strftime("%H%M"))
    return st.text(PRINTABLE, min_size=1, max_size=f.width).map(str.strip).filter(bool)


@st.composite
def records(draw: st.DrawFn, layouts: list[Record]) -> list[tuple[Record, dict[str, Any], str]]:
    """Each layout with a value for every field (none for some optional ones) and its free data."""
    out = []
    for record in layouts:
        values = {}
        for f in record.fields:
            if f.optional and draw(st.booleans()):
                continue
            values[f.name] = draw(value(record.kind(f), f))
        free = "" if record.data_start is None else draw(st.text(PRINTABLE, max_size=12).map(str.strip))
        out.append((record, values, free))
    return out


def read_back(record: Record, rows: pl.DataFrame) -> dict[str, Any]:
    """The fields of one record as the engine reads them: numbers, dates, text (None when blank)."""
    typed = []
    for f in record.fields:
        col, kind = pl.col(f.name), record.kind(f)
        if kind.date_format:
            typed.append(parse_date(col, kind.date_format).alias(f.name))
        elif kind.numeric:
            typed.append(digits(col).alias(f.name))
        else:
            typed.append(text(col).alias(f.name))
    return cut(rows, record).select(typed).row(0, named=True)


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["LF", "CRLF"])
@pytest.mark.parametrize("name", sorted(FORMATS))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_written_records_read_back_clean_and_identical(name: str, newline: str, data: st.DataObject) -> None:
    grammar, layouts, label = FORMATS[name]
    written = data.draw(records(layouts))
    lines = [render(record, values, label=label, data=free) for record, values, free in written]
    frame, problems = split(
        newline.join(lines).encode("ascii") + newline.encode(), "f", layouts, Tolerances()
    )
    frame, in_order = order(frame, grammar)
    keyed = frame.with_columns(pl.Series("layout", [str(i) for i in range(len(written))]))
    problems += in_order + check(
        keyed, {str(i): record for i, (record, _, _) in enumerate(written)}, by="layout"
    )
    assert problems == []
    assert frame["rec"].to_list() == lines
    for (record, values, free), row in zip(written, keyed.iter_slices(1), strict=True):
        expected = {f.name: values.get(f.name) for f in record.fields}
        assert read_back(record, row) == expected
        if record.data_start is not None:
            assert row["rec"][0][record.data_start - 1 :].rstrip(" ") == free
