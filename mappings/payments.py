"""The CIS's payment transactions, which several exchange kinds produce: ``Payment`` (a lockbox
check, a collection agency's remittance) and ``PaymentReversal`` (an ACH return, a BAI2 returned
check)."""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from pydantic import Field

from hub.kernel.transactions import CisTransaction


class PaymentReversal(CisTransaction):
    """A customer's ACH debit returned by the bank (NACHA return, R-code): the CIS reverses the
    payment and applies the utility's follow-ups for the code (fee, autopay stop, returned-payment
    count, letter). ``review`` holds it for a person when the hub cannot decide safely."""

    txn_type: ClassVar[str] = "PaymentReversal"
    total_fields: ClassVar[tuple[str, ...]] = ("amount_cents", "fee_cents")

    account: str  # the utility's account: from the originated debit when matched, else the entry's id
    amount_cents: int = Field(ge=0, description="amount in cents")
    return_code: str = Field(description="NACHA R-code, or 555 for a returned check")
    return_reason: str | None = Field(
        None, description="the code's meaning; null when the code is not in the NACHA rules"
    )
    original_trace: str = Field(description="the original entry's trace (a returned check: its number)")
    return_trace: str = Field(
        description="the return entry's own trace (a BAI2 returned item: the bank reference)"
    )
    effective_date: date | None = None  # the return batch's effective entry date
    original_payment_id: str | None = None  # the originated debit this reverses, when matched
    routing: str  # the customer's bank (routing with check digit) and account, as the return carries them
    dfi_account: str = Field(description="the customer's bank account (full here; masked everywhere else)")
    fee_cents: int = Field(0, ge=0, description="returned-payment fee to charge")
    stop_autopay: bool = Field(False, description="stop the customer's autopay")
    count_toward_limit: bool = Field(False, description="counts toward the returned-payment limit")
    letter: str | None = Field(None, description="the letter the CIS sends")
    date_of_death: date | None = None  # R14/R15
    review: bool = Field(False, description="true: delivered for a person to decide")
    review_reason: str | None = Field(None, description="why it is held for review")
    # "check": a lockbox check the bank returned unpaid (BAI2 555); return_code is then the BAI2 type
    # code, original_trace the check number, return_trace the bank reference, original_payment_id
    # the lockbox payment's key when matched, routing/dfi_account blank.
    tender: Literal["ach", "check"] = "ach"


class Payment(CisTransaction):
    """A customer's payment: a check from the bank's lockbox (tender ``check``), or what a collection
    agency collected on a placed account (tender ``collection-agency``: the gross; the agency's
    commission is its own ``CollectionCommission``). ``suspense`` holds a check in the CIS's
    suspense account with a ``suspense_reason`` (account missing, mistyped, unknown, not active or
    ambiguous): never dropped, never applied to a guessed account. ``account`` is blank for
    suspense; ``remitted_account`` is the number as the remittance data carried it, for the clerk.
    An agency's payment has ``deposit_date`` the day it was collected, blank ``lockbox``, ``batch``
    and ``item``, the agency and its reference, and ``review`` when it does not fit its placement."""

    txn_type: ClassVar[str] = "Payment"
    total_fields: ClassVar[tuple[str, ...]] = ("amount_cents",)

    tender: Literal["check", "collection-agency"] = Field(
        "check", description="check (lockbox) or collection-agency"
    )
    amount_cents: int = Field(ge=0, description="the check amount (an agency payment: the gross) in cents")
    check_number: str | None = Field(None, description="check serial number")
    remitter_name: str | None = Field(None, description="name on the check (an agency payment: the agency)")
    deposit_date: date = Field(description="the deposit (or collection) date")
    lockbox: str = Field(description="lockbox number")
    batch: str = Field(description="the bank's batch number")
    item: str = Field(description="item number within the batch")
    account: str  # the CIS account the payment posts to; blank when in suspense
    remitted_account: str  # the account number in the remittance data (blank when none)
    suspense: bool = Field(False, description="true: no account could be trusted; post from suspense")
    suspense_reason: str | None = Field(None, description="why it went to suspense")
    agency: str | None = None  # a collection agency's remittance: the agency and its reference
    agency_reference: str | None = Field(None, description="the agency's reference of the payment")
    review: bool = Field(False, description="true: delivered for a person to decide")
    review_reason: str | None = Field(None, description="why it is held for review")
