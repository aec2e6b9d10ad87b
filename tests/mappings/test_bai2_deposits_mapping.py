"""The bai2-deposits mapping: lockbox deposit credits -> BankDeposit and bank-side deposit rows;
returned items (555) -> check PaymentReversal matched to the lockbox payment, or flagged."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from formats.bai2 import read_bai2
from formats.bai2_writer import Account, Bai2Spec, Group, Transaction, write_file
from hub.engine.facts import keep_facts
from hub.kernel.errors import MappingError
from hub.ledger import Ledger
from mappings.bai2_deposits import Bai2DepositsMapping, Bai2DepositsMappingOptions
from mappings.base import MapContext
from tests.lookups import Answers

DAY = date(2026, 11, 20)
LOCKBOX_ACCOUNT, OTHER_ACCOUNT = "1234567", "7654321"


def report(day: date = DAY) -> bytes:
    lockbox = Account(
        LOCKBOX_ACCOUNT,
        transactions=[
            Transaction("115", 150_000, "BR1001", "", "LOCKBOX DEPOSIT"),
            Transaction("116", 100_000, "", "0000001111"),
            Transaction("116", 50_000, "", "0000002222"),
            Transaction("118", 500, "BR1002"),
            Transaction("555", 4_200, "BR1003", "2222"),
            Transaction("555", 999, "BR1004", "9999"),
            Transaction("475", 7_000, "BR1005"),
        ],
    )
    other = Account(OTHER_ACCOUNT, transactions=[Transaction("115", 3_000, "BR2001")])
    spec = Bai2Spec("BANK", "UTILITY", datetime(2026, 11, 20, 6, 0), [Group("BANK", day, [lockbox, other])])
    return write_file(spec)


def mapped(payments: list[dict[str, Any]] | None = None, **options: Any) -> dict[str, Any]:
    table = read_bai2(report(), "r.bai").details
    mapping = Bai2DepositsMapping(
        Bai2DepositsMappingOptions(lockbox_accounts={LOCKBOX_ACCOUNT: "LB77"}, **options)
    )
    return mapping.map(table, MapContext(source_file="r.bai", lookup=Answers(delivered_payments=payments)))


PAYMENT = {
    "key": "L|BANK|LB77|2026-11-19|001|002",
    "deposit_date": date(2026, 11, 19),
    "lockbox": "LB77",
    "amount_cents": 4_200,
    "reference": "0000002222",
}


def test_lockbox_credits_become_bank_deposits_and_other_accounts_are_ignored() -> None:
    deposits = mapped([])["BankDeposit"].to_dicts()
    assert [(d["type_code"], d["amount_cents"], d["items"], d["lockbox"]) for d in deposits] == [
        ("115", 150_000, 2, "LB77"),
        ("118", 500, 0, "LB77"),
    ]
    assert deposits[0]["idempotency_key"] == f"B|{LOCKBOX_ACCOUNT}|2026-11-20|115|BR1001|150000"
    assert deposits[0]["deposit_date"] == DAY and deposits[0]["bai2_account"] == LOCKBOX_ACCOUNT
    assert OTHER_ACCOUNT not in {d["bai2_account"] for d in deposits}


def test_keys_are_deterministic_across_reads() -> None:
    first, again = mapped([]), mapped([])
    for txn in ("BankDeposit", "PaymentReversal"):
        assert first[txn]["idempotency_key"].to_list() == again[txn]["idempotency_key"].to_list()
    keys = (
        first["BankDeposit"]["idempotency_key"].to_list()
        + first["PaymentReversal"]["idempotency_key"].to_list()
    )
    assert len(set(keys)) == len(keys)


def test_a_returned_item_is_matched_by_check_number_and_amount() -> None:
    matched, unmatched = mapped([PAYMENT])["PaymentReversal"].to_dicts()
    assert (matched["tender"], matched["return_reason"], matched["amount_cents"]) == (
        "check",
        "deposited item returned",
        4_200,
    )
    assert (matched["original_payment_id"], matched["review"], matched["review_reason"]) == (
        PAYMENT["key"],
        False,
        None,
    )
    assert matched["idempotency_key"] == f"BR|{LOCKBOX_ACCOUNT}|2026-11-20|555|BR1003|4200"
    assert unmatched["review"] and unmatched["original_payment_id"] is None
    assert (
        "no lockbox payment of lockbox LB77" in unmatched["review_reason"]
        and "9999" in unmatched["review_reason"]
    )


def test_a_returned_item_for_another_amount_or_without_a_ledger_is_flagged() -> None:
    wrong = mapped([{**PAYMENT, "amount_cents": 4_300}])["PaymentReversal"].to_dicts()[0]
    assert wrong["review"] and "43.00, not 42.00" in wrong["review_reason"]
    twice = mapped([PAYMENT, {**PAYMENT, "key": "L|BANK|LB77|2026-11-19|001|003"}])[
        "PaymentReversal"
    ].to_dicts()[0]
    assert twice["review"] and "2 lockbox payments" in twice["review_reason"]
    blind = mapped(None)["PaymentReversal"].to_dicts()[0]
    assert blind["review"] and "no ledger" in blind["review_reason"]


def test_no_lockbox_accounts_configured_is_refused() -> None:
    table = read_bai2(report(), "r.bai").details
    with pytest.raises(MappingError, match="lockbox_accounts"):
        Bai2DepositsMapping(Bai2DepositsMappingOptions()).map(table, MapContext(source_file="r.bai"))


def test_the_bank_side_is_a_fact_kept_once(tmp_path: Path) -> None:
    ledger = Ledger.open(f"sqlite:///{tmp_path / 'hub.db'}")
    try:
        file_id = ledger.add_file(
            exchange="bai2",
            name="r.bai",
            sha256="0" * 64,
            size=1,
            source="(test)",
            state="delivered",
            landed_path=str(tmp_path / "x"),
        )
        tables = mapped([])
        delivered = tables["BankDeposit"].get_column("idempotency_key")
        assert tables["deposits"].get_column("idempotency_key").to_list() == delivered.to_list()
        for _ in range(2):  # a resent report keeps nothing twice
            with ledger.tx() as conn:
                facts = {"deposits": tables["deposits"]}
                keep_facts(ledger, conn, facts, delivered=delivered, exchange="bai2", file_id=file_id)
        rows = ledger.deposits_on(DAY)
        assert [(r["side"], r["lockbox"], r["amount_cents"], r["items"], r["reference"]) for r in rows] == [
            ("bank", "LB77", 150_000, 2, "BR1001"),
            ("bank", "LB77", 500, 0, "BR1002"),
        ]
    finally:
        ledger.close()


def test_options_refuse_codes_listed_twice() -> None:
    with pytest.raises(ValueError, match="555"):
        Bai2DepositsMappingOptions(deposit_codes=["115", "555"])
