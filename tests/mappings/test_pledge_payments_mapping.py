"""Agency payments in the lockbox and BAI2 kinds (their ``agency_payers`` option), on real files
(written by the writers, read by the readers) with the look-ups answered from rows: a check's money
is never lost (what pays no pledge goes to suspense with the amounts), the deposit's lockbox side
still adds up to the check with its item counted once; a BAI2 credit with no open pledge is held
for review as an unapplied PledgePayment; a debit naming the agency is no payment."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import polars as pl

from formats.bai2 import read_bai2
from formats.bai2_writer import Account, Bai2Spec, Group, Transaction
from formats.bai2_writer import write_file as write_bai2
from formats.lockbox import LockboxOptions, read_lockbox
from formats.lockbox_layout import AccountLocation
from formats.lockbox_writer import Batch, Item, Lockbox, LockboxSpec, write_file
from hub.kernel.problems import Problem
from mappings.agency_matching import NO_OPEN
from mappings.bai2_deposits import Bai2DepositsMapping, Bai2DepositsMappingOptions
from mappings.base import MapContext
from mappings.lockbox_payments import LockboxPaymentsMapping, LockboxPaymentsMappingOptions
from mappings.payments import Payment
from mappings.pledge_payments import PledgePayment
from tests.lookups import Answers

DAY = date(2026, 11, 20)
OPTIONS = LockboxOptions(account=AccountLocation(start=83, end=92, check_digit="luhn"))
OPEN = [
    {"idempotency_key": f"AP|CAA01|{pid}", "agency": "CAA01", "pledge_id": pid, "account": acct}
    | {
        "program": "LIHEAP",
        "amount_cents": cents,
        "pledge_date": date(2026, 11, d),
        "expires": date(2027, 1, 1),
    }
    for pid, acct, cents, d in [("P-1", "1001", 25_000, 1), ("P-2", "1002", 10_000, 5)]
]


def answers(open_pledges: list[dict[str, Any]]) -> Answers:
    return Answers(accounts=[], open_pledges=open_pledges, pledge_payments=[], delivered_payments=[])


def kind_and_table(*items: Item) -> tuple[LockboxPaymentsMapping, pl.DataFrame]:
    spec = LockboxSpec(
        created=datetime(2026, 11, 20, 6), lockboxes=[Lockbox("0022222", DAY, [Batch(list(items))])]
    )
    table = read_lockbox(write_file(spec, OPTIONS), "lockbox.dat", OPTIONS).details
    payers = {"CAA01": {"remitter_names": ["County Community Action"]}}
    options = LockboxPaymentsMappingOptions.model_validate({"bank": "B1", "agency_payers": payers})
    return LockboxPaymentsMapping(options), table


def lockbox(*items: Item) -> dict[str, pl.DataFrame]:
    kind, table = kind_and_table(*items)
    return kind.map(table, MapContext("lockbox.dat", answers(OPEN)))


def notes_of(*items: Item) -> list[Problem]:
    kind, table = kind_and_table(*items)
    return kind.notes(table, MapContext("lockbox.dat", answers(OPEN)))


def test_a_check_paying_more_than_its_pledges_leaves_the_rest_in_suspense_with_the_amounts() -> None:
    out = lockbox(Item(30_000, check_number="9001", remitter_name="county community action"))
    [paid] = out[PledgePayment.txn_type].drop("_line").to_dicts()
    PledgePayment.model_validate(paid)
    assert (paid["pledge_id"], paid["amount_cents"], paid["matched_by"], paid["review"]) == (
        "P-1",
        25_000,
        "total",
        True,
    )
    reason = (
        "no oldest-first open pledges sum to the payment: payment $300.00, pledges $250.00, difference $50.00"
    )
    assert paid["review_reason"] == reason
    [rest] = out[Payment.txn_type].to_dicts()
    assert (rest["amount_cents"], rest["suspense"], rest["suspense_reason"], rest["account"]) == (
        5_000,
        True,
        reason,
        "",
    )
    assert rest["idempotency_key"] == "L|B1|0022222|2026-11-20|001|001"
    deposits = out["deposits"]
    [note] = notes_of(Item(30_000, check_number="9001", remitter_name="county community action"))
    assert (note.rule, note.severity, note.line) == ("agency-payment", "warning", 4)
    assert note.message == f"check of agency CAA01 for $300.00 pays P-1 $250.00; $50.00 to suspense: {reason}"
    assert deposits.get_column("amount_cents").sum() == 30_000 and deposits.get_column("items").sum() == 1
    fact = out["pledge_payments"].sort("pledge_id")
    assert fact.select("idempotency_key", "pledge_id", "amount_cents", "payment_key").rows() == [
        ("L|B1|0022222|2026-11-20|001|001", "", 5_000, "L|B1|0022222|2026-11-20|001|001"),
        ("PP|CAA01|P-1", "P-1", 25_000, "L|B1|0022222|2026-11-20|001|001"),
    ]


def test_an_agency_check_with_no_open_pledges_goes_to_suspense_whole() -> None:
    data = write_file(
        LockboxSpec(
            created=datetime(2026, 11, 20, 6),
            lockboxes=[
                Lockbox("0022222", DAY, [Batch([Item(9_900, remitter_name="COUNTY COMMUNITY ACTION")])])
            ],
        ),
        OPTIONS,
    )
    table = read_lockbox(data, "lockbox.dat", OPTIONS).details
    options = LockboxPaymentsMappingOptions.model_validate(
        {"agency_payers": {"CAA01": {"remitter_names": ["COUNTY COMMUNITY ACTION"]}}}
    )
    out = LockboxPaymentsMapping(options).map(table, MapContext("lockbox.dat", answers([])))
    assert out[PledgePayment.txn_type].height == 0
    [rest] = out[Payment.txn_type].to_dicts()
    assert (rest["amount_cents"], rest["suspense"], rest["suspense_reason"]) == (9_900, True, NO_OPEN)
    assert out["deposits"].select("amount_cents", "items").rows() == [(9_900, 1)]


def bai2(*transactions: Transaction) -> dict[str, pl.DataFrame]:
    data = write_bai2(
        Bai2Spec(
            "BANK",
            "UTILITY",
            datetime(2026, 11, 20, 7),
            [Group("BANK", DAY, [Account("555", transactions=list(transactions))])],
        )
    )
    table = read_bai2(data, "r.bai").details
    options = Bai2DepositsMappingOptions.model_validate({"agency_payers": {"CAA01": {"texts": ["CAA01"]}}})
    kind, ctx = (
        Bai2DepositsMapping(options),
        MapContext("r.bai", Answers(open_pledges=[], pledge_payments=[])),
    )
    out = kind.map(table, ctx)
    notes = kind.notes(table, ctx)
    assert [n.rule for n in notes] == ["agency-payment", "not-posted"]  # the credit to review; the debit
    held = "credit of agency CAA01 for $40.00 pays no pledge; $40.00 held unapplied for review"
    assert notes[0].message == f"{held}: {NO_OPEN}"
    return out


def test_a_bai2_credit_with_no_open_pledge_is_held_unapplied_and_a_debit_is_no_payment() -> None:
    out = bai2(
        Transaction("165", 4_000, "ACH1", "", "CAA01 ENERGY"), Transaction("475", 4_000, "CHK1", "", "CAA01")
    )
    [held] = out[PledgePayment.txn_type].drop("_line").to_dicts()
    PledgePayment.model_validate(held)
    assert held["idempotency_key"] == "PP|CAA01|unapplied|BA|555|2026-11-20|165|ACH1|4000"
    assert (held["pledge_id"], held["amount_cents"], held["matched_by"], held["review"]) == (
        "",
        4_000,
        "none",
        True,
    )
    assert held["review_reason"] == NO_OPEN
    assert out["pledge_payments"].select("idempotency_key", "amount_cents").rows() == [
        (held["idempotency_key"], 4_000)
    ]


def test_a_check_posted_before_as_a_customers_payment_pays_no_pledge_now() -> None:
    """Configured as an agency's after the check went to the CIS as a payment: matching it now would
    post its money twice, so it stays the payment it was (its key posts nothing again)."""
    data = write_file(
        LockboxSpec(
            created=datetime(2026, 11, 20, 6),
            lockboxes=[
                Lockbox("0022222", DAY, [Batch([Item(25_000, remitter_name="COUNTY COMMUNITY ACTION")])])
            ],
        ),
        OPTIONS,
    )
    table = read_lockbox(data, "lockbox.dat", OPTIONS).details
    options = LockboxPaymentsMappingOptions.model_validate(
        {"bank": "B1", "agency_payers": {"CAA01": {"remitter_names": ["COUNTY COMMUNITY ACTION"]}}}
    )
    key = "L|B1|0022222|2026-11-20|001|001"
    delivered = [
        {"key": key, "deposit_date": DAY, "lockbox": "0022222", "amount_cents": 25_000, "reference": ""}
    ]
    lookups = Answers(accounts=[], open_pledges=OPEN, pledge_payments=[], delivered_payments=delivered)
    out = LockboxPaymentsMapping(options).map(table, MapContext("lockbox.dat", lookups))
    assert out[PledgePayment.txn_type].height == 0
    assert out[Payment.txn_type].select("idempotency_key", "amount_cents").rows() == [(key, 25_000)]
