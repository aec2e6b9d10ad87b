"""Agency payments of energy-assistance pledges: the ``PledgePayment`` CIS transaction and how an
agency's payment is recognised in the lockbox (``LockboxPayer``) or the BAI2 report (``Bai2Payer``).

An agency pays its accepted pledges in lump sums: a check in the lockbox or an ACH/CCD credit in the
BAI2 report. The receiving kind recognises the payment by its own ``agency_payers`` option and,
instead of a customer ``Payment``, delivers one ``PledgePayment`` per pledge the payment covers
(``mappings/agency_matching.py``). Key ``PP|<agency>|<pledge id>``: a pledge is paid once. Money
of the payment that pays no pledge is never lost: a lockbox check's rest goes to suspense as a
``Payment``; a BAI2 credit's rest is a ``PledgePayment`` with no pledge, held for review (key
``PP|<agency>|unapplied|<the credit's key>``). Each delivered row is kept (fact
``pledge_payments``), so the ``open_pledges`` look-up leaves the pledges it paid out.
"""

from __future__ import annotations

import re
from datetime import date
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hub.kernel.transactions import CisTransaction

FACT_COLUMNS = (
    "payment_key",
    "agency",
    "pledge_id",
    "account",
    "amount_cents",
    "source",
    "reference",
    "paid_on",
)


class PledgePayment(CisTransaction):
    """An agency's payment of one pledge (``pledge_id`` blank: money of an agency payment that
    paid no pledge, held for review). ``matched_by`` says how the pledge was found: the
    payment's remittance list, its total, or ``none`` (unapplied)."""

    txn_type: ClassVar[str] = "PledgePayment"
    total_fields: ClassVar[tuple[str, ...]] = ("amount_cents",)

    agency: str = Field(description="the agency's id")
    pledge_id: str = Field(description="the agency's pledge id")
    account: str = Field(description="the utility (CIS) account")
    amount_cents: int = Field(gt=0, description="paid toward the pledge, in cents")
    source: Literal["lockbox", "bai2"] = Field(description="lockbox (a check) or bai2 (a credit)")
    reference: str  # the check number (lockbox) or the bank reference (BAI2)
    paid_on: date  # the deposit date (lockbox) or the report's as-of date (BAI2)
    matched_by: Literal["remittance", "total", "none"] = Field(
        description="remittance data, the total, or none (review)"
    )
    review: bool = Field(False, description="true: delivered for a person to decide")
    review_reason: str | None = Field(None, description="why it is held for review")


def normalised_name(name: str | None) -> str:
    """A remitter name as people read it: upper case, punctuation and extra spaces dropped."""
    return " ".join(re.sub(r"[^A-Z0-9 ]+", " ", (name or "").upper()).split())


class LockboxPayer(BaseModel):
    """How an agency's check is told from a customer's: its remitter account (the bank account the
    check is drawn on, leading zeros ignored) or its remitter name (case, punctuation and spaces
    ignored)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    remitter_accounts: list[str] = Field(
        default_factory=list, description="bank accounts the agency's checks are drawn on"
    )
    remitter_names: list[str] = Field(
        default_factory=list, description="remitter names on the agency's checks"
    )

    @field_validator("remitter_accounts")
    @classmethod
    def _accounts(cls, values: list[str]) -> list[str]:
        bad = [v for v in values if not v.strip().isdigit()]
        if bad:
            raise ValueError(f"{len(bad)} remitter account(s) are not digits")
        return [v.strip().lstrip("0") or "0" for v in values]

    @field_validator("remitter_names")
    @classmethod
    def _names(cls, values: list[str]) -> list[str]:
        names = [normalised_name(v) for v in values]
        if "" in names:
            raise ValueError("a remitter name is blank")
        return names


class Bai2Payer(BaseModel):
    """How an agency's credit is told in the BAI2 report: a credit detail (type codes 100-399)
    whose text contains one of ``texts`` (case ignored)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    texts: list[str] = Field(
        min_length=1, description="a credit whose text holds one of these (case ignored) is the agency's"
    )

    @field_validator("texts")
    @classmethod
    def _texts(cls, values: list[str]) -> list[str]:
        texts = [v.strip().upper() for v in values]
        if "" in texts:
            raise ValueError("a text is blank")
        return texts


def lockbox_payer(
    payers: dict[str, LockboxPayer], remitter_account: str | None, remitter_name: str | None
) -> str | None:
    """The agency whose check this is, or None (a customer's)."""
    account = (remitter_account or "").strip().lstrip("0")
    name = normalised_name(remitter_name)
    for agency, payer in payers.items():
        if (account and account in payer.remitter_accounts) or (name and name in payer.remitter_names):
            return agency
    return None


def bai2_payer(payers: dict[str, Bai2Payer], type_code: str, text: str | None) -> str | None:
    """The agency whose credit this detail is, or None."""
    if not (type_code.isdigit() and 100 <= int(type_code) <= 399):
        return None
    upper = (text or "").upper()
    for agency, payer in payers.items():
        if any(t in upper for t in payer.texts):
            return agency
    return None
