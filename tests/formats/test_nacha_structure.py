"""NACHA record length, record type and record order, 9-padding and blocks: each test breaks the
structure of a valid generated file once and expects exactly that finding."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from formats.nacha_layout import PADDING
from tests.formats.nacha_cases import (
    CASE_ARGS,
    batch,
    case,
    check_case,
    entry,
    errors,
    facts,
    insert_line,
    join,
    lines,
    read,
    replace,
    set_line,
    spec,
    valid_file,
    write_file,
)

V = valid_file()
FILE_CONTROL = 49  # then one 9-padding line (line 50); line 45 is an entry, 48 the last batch control
ENTRY = lines(V)[44]
ORDER = "record-order"

CASES = [
    case("long-record", lambda: set_line(V, 3, lines(V)[2] + "X"), "record-length", 3, "95", "95", "94"),
    case("record-type", lambda: replace(V, 50, 1, 1, "X"), "record-type", 50, "1", "'X'", "1, 5, 6, 7, 8, 9"),
    case(
        "batch-without-entries",
        lambda: write_file(spec(batch("PPD", [entry(27, 1)]), batch("PPD", []))),
        *(ORDER, 6, "1", "no entry detail"),
    ),
    case(
        "entry-outside-a-batch",
        lambda: insert_line(V, FILE_CONTROL, ENTRY),
        *(ORDER, FILE_CONTROL, "1", "outside a batch", "batch control"),
    ),
    # an addenda 05 right after the batch header, before any entry
    case("orphan-addenda", lambda: insert_line(V, 37, lines(V)[37]), ORDER, 37, "1", "follow batch header"),
    case("second-file-header", lambda: insert_line(V, 2, lines(V)[0]), ORDER, 2, "1", "second file header"),
    case(
        "record-after-file-control",
        lambda: insert_line(V, 50, ENTRY),
        *(ORDER, 50, "1", "entry detail record after the file control"),
    ),
    case("no-file-control", lambda: set_line(V, FILE_CONTROL, PADDING), ORDER, 48, None, "no file control"),
    case(
        "missing-file-header",
        lambda: join([*lines(V)[1:], PADDING]),
        *(ORDER, 1, "1", "does not start with a file header", "batch header"),
    ),
    case("padding-first", lambda: insert_line(V, 49, PADDING), ORDER, 50, "1", "after the 9-padding"),
    case("blank-line", lambda: insert_line(V, 3, "", keep_blocks=False), "blank-line", 3, None, "blank line"),
]


@pytest.mark.parametrize(CASE_ARGS, CASES)
def test_one_broken_structure_rule_gives_exactly_its_finding(
    make: Callable[[], bytes], rule: str, line: int, positions: str, severity: str, says: tuple[str, ...]
) -> None:
    check_case(make, rule, line, positions, severity, says)


def test_an_entry_outside_a_batch_changes_no_batch_and_is_rejected() -> None:
    found = read(insert_line(V, FILE_CONTROL, ENTRY))
    assert facts(found)["batches"] == facts(read(V))["batches"]
    stray = found.entries.filter(found.entries["_line"] == FILE_CONTROL)
    assert stray["batch"].to_list() == [-1] and stray["rejected"].to_list() == [True]


def test_a_missing_batch_control_is_an_order_error_and_the_totals_disagree() -> None:
    data = join([*[r for i, r in enumerate(lines(V), start=1) if i != 48], PADDING])
    found = read(data)
    [order] = [p for p in found.problems if p.rule == ORDER]
    assert order.line == 48 and "file control record before the open batch's control record" in order.message
    # the batch without a control is in no control sum: the file control disagrees
    assert {p.rule for p in errors(found)} == {ORDER, "file-control"}


def test_an_extra_padding_block_breaks_the_block_count() -> None:
    found = read(join([*lines(V), PADDING]))
    assert [(p.rule, p.line, p.positions, p.severity) for p in found.problems] == [
        ("file-control", FILE_CONTROL, "8-13", "error"),
        ("padding", 51, None, "warning"),
    ]
    assert "block count 5 but the file has 6" in found.problems[0].message
