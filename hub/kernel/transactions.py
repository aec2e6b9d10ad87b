"""The CIS transaction contract: one pydantic model per transaction type.

The models document each type's fields and check single transactions (tests, small files); the
vectorised mappings produce tables with exactly these columns, in this order (``columns_of``).
Money is integer cents; readings are integer register units; times are UTC ISO 8601.
"""

from __future__ import annotations

import warnings
from datetime import date, datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

# ``register`` is the CIS's name for a meter register; it shadows ABCMeta.register harmlessly.
warnings.filterwarnings("ignore", message='Field name "register"', category=UserWarning)


class CisTransaction(BaseModel):
    """Fields every CIS transaction carries."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    txn_type: ClassVar[str]
    total_fields: ClassVar[tuple[str, ...]] = ()

    idempotency_key: str = Field(min_length=1)
    source_line: int = Field(ge=1)


class MeterRead(CisTransaction):
    """A register reading the CIS bills from."""

    txn_type: ClassVar[str] = "MeterRead"
    total_fields: ClassVar[tuple[str, ...]] = ("reading", "consumption")

    account: str
    meter: str
    register: str
    read_at: datetime
    reading: int = Field(ge=0)
    prior_reading: int | None = Field(None, ge=0)
    consumption: int | None = None
    read_type: Literal["actual", "estimate", "customer"]
    read_code: str
    rollover: bool
    route: str
    sequence: int
    reader_id: str
    trouble_code: str | None = None


class ReadException(CisTransaction):
    """A read held for review instead of posting: no-read codes, tamper, wrong route, hi/low failures."""

    txn_type: ClassVar[str] = "ReadException"
    total_fields: ClassVar[tuple[str, ...]] = ("reading", "consumption")

    exception: str
    reason: str
    account: str
    meter: str
    register: str
    read_at: datetime
    reading: int | None = None
    prior_reading: int | None = None
    consumption: int | None = None
    read_code: str
    route: str
    sequence: int
    reader_id: str
    trouble_code: str | None = None


class PaymentReversal(CisTransaction):
    """A customer's ACH debit returned by the bank (NACHA return, R-code): the CIS reverses the
    payment and applies the utility's follow-ups for the code (fee, autopay stop, returned-payment
    count, letter). ``review`` holds it for a person when the hub cannot decide safely."""

    txn_type: ClassVar[str] = "PaymentReversal"
    total_fields: ClassVar[tuple[str, ...]] = ("amount_cents", "fee_cents")

    account: str  # the utility's account: from the originated debit when matched, else the entry's id
    amount_cents: int = Field(ge=0)
    return_code: str
    return_reason: str | None = None  # the code's meaning; None when the code is not in the NACHA rules
    original_trace: str
    return_trace: str  # the return entry's own trace number
    effective_date: date | None = None  # the return batch's effective entry date
    original_payment_id: str | None = None  # the originated debit this reverses, when matched
    routing: str  # the customer's bank (routing with check digit) and account, as the return carries them
    dfi_account: str
    fee_cents: int = Field(0, ge=0)
    stop_autopay: bool = False
    count_toward_limit: bool = False
    letter: str | None = None
    date_of_death: date | None = None  # R14/R15
    review: bool = False
    review_reason: str | None = None
    # "check": a lockbox check the bank returned unpaid (BAI2 555); return_code is then the BAI2 type
    # code, original_trace the check number, return_trace the bank reference, original_payment_id
    # the lockbox payment's key when matched, routing/dfi_account blank.
    tender: Literal["ach", "check"] = "ach"


class AccountChangeNotice(CisTransaction):
    """A notification of change (NACHA NOC, C-code): the bank's correction of the customer's bank
    details for future debits. ``corrected_data`` is the full value (the CIS needs it; everywhere
    else it is masked); the corrected routing, account and transaction code are parsed out where
    the code defines them."""

    txn_type: ClassVar[str] = "AccountChangeNotice"

    account: str  # the utility's account: from the originated debit when matched, else the entry's id
    change_code: str
    change_reason: str | None = None  # the code's meaning; None when the code is not in the NACHA rules
    original_trace: str
    trace: str  # the notice's own trace number
    effective_date: date | None = None
    original_payment_id: str | None = None
    routing: str  # the bank details the utility used, which the notice corrects
    dfi_account: str
    corrected_data: str
    corrected_routing: str | None = None  # C02, C03, C07
    corrected_account: str | None = None  # C01, C03, C06, C07
    corrected_transaction_code: int | None = None  # C05, C06, C07
    review: bool = False
    review_reason: str | None = None


class Payment(CisTransaction):
    """A customer's check from the bank's lockbox. ``suspense`` holds it in the CIS's suspense
    account with a ``suspense_reason`` (account missing, mistyped, unknown, not active or ambiguous):
    never dropped, never applied to a guessed account. ``account`` is blank for suspense;
    ``remitted_account`` is the number as the remittance data carried it, for the clerk."""

    txn_type: ClassVar[str] = "Payment"
    total_fields: ClassVar[tuple[str, ...]] = ("amount_cents",)

    tender: Literal["check"] = "check"
    amount_cents: int = Field(ge=0)
    check_number: str | None = None
    remitter_name: str | None = None
    deposit_date: date
    lockbox: str
    batch: str
    item: str
    account: str  # the CIS account the payment posts to; blank when in suspense
    remitted_account: str  # the account number in the remittance data (blank when none)
    suspense: bool = False
    suspense_reason: str | None = None


class DepositControl(CisTransaction):
    """One lockbox batch's deposit control: its count and amount equal the sum of the batch's
    ``Payment`` rows in the same CIS batch, so the CIS balances the deposit before posting."""

    txn_type: ClassVar[str] = "DepositControl"
    total_fields: ClassVar[tuple[str, ...]] = ("count", "amount_cents")

    lockbox: str
    deposit_date: date
    batch: str
    count: int = Field(ge=0)
    amount_cents: int = Field(ge=0)


class BankDeposit(CisTransaction):
    """A lockbox deposit credit as the bank reports it (BAI2 115, or an 118 adjustment): the bank's
    side of the deposit reconciliation against the lockbox file's payments."""

    txn_type: ClassVar[str] = "BankDeposit"
    total_fields: ClassVar[tuple[str, ...]] = ("amount_cents",)

    lockbox: str
    deposit_date: date  # the report group's as-of date (or the value date, by option)
    amount_cents: int = Field(ge=0)
    items: int = Field(0, ge=0)  # checks in the deposit when the report lists them (116), else 0
    type_code: str  # the BAI2 type code (115 deposit, 118 adjustment)
    bai2_account: str  # the bank account the report credits
    bank_ref: str | None = None
    customer_ref: str | None = None
    text: str | None = None


TRANSACTION_TYPES: dict[str, type[CisTransaction]] = {
    m.txn_type: m
    for m in (
        MeterRead,
        ReadException,
        PaymentReversal,
        AccountChangeNotice,
        Payment,
        DepositControl,
        BankDeposit,
    )
}


def columns_of(model: type[CisTransaction]) -> list[str]:
    """The column order of a transaction type's data file: key first, source last."""
    names = list(model.model_fields)
    head = ["idempotency_key"]
    tail = ["source_line"]
    return head + [n for n in names if n not in head and n not in tail] + tail
