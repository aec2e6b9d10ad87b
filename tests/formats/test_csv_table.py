"""``formats.csv_table.read_delimited``: whichever way it reads a file (polars whole, polars line by
line, the csv module), the table, the problems and the blank-line count are those of the csv
module's exact reading; a large file with a few broken rows is read without falling back to it."""

from __future__ import annotations

from collections.abc import Callable
from unittest import mock

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from formats import csv_lines, csv_table
from formats.csv_table import _exact, read_delimited
from hub.engine.sample import meter_reads_csv
from hub.kernel.errors import ParseError

HEADER = ["account", "meter", "reading"]
CELL = st.text(alphabet=st.sampled_from(list("0aZ ;\t\x00\x1c\u00a0é-")), max_size=4)


def _exactly(data: bytes, delimiter: str = ",") -> csv_table.CsvTable:
    return _exact(data, HEADER, delimiter, "upload.csv", ["account"])


@settings(max_examples=300, deadline=None)
@given(
    rows=st.lists(st.lists(CELL, min_size=0, max_size=5), max_size=12),
    eol=st.sampled_from(["\n", "\r\n"]),
    last_eol=st.booleans(),
    delimiter=st.sampled_from([",", ";", "\t"]),
)
def test_every_plain_file_reads_as_the_csv_module_reads_it(
    rows: list[list[str]], eol: str, last_eol: bool, delimiter: str
) -> None:
    lines = [delimiter.join(HEADER)] + [delimiter.join(cells) for cells in rows]
    data = (eol.join(lines) + (eol if last_eol else "")).encode()
    got = read_delimited(data, file="upload.csv", delimiter=delimiter, sensitive=["account"])
    want = _exactly(data, delimiter)
    assert got.table.select(want.table.columns).equals(want.table)  # the line number's place aside
    assert got.problems == want.problems
    assert got.blank_lines == want.blank_lines


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


QUOTED_CELL = st.one_of(
    CELL,
    st.text(alphabet=st.sampled_from(list('0a ,;\t"\n\r')), max_size=4).map(_quoted),  # as it should be
    st.tuples(CELL, st.sampled_from(['"', '""', '"x"']), CELL).map("".join),  # quotes out of place
)


def _outcome(read: Callable[[], csv_table.CsvTable]) -> tuple[object, ...]:
    try:
        got = read()
    except ParseError as exc:
        return ("refused", str(exc))
    table = got.table.select(got.header, "_line")
    return ("read", table.rows(), got.problems, got.blank_lines)


@settings(max_examples=400, deadline=None)
@given(
    rows=st.lists(st.lists(QUOTED_CELL, min_size=0, max_size=5), max_size=10),
    eol=st.sampled_from(["\n", "\r\n"]),
    delimiter=st.sampled_from([",", ";", "\t"]),
)
def test_every_quoted_file_reads_as_the_csv_module_reads_it(
    rows: list[list[str]], eol: str, delimiter: str
) -> None:
    data = eol.join([delimiter.join(HEADER)] + [delimiter.join(cells) for cells in rows]).encode()
    got = _outcome(
        lambda: read_delimited(data, file="upload.csv", delimiter=delimiter, sensitive=["account"])
    )
    assert got == _outcome(lambda: _exactly(data, delimiter))


@settings(max_examples=300, deadline=None)
@given(
    rows=st.lists(st.lists(QUOTED_CELL, min_size=0, max_size=5), max_size=10),
    eol=st.sampled_from(["\n", "\r\n"]),
    chunk=st.integers(min_value=1, max_value=40),
)
def test_lines_scanned_a_few_bytes_at_a_time_read_the_same(
    rows: list[list[str]], eol: str, chunk: int
) -> None:
    """The scan's chunks end at line ends, whatever their size and however long a line is."""
    data = eol.join([",".join(HEADER)] + [",".join(cells) for cells in rows]).encode()
    whole = _outcome(lambda: read_delimited(data, file="upload.csv", sensitive=["account"]))
    with mock.patch.object(csv_lines, "CHUNK", chunk):
        assert _outcome(lambda: read_delimited(data, file="upload.csv", sensitive=["account"])) == whole
    assert whole == _outcome(lambda: _exactly(data))


@settings(max_examples=300, deadline=None)
@given(
    data=st.binary(max_size=64).map(lambda b: b.replace(b"x", b"\n")),
    start=st.integers(min_value=-2, max_value=70),
    end=st.one_of(st.none(), st.integers(min_value=-2, max_value=70)),
    step=st.integers(min_value=1, max_value=9),
)
def test_a_byte_counted_a_slice_at_a_time_is_counted_as_bytes_count_does(
    data: bytes, start: int, end: int | None, step: int
) -> None:
    """The fast path's line and delimiter counts (``count_byte``) are ``bytes.count``'s within the
    range it is given, whatever the slices it counts by."""
    start = max(start, 0)  # its callers pass offsets into the data
    want = data.count(b"\n", start, len(data) if end is None else max(end, 0))
    with mock.patch.object(csv_lines, "COUNT_SLICE", step):
        assert csv_lines.count_byte(data, ord("\n"), start, None if end is None else max(end, 0)) == want


