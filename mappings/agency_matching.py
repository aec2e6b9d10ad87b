"""Which accepted, unpaid pledges an agency's payment covers (for the lockbox and BAI2 kinds).

By the remittance list when the payment carries one: the tokens of its remittance data that are
shaped like the agency's pledge ids (the same letters and separators, digits of any length), each
optionally followed by an amount. Listed open pledges are paid (the listed amount, else the
pledge's), in the list's order while they fit in the payment; a listed id that is unknown, paid
already or does not fit is named in the review reason.

Else by total: the oldest open pledges (by pledge date, then id) whose running sum equals the
payment; when no such prefix exists, the oldest pledges that fit, the difference flagged with the
amounts. No open pledge at all: nothing is paid (``NO_OPEN``). What the payment leaves over
(``rest_cents``) is the receiving kind's to keep (suspense). A payment delivered before (its key
among the delivered pledge payments) is matched as it was then, so a resent file posts nothing twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

NO_OPEN = "agency payment with no open pledges"
AMOUNT = re.compile(r"^\$?(\d{1,3}(?:,\d{3})+|\d+)\.(\d{2})$")


def dollars(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}${abs(cents) // 100:,}.{abs(cents) % 100:02d}"


@dataclass(frozen=True)
class AgencyItem:
    """One agency payment: a lockbox check or a BAI2 credit."""

    payment_key: str  # the idempotency key the payment would have as a customer payment
    agency: str
    amount_cents: int
    reference: str
    paid_on: date
    remittance: str
    line: int


@dataclass(frozen=True)
class Paid:
    key: str
    pledge_id: str
    account: str
    amount_cents: int
    matched_by: str


@dataclass
class Matched:
    """What one payment pays: its pledges, what is left over, and why it needs a look (None: fine)."""

    item: AgencyItem
    paid: list[Paid] = field(default_factory=list)
    rest_cents: int = 0
    reason: str | None = None
    before: bool = False  # delivered before: matched as then (its keys post nothing twice)


def pledge_key(agency: str, pledge_id: str) -> str:
    return f"PP|{agency}|{pledge_id}"


def match(
    items: Iterable[AgencyItem], open_pledges: list[dict[str, Any]], earlier: list[dict[str, Any]]
) -> list[Matched]:
    """Match the payments in file order; a pledge one pays is not open for the next.
    ``open_pledges``: rows of the ``open_pledges`` look-up; ``earlier``: of ``pledge_payments``."""
    open_by: dict[str, list[dict[str, Any]]] = {}
    for p in sorted(open_pledges, key=lambda p: (p["pledge_date"], p["pledge_id"])):
        open_by.setdefault(p["agency"], []).append(p)
    paid_before = {(r["agency"], r["pledge_id"]): r for r in earlier if r["pledge_id"]}
    by_payment: dict[str, list[dict[str, Any]]] = {}
    for r in earlier:
        by_payment.setdefault(r["payment_key"], []).append(r)
    used: dict[tuple[str, str], AgencyItem] = {}
    out = []
    for item in items:
        if item.payment_key in by_payment:
            out.append(_as_before(item, by_payment[item.payment_key]))
            continue
        pledges = [p for p in open_by.get(item.agency, []) if (item.agency, p["pledge_id"]) not in used]
        known = [p["pledge_id"] for p in open_by.get(item.agency, [])]
        known += [pid for (agency, pid) in paid_before if agency == item.agency]
        listed = listed_ids(item.remittance, known)
        if listed and not any(pid in known or not pid.isdigit() for pid, _ in listed):
            listed = []  # only numbers that name no pledge: not a list (a reference, a company id)
        if listed:
            m = _by_list(item, listed, pledges, paid_before, used)
        elif pledges:
            m = _by_total(item, pledges)
        else:
            m = Matched(item, rest_cents=item.amount_cents, reason=NO_OPEN)
        used.update({(item.agency, p.pledge_id): item for p in m.paid})
        out.append(m)
    return out


def _shape(pledge_id: str) -> str:
    return "".join(
        r"\d+" if part.isdigit() else re.escape(part) for part in re.split(r"(\d+)", pledge_id) if part
    )


def listed_ids(remittance: str, known: list[str]) -> list[tuple[str, int | None]]:
    """The pledge ids the remittance data lists (shaped like ``known`` ids), each with the amount
    written after it (None: none)."""
    shapes = {_shape(k) for k in known}
    if not shapes:
        return []
    pattern = re.compile("^(?:" + "|".join(sorted(shapes)) + ")$", re.IGNORECASE)
    tokens = [t.strip(",;:()[]") for t in remittance.split()]
    found: list[tuple[str, int | None]] = []
    for n, token in enumerate(tokens):
        if not token or AMOUNT.match(token) or not pattern.match(token):
            continue
        after = AMOUNT.match(tokens[n + 1]) if n + 1 < len(tokens) else None
        cents = int(after.group(1).replace(",", "")) * 100 + int(after.group(2)) if after else None
        found.append((_spelled(token, known), cents))
    return found


def _spelled(token: str, known: list[str]) -> str:
    """The id as the agency's pledge spells it (the list may differ in case)."""
    return next((k for k in known if k.upper() == token.upper()), token)


