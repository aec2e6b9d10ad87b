"""The NACHA reader's fast path (``formats.nacha_fast``) against its reference path: over generated
files, valid and broken (lengths, digits, hashes, counts, addenda, IAT, padding, CR LF), whenever the
fast path answers, its answer is the reference path's -- the same entries, addenda, batches, findings
(file, line, field, rule, masked value) and the same outcome (what passes, what the ach-returns
mapping makes of it); and it does answer for the usual return file, so the hub reads those fast."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from formats.base import ReadContext
from formats.nacha import NachaFile, NachaFormat, NachaOptions, read_nacha
from formats.nacha_fast import read_fast
from formats.nacha_writer import Batch, Entry, IatBatch, write_file
from hub.kernel.errors import HubError
from mappings.ach_returns import AchReturnsMapping, AchReturnsMappingOptions
from mappings.base import MapContext
from tests.formats.nacha_cases import batch, entry, noc, ret, spec
from tests.formats.test_nacha_properties import CHARACTERS, SETTINGS, files

FILE = "returns.ach"
# known codes, codes the rules do not have (kept as warnings) and malformed ones
RETURN_CODES = ["R00", "R01", "R02", "R03", "R09", "R10", "R29", "R96", "R97"]
CHANGE_CODES = ["C00", "C01", "C02", "C03", "C05", "C13", "C99"]
MALFORMED = ["R6X", "X01", "C0A", "   "]
OPTIONS = st.fixed_dictionaries(
    {},
    optional={
        "unknown_codes": st.sampled_from(["warn", "reject"]),
        "tolerate_crlf": st.booleans(),
        "tolerate_missing_padding": st.booleans(),
        "tolerate_company_id_padding": st.booleans(),
        "tolerate_short_lines": st.booleans(),
    },
)


@st.composite
def returns(draw: st.DrawFn, n: int, malformed: bool) -> Entry:
    """A return or a notification of change, as a bank sends them (one addenda each); with
    ``malformed``, now and then a code of no form."""
    odd = st.sampled_from(MALFORMED) if malformed and draw(st.integers(0, 9)) == 0 else None
    if draw(st.integers(0, 4)) == 0:
        code = draw(st.sampled_from(CHANGE_CODES) if odd is None else odd)
        return entry(draw(st.sampled_from([21, 26])), 0, noc(code, n), n=n)
    cents = draw(st.integers(0, 9_999_999_999))
    tc = draw(st.sampled_from([21, 26, 31, 36] if cents else [23, 28, 33, 38]))
    return entry(tc, cents, ret(draw(st.sampled_from(RETURN_CODES) if odd is None else odd), n), n=n)


@st.composite
def return_files(draw: st.DrawFn, malformed: bool = True) -> bytes:
    """A bank's return file: batches of returns and NOCs, LF or CR LF, padded or not."""
    batches: list[Batch | IatBatch] = []
    n = 0
    for _ in range(draw(st.integers(1, 3))):
        items = []
        for _ in range(draw(st.integers(1, 6))):
            n += 1
            items.append(draw(returns(n, malformed)))
        batches.append(batch(draw(st.sampled_from(["PPD", "CCD", "WEB", "COR"])), items))
    data = write_file(spec(*batches), newline=draw(st.sampled_from(["\n", "\r\n"])))
    if draw(st.booleans()):
        data = _unpadded(data)
    return data


def _unpadded(data: bytes) -> bytes:
    lines = data.splitlines(keepends=True)
    while lines and lines[-1].rstrip(b"\r\n") == b"9" * 94:
        lines.pop()
    return b"".join(lines)


def _outcome(found: NachaFile) -> Any:
    """What the pipeline makes of a read file: the entries that pass and the ach-returns mapping's
    transactions (or its refusal)."""
    fmt = NachaFormat(NachaOptions())
    ctx = ReadContext(file=FILE, now=None)  # type: ignore[arg-type]
    from formats.base import Parsed

    parsed = Parsed(found.entries, found.problems, facts={}, count=found.entries.height)
    validated = fmt.validate(parsed, ctx)
    mapping = AchReturnsMapping(AchReturnsMappingOptions())
    try:
        tables = mapping.map(validated.table, MapContext(source_file=FILE))
    except HubError as exc:
        return validated.rejected, str(exc)
    return validated.rejected, {name: table.to_dicts() for name, table in tables.items()}


