"""The lockbox reader on real-world sample files (FundersClub/bai-lockbox test data,
../shared/corpus/lockbox): records, checks and totals worked out by hand from the records. Both
samples drop trailing blanks, so every record ends where its last field does."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from formats.lockbox import LockboxFile, LockboxOptions, read_lockbox
from formats.lockbox_layout import AccountLocation

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "lockbox"
pytestmark = pytest.mark.skipif(
    not CORPUS.is_dir(), reason=f"the shared lockbox corpus is not beside the project ({CORPUS})"
)

EXPECTED: dict[str, dict[str, Any]] = {
    # 8 records; trailer 9000008 states 8 (positions 2-7). Lockbox header 5: lockbox 0022222 (8-14),
    # deposit date 160523 (15-20) = 2016-05-23. One detail, line 4: batch 001 (2-4), item 001 (5-7),
    # amount 0000700000 (8-17) = 700,000 cents ($7,000.00), check date 051616 (47-52, MMDDYY) =
    # 2016-05-16; one overflow record (line 5: batch 001, item 001, type 6, sequence 01, last 9).
    # Batch total (line 6): batch 001, count 001 (21-23), amount 0000700000 (24-33); lockbox total
    # (line 7): count 0001 (21-24), amount 0000700000 (25-34): everything agrees.
    "test_lockbox.bai": {
        "records": 8,
        "lockboxes": [
            {"number": "0022222", "deposit_date": "2016-05-23", "items": 1, "amount_cents": 700_000}
        ],
        "items": 1,
        "amount_cents": 700_000,
        "problems": [],
    },
    # 6 records (trailer 9000006): a lockbox 0022222 deposited 160527 = 2016-05-27 with one batch
    # total of batch 000, count 000 and amount 0000000000, and a lockbox total of 0000 and 0: an
    # empty lockbox is valid.
    "test_empty_lockbox.bai": {
        "records": 6,
        "lockboxes": [{"number": "0022222", "deposit_date": "2016-05-27", "items": 0, "amount_cents": 0}],
        "items": 0,
        "amount_cents": 0,
        "problems": [],
    },
}


def read(name: str, options: LockboxOptions | None = None) -> LockboxFile:
    return read_lockbox((CORPUS / name).read_bytes(), name, options)


def test_the_corpus_holds_the_expected_files() -> None:
    assert sorted(p.name for p in CORPUS.glob("*.bai")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_corpus_file_reads_with_its_totals_and_no_findings(name: str) -> None:
    assert read(name).summary() == {"format": "lockbox", **EXPECTED[name]}


def test_the_check_of_the_sample_reads_field_by_field() -> None:
    [check] = read("test_lockbox.bai").details.to_dicts()
    assert check == {
        "_line": 4,
        "lockbox": "0022222",
        "deposit_date": date(2016, 5, 23),
        "batch": "001",
        "item": "001",
        "amount_cents": 700_000,
        "remitter_routing": "055002707",  # 18-26
        "remitter_account": "0012345555",  # 27-36
        "check_number": "0000000180",  # 37-46
        "check_date": date(2016, 5, 16),
        "remitter_name": "BOB E SMITH",  # 53-82
        "free_data": "MY BUSINESS COMPANY",  # 83-101
        "overflow_data": ["CE554"],  # the overflow record's data, 12-16
        "remittance_data": "MY BUSINESS COMPANY CE554",
        "account_number": None,  # no location configured
        "account_check_digit_ok": None,
        "rejected": False,
    }


def test_the_batch_and_lockbox_totals_are_in_the_facts() -> None:
    [lockbox] = read("test_lockbox.bai").facts()["lockboxes"]
    assert (lockbox["stated_items"], lockbox["stated_amount_cents"]) == (1, 700_000)
    assert [(b["number"], b["line"], b["items"], b["stated_amount_cents"]) for b in lockbox["batches"]] == [
        ("001", 6, 1, 700_000)
    ]


def test_an_account_in_the_overflow_record_of_the_sample() -> None:
    # the sample's overflow record (type 6) carries "CE554" at 12-16; as an account it has no digits
    # for a check-digit rule, so it is kept and flagged for suspense
    where = AccountLocation(record="overflow", overflow_type="6", start=12, end=16, check_digit="mod11")
    found = read("test_lockbox.bai", LockboxOptions(account=where))
    assert found.details["account_number"].to_list() == ["CE554"]
    assert found.details["account_check_digit_ok"].to_list() == [False]
    [warning] = found.problems
    assert (warning.rule, warning.line, warning.positions, warning.severity) == (
        "account-check-digit",
        5,
        "12-16",
        "warning",
    )
    assert warning.value == "*E554" and "not two or more digits" in warning.message
