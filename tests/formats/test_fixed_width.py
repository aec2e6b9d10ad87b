"""The fixed-width engine by itself: layouts refused when they cannot work, what each kind accepts,
the split's tolerances, the record-order grammar (strays, the column-wise path agreeing with the walk)
and the record writer (padding, refusal, masking)."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from formats.fixed_width import order as order_module
from formats.fixed_width.fields import check
from formats.fixed_width.kinds import BLANK, DIGITS, TEXT, date_kind, kinds, pattern_kind
from formats.fixed_width.layout import Field, Record
from formats.fixed_width.order import FILLER, Grammar, order
from formats.fixed_width.split import Tolerances, split
from formats.fixed_width.writer import render
from formats.lockbox_layout import ORDER as LOCKBOX_ORDER
from formats.nacha_layout import ORDER as NACHA_ORDER
from hub.kernel.errors import MappingError, ParseError

KINDS = kinds(
    DIGITS,
    TEXT,
    BLANK,
    date_kind("D", "%y%m%d"),
    date_kind("C", "%m%d%y"),
    pattern_kind("T", r"^([01][0-9]|2[0-3])[0-5][0-9]$", "must be a time HHMM"),
)


def fixed(*fields: Field, width: int = 20, level: Any = "file") -> Record:
    return Record("1", "sample", fields, KINDS, record_length=width, level=level)


def free(*fields: Field, longest: int = 40, data_start: int | None = None, kind: str = "6") -> Record:
    return Record(
        kind, "detail", fields, KINDS, max_record_length=longest, data_start=data_start, level="row"
    )


# -- layouts are checked when built -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda: fixed(Field("a", 2, 10, "N"), Field("b", 8, 20)), "b (8-20) overlaps a (2-10)"),
        (lambda: fixed(Field("a", 1, 20)), "starts at 2 or later"),
        (lambda: fixed(Field("a", 5, 4), Field("b", 2, 3)), "a positions 5-4"),
        (lambda: fixed(Field("a", 2, 21)), "sample field a ends at 21, after record_length 20"),
        (lambda: free(Field("a", 2, 41)), "detail field a ends at 41, after max_record_length 40"),
        (lambda: fixed(Field("a", 2, 5), Field("b", 8, 20)), "positions 6-7 are in no field"),
        (lambda: fixed(Field("a", 2, 15)), "positions 16-20 are in no field"),
        (lambda: fixed(Field("a", 2, 20, "X")), "kind 'X' is not one of N, A, B, D, C, T"),
        (lambda: fixed(Field("a", 2, 9, "D"), Field("b", 10, 20)), "does not fill a (2-9, 8 characters)"),
        (lambda: free(Field("a", 2, 9), data_start=9), "free data from 9 is inside the fields"),
        (lambda: Record("12", "x", (), KINDS, record_length=20), "one character"),
        (lambda: Record("1", "x", (), KINDS), "record_length (fixed width) or a max_record_length"),
    ],
)
def test_a_layout_that_cannot_work_is_refused(make: Any, says: str) -> None:
    with pytest.raises(ValueError, match=says.replace("(", r"\(").replace(")", r"\)")):
        make()


def test_a_record_of_any_length_may_leave_gaps_and_fixed_width_reserves_them_as_blanks() -> None:
    assert free(Field("a", 2, 5), Field("b", 9, 12)).length == 12  # columns 6-8 unused
    record = fixed(Field("a", 2, 5, "N"), Field("reserved", 6, 20, "B"))
    assert (record["a"].positions, record.length, record.values("1" + "0042" + " " * 15)["a"]) == (
        "2-5",
        20,
        "0042",
    )


# -- kinds ----------------------------------------------------------------------------------------------


def findings(record: Record, *texts: str) -> list[tuple[int, str | None, str, str]]:
    """The field findings of records of ``record``'s type holding ``texts`` after the type."""
    recs = [record.type + t.ljust(record.length - 1) for t in texts]
    frame = pl.DataFrame({"line": range(1, len(recs) + 1), "rec": recs, "kind": [record.type] * len(recs)})
    found = check(frame, {record.type: record})
    return [(p.line or 0, p.value, p.message, p.severity) for p in found if p.rule == "field-format"]


