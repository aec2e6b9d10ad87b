"""``hub pledges --agency A [--open]``: an agency's accepted pledges, what its payments paid of
them, and how long the unpaid ones have waited (age in days: today - pledge date)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from hub.kernel.errors import UsageError

if TYPE_CHECKING:
    from hub.engine.config import Settings
    from hub.ledger import Ledger


def configured_agencies(settings: Settings) -> set[str]:
    """The agency ids the configuration names: pledge agencies and agency payers of any exchange."""
    found: set[str] = set()
    for ex in settings.exchanges.values():
        for name in ("agencies", "agency_payers"):
            found |= set(getattr(ex.mapping_options, name, None) or {})
    return found


def agency_pledges(
    settings: Settings, ledger: Ledger, agency: str, *, open_only: bool, today: date
) -> dict[str, Any]:
    """The agency's pledges (only those no payment covers when ``open_only``), oldest first, with
    their age, what was paid and the totals. ``UsageError`` for an agency neither configured nor
    in the ledger."""
    rows = ledger.agency_pledges(agency)
    if not rows and agency not in configured_agencies(settings):
        known = ", ".join(sorted(configured_agencies(settings))) or "none"
        raise UsageError(
            f"unknown agency {agency!r}: no pledges of it in the ledger (configured agencies: {known})"
        )
    pledges = []
    for r in rows:
        status = "open" if r["paid_cents"] == 0 else "paid"
        if open_only and status != "open":
            continue
        pledges.append(
            {
                "pledge_id": r["pledge_id"],
                "account": r["account"],
                "program": r["program"],
                "amount_cents": int(r["amount_cents"]),
                "pledge_date": r["pledge_date"].isoformat(),
                "expires": r["expires"].isoformat(),
                "age_days": (today - r["pledge_date"]).days,
                "status": status,
                "paid_cents": r["paid_cents"],
                "paid_on": r["paid_on"].isoformat() if r["paid_on"] else None,
            }
        )
    return {
        "agency": agency,
        "as_of": today.isoformat(),
        "open_only": open_only,
        "pledges": pledges,
        "count": len(pledges),
        "total_cents": sum(p["amount_cents"] for p in pledges),
        "open_cents": sum(p["amount_cents"] for p in pledges if p["status"] == "open"),
    }
