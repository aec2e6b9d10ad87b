"""The lockbox-payments mapping on real transmissions (written by the lockbox writer, read by the
reader): a check with a known, active account posts; every doubtful one goes to suspense with its
reason; deposit controls equal the sum of their payments; keys are the same every time."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import polars as pl
import pytest

from formats.lockbox import LockboxOptions, read_lockbox
from formats.lockbox_accounts import with_check_digit
from formats.lockbox_layout import AccountLocation
from formats.lockbox_writer import Batch, Item, Lockbox, LockboxSpec, write_file
from hub.kernel.errors import MappingError
from mappings import get_kind
from mappings.base import MapContext
from mappings.lockbox_payments import (
    AMBIGUOUS,
    BLANK,
    CHECK_DIGIT,
    NO_ACCOUNTS,
    UNKNOWN,
    DepositControl,
    LockboxPaymentsMapping,
    LockboxPaymentsMappingOptions,
)
from mappings.payments import Payment
from tests.lookups import Answers

DEPOSIT = date(2026, 11, 20)
OPTIONS = LockboxOptions(account=AccountLocation(start=83, end=92, check_digit="luhn"))


def account(n: int) -> str:
    return with_check_digit("luhn", f"{500_000_000 + n:09d}")


ACTIVE, CLOSED, OTHER = account(1), account(2), account(3)
CIS = {
    ACTIVE: {"name": "A", "service_address": "1 MAIN", "status": "active", "active": True},
    CLOSED: {"name": "B", "service_address": "2 MAIN", "status": "closed", "active": False},
    OTHER: {"name": "C", "service_address": "3 MAIN", "status": "active", "active": True},
}


def cis() -> Answers:
    """The CIS's accounts, as the ``accounts`` look-up answers."""
    return Answers(accounts=[{"number": n, **values} for n, values in CIS.items()])


def check(cents: int, free: str, n: int = 1) -> Item:
    return Item(cents, check_number=f"{100 + n}", remitter_name=f"PAYER {n}", free_data=free)


def transmission() -> bytes:
    bad_digit = ACTIVE[:-1] + str((int(ACTIVE[-1]) + 1) % 10)
    return write_file(
        LockboxSpec(
            created=datetime(2026, 11, 20, 6, 0),
            lockboxes=[
                Lockbox(
                    "0022222",
                    DEPOSIT,
                    [
                        Batch([check(10_000, f"{ACTIVE} 00010000", 1), check(2_500, f"{CLOSED}", 2)]),
                        Batch(
                            [
                                check(700, account(9), 3),  # not in the CIS
                                check(800, bad_digit, 4),
                                check(900, "", 5),
                                check(1_000, f"{ACTIVE} {OTHER}", 6),
                            ]
                        ),
                    ],
                )
            ],
        ),
        OPTIONS,
    )


def mapped(accounts: Answers | None = None, **options: Any) -> dict[str, pl.DataFrame]:
    table = read_lockbox(transmission(), "lockbox.dat", OPTIONS).details
    mapping = LockboxPaymentsMapping(LockboxPaymentsMappingOptions(bank="091000019", **options))
    return mapping.map(table, MapContext(source_file="lockbox.dat", lookup=accounts or cis()))


def test_registered_under_its_kind() -> None:
    assert get_kind("lockbox-payments") is LockboxPaymentsMapping


def test_a_known_active_account_posts_and_every_doubtful_check_goes_to_suspense() -> None:
    payments = mapped()[Payment.txn_type]
    rows = payments.select("account", "remitted_account", "suspense", "suspense_reason").rows()
    assert rows[0] == (ACTIVE, ACTIVE, False, None)
    assert rows[1] == ("", CLOSED, True, "account is not active in the CIS (status closed)")
    assert rows[2] == ("", account(9), True, UNKNOWN)
    assert rows[3][0] == "" and rows[3][2:] == (True, CHECK_DIGIT)
    assert rows[4] == ("", "", True, BLANK)
    assert rows[5] == ("", ACTIVE, True, AMBIGUOUS)
    assert payments.get_column("amount_cents").sum() == 10_000 + 2_500 + 700 + 800 + 900 + 1_000
    for row in payments.drop("_line").to_dicts():
        Payment.model_validate(row)  # every row fits the contract


def test_deposit_controls_equal_the_sum_of_their_payments() -> None:
    tables = mapped()
    payments, controls = tables[Payment.txn_type], tables[DepositControl.txn_type]
    sums = (
        payments.group_by("lockbox", "deposit_date", "batch", maintain_order=True)
        .agg(pl.len().cast(pl.Int64).alias("count"), pl.col("amount_cents").sum())
        .sort("batch")
    )
    got = controls.select("lockbox", "deposit_date", "batch", "count", "amount_cents").sort("batch")
    assert got.to_dicts() == sums.to_dicts()
    assert got.select("count", "amount_cents").rows() == [(2, 12_500), (4, 3_400)]
    for row in controls.drop("_line").to_dicts():
        DepositControl.model_validate(row)


def test_keys_are_deterministic_and_name_bank_lockbox_date_batch_item() -> None:
    first, second = mapped(), mapped()
    keys = first[Payment.txn_type].get_column("idempotency_key").to_list()
    assert keys == second[Payment.txn_type].get_column("idempotency_key").to_list()
    assert keys[0] == "L|091000019|0022222|2026-11-20|001|001"
    assert keys[2] == "L|091000019|0022222|2026-11-20|002|001"
    assert first[DepositControl.txn_type].get_column("idempotency_key").to_list() == [
        "D|091000019|0022222|2026-11-20|001",
        "D|091000019|0022222|2026-11-20|002",
    ]


def test_without_an_accounts_extract_the_file_is_rejected_or_all_suspense() -> None:
    with pytest.raises(MappingError, match="no CIS accounts extract was ever loaded"):
        mapped(accounts=Answers(accounts=None))
    payments = mapped(accounts=Answers(accounts=None), without_accounts="suspense")[Payment.txn_type]
    assert set(payments.get_column("suspense_reason")) == {NO_ACCOUNTS}
    assert set(payments.get_column("account")) == {""}


def test_the_ambiguity_check_can_be_turned_off() -> None:
    payments = mapped(ambiguity_check=False)[Payment.txn_type]
    assert payments.row(5, named=True)["account"] == ACTIVE


def test_options_need_an_account_location_and_a_check_digit_rule() -> None:
    strict = LockboxPaymentsMappingOptions()
    assert "account" in LockboxPaymentsMapping.check_options(strict, LockboxOptions())[0]
    no_rule = LockboxOptions(account=AccountLocation(start=83, end=92))
    assert "check_digit" in LockboxPaymentsMapping.check_options(strict, no_rule)[0]
    lax = LockboxPaymentsMappingOptions(require_check_digit=False)
    assert LockboxPaymentsMapping.check_options(lax, no_rule) == []
    assert LockboxPaymentsMapping.check_options(strict, OPTIONS) == []


def test_the_lockbox_side_of_the_deposits_is_a_fact_of_every_payment() -> None:
    tables = mapped()
    payments, deposits = tables[Payment.txn_type], tables["deposits"]
    assert (
        deposits.select("idempotency_key", "amount_cents", "reference").rows()
        == payments.select("idempotency_key", "amount_cents", "check_number").rows()
    )
    assert set(deposits.get_column("side")) == {"lockbox"} and set(deposits.get_column("items")) == {1}
    assert LockboxPaymentsMapping.persists == {"deposits", "pledge_payments"}