@pytest.mark.parametrize(
    ("field", "good", "bad", "says"),
    [
        (Field("n", 2, 5, "N"), ["0042", "9999"], ["42  ", " 042", "00X2", "0\u00b242"], "must be 4 digits"),
        (Field("n", 2, 2, "N"), ["0"], ["X"], "must be 1 digit"),
        (Field("a", 2, 5), ["A", " A  ", "1 2 "], ["    "], "is required and is blank"),
        (
            Field("d", 2, 7, "D"),
            ["261120", "000229"],
            ["261131", " 61120", "2611 0", "000000"],
            "must be a date YYMMDD",
        ),
        (Field("c", 2, 7, "C"), ["112026"], ["261120"], "must be a date MMDDYY"),
        (Field("t", 2, 5, "T"), ["0000", "2359"], ["2400", "0960", "12 0"], "must be a time HHMM"),
    ],
)
def test_each_kind_accepts_and_refuses(field: Field, good: list[str], bad: list[str], says: str) -> None:
    record = free(field)
    assert findings(record, *good) == []
    found = findings(record, *bad)
    assert [(line, value) for line, value, _, _ in found] == list(enumerate(bad, start=1))
    assert {message for _, _, message, _ in found} == {f"detail field {field.name} {says}"}


def test_an_optional_field_is_checked_only_when_present_and_a_reserved_one_warns() -> None:
    record = fixed(Field("n", 2, 5, "N", optional=True), Field("reserved", 6, 20, "B"))
    assert findings(record, "    ", "0042") == []
    assert findings(record, "00X2", "0042   X") == [
        (1, "00X2", "sample field n must be 4 digits", "error"),
        (2, "   X           ", "sample field reserved reserved positions must be blank", "warning"),
    ]


def test_a_sensitive_value_is_masked_and_the_level_is_the_records() -> None:
    record = free(Field("account", 2, 11, "N", sensitive=True))
    frame = pl.DataFrame({"line": [1], "rec": ["6123456X890"], "kind": ["6"]})
    [problem] = check(frame, {"6": record})
    assert (problem.value, problem.level, problem.field, problem.positions) == (
        "******X890",
        "row",
        "account",
        "2-11",
    )


def test_the_character_set_names_the_first_character_outside_printable_ascii() -> None:
    frame = pl.DataFrame({"line": [1, 2], "rec": ["6AB\x01\xe9", "1AB\tC"], "kind": ["6", "1"]})
    found = [(p.line, p.positions, p.value, p.level) for p in check(frame, {"6": free(Field("a", 2, 3))})]
    assert found == [(1, "4", "'\\x01'", "row"), (2, "4", "'\\t'", "file")]


# -- split --------------------------------------------------------------------------------------------

FIXED = [fixed(Field("a", 2, 20))]
FREE = [
    free(Field("a", 2, 10), longest=30),
    Record("1", "header", (Field("b", 2, 5),), KINDS, max_record_length=30),
]


def lines_of(frame: pl.DataFrame) -> list[tuple[int, str]]:
    return list(frame.select("line", "rec").iter_rows())


def test_crlf_is_silent_a_warning_or_an_error_as_the_format_says() -> None:
    data = b"1" + b"A" * 19 + b"\r\n" + b"1" + b"B" * 19 + b"\n"
    frame, problems = split(data, "f", FIXED, Tolerances())
    assert problems == [] and lines_of(frame) == [(1, "1" + "A" * 19), (2, "1" + "B" * 19)]
    for severity in ("warning", "error"):
        _, problems = split(data, "f", FIXED, Tolerances(crlf=severity))  # type: ignore[arg-type]
        assert [(p.rule, p.line, p.severity, p.message) for p in problems] == [
            ("line-breaks", None, severity, "1 of 2 lines end with CR LF instead of LF")
        ]


def test_a_file_without_line_breaks_is_cut_into_records_of_the_width() -> None:
    data = b"1" + b"A" * 19 + b"1" + b"B" * 9 + b"\r\n"
    frame, problems = split(data, "f", FIXED, Tolerances(unbroken="warning", short="warning"))
    assert lines_of(frame) == [(1, "1" + "A" * 19), (2, "1" + "B" * 9 + " " * 10)]
    assert [(p.rule, p.line, p.positions, p.severity) for p in problems] == [
        ("line-breaks", None, None, "warning"),
        ("record-length", 2, "11-20", "warning"),
    ]
    whole, problems = split(data, "f", FIXED, Tolerances())  # not cut: one long record
    assert lines_of(whole) == [(1, ("1" + "A" * 19 + "1" + "B" * 9)[:20])]
    assert [(p.rule, p.positions, p.message) for p in problems] == [
        ("record-length", "21-30", "record is 30 characters, not 20")
    ]