def same(data: bytes, **options: Any) -> bool:
    """Read ``data`` both ways; when the fast path answers, it answers as the reference path does.
    True when it answered."""
    o = NachaOptions(**options)
    fast = read_fast(data, FILE, o)
    try:
        reference = read_nacha(data, FILE, o, fast=False)
    except HubError:
        assert fast is None
        return False
    if fast is None:
        return False
    assert fast.problems == reference.problems
    assert_frame_equal(fast.entries, reference.entries)
    assert fast.addenda is not None and reference.addenda is not None
    assert_frame_equal(fast.addenda, reference.addenda)
    assert fast.batches == reference.batches
    assert (fast.records, fast.header) == (reference.records, reference.header)
    assert fast.summary() == reference.summary()
    assert _outcome(fast) == _outcome(reference)
    return True


@SETTINGS
@given(return_files(), OPTIONS)
def test_a_return_file_reads_the_same_on_the_fast_path(data: bytes, options: dict[str, Any]) -> None:
    same(data, **options)


@SETTINGS
@given(return_files(malformed=False))
def test_a_well_formed_return_file_takes_the_fast_path(data: bytes) -> None:
    assert same(data)


@SETTINGS
@given(return_files(), st.data())
def test_a_changed_digit_or_character_reads_the_same_either_way(data: bytes, draw: st.DataObject) -> None:
    """A control's count, hash or total off by a digit (the fast path reports those itself), a field
    of an entry or addenda broken (it leaves those to the reference path), any character anywhere."""
    lines = data.splitlines(keepends=True)
    i = draw.draw(st.integers(0, len(lines) - 1))
    at = draw.draw(st.integers(0, 93))
    new = draw.draw(st.sampled_from("0123456789" + CHARACTERS)).encode("latin-1")
    lines[i] = lines[i][:at] + new + lines[i][at + 1 :]
    same(b"".join(lines))


@SETTINGS
@given(return_files(), st.data())
def test_a_line_cut_doubled_or_moved_reads_the_same_either_way(data: bytes, draw: st.DataObject) -> None:
    lines = data.splitlines(keepends=True)
    i = draw.draw(st.integers(0, len(lines) - 1))
    how = draw.draw(st.sampled_from(["short", "long", "delete", "duplicate", "swap", "blank", "lf"]))
    if how == "short":
        lines[i] = lines[i][: draw.draw(st.integers(1, 93))] + b"\n"
    elif how == "long":
        lines[i] = lines[i].rstrip(b"\r\n") + b"X\n"
    elif how == "delete":
        del lines[i]
    elif how == "duplicate":
        lines.insert(i, lines[i])
    elif how == "swap":
        j = draw.draw(st.integers(0, len(lines) - 1))
        lines[i], lines[j] = lines[j], lines[i]
    elif how == "blank":
        lines.insert(i, b"\n")
    else:
        lines[i] = lines[i].rstrip(b"\r\n") + b"\n"  # one LF in a CR LF file
    same(b"".join(lines))


@SETTINGS
@given(files(), OPTIONS)
def test_any_generated_file_reads_the_same_either_way(
    generated: tuple[list[Batch | IatBatch], bytes], options: dict[str, Any]
) -> None:
    """Forward entries, 05 addenda, dishonored and contested returns, IAT batches: the fast path
    declines what it does not read and agrees on the rest."""
    _, data = generated
    same(data, **options)
    same(_unpadded(data), **options)


@pytest.mark.parametrize(
    ("record", "start", "end"),
    [("8", 5, 10), ("8", 11, 20), ("8", 21, 32), ("9", 2, 7), ("9", 8, 13), ("9", 14, 21), ("9", 22, 31)],
    ids=["batch-count", "batch-hash", "batch-debits", "file-batches", "file-blocks", "file-count", "hash"],
)
def test_a_wrong_count_or_hash_is_found_on_the_fast_path(record: str, start: int, end: int) -> None:
    entries = [entry(26, 1_000 + i, ret("R01", i), n=i) for i in range(1, 4)]
    lines = write_file(spec(batch("PPD", entries))).split(b"\n")
    i = next(k for k, line in enumerate(lines) if line[:1] == record.encode())
    wrong = b"1" * (end - start + 1)
    lines[i] = lines[i][: start - 1] + wrong + lines[i][end:]
    data = b"\n".join(lines)
    assert same(data)
    found = read_nacha(data, FILE)
    bad = [(p.rule, p.line, p.value) for p in found.problems if p.severity == "error"]
    assert (f"{'batch' if record == '8' else 'file'}-control", i + 1, wrong.decode()) in bad
    assert {rule for rule, _, _ in bad} <= {"batch-control", "file-control"}  # a batch's is the file's too
