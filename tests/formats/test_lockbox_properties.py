"""Property tests of the lockbox reader: a generated valid transmission reads clean with the written
figures, and any one mutation of it (a character changed, inserted or deleted, a line deleted,
duplicated or swapped, the file truncated) never crashes and never gives a silently different total:
either the checks, lockboxes and totals read the same, or there is at least one error finding."""

from __future__ import annotations

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from formats.lockbox import LockboxFile, LockboxOptions
from formats.lockbox_layout import AccountLocation
from formats.lockbox_writer import Batch, Item, Lockbox, write_file
from hub.kernel.errors import ParseError
from tests.formats.lockbox_cases import DEPOSIT, errors, item, money, read, spec

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
ACCOUNT = LockboxOptions(account=AccountLocation(start=83, end=92, check_digit="luhn"))
# what one changed character becomes: digits and letters, blanks, line breaks, control and latin-1
CHARACTERS = "0123456789 AZ6745-\n\r\t\x00\x7f\xe9"


@st.composite
def items(draw: st.DrawFn, n: int) -> Item:
    notes = draw(
        st.lists(st.text("ABC 123", min_size=1, max_size=40).map(str.strip).filter(bool), max_size=2)
    )
    return item(draw(st.integers(0, 99_999_999)), n, overflow=notes)


@st.composite
def files(draw: st.DrawFn) -> tuple[list[Lockbox], bytes]:
    boxes = []
    n = 0
    for b in range(draw(st.integers(1, 2))):
        batches = []
        for _ in range(draw(st.integers(0, 3))):
            checks = []
            for _ in range(draw(st.integers(0, 4))):
                n += 1
                checks.append(draw(items(n)))
            batches.append(Batch(checks))
        boxes.append(Lockbox(f"{1_234_560 + b}", DEPOSIT, batches))
    newline = draw(st.sampled_from(["\n", "\n", "\r\n"]))
    return boxes, write_file(spec(*boxes), newline=newline)


def read_or_parse_error(data: bytes, options: LockboxOptions | None = None) -> LockboxFile | None:
    """Read; only a ParseError that names its rule and line 1 may escape (as None)."""
    try:
        found = read(data, options)
    except ParseError as exc:
        assert exc.rule == "empty-file" and exc.position.line == 1, exc
        event("ParseError")
        return None
    assert all(p.line is None or p.line >= 1 for p in found.problems)
    summary = found.summary()
    assert summary["items"] == found.details.height
    return found


def check_mutation(original: bytes, mutated: bytes) -> None:
    before = read(original)
    after = read_or_parse_error(mutated, ACCOUNT)
    if after is None:
        return
    bad = errors(after)
    for rule in sorted({p.rule for p in bad}):
        event(f"error {rule}")
    if not bad:
        event("read without errors")
        assert money(after) == money(before), (mutated, after.problems)
        assert after.summary()["amount_cents"] == before.summary()["amount_cents"]
        assert not after.details["rejected"].any()


# -- generated files read clean with the written figures ------------------------------------------------


@SETTINGS
@given(files())
def test_a_generated_file_reads_clean_with_its_figures(generated: tuple[list[Lockbox], bytes]) -> None:
    boxes, data = generated
    found = read(data, ACCOUNT)
    assert found.problems == []
    written = [i for lb in boxes for b in lb.batches for i in b.items]
    assert found.details["amount_cents"].to_list() == [i.amount_cents for i in written]
    assert found.details["overflow_data"].to_list() == [i.overflow for i in written]
    assert found.details["account_check_digit_ok"].to_list() == [True] * len(written)
    s = found.summary()
    assert [(lb["items"], lb["amount_cents"]) for lb in s["lockboxes"]] == [
        (sum(len(b.items) for b in lb.batches), sum(i.amount_cents for b in lb.batches for i in b.items))
        for lb in boxes
    ]
    assert s["amount_cents"] == sum(i.amount_cents for i in written)


# -- one mutation: the same money, or an error --------------------------------------------------------


@SETTINGS
@given(files(), st.data())
def test_one_changed_character_is_harmless_or_an_error(
    generated: tuple[list[Lockbox], bytes], data: st.DataObject
) -> None:
    _, original = generated
    at = data.draw(st.integers(0, len(original) - 1))
    new = data.draw(st.sampled_from(CHARACTERS)).encode("latin-1")
    check_mutation(original, original[:at] + new + original[at + 1 :])


@SETTINGS
@given(files(), st.data())
def test_one_inserted_or_deleted_character_is_harmless_or_an_error(
    generated: tuple[list[Lockbox], bytes], data: st.DataObject
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
    generated: tuple[list[Lockbox], bytes], data: st.DataObject
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
    generated: tuple[list[Lockbox], bytes], data: st.DataObject
) -> None:
    _, original = generated
    check_mutation(original, original[: data.draw(st.integers(0, len(original) - 1))])


# -- anything at all ----------------------------------------------------------------------------------


@SETTINGS
@given(st.binary(max_size=1_000))
def test_arbitrary_bytes_give_findings_or_a_parse_error(data: bytes) -> None:
    found = read_or_parse_error(data, ACCOUNT)
    assert found is None or errors(found)


RECORD_STARTS = ["1", "2", "5", "6", "4", "7", "8", "9", "6001001", "40010016", "7001", "9000"]


@SETTINGS
@given(
    st.lists(
        st.tuples(st.sampled_from(RECORD_STARTS), st.text(alphabet="0123456789 A\xb2", max_size=110)),
        max_size=14,
    ),
    st.sampled_from(["\n", "\r\n"]),
)
def test_record_like_lines_give_findings_or_a_parse_error(records: list[tuple[str, str]], eol: str) -> None:
    text = eol.join(start + rest for start, rest in records)
    found = read_or_parse_error(text.encode("latin-1"), ACCOUNT)
    assert found is None or found.problems