def test_lengths_of_a_fixed_width_file_are_file_level() -> None:
    data = b"1AB\n" + b"X" * 22 + b"\n"
    frame, problems = split(data, "f", FIXED, Tolerances(short="warning"))
    assert lines_of(frame) == [(1, "1AB".ljust(20)), (2, "X" * 20)]
    assert [(p.line, p.positions, p.severity, p.level, p.message) for p in problems] == [
        (1, "4-20", "warning", "file", "record is 3 characters, not 20; padded with blanks"),
        (2, "21-22", "error", "file", "record is 22 characters, not 20"),
    ]


def test_lengths_of_records_of_any_length_are_the_records_findings() -> None:
    data = b"1AB\n6" + b"1" * 5 + b"\n6" + b"2" * 32 + b"\nX\n"
    frame, problems = split(data, "f", FREE, Tolerances())
    assert lines_of(frame) == [(1, "1AB  "), (2, "611111    "), (3, "6" + "2" * 29), (4, "X")]
    assert [(p.line, p.positions, p.level, p.message) for p in problems] == [
        (1, "4-5", "file", "header record is 3 characters, shorter than the 5 its fields take"),
        (2, "7-10", "row", "detail record is 6 characters, shorter than the 10 its fields take"),
        (
            3,
            "31-33",
            "row",
            "record is 33 characters, longer than the maximum 30; positions 31-33 are not read",
        ),
    ]


def test_blank_lines_are_skipped_with_their_physical_line_numbers() -> None:
    data = b"1" + b"A" * 19 + b"\n\n \t\x1c\n1" + b"B" * 19 + b"\n"
    for severity, says in (
        ("warning", "a blank line between records; skipped"),
        ("error", "a blank line between records"),
    ):
        frame, problems = split(data, "f", FIXED, Tolerances(blank=severity))  # type: ignore[arg-type]
        assert frame["line"].to_list() == [1, 4]
        assert [(p.line, p.value, p.severity, p.message) for p in problems] == [
            (2, "", severity, says),
            (3, " \t\x1c", severity, says),
        ]


def test_blank_lines_after_the_last_record_are_one_finding_when_the_format_says_how_to_take_them() -> None:
    data = b"1" + b"A" * 19 + b"\n\n1" + b"B" * 19 + b"\n\n \r\n\n"
    for trailing in ("warning", "error"):
        frame, problems = split(data, "f", FIXED, Tolerances(blank="error", trailing=trailing))  # type: ignore[arg-type]
        assert frame["line"].to_list() == [1, 3]
        assert [(p.rule, p.line, p.value, p.severity) for p in problems] == [
            ("blank-line", 2, "", "error"),
            ("blank-line", 4, "3", trailing),
        ]
        assert problems[1].message.startswith("3 blank lines after the last record (lines 4-6)")
    _, problems = split(data, "f", FIXED, Tolerances(blank="warning"))
    assert [p.line for p in problems] == [2, 4, 5, 6], "without trailing: blank lines like any other"


@pytest.mark.parametrize(
    ("data", "says"), [(b"", "no records"), (b"\r\n \t\n", "no records"), (b"\x0c\n\x1c\n", "only blank")]
)
def test_a_file_without_records_is_a_parse_error(data: bytes, says: str) -> None:
    with pytest.raises(ParseError, match=says) as raised:
        split(data, "f", FIXED, Tolerances())
    assert raised.value.rule == "empty-file" and raised.value.position.line == 1


# -- record order ---------------------------------------------------------------------------------------


def ordered(grammar: Grammar, kinds: str) -> tuple[dict[str, list[int]], list[tuple[int | None, str]]]:
    """``kinds`` (one character a record; ``P`` the filler) through ``order``: each group's indexes,
    and the findings as (line, message)."""
    recs = [grammar.filler if k == FILLER and grammar.filler else k + " record" for k in kinds]
    frame, problems = order(pl.DataFrame({"line": range(1, len(recs) + 1), "rec": recs}), grammar)
    columns = {g.column: frame[g.column].to_list() for g in grammar.groups}
    return columns, [(p.line, p.message) for p in problems]


