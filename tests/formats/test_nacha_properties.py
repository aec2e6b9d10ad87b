"""Property tests of the NACHA reader: a generated valid file (domestic and IAT batches) reads clean
with the written figures, and any one mutation of it (a character changed, inserted or deleted, a
line deleted, duplicated or swapped, the file truncated) is either read with the same entries and
totals or reported with at least one error; never an exception other than a ParseError that says
where, never a silently different total."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from formats.nacha import NachaFile
from formats.nacha_writer import Batch, Entry, IatBatch, IatEntry, write_file
from hub.kernel.errors import ParseError
from tests.formats.nacha_cases import (
    batch,
    contested,
    dishonored,
    entry,
    errors,
    info,
    noc,
    read,
    ret,
    spec,
)
from tests.formats.nacha_iat_cases import correspondent, iat_batch, iat_entry, mandatory
from tests.formats.nacha_iat_cases import info as iat_info

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

RETURN_CODES = ["R01", "R02", "R03", "R04", "R07", "R09", "R10", "R16", "R20", "R29", "R96"]
CHANGE_CODES = ["C01", "C02", "C03", "C05", "C09", "C13"]
# what one changed character becomes: digits and letters, blanks, line breaks, control and latin-1
CHARACTERS = "0123456789 AZaz-*\n\r\t\x00\x7f\xe9"


@st.composite
def entries(draw: st.DrawFn, n: int) -> Entry:
    kind = draw(st.sampled_from(["debit", "credit", "prenote", "return", "dishonored", "contested", "noc"]))
    cents = draw(st.integers(1, 9_999_999_999))
    if kind == "debit":
        notes = draw(
            st.lists(st.text("ABC 123", min_size=1, max_size=80).map(str.strip).filter(bool), max_size=2)
        )
        return entry(draw(st.sampled_from([27, 37])), cents, *map(info, notes), n=n)
    if kind == "credit":
        return entry(draw(st.sampled_from([22, 32])), cents, n=n)
    if kind == "prenote":
        return entry(draw(st.sampled_from([23, 28, 33, 38])), 0, n=n)
    if kind == "return":
        return entry(
            draw(st.sampled_from([21, 26, 31, 36])), cents, ret(draw(st.sampled_from(RETURN_CODES)), n), n=n
        )
    if kind == "dishonored":
        return entry(26, cents, dishonored(n), n=n)
    if kind == "contested":
        return entry(26, cents, contested(n), n=n)
    return entry(draw(st.sampled_from([21, 26])), 0, noc(draw(st.sampled_from(CHANGE_CODES)), n), n=n)


@st.composite
def iat_entries(draw: st.DrawFn, n: int) -> IatEntry:
    """An IAT entry: a forward debit with up to two 17s and five 18s, a return or a notification."""
    kind = draw(st.sampled_from(["debit", "return", "noc"]))
    if kind == "return":
        return iat_entry(26, draw(st.integers(1, 9_999_999_999)), *mandatory(n), ret("R01", n), n=n)
    if kind == "noc":
        return iat_entry(21, 0, *mandatory(n), noc(draw(st.sampled_from(CHANGE_CODES)), n), n=n)
    notes = [iat_info(f"INVOICE {i}") for i in range(draw(st.integers(0, 2)))]
    banks = [correspondent(f"BANK {i}", "DE") for i in range(draw(st.integers(0, 5)))]
    return iat_entry(27, draw(st.integers(1, 9_999_999_999)), *mandatory(n), *notes, *banks, n=n)


@st.composite
def files(draw: st.DrawFn) -> tuple[list[Batch | IatBatch], bytes]:
    batches: list[Batch | IatBatch] = []
    n = 0
    for _ in range(draw(st.integers(1, 3))):
        sec = draw(st.sampled_from(["PPD", "CCD", "WEB", "TEL", "IAT"]))
        items = []
        for _ in range(draw(st.integers(1, 4))):
            n += 1
            items.append(draw(iat_entries(n) if sec == "IAT" else entries(n)))
        batches.append(iat_batch(items) if sec == "IAT" else batch(sec, items))
    newline = draw(st.sampled_from(["\n", "\n", "\r\n"]))
    return batches, write_file(spec(*batches), newline=newline)


def money(found: NachaFile) -> dict[str, Any]:
    """What must not change silently: each entry's batch, side and amount; each batch's counts,
    hash and totals; the file's totals. A zero-amount entry (a prenote) moves no money, so its side
    is not compared: a credit prenote turned into a debit prenote breaks no rule a reader can check."""
    rows = found.entries.select("batch", "tc", "amount_cents").iter_rows()
    return {
        "entries": [(b, None if tc is None or not cents else tc % 10 >= 5, cents) for b, tc, cents in rows],
        "batches": [
            (b.entries, b.addenda, b.entry_hash, b.debit_cents, b.credit_cents) for b in found.batches
        ],
        "totals": (found.debit_cents, found.credit_cents),
    }


def read_or_parse_error(data: bytes) -> NachaFile | None:
    """Read; only a ParseError that names its rule and line 1 may escape (as None)."""
    try:
        found = read(data)
    except ParseError as exc:
        assert exc.rule and exc.position.line == 1, exc
        event(f"ParseError {exc.rule}")
        return None
    assert all(p.line is None or p.line >= 1 for p in found.problems)
    found.summary()
    return found


def check_mutation(original: bytes, mutated: bytes) -> None:
    before = read(original)
    after = read_or_parse_error(mutated)
    if after is None:
        return
    bad = errors(after)
    for rule in sorted({p.rule for p in bad}):
        event(f"error {rule}")
    if not bad:
        event("read without errors")
        assert money(after) == money(before), (mutated, after.problems)
        assert after.summary()["debit_cents"] == before.summary()["debit_cents"]
        assert after.summary()["credit_cents"] == before.summary()["credit_cents"]


# -- generated files read clean with the written figures ------------------------------------------------


@SETTINGS
@given(files())
def test_a_generated_file_reads_clean_with_its_figures(
    generated: tuple[list[Batch | IatBatch], bytes],
) -> None:
    batches, data = generated
    found = read(data)
    assert [p.rule for p in errors(found)] == []
    assert {p.rule for p in found.problems} <= {"line-breaks", "return-code"}  # CR LF, R96
    written = [e for b in batches for e in b.entries]
    assert found.entries["amount_cents"].to_list() == [e.amount_cents for e in written]
    assert found.debit_cents == sum(e.amount_cents for e in written if e.transaction_code % 10 >= 5)
    assert found.credit_cents == sum(e.amount_cents for e in written if e.transaction_code % 10 < 5)
    assert found.entries["addenda_count"].to_list() == [len(e.addenda) for e in written]


# -- one mutation: the same money, or an error --------------------------------------------------------


@SETTINGS
@given(files(), st.data())
def test_one_changed_character_is_harmless_or_an_error(
    generated: tuple[list[Batch | IatBatch], bytes], data: st.DataObject
) -> None:
    _, original = generated
    at = data.draw(st.integers(0, len(original) - 1))
    new = data.draw(st.sampled_from(CHARACTERS)).encode("latin-1")
    check_mutation(original, original[:at] + new + original[at + 1 :])


@SETTINGS
@given(files(), st.data())
def test_one_inserted_or_deleted_character_is_harmless_or_an_error(
    generated: tuple[list[Batch | IatBatch], bytes], data: st.DataObject
) -> None:
    _, original = generated
    at = data.draw(st.integers(0, len(original) - 1))
    if data.draw(st.booleans()):
        new = data.draw(st.sampled_from(CHARACTERS)).encode("latin-1")
        check_mutation(original, original[:at] + new + original[at:])
    else:
        check_mutation(original, original[:at] + original[at + 1 :])


@SETTINGS
@given(files(), st.data())
def test_a_deleted_duplicated_or_swapped_line_is_harmless_or_an_error(
    generated: tuple[list[Batch | IatBatch], bytes], data: st.DataObject
) -> None:
    _, original = generated
    lines = original.splitlines(keepends=True)
    i = data.draw(st.integers(0, len(lines) - 1))
    how = data.draw(st.sampled_from(["delete", "duplicate", "swap"]))
    event(how)
    if how == "delete":
        del lines[i]
    elif how == "duplicate":
        lines.insert(i, lines[i])
    else:
        j = data.draw(st.integers(0, len(lines) - 1))
        lines[i], lines[j] = lines[j], lines[i]
    check_mutation(original, b"".join(lines))


@SETTINGS
@given(files(), st.data())
def test_a_truncated_file_is_harmless_or_an_error(
    generated: tuple[list[Batch | IatBatch], bytes], data: st.DataObject
) -> None:
    _, original = generated
    check_mutation(original, original[: data.draw(st.integers(0, len(original) - 1))])


# -- anything at all ----------------------------------------------------------------------------------


@SETTINGS
@given(st.binary(max_size=1_000))
def test_arbitrary_bytes_give_findings_or_a_parse_error(data: bytes) -> None:
    found = read_or_parse_error(data)
    assert found is None or errors(found)


RECORD_STARTS = ["1", "5", "6", "7", "8", "9", "705", "798", "799", "622", "627", "5200", "9" * 94]


@SETTINGS
@given(
    st.lists(
        st.tuples(st.sampled_from(RECORD_STARTS), st.text(alphabet="0123456789 AR\xb2", max_size=100)),
        max_size=14,
    ),
    st.sampled_from(["\n", "\r\n", ""]),
)
def test_record_like_lines_give_findings_or_a_parse_error(records: list[tuple[str, str]], eol: str) -> None:
    text = eol.join((start + rest)[:94] for start, rest in records)
    found = read_or_parse_error(text.encode("latin-1"))
    assert found is None or found.problems
