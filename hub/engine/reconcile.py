"""Deposit reconciliation: for each lockbox of a deposit date, what the lockbox files say was
deposited (``side='lockbox'``: the payments delivered) against what the bank reports it credited
(``side='bank'``: BAI2 lockbox deposits), from the ledger's deposit rows.

Lockbox numbers are compared without leading zeros (a lockbox file writes "0022222", a BAI2
report may write "22222": ``hub.ledger.deposits.lockbox_number``) and shown as the lockbox file
wrote them (else as the bank's side did). A lockbox is ``matched``
when both sides hold the same amount, ``missing-bank`` or ``missing-lockbox`` when one side has
nothing, ``different`` otherwise (``difference_cents`` = lockbox - bank).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hub.ledger import Ledger

RECENT_DATES = 7  # ``hub status`` looks at this many newest deposit dates


def reconcile_rows(day: date, rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The reconciliation of one deposit date from its deposit rows (``Ledger.deposits_on``)."""
    boxes: dict[str, dict[str, Any]] = {}
    exchanges: set[str] = set()
    for r in rows:
        exchanges.add(str(r["exchange"]))
        box = boxes.setdefault(  # the ledger keeps lockbox numbers normalised (no leading zeros)
            str(r["lockbox"]),
            {"lockbox": str(r["lockbox"]), "lockbox_cents": 0, "lockbox_items": 0, "lockbox_rows": 0}
            | {"bank_cents": 0, "bank_rows": 0, "shown": {}},
        )
        side = r["side"]
        if r.get("lockbox_shown"):
            box["shown"].setdefault(side, str(r["lockbox_shown"]))
        box[f"{side}_cents"] += int(r["amount_cents"])
        box[f"{side}_rows"] += 1
        if side == "lockbox":
            box["lockbox_items"] += int(r["items"] or 0)
    lockboxes = []
    for key in sorted(boxes):
        b = boxes[key]
        if not b["bank_rows"]:
            status = "missing-bank"
        elif not b["lockbox_rows"]:
            status = "missing-lockbox"
        else:
            status = "matched" if b["lockbox_cents"] == b["bank_cents"] else "different"
        lockboxes.append(
            {
                "lockbox": b["shown"].get("lockbox") or b["shown"].get("bank") or b["lockbox"],
                "status": status,
                "lockbox_cents": b["lockbox_cents"],
                "lockbox_items": b["lockbox_items"],
                "bank_cents": b["bank_cents"],
                "bank_deposits": b["bank_rows"],
                "difference_cents": b["lockbox_cents"] - b["bank_cents"],
            }
        )
    return {
        "deposit_date": day.isoformat(),
        "matched": bool(lockboxes) and all(lb["status"] == "matched" for lb in lockboxes),
        "lockboxes": lockboxes,
        "exchanges": sorted(exchanges),
    }


def reconcile(ledger: Ledger, day: date) -> dict[str, Any]:
    """``hub reconcile --date D``: every lockbox of the deposit date, both sides and the difference.
    ``matched`` is False when a lockbox does not match, or when the date has no deposits at all."""
    return reconcile_rows(day, ledger.deposits_on(day))


def recent_differences(ledger: Ledger, newest: int = RECENT_DATES) -> list[dict[str, Any]]:
    """The reconciliations of the newest deposit dates that do not match (for ``hub status``)."""
    found = []
    for day in ledger.deposit_dates()[:newest]:
        result = reconcile(ledger, day)
        if not result["matched"]:
            found.append(result)
    return found