def test_a_nacha_file_in_order_numbers_its_batches_and_entries() -> None:
    columns, problems = ordered(NACHA_ORDER, "15677685689PP")
    assert problems == []
    assert columns == {
        "batch": [-1, 0, 0, 0, 0, 0, 0, 1, 1, 1, -1, -1, -1],
        "entry": [-1, -1, 0, 0, 0, 1, -1, -1, 2, -1, -1, -1, -1],
    }


def test_a_lockbox_file_in_order_numbers_its_lockboxes_batches_and_details() -> None:
    columns, problems = ordered(LOCKBOX_ORDER, "125644676785789")
    assert problems == []
    assert columns == {
        "lockbox_ix": [-1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, -1],
        "batch_ix": [-1, -1, -1, 0, 0, 0, 0, 0, 1, 1, -1, -1, 2, -1, -1],
        "detail_ix": [-1, -1, -1, 0, 0, 0, 1, -1, 2, -1, -1, -1, -1, -1, -1],
    }


def test_a_stray_entry_is_in_no_batch_but_keeps_its_addenda() -> None:
    columns, problems = ordered(NACHA_ORDER, "1568679")
    assert columns == {"batch": [-1, 0, 0, 0, -1, -1, -1], "entry": [-1, -1, 0, -1, 1, 1, -1]}
    assert problems == [
        (5, "entry detail record outside a batch (after the batch control record)"),
        (6, "addenda record outside a batch (after the batch control record)"),
    ]


def test_a_stray_detail_is_counted_but_in_no_lockbox_and_its_overflow_in_nothing() -> None:
    columns, problems = ordered(LOCKBOX_ORDER, "1256786419")
    assert columns["lockbox_ix"] == [-1, -1, 0, 0, 0, 0, -1, -1, -1, -1]
    assert columns["batch_ix"] == [-1, -1, -1, 0, 0, -1, -1, -1, -1, -1]
    assert columns["detail_ix"] == [-1, -1, -1, 0, -1, -1, 1, -1, -1, -1]
    assert problems == [
        (7, "detail record (type 6) outside a lockbox (after the lockbox total record (type 8))"),
        (
            8,
            "overflow record (type 4) after a lockbox total record (type 8): it belongs after a detail or "
            "overflow record",
        ),
        (9, "a second header record (type 1)"),
    ]


def test_what_ends_a_file_and_what_it_lacks() -> None:
    _, problems = ordered(NACHA_ORDER, "1568P9P6X")
    assert problems == [
        (6, "file control record after the 9-padding record"),
        (8, "entry detail record after the file control record"),
        (9, "unknown record type 'X' (expected 1, 5, 6, 7, 8, 9)"),
    ]
    _, problems = ordered(NACHA_ORDER, "X6P")
    assert problems == [
        (1, "unknown record type 'X' (expected 1, 5, 6, 7, 8, 9)"),
        (2, "the file does not start with a file header record (its first record is a entry detail record)"),
        (1, "the file has no file header record"),
        (2, "the file has no file control record"),
    ]
    _, problems = ordered(LOCKBOX_ORDER, "12564")
    assert problems == [
        (5, "the lockbox opened on line 3 has no lockbox total record (type 8)"),
        (5, "the file has no trailer record (type 9)"),
    ]


def _files(grammar: Grammar) -> st.SearchStrategy[str]:
    """Record types in order (a random walk through what may follow what), then mutated or not."""

    @st.composite
    def draw_file(draw: st.DrawFn) -> str:
        kinds, prev = "", ""
        while prev != grammar.last and len(kinds) < 30:
            nexts = sorted(k for k, befores in grammar.follows.items() if prev in befores)
            prev = draw(st.sampled_from(nexts))
            kinds += prev
        if grammar.filler:
            kinds += FILLER * draw(st.integers(0, 3))
        for _ in range(draw(st.integers(0, 2))):
            at = draw(st.integers(0, len(kinds)))
            extra = draw(st.sampled_from([*grammar.follows, "X", FILLER, ""]))
            cut = draw(st.integers(0, 1))
            kinds = kinds[:at] + extra + kinds[at + cut :]
        return kinds

    return draw_file()