def test_a_plain_file_counted_in_small_slices_reads_the_same_and_still_names_a_short_row() -> None:
    rows = ["1,2,3"] * 40
    good = "\n".join([",".join(HEADER), *rows]).encode()
    short = "\n".join([",".join(HEADER), *rows[:20], "1,2", *rows[20:]]).encode()
    whole = _outcome(lambda: read_delimited(good, file="upload.csv"))
    with mock.patch.object(csv_lines, "COUNT_SLICE", 7):
        assert _outcome(lambda: read_delimited(good, file="upload.csv")) == whole
        found = read_delimited(short, file="upload.csv")
    assert found.table.height == 40
    assert [(p.rule, p.line) for p in found.problems] == [("field_count", 22)]


def test_a_large_quoted_file_is_read_by_polars_with_its_broken_rows_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rows = meter_reads_csv(60_000).decode().split("\n")
    quoted = [rows[0]] + [",".join(_quoted(c) for c in row.split(",")) if row else row for row in rows[1:]]
    quoted[5] = quoted[5].replace('"R', '"R,', 1)  # line 6: a delimiter inside quotes is the value's
    quoted[20] += ',""'  # line 21: a field too many
    data = "\n".join(quoted).encode()
    want = _exact(data, quoted[0].split(","), ",", "upload.csv", ["account"])

    def no_row_by_row(*args: object, **kwargs: object) -> None:
        raise AssertionError("read row by row in Python")

    monkeypatch.setattr(csv_table, "_exact", no_row_by_row)
    got = read_delimited(data, file="upload.csv", sensitive=["account"])
    assert [(p.line, p.message) for p in got.problems] == [
        (21, "expected 11 fields as in the header, found 12")
    ]
    assert got.problems == want.problems
    assert got.table.select(want.table.columns).equals(want.table)
    assert got.table.filter(pl.col("_line") == 6).get_column("route").item().startswith("R,")


def test_a_large_file_with_broken_rows_names_each_and_keeps_the_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    text = meter_reads_csv(60_000).decode().split("\n")
    text[10] += ",extra"  # line 11: a field too many
    text[500] = ""  # line 501: blank
    text[40_000] = text[40_000].rsplit(",", 1)[0]  # line 40,001: a field short
    data = "\n".join(text).encode()

    def no_row_by_row(*args: object, **kwargs: object) -> None:
        raise AssertionError("read row by row in Python")

    monkeypatch.setattr(csv_table, "_exact", no_row_by_row)
    got = read_delimited(data, file="upload.csv", sensitive=["account"])

    assert [(p.line, p.rule) for p in got.problems] == [(11, "field_count"), (40_001, "field_count")]
    assert got.problems[0].message == "expected 11 fields as in the header, found 12"
    assert got.problems[1].message == "expected 11 fields as in the header, found 10"
    assert got.problems[0].value is not None and ",extra" in got.problems[0].value
    assert got.blank_lines == 1
    assert got.table.height == 60_000 - 3
    lines = got.table.get_column("_line")
    assert lines[0] == 2 and 11 not in lines and 501 not in lines and 40_001 not in lines
    monkeypatch.undo()
    assert got.table.equals(_exact(data, got.header, ",", "upload.csv", ["account"]).table)


def test_a_row_of_white_space_and_delimiters_is_a_broken_row_not_silence() -> None:
    data = b"account\tmeter\treading\n\t\n \n"  # line 2: two empty fields; line 3: blank
    got = read_delimited(data, file="upload.csv", delimiter="\t")
    assert [(p.line, p.rule, p.message) for p in got.problems] == [
        (2, "field_count", "expected 3 fields as in the header, found 2")
    ]
    assert got.blank_lines == 1 and got.table.is_empty()


def test_a_short_row_is_not_hidden_by_a_last_line_with_an_empty_field_too_many() -> None:
    # the delimiters add up (2 + 1 + 3 = 3 rows of 2), and polars pads the short row with a null
    data = b"account,meter,reading\n0001,M1,5\n0002,M2\n0003,M3,7,"
    got = read_delimited(data, file="upload.csv")
    assert [(p.line, p.message) for p in got.problems] == [
        (3, "expected 3 fields as in the header, found 2"),
        (4, "expected 3 fields as in the header, found 4"),
    ]
    assert got.table.get_column("_line").to_list() == [2]
