"""The tables of matched agency payments (``mappings/agency_matching.py``): ``PledgePayment`` rows
and the ``pledge_payments`` fact, shared by the lockbox and BAI2 kinds."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from hub.kernel.problems import Problem
from hub.kernel.rows import LINE
from hub.kernel.transactions import columns_of
from mappings.agency_matching import Matched, dollars
from mappings.pledge_payments import FACT_COLUMNS, PledgePayment

if TYPE_CHECKING:
    import polars as pl


def _types() -> dict[str, Any]:
    import polars as pl

    return {"amount_cents": pl.Int64, "paid_on": pl.Date, "review": pl.Boolean, "source_line": pl.Int64}


def payment_rows(
    matched: list[Matched],
    source: str,
    extra: Callable[[Matched], dict[str, Any]],
    extra_schema: dict[str, Any],
) -> pl.DataFrame:
    """One ``PledgePayment`` per pledge paid, with ``LINE``, ``payment_key`` and the columns
    ``extra`` gives each payment (``extra_schema``: e.g. the lockbox and deposit date of a check)."""
    import polars as pl

    out = []
    for m in matched:
        for p in m.paid:
            out.append(
                {
                    "idempotency_key": p.key,
                    "agency": m.item.agency,
                    "pledge_id": p.pledge_id,
                    "account": p.account,
                    "amount_cents": p.amount_cents,
                    "source": source,
                    "reference": m.item.reference,
                    "paid_on": m.item.paid_on,
                    "matched_by": p.matched_by,
                    "review": m.reason is not None,
                    "review_reason": m.reason,
                    "source_line": m.item.line,
                    LINE: m.item.line,
                    "payment_key": m.item.payment_key,
                    **extra(m),
                }
            )
    types = _types() | {LINE: pl.Int64}
    columns = [*columns_of(PledgePayment), LINE, "payment_key"]
    schema = {c: types.get(c, pl.String) for c in columns} | extra_schema
    if not out:
        return pl.DataFrame(schema=schema)
    table = pl.DataFrame(out, infer_schema_length=None)
    return table.with_columns([pl.col(c).cast(dtype) for c, dtype in schema.items()])


def fact_rows(
    payments: pl.DataFrame, matched: list[Matched], source: str, rest_key: Callable[[Matched], str]
) -> pl.DataFrame:
    """The ``pledge_payments`` fact: a row per pledge paid (from ``payments``) and per rest that
    paid no pledge (keyed ``rest_key``, ``pledge_id`` empty), each with ``LINE``."""
    import polars as pl

    paid = payments.select("idempotency_key", *FACT_COLUMNS, LINE)
    rests = [
        {
            "idempotency_key": rest_key(m),
            "payment_key": m.item.payment_key,
            "agency": m.item.agency,
            "pledge_id": "",
            "account": "",
            "amount_cents": m.rest_cents,
            "source": source,
            "reference": m.item.reference,
            "paid_on": m.item.paid_on,
            LINE: m.item.line,
        }
        for m in matched
        if m.rest_cents > 0
    ]
    if not rests:
        return paid
    return pl.concat([paid, pl.DataFrame(rests, schema=paid.schema, orient="row")], how="vertical")


def review_notes(matched: list[Matched], what: str, rest_to: str) -> list[Problem]:
    """A warning for each agency payment that needs a look (a difference, a listed pledge unknown or
    paid already, no open pledges): what it paid, where its rest went and why."""
    notes = []
    for m in matched:
        if m.before or m.reason is None:
            continue
        paid = ", ".join(f"{p.pledge_id} {dollars(p.amount_cents)}" for p in m.paid) or "no pledge"
        rest = f"; {dollars(m.rest_cents)} {rest_to}" if m.rest_cents else ""
        notes.append(
            Problem.of(
                "agency-payment",
                f"{what} of agency {m.item.agency} for {dollars(m.item.amount_cents)} pays {paid}{rest}: "
                f"{m.reason}",
                line=m.item.line,
                field="amount",
                value=m.item.amount_cents,
                severity="warning",
            )
        )
    return notes