@pytest.mark.parametrize("grammar", [NACHA_ORDER, LOCKBOX_ORDER], ids=["nacha", "lockbox"])
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_column_wise_path_agrees_with_the_walk(
    grammar: Grammar, data: st.DataObject, monkeypatch: pytest.MonkeyPatch
) -> None:
    kinds = data.draw(_files(grammar))
    if not kinds:
        return
    columns, problems = ordered(grammar, kinds)
    with monkeypatch.context() as m:
        m.setattr(order_module, "_in_order", lambda frame, g: None)
        walked, walk_problems = ordered(grammar, kinds)
    assert columns == walked
    assert problems == walk_problems


def test_a_file_in_order_is_never_walked(monkeypatch: pytest.MonkeyPatch) -> None:
    def walk(*args: object) -> None:
        raise AssertionError("walked a file in order")

    monkeypatch.setattr(order_module, "_walk", walk)
    columns, _ = ordered(NACHA_ORDER, "15" + "67" * 50_000 + "89" + FILLER * 6)
    assert columns["entry"][-9] == 49_999
    columns, _ = ordered(LOCKBOX_ORDER, "125" + "644" * 20_000 + "789")
    assert columns["detail_ix"][-5] == 19_999


# -- writer -----------------------------------------------------------------------------------------------

DETAIL = free(
    Field("amount", 2, 7, "N"),
    Field("name", 8, 12, optional=True),
    Field("account", 13, 18, optional=True, sensitive=True),
    Field("day", 19, 24, "C", optional=True),
    data_start=26,
)


def test_the_writer_pads_numbers_with_zeros_text_with_blanks_and_writes_dates_in_their_format() -> None:
    values = {"amount": 1234, "name": "AB", "day": date(2026, 11, 20)}
    assert render(DETAIL, values, label="x") == "6001234AB         112026"
    assert render(DETAIL, values, label="x", data="FREE DATA  ") == "6001234AB         112026 FREE DATA"
    assert render(DETAIL, {"amount": "42"}, label="x", pad_to=30) == "6000042".ljust(30)
    record = fixed(Field("a", 2, 5, "N"), Field("reserved", 6, 20, "B"))
    assert render(record, {"a": 7}, label="x") == "10007".ljust(20)


@pytest.mark.parametrize(
    ("values", "data", "says"),
    [
        ({"amount": 1_234_567}, "", "x amount 1234567 does not fit positions 2-7 (6 N)"),
        ({"amount": -1}, "", "x amount -1 does not fit"),
        ({"amount": "12A"}, "", "x amount '12A' does not fit"),
        ({"amount": 1, "name": "TOO LONG"}, "", "x name 'TOO LONG' does not fit positions 8-12 (5 A)"),
        ({"amount": 1, "name": "JOS\u00c9"}, "", "x name 'JOSÉ' is not printable ASCII (positions 8-12)"),
        ({"amount": 1, "name": date(2026, 1, 1)}, "", "x name datetime.date"),
        ({"amount": 1}, "A\tB", "x free data 'A\\tB' is not printable ASCII"),
        ({"amount": 1}, "X" * 20, "a x 6 record of 45 characters is longer than the maximum 40"),
    ],
)
def test_the_writer_refuses_what_does_not_fit_never_cutting_it(
    values: dict[str, Any], data: str, says: str
) -> None:
    with pytest.raises(MappingError) as raised:
        render(DETAIL, values, label="x", data=data)
    assert says in str(raised.value)


def test_the_writer_masks_a_sensitive_value_it_refuses() -> None:
    with pytest.raises(MappingError) as raised:
        render(DETAIL, {"amount": 1, "account": "1234567890"}, label="x")
    assert str(raised.value) == "x account **** does not fit positions 13-18 (6 A)"


def test_layouts_and_writers_do_not_import_polars() -> None:
    """Validating a configuration builds the layouts; it must not pay for polars."""
    code = (
        "import sys, formats.nacha, formats.lockbox, formats.nacha_layout, formats.lockbox_layout, "
        "formats.nacha_writer, formats.lockbox_writer; print('polars' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
