"""Property tests of the BAI2 reader: a generated valid file (any funds types, texts with commas and
slashes, records continued at any width) reads clean with the written figures, and any one mutation
of it (a character changed, inserted or deleted, a line deleted, duplicated or swapped, the file cut
short) is either read with the same money or reported with at least one error: never an exception
other than the empty-file ParseError, never a silently different total.

"The same money" is what BAI2's controls protect: per account, what its records add up to and its
transaction amounts, and the file's total. Account numbers, currencies, type codes, references and
text are in no control total; a changed character there may go unnoticed, as it would at the bank.
"""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from formats.bai2 import Bai2File
from formats.bai2_writer import Account, Bai2Spec, Funds, Group, Summary, Transaction, write_file
from hub.kernel.errors import ParseError
from tests.formats.bai2_cases import BANK, CREATED, UTILITY, errors, money, read

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

DETAIL_CODES = [
    "115",
    "116",
    "118",
    "142",
    "165",
    "166",
    "195",
    "257",
    "301",
    "451",
    "475",
    "495",
    "555",
    "699",
]
STATUS_CODES = ["010", "015", "040", "045", "072"]
SUMMARY_CODES = ["100", "110", "400", "550"]
# what one changed character becomes: digits, letters, the delimiters, blanks, line breaks, others
CHARACTERS = "0123456789 AZaz+-,/\n\r\t\x00\xe9"

words = st.text("ABXYZ0189,-:/", min_size=1, max_size=8).filter(lambda w: not w.endswith("/"))
texts = st.lists(words, max_size=8).map(" ".join)
refs = st.text("ABC0123", max_size=10)


@st.composite
def funds(draw: st.DrawFn, cents: int) -> Funds:
    """A funds type whose availability adds up to ``cents``."""
    kind = draw(st.sampled_from(["", "Z", "0", "1", "2", "S", "V", "D"]))
    if kind == "S":
        a = draw(st.integers(0, cents))
        b = draw(st.integers(0, cents - a))
        return Funds("S", [(0, a), (1, b), (2, cents - a - b)])
    if kind == "D":
        first = draw(st.integers(0, cents))
        return Funds("D", [(0, first), (draw(st.integers(1, 9)), cents - first)])
    if kind == "V":
        return Funds("V", value_date=draw(st.dates(date(2020, 1, 1), date(2030, 12, 31))), value_time="1200")
    return Funds(kind)


@st.composite
def accounts(draw: st.DrawFn, n: int, amounts: list[int]) -> Account:
    summaries = [
        Summary(code, draw(st.integers(-(10**9), 10**9)))
        for code in draw(st.lists(st.sampled_from(STATUS_CODES), max_size=2))
    ]
    summaries += [
        Summary(code, draw(st.integers(0, 10**9)), draw(st.none() | st.integers(0, 99)))
        for code in draw(st.lists(st.sampled_from(SUMMARY_CODES), max_size=2))
    ]
    transactions = [
        Transaction(
            draw(st.sampled_from(DETAIL_CODES)),
            cents,
            draw(refs),
            draw(refs),
            draw(texts),
            draw(funds(cents)),
        )
        for cents in amounts
    ]
    return Account(f"{1000 + n}", draw(st.sampled_from(["", "USD"])), summaries, transactions)


@st.composite
def files(draw: st.DrawFn) -> tuple[Bai2Spec, bytes]:
    # distinct transaction amounts: a transaction moved to another account always changes two totals
    amounts = draw(st.lists(st.integers(1, 10**12), min_size=1, max_size=8, unique=True))
    sizes = draw(st.lists(st.integers(1, 3), min_size=1, max_size=2))  # accounts per group
    owner = [draw(st.integers(0, sum(sizes) - 1)) for _ in amounts]
    groups: list[Group] = []
    n = 0
    for size in sizes:
        group = Group(BANK, draw(st.dates(date(2020, 1, 1), date(2030, 12, 31))), receiver=UTILITY)
        for _ in range(size):
            group.accounts.append(
                draw(accounts(n, [a for a, o in zip(amounts, owner, strict=True) if o == n]))
            )
            n += 1
        groups.append(group)
    spec = Bai2Spec(BANK, UTILITY, CREATED, groups)
    width = draw(st.sampled_from([None, 30, 50, 80]))
    data = write_file(spec, width=width)
    if draw(st.booleans()):
        data = data.replace(b"\n", b"\r\n")
    return spec, data


def read_or_parse_error(data: bytes) -> Bai2File | None:
    """Read; only the empty-file ParseError may escape (as None)."""
    try:
        found = read(data)
    except ParseError as exc:
        assert exc.rule == "empty-file" and exc.position.line == 1, exc
        event("ParseError")
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
        assert after.summary()["file_control_cents"] == before.summary()["file_control_cents"]
        assert (
            after.details["amount_cents"].sort().to_list() == before.details["amount_cents"].sort().to_list()
        )


# -- generated files read clean with the written figures ------------------------------------------------


@SETTINGS
@given(files())
def test_a_generated_file_reads_clean_with_its_figures(generated: tuple[Bai2Spec, bytes]) -> None:
    spec, data = generated
    found = read(data)
    assert found.problems == []
    written = [t for g in spec.groups for a in g.accounts for t in a.transactions]
    assert found.details["amount_cents"].to_list() == [t.amount_cents for t in written]
    assert found.details["text"].to_list() == [t.text for t in written]
    assert found.details["bank_ref"].to_list() == [t.bank_ref for t in written]
    assert found.control_cents == spec.control_cents
    assert [a.total for a in found.structure.accounts] == [
        a.control_cents for g in spec.groups for a in g.accounts
    ]


# -- one mutation: the same money, or an error --------------------------------------------------------


@SETTINGS
@given(files(), st.data())
def test_one_changed_character_is_harmless_or_an_error(
    generated: tuple[Bai2Spec, bytes], data: st.DataObject
) -> None:
    _, original = generated
    at = data.draw(st.integers(0, len(original) - 1))
    new = data.draw(st.sampled_from(CHARACTERS)).encode("latin-1")
    check_mutation(original, original[:at] + new + original[at + 1 :])


@SETTINGS
@given(files(), st.data())
def test_one_inserted_or_deleted_character_is_harmless_or_an_error(
    generated: tuple[Bai2Spec, bytes], data: st.DataObject
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
    generated: tuple[Bai2Spec, bytes], data: st.DataObject
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
    generated: tuple[Bai2Spec, bytes], data: st.DataObject
) -> None:
    _, original = generated
    check_mutation(original, original[: data.draw(st.integers(0, len(original) - 1))])


# -- anything at all ----------------------------------------------------------------------------------


@SETTINGS
@given(st.binary(max_size=1_000))
def test_arbitrary_bytes_give_findings_or_a_parse_error(data: bytes) -> None:
    found = read_or_parse_error(data)
    assert found is None or errors(found)


RECORD_STARTS = [
    "01,",
    "02,",
    "03,",
    "16,",
    "49,",
    "88,",
    "98,",
    "99,",
    "16,115,",
    "03,1,USD,010,",
    "49,0,",
    "",
]


@SETTINGS
@given(
    st.lists(
        st.tuples(st.sampled_from(RECORD_STARTS), st.text(alphabet="0123456789,/ +-SVDZ\xb2", max_size=40)),
        max_size=14,
    ),
    st.sampled_from(["\n", "\r\n"]),
)
def test_record_like_lines_give_findings_or_a_parse_error(records: list[tuple[str, str]], eol: str) -> None:
    text = eol.join(start + rest for start, rest in records)
    found = read_or_parse_error(text.encode("utf-8"))
    assert found is None or found.problems
