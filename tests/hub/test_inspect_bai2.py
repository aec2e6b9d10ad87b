"""``hub inspect --format bai2``: the machine-readable summary of a BAI2 report, through the real
command: accounts with their summaries, transactions and control totals, and every problem."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from formats.bai2_writer import Account, Bai2Spec, Funds, Group, Summary, Transaction, write_file
from tests.conftest import Workdir

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "bai2"
PROBLEM_KEYS = {"line", "positions", "field", "value", "rule", "message", "severity"}


def lockbox_report() -> bytes:
    """A lockbox deposit, a returned item and balances for one account; its text on an 88 record."""
    account = Account(
        "1234567890",
        "USD",
        [
            Summary("010", -2_500),
            Summary("015", 117_500),
            Summary("100", 125_000, 1),
            Summary("400", 5_000, 1),
        ],
        [
            Transaction("115", 125_000, "LBX7788", "BATCH4", "LOCKBOX 7788, 3 ITEMS/REMIT", Funds("0")),
            Transaction("555", 5_000, "RET1", "CHK 1001", "DEPOSITED ITEM RETURNED NSF", Funds("Z")),
        ],
    )
    group = Group("121000248", date(2026, 11, 19), [account], receiver="CITYUTIL", currency="USD")
    return write_file(Bai2Spec("121000248", "CITYUTIL", datetime(2026, 11, 20, 6, 5), [group]), width=48)


def test_inspect_json_summarises_accounts_summaries_and_transactions(workdir: Workdir) -> None:
    path = workdir.write("report.bai2", lockbox_report())
    result = workdir.hub("inspect", path, "--format", "bai2", "--json")
    assert result.code == 0, result.stderr
    s = result.json()
    assert {"format", "records", "groups", "accounts", "file_control_cents", "problems"} <= set(s)
    assert (s["format"], s["records"], s["groups"], s["problems"]) == ("bai2", 11, 1, [])
    [account] = s["accounts"]
    assert (account["number"], account["currency"], account["group"], account["as_of_date"]) == (
        "1234567890",
        "USD",
        1,
        "2026-11-19",
    )
    assert [(x["type_code"], x["amount_cents"], x["meaning"]) for x in account["summaries"]] == [
        ("010", -2_500, "Opening Ledger"),
        ("015", 117_500, "Closing Ledger"),
        ("100", 125_000, "Total Credits"),
        ("400", 5_000, "Total Debits"),
    ]
    # -2500 + 117500 + 125000 + 5000 (03) + 125000 + 5000 (16): a plain sum, the debits not subtracted
    assert account["control_cents"] == s["file_control_cents"] == 375_000
    assert [
        (t["type_code"], t["amount_cents"], t["bank_ref"], t["customer_ref"], t["text"], t["credit_debit"])
        for t in account["transactions"]
    ] == [
        ("115", 125_000, "LBX7788", "BATCH4", "LOCKBOX 7788, 3 ITEMS/REMIT", "credit"),
        ("555", 5_000, "RET1", "CHK 1001", "DEPOSITED ITEM RETURNED NSF", "debit"),
    ]
    assert account["transactions"][1]["meaning"] == "Deposited Item Returned"


def test_inspect_reports_a_one_cent_control_error_with_exit_1(workdir: Workdir) -> None:
    text = lockbox_report().decode()
    assert "16,555,5000," in text
    path = workdir.write("off.bai2", text.replace("16,555,5000,", "16,555,5001,").encode())
    result = workdir.hub("inspect", path, "--format", "bai2", "--json")
    assert result.code == 1
    [problem] = result.json()["problems"]
    assert set(problem) >= PROBLEM_KEYS
    assert (problem["rule"], problem["field"], problem["positions"], problem["severity"]) == (
        "account-control",
        "control_total",
        "field 2",
        "error",
    )
    assert "375000" in problem["message"] and "375001" in problem["message"]
    human = workdir.hub("inspect", path, "--format", "bai2")
    assert human.code == 1 and "account-control" in human.stdout


def test_a_file_that_cannot_be_read_still_prints_problems(workdir: Workdir) -> None:
    empty = workdir.write("empty.bai2", b"")
    result = workdir.hub("inspect", empty, "--format", "bai2", "--json")
    assert result.code == 1
    s = result.json()
    assert (s["format"], s["accounts"]) == ("bai2", [])
    assert [(p["rule"], p["line"]) for p in s["problems"]] == [("empty-file", 1)]
    garbage = workdir.write("garbage.bai2", b"\x00\xff not a bank report\n" * 3)
    result = workdir.hub("inspect", garbage, "--format", "bai2", "--json")
    assert result.code == 1
    assert {"record-code", "record-order"} <= {p["rule"] for p in result.json()["problems"]}


def test_warnings_alone_exit_0(workdir: Workdir) -> None:
    text = lockbox_report().decode().rstrip("\n").removesuffix("/")  # the last line without its "/"
    path = workdir.write("noslash.bai2", text.encode())
    result = workdir.hub("inspect", path, "--format", "bai2", "--json")
    assert result.code == 0, result.stdout
    [warning] = result.json()["problems"]
    assert (warning["rule"], warning["line"], warning["severity"]) == ("record-end", 11, "warning")


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus/bai2 is not beside the project")
def test_inspect_reads_a_corpus_file(workdir: Workdir) -> None:
    result = workdir.hub("inspect", CORPUS / "svb_us_example.bai2", "--format", "bai2", "--json")
    assert result.code == 0, result.stdout
    s = result.json()
    assert (s["groups"], s["file_control_cents"]) == (2, 282_030_196)
    assert [a["control_cents"] for a in s["accounts"]] == [138_884_258, 143_145_938]
