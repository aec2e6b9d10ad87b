"""The NACHA reader on real-world sample files (moov-io/ach test data, ../shared/corpus/nacha): entry
counts, debit and credit totals worked out by hand from the records, returns and NOCs, and every
finding where a sample breaks a NACHA rule."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from formats.nacha import NachaFile, NachaOptions, read_nacha

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "nacha"
pytestmark = pytest.mark.skipif(
    not CORPUS.is_dir(), reason=f"the shared NACHA corpus is not beside the project ({CORPUS})"
)

Finding = tuple[
    int, str, str | None, str | None, str, str | None
]  # line, rule, field, positions, severity, value

EXPECTED: dict[str, dict[str, Any]] = {
    # two CCD debits (tc 27): amounts 30-39 0000500000 + 0000000125 = 500,125 cents
    "ccd-debit.ach": {"entries": 2, "debit": 500_125, "credit": 0, "returns": [], "nocs": [], "findings": []},
    # one PPD credit (tc 22) of 0100000000 = 100,000,000 cents ($1,000,000.00)
    "ppd-credit.ach": {
        "entries": 1,
        "debit": 0,
        "credit": 100_000_000,
        "returns": [],
        "nocs": [],
        "findings": [],
    },
    # one PPD debit (tc 27) of 0200000000 = 200,000,000 cents
    "ppd-debit.ach": {
        "entries": 1,
        "debit": 200_000_000,
        "credit": 0,
        "returns": [],
        "nocs": [],
        "findings": [],
    },
    # a debit (tc 27) of 0200000000 and two credits (tc 22) of 0100000000 each
    "ppd-mixedDebitCredit.ach": {
        "entries": 3,
        "debit": 200_000_000,
        "credit": 200_000_000,
        "returns": [],
        "nocs": [],
        "findings": [],
    },
    # one WEB credit (tc 22) of 0000010000 = 10,000 cents, with one addenda 05
    "web-credit.ach": {"entries": 1, "debit": 0, "credit": 10_000, "returns": [], "nocs": [], "findings": []},
    # a NOC: tc 21, amount 0, addenda 98 C01 whose trace (80-94, 091012980000088) is not its entry's
    # (121042880000001): NACHA has the addenda of a return or NOC repeat its entry's trace number
    "cor-read.ach": {
        "entries": 1,
        "debit": 0,
        "credit": 0,
        "returns": [],
        "nocs": [("C01", "121042880000001", "******1614")],
        "findings": [(4, "addenda-trace", "trace", "80-94", "error", "091012980000088")],
    },
    # two dishonored returns (addenda 99 R68) of debits (tc 27): 0000025000 + 0000023000 = 48,000
    # cents. The batch header's effective date 000000 (70-75) is not a date: on returns the ACH
    # Operator replaces an invalid one with the processing date, so it is only a warning.
    "dishonored-return.ach": {
        "entries": 2,
        "debit": 48_000,
        "credit": 0,
        "returns": [("R68", "059999990000301", 25_000), ("R68", "059999990000301", 23_000)],
        "nocs": [],
        "findings": [(2, "field-format", "effective_date", "70-75", "warning", "000000")],
    },
    # one credit (tc 22) of 0100000000 = 100,000,000 cents carrying three addenda 99 (R07, a
    # dishonored R68 and a contested R71) where a return carries exactly one; none of the three
    # repeats the entry's trace 121042880000001; the R71's date original entry returned (22-27) is
    # 000167, not a date; and the effective date is 000000 as above.
    "contested-return.ach": {
        "entries": 1,
        "debit": 0,
        "credit": 100_000_000,
        "returns": [("R07", "099912340000015", 100_000_000)],
        "nocs": [],
        "findings": [
            (2, "field-format", "effective_date", "70-75", "warning", "000000"),
            (4, "addenda-trace", "trace", "80-94", "error", "000000000000000"),
            (5, "addenda-count", "addenda_type", "2-3", "error", "99D"),
            (5, "addenda-trace", "trace", "80-94", "error", "059999990000001"),
            (6, "addenda-count", "addenda_type", "2-3", "error", "99C"),
            (6, "addenda-trace", "trace", "80-94", "error", "123918710000001"),
            (6, "field-format", "date_original_returned", "22-27", "error", "000167"),
        ],
    },
}


def read(name: str, **options: Any) -> NachaFile:
    return read_nacha((CORPUS / name).read_bytes(), name, NachaOptions(**options))


def test_the_corpus_holds_the_expected_files() -> None:
    assert sorted(p.name for p in CORPUS.glob("*.ach")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_corpus_file_reads_with_its_entries_totals_and_findings(name: str) -> None:
    want = EXPECTED[name]
    found = read(name)
    s = found.summary()
    assert (s["records"], s["entries"], s["debit_cents"], s["credit_cents"]) == (
        10,
        want["entries"],
        want["debit"],
        want["credit"],
    )
    assert [(r["code"], r["original_trace"], r["amount_cents"]) for r in s["returns"]] == want["returns"]
    assert [(n["code"], n["original_trace"], n["corrected_data_masked"]) for n in s["nocs"]] == want["nocs"]
    findings = sorted((p.line, p.rule, p.field, p.positions, p.severity, p.value) for p in found.problems)
    assert findings == sorted(want["findings"])
    # the batch controls agree with the records in every sample: no control finding anywhere
    assert all(b.control is not None for b in found.batches)
    assert sum(b.debit_cents for b in found.batches) == want["debit"]


def test_the_contested_returns_messages_name_what_is_wrong() -> None:
    found = read("contested-return.ach")
    messages = {(p.line, p.rule): p.message for p in found.problems}
    assert "has 3" in messages[(5, "addenda-count")]
    assert "121042880000001" in messages[(4, "addenda-trace")]
    assert "tolerated" in messages[(2, "field-format")]


def test_unknown_code_option_changes_nothing_in_the_corpus() -> None:
    for name in EXPECTED:
        assert read(name, unknown_codes="reject").problems == read(name).problems