def _by_list(
    item: AgencyItem,
    listed: list[tuple[str, int | None]],
    pledges: list[dict[str, Any]],
    paid_before: dict[tuple[str, str], dict[str, Any]],
    used: dict[tuple[str, str], AgencyItem],
) -> Matched:
    open_ids = {p["pledge_id"]: p for p in pledges}
    notes: list[str] = []
    paid: list[Paid] = []
    total = 0
    seen: set[str] = set()
    for pid, cents in listed:
        if pid in seen:
            notes.append(f"pledge {pid} is listed twice")
            continue
        seen.add(pid)
        pledge = open_ids.get(pid)
        if pledge is None:
            notes.append(_not_open(item.agency, pid, paid_before, used))
            continue
        amount = int(pledge["amount_cents"]) if cents is None else cents
        if amount <= 0 or total + amount > item.amount_cents:
            notes.append(f"pledge {pid} ({dollars(amount)}) does not fit in the payment")
            continue
        if amount != int(pledge["amount_cents"]):
            notes.append(f"pledge {pid} is {dollars(int(pledge['amount_cents']))}, listed {dollars(amount)}")
        paid.append(Paid(pledge_key(item.agency, pid), pid, pledge["account"], amount, "remittance"))
        total += amount
    if total != item.amount_cents:
        notes.append(_difference(item.amount_cents, total))
    rest = item.amount_cents - total
    return Matched(item, paid, rest, "; ".join(notes) or None)


def _not_open(
    agency: str,
    pid: str,
    paid_before: dict[tuple[str, str], dict[str, Any]],
    used: dict[tuple[str, str], AgencyItem],
) -> str:
    if (agency, pid) in used:
        earlier = used[agency, pid].reference
        return f"pledge {pid} is paid by an earlier payment of this file (reference {earlier})"
    if (agency, pid) in paid_before:
        r = paid_before[agency, pid]
        return f"pledge {pid} was paid already ({r['source']} {r['reference']} of {r['paid_on']})"
    return f"pledge {pid} is not an open pledge of agency {agency}"


def _by_total(item: AgencyItem, pledges: list[dict[str, Any]]) -> Matched:
    running, exact = 0, None
    for n, p in enumerate(pledges, start=1):
        running += int(p["amount_cents"])
        if running == item.amount_cents:
            exact = n
            break
        if running > item.amount_cents:
            break
    if exact is not None:
        chosen = pledges[:exact]
    else:
        chosen, running = [], 0
        for p in pledges:
            if running + int(p["amount_cents"]) > item.amount_cents:
                break
            chosen.append(p)
            running += int(p["amount_cents"])
    paid = [
        Paid(
            pledge_key(item.agency, p["pledge_id"]),
            p["pledge_id"],
            p["account"],
            int(p["amount_cents"]),
            "total",
        )
        for p in chosen
    ]
    total = sum(p.amount_cents for p in paid)
    reason = None
    if total != item.amount_cents:
        reason = "no oldest-first open pledges sum to the payment: " + _difference(item.amount_cents, total)
    return Matched(item, paid, item.amount_cents - total, reason)


def _difference(payment: int, pledges: int) -> str:
    return f"payment {dollars(payment)}, pledges {dollars(pledges)}, difference {dollars(payment - pledges)}"


def _as_before(item: AgencyItem, rows: list[dict[str, Any]]) -> Matched:
    paid = [
        Paid(str(r["key"]), r["pledge_id"], r["account"], int(r["amount_cents"]), "remittance")
        for r in rows
        if r["pledge_id"]
    ]
    rest = item.amount_cents - sum(p.amount_cents for p in paid)
    return Matched(item, paid, max(rest, 0), "delivered before", before=True)
