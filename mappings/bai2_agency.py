"""Agency credits in the BAI2 report (``agency_payers`` of the bai2-deposits kind): a credit detail
(type codes 100-399, not a lockbox deposit, item or returned item) whose text names an agency pays
that agency's pledges (``PledgePayment``, matched by the listed pledge ids in the text, else by
total). What it leaves over is a ``PledgePayment`` with no pledge, held for review with the reason
(key ``PP|<agency>|unapplied|<the credit's key>``): the money is never lost. Keys of the credits:
``BA|<account>|<as-of date>|<type code>|<bank ref, else customer ref>|<amount>``.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from hub.kernel.problems import Problem
from hub.kernel.rows import LINE
from mappings.agency_matching import AgencyItem, Matched, match
from mappings.agency_rows import fact_rows, payment_rows, review_notes
from mappings.base import MapContext
from mappings.pledge_payments import Bai2Payer, bai2_payer

if TYPE_CHECKING:
    import polars as pl


def agency_of(row: dict[str, Any], payers: dict[str, Bai2Payer], lockbox_codes: set[str]) -> str | None:
    """The agency whose credit a detail is (None: not an agency's)."""
    if row["type_code"] in lockbox_codes:
        return None
    return bai2_payer(payers, row["type_code"], row["text"])


def unapplied_key(m: Matched) -> str:
    return f"PP|{m.item.agency}|unapplied|{m.item.payment_key}"


def agency_credits(
    rows: list[dict[str, Any]], paid_on: list[date], ctx: MapContext
) -> tuple[pl.DataFrame, pl.DataFrame, list[Problem]]:
    """(PledgePayment rows, the ``pledge_payments`` fact, warnings about credits that need a look)
    of the agency credits ``rows`` (keyed, each with ``_agency``); ``paid_on``: each credit's date."""
    import polars as pl

    items = [
        AgencyItem(
            payment_key=r["idempotency_key"],
            agency=r["_agency"],
            amount_cents=int(r["amount_cents"]),
            reference=(r["bank_ref"] or "").strip() or (r["customer_ref"] or "").strip(),
            paid_on=day,
            remittance=r["text"] or "",
            line=r[LINE],
        )
        for r, day in zip(rows, paid_on, strict=True)
    ]
    found: tuple[pl.DataFrame | None, pl.DataFrame | None] = (None, None)
    if items:
        agencies = sorted({i.agency for i in items})
        found = ctx.lookup.find("open_pledges", agencies), ctx.lookup.find("pledge_payments", agencies)
    matched = match(items, *([] if f is None else f.to_dicts() for f in found))
    paid = payment_rows(matched, "bai2", lambda m: {}, {})
    fact = fact_rows(paid, matched, "bai2", unapplied_key)
    unapplied = [
        {
            "idempotency_key": unapplied_key(m),
            "agency": m.item.agency,
            "pledge_id": "",
            "account": "",
            "amount_cents": m.rest_cents,
            "source": "bai2",
            "reference": m.item.reference,
            "paid_on": m.item.paid_on,
            "matched_by": "none",
            "review": True,
            "review_reason": m.reason,
            "source_line": m.item.line,
            LINE: m.item.line,
            "payment_key": m.item.payment_key,
        }
        for m in matched
        if m.rest_cents > 0
    ]
    table = paid
    if unapplied:
        table = pl.concat([paid, pl.DataFrame(unapplied, schema=paid.schema, orient="row")])
    notes = review_notes(matched, "credit", "held unapplied for review")
    return table.sort(LINE, maintain_order=True).drop("payment_key"), fact, notes
