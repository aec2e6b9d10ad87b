"""``hub inspect``: the machine-readable summary of a file, through the real command."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from formats.nacha_writer import Batch, Entry, NachaSpec, write_file
from hub.engine.sample_ach import AchItem, ach_returns_nacha
from tests.conftest import Workdir

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "nacha"
PROBLEM_KEYS = {"line", "positions", "rule", "message", "severity"}


def returns_file() -> bytes:
    """Two returns (R01 and an R97 the rules do not know) and a NOC, in one PPD batch."""
    entries = [
        Entry(
            26,
            "121042882",
            "744567899",
            12_345,
            "ACCT0001",
            "JANE DOE",
            addenda=[
                {
                    "addenda_type": "99",
                    "return_code": "R01",
                    "original_trace": "091000010000001",
                    "original_rdfi": "12104288",
                }
            ],
        ),
        Entry(
            26,
            "121042882",
            "5550001111",
            9_999,
            "ACCT0002",
            "JOHN ROE",
            addenda=[
                {
                    "addenda_type": "99",
                    "return_code": "R97",
                    "original_trace": "091000010000002",
                    "original_rdfi": "12104288",
                }
            ],
        ),
        Entry(
            21,
            "121042882",
            "1112223333",
            0,
            "ACCT0003",
            "ANN POE",
            addenda=[
                {
                    "addenda_type": "98",
                    "change_code": "C01",
                    "original_trace": "091000010000003",
                    "original_rdfi": "12104288",
                    "corrected_data": "99887766554433",
                }
            ],
        ),
    ]
    batch = Batch("CITY UTILITIES", "1234567890", "PPD", "AUTOPAY", date(2026, 11, 20), "12104288", entries)
    spec = NachaSpec(
        "091000019", "1210428822", "FIRST BANK", "CITY UTILITIES", datetime(2026, 11, 20, 6, 0), [batch]
    )
    return write_file(spec)


def test_inspect_json_summarises_batches_returns_and_nocs(workdir: Workdir) -> None:
    path = workdir.write("returns.ach", returns_file())
    result = workdir.hub("inspect", path, "--format", "nacha", "--json")
    assert result.code == 0, result.stderr  # the R97 is a warning: reported, not an error
    s = result.json()
    assert s["format"] == "nacha" and s["records"] == 10 and s["entries"] == 3
    assert s["batches"] == [
        {
            "number": 1,
            "service_class": "200",
            "company_id": "1234567890",
            "sec_code": "PPD",
            "entries": 3,
            "debit_cents": 22_344,
            "credit_cents": 0,
        }
    ]
    assert [(r["code"], r["original_trace"], r["amount_cents"]) for r in s["returns"]] == [
        ("R01", "091000010000001", 12_345),
        ("R97", "091000010000002", 9_999),
    ]
    assert s["returns"][0]["trace"] == "121042880000001"
    noc = s["nocs"][0]
    assert noc["code"] == "C01" and noc["original_trace"] == "091000010000003"
    assert noc["corrected_data_masked"].endswith("4433") and "99887766" not in result.stdout
    assert s["debit_cents"] == 22_344 and s["credit_cents"] == 0
    [warning] = s["problems"]
    assert set(warning) >= PROBLEM_KEYS
    assert (warning["rule"], warning["line"], warning["positions"], warning["severity"]) == (
        "return-code",
        6,
        "4-6",
        "warning",
    )


def test_inspect_json_shows_iat_batches_and_their_returns_and_nocs(workdir: Workdir) -> None:
    items = [
        AchItem("R01", "0001000131", 12_345, "091000010000001", dfi_account="CA4412345678901234567890"),
        AchItem("C01", "0001000152", 0, "091000010000002", corrected_data="99887766554433"),
    ]
    data = ach_returns_nacha(items, created=datetime(2026, 11, 20, 9, 30), iat=True)
    result = workdir.hub("inspect", workdir.write("iat.ach", data), "--format", "nacha", "--json")
    assert result.code == 0, result.stdout
    s = result.json()
    assert (s["records"], s["entries"], s["problems"]) == (30, 2, [])  # 24 records and 9-padding
    returns_batch, notices_batch = s["batches"]
    assert (returns_batch["sec_code"], returns_batch["company_id"], returns_batch["debit_cents"]) == (
        "IAT",
        "1234567890",
        12_345,
    )
    assert returns_batch["iat"] == {
        "iat_indicator": None,
        "foreign_exchange_indicator": "FF",
        "destination_country": "CA",
        "originating_currency": "USD",
        "destination_currency": "USD",
    }
    assert (notices_batch["sec_code"], notices_batch["iat"]["iat_indicator"]) == ("COR", "IATCOR")
    [r01] = s["returns"]
    assert (r01["code"], r01["iat"], r01["amount_cents"], r01["original_amount_cents"]) == (
        "R01",
        True,
        12_345,
        12_345,
    )
    [noc] = s["nocs"]
    assert (noc["code"], noc["iat"], noc["corrected_data_masked"]) == ("C01", True, "**********4433")
    assert "4412345678901234567890" not in result.stdout and "99887766" not in result.stdout


def test_inspect_reports_a_one_cent_control_error_with_exit_1(workdir: Workdir) -> None:
    lines = returns_file().decode().split("\n")
    control = lines[8]
    assert control[0] == "8"
    debit = int(control[20:32])
    lines[8] = control[:20] + f"{debit + 1:012d}" + control[32:]
    path = workdir.write("off.ach", "\n".join(lines).encode())
    result = workdir.hub("inspect", path, "--format", "nacha", "--json")
    assert result.code == 1
    errors = [p for p in result.json()["problems"] if p["severity"] == "error"]
    # The batch control disagrees with its entries, and the file control with the batch controls.
    assert [(p["rule"], p["line"], p["positions"]) for p in errors] == [
        ("batch-control", 9, "21-32"),
        ("file-control", 10, "32-43"),
    ]
    assert "22345" in errors[0]["message"] and "22344" in errors[0]["message"]
    human = workdir.hub("inspect", path, "--format", "nacha")
    assert human.code == 1 and "batch-control" in human.stdout and "21-32" in human.stdout


def test_a_file_that_cannot_be_read_still_prints_problems(workdir: Workdir) -> None:
    empty = workdir.write("empty.ach", b"")
    result = workdir.hub("inspect", empty, "--format", "nacha", "--json")
    assert result.code == 1
    [problem] = result.json()["problems"]
    assert problem["rule"] == "empty-file" and problem["line"] == 1
    garbage = workdir.write("garbage.ach", b"\x00\xff not a bank file at all\n" * 3)
    result = workdir.hub("inspect", garbage, "--format", "nacha", "--json")
    assert result.code == 1
    rules = {p["rule"] for p in result.json()["problems"]}
    assert {"record-length", "record-type", "record-order"} <= rules


def test_unknown_format_is_a_usage_error(workdir: Workdir) -> None:
    path = workdir.write("x.ach", returns_file())
    result = workdir.hub("inspect", path, "--format", "cobol")
    assert result.code == 2 and "unknown format" in result.stderr and "nacha" in result.stderr


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus/nacha is not beside the project")
def test_inspect_reads_a_corpus_file(workdir: Workdir) -> None:
    result = workdir.hub("inspect", CORPUS / "ppd-mixedDebitCredit.ach", "--format", "nacha", "--json")
    assert result.code == 0, result.stdout
    s = result.json()
    assert s["entries"] == 3 and s["debit_cents"] == 200_000_000 and s["credit_cents"] == 200_000_000
