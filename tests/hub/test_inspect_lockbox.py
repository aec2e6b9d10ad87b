"""``hub inspect --format lockbox``: the machine-readable summary of a lockbox transmission, through
the real command."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Workdir
from tests.formats.lockbox_cases import LOCKBOX_CENTS, bump, replace, valid_file

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "lockbox"
PROBLEM_KEYS = {"line", "positions", "field", "value", "rule", "message", "severity"}


def test_inspect_json_summarises_lockboxes_and_totals(workdir: Workdir) -> None:
    path = workdir.write("deposit.bai", valid_file())
    result = workdir.hub("inspect", path, "--format", "lockbox", "--json")
    assert result.code == 0, result.stderr
    assert result.json() == {
        "format": "lockbox",
        "records": 16,
        "lockboxes": [
            {"number": "1234567", "deposit_date": "2026-11-20", "items": 4, "amount_cents": LOCKBOX_CENTS},
            {"number": "7654321", "deposit_date": "2026-11-20", "items": 0, "amount_cents": 0},
        ],
        "items": 4,
        "amount_cents": LOCKBOX_CENTS,
        "problems": [],
    }
    human = workdir.hub("inspect", path, "--format", "lockbox")
    assert human.code == 0 and "1234567" in human.stdout and "250,223.46" in human.stdout


def test_inspect_reports_a_one_cent_batch_total_with_exit_1(workdir: Workdir) -> None:
    path = workdir.write("off.bai", bump(valid_file(), 9, 24, 33, 1))
    result = workdir.hub("inspect", path, "--format", "lockbox", "--json")
    assert result.code == 1
    [problem] = result.json()["problems"]
    assert set(problem) == PROBLEM_KEYS
    assert (problem["rule"], problem["line"], problem["positions"], problem["severity"]) == (
        "batch-total",
        9,
        "24-33",
        "error",
    )
    assert "22347 cents" in problem["message"] and "22346 cents" in problem["message"]
    human = workdir.hub("inspect", path, "--format", "lockbox")
    assert human.code == 1 and "batch-total" in human.stdout and "24-33" in human.stdout


def test_inspect_masks_the_remitter_account(workdir: Workdir) -> None:
    path = workdir.write("masked.bai", replace(valid_file(), 4, 18, 26, "09100001X"))
    result = workdir.hub("inspect", path, "--format", "lockbox", "--json")
    assert result.code == 1
    [problem] = result.json()["problems"]
    assert (problem["field"], problem["value"]) == ("remitter_routing", "*****001X")
    assert "09100001X" not in result.stdout


def test_a_file_that_cannot_be_read_still_prints_problems(workdir: Workdir) -> None:
    path = workdir.write("empty.bai", b"\n\n")
    result = workdir.hub("inspect", path, "--format", "lockbox", "--json")
    assert result.code == 1
    s = result.json()
    assert (s["records"], s["lockboxes"], s["items"], s["amount_cents"]) == (0, [], 0, 0)
    [problem] = s["problems"]
    assert set(problem) == PROBLEM_KEYS and (problem["rule"], problem["line"]) == ("empty-file", 1)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus/lockbox is not beside the project")
def test_inspect_reads_a_corpus_file(workdir: Workdir) -> None:
    result = workdir.hub("inspect", CORPUS / "test_lockbox.bai", "--format", "lockbox", "--json")
    assert result.code == 0, result.stdout
    s = result.json()
    # one check of 0000700000 (positions 8-17) in lockbox 0022222, deposited 160523
    assert (s["records"], s["items"], s["amount_cents"]) == (8, 1, 700_000)
    assert s["lockboxes"] == [
        {"number": "0022222", "deposit_date": "2016-05-23", "items": 1, "amount_cents": 700_000}
    ]
