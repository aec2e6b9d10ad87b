"""Agency checks in the lockbox (``agency_payers`` of the lockbox-payments kind): a check drawn on
an agency's account, or signed with its name, pays the agency's pledges (``PledgePayment``) instead
of posting to a customer. What it leaves over posts to suspense as a ``Payment`` of the rest, with
the reason (the amounts, or ``agency payment with no open pledges``), so the deposit still adds up.

The deposit's lockbox side (fact ``deposits``) keeps a row per transaction of the check, its items
counted once, so ``hub reconcile`` balances a deposit holding agency checks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub.kernel.problems import Problem
from hub.kernel.rows import LINE
from mappings.agency_matching import AgencyItem, Matched, dollars, match
from mappings.agency_rows import fact_rows, payment_rows, review_notes
from mappings.base import MapContext
from mappings.pledge_payments import LockboxPayer

if TYPE_CHECKING:
    import polars as pl


def agency_column(rows: pl.DataFrame, payers: dict[str, LockboxPayer]) -> pl.Expr:
    """The agency whose check each row is (null: a customer's); names are compared as
    ``normalised_name`` spells them (the configured ones are, by ``LockboxPayer``)."""
    import polars as pl

    accounts = {a: agency for agency, p in payers.items() for a in p.remitter_accounts}
    names = {n: agency for agency, p in payers.items() for n in p.remitter_names}
    account = pl.col("remitter_account").str.strip_chars().str.strip_chars_start("0")
    name = (
        pl.col("remitter_name")
        .str.to_uppercase()
        .str.replace_all(r"[^A-Z0-9 ]+", " ")
        .str.replace_all(r" +", " ")
        .str.strip_chars()
    )
    return pl.coalesce(
        account.replace_strict(accounts, default=None, return_dtype=pl.String),
        name.replace_strict(names, default=None, return_dtype=pl.String),
    )


def agency_checks(
    payments: pl.DataFrame, checks: pl.DataFrame, ctx: MapContext
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame, list[Problem]]:
    """Split the agency checks (``checks``: LINE, _agency, remittance_data) out of ``payments``
    (the kind's Payment rows of every check): (customer payments and rests to suspense, the
    PledgePayment rows, the ``pledge_payments`` fact, the ``deposits`` items of each row, the
    warnings about checks that need a look)."""
    import polars as pl

    by_line = payments.join(checks.select(LINE, "_agency", "remittance_data"), on=LINE, how="inner")
    items = [
        AgencyItem(
            payment_key=r["idempotency_key"],
            agency=r["_agency"],
            amount_cents=int(r["amount_cents"]),
            reference=r["check_number"] or "",
            paid_on=r["deposit_date"],
            remittance=r["remittance_data"] or "",
            line=r[LINE],
        )
        for r in by_line.iter_rows(named=True)
    ]
    agencies = sorted({i.agency for i in items})
    open_pledges = ctx.lookup.find("open_pledges", agencies)
    found = ctx.lookup.find("pledge_payments", agencies)
    earlier = [] if found is None else found.to_dicts()
    before = _customers_before(by_line, ctx) - {r["payment_key"] for r in earlier}
    notes = [
        Problem.of(
            "agency-payment",
            f"check of agency {i.agency} for {dollars(i.amount_cents)} went to the CIS before as a "
            "customer's payment (before agency_payers named the agency): it pays no pledge now; apply it "
            "in the CIS",
            line=i.line,
            field="amount",
            value=i.amount_cents,
            severity="warning",
        )
        for i in items
        if i.payment_key in before
    ]
    if before:  # posted as a customer's payment before (no agency_payers then): never paid twice
        items = [i for i in items if i.payment_key not in before]
        checks = checks.filter(pl.col(LINE).is_in([i.line for i in items]))
    matched = match(items, [] if open_pledges is None else open_pledges.to_dicts(), earlier)
    where = {r[LINE]: (r["lockbox"], r["deposit_date"]) for r in by_line.iter_rows(named=True)}
    pledged = payment_rows(
        matched,
        "lockbox",
        lambda m: {"lockbox": where[m.item.line][0], "deposit_date": where[m.item.line][1]},
        {"lockbox": pl.String, "deposit_date": pl.Date},
    )
    rests = _rests(payments, matched)
    kept = pl.concat([payments.filter(~pl.col(LINE).is_in(checks.get_column(LINE).implode())), rests])
    kept = kept.sort(LINE, maintain_order=True)
    fact = fact_rows(pledged, matched, "lockbox", lambda m: m.item.payment_key)
    first = pledged.select("idempotency_key", pl.col(LINE).is_first_distinct().cast(pl.Int64).alias("items"))
    with_pledges = pledged.get_column(LINE).unique().implode()
    rest_items = rests.select(
        "idempotency_key", pl.when(pl.col(LINE).is_in(with_pledges)).then(0).otherwise(1).alias("items")
    )
    items_of = pl.concat([first, rest_items.cast({"items": pl.Int64})])
    notes += review_notes(matched, "check", "to suspense")
    return kept, pledged.drop("payment_key"), fact, items_of, sorted(notes, key=lambda p: p.line or 0)


def _customers_before(by_line: pl.DataFrame, ctx: MapContext) -> set[str]:
    """The keys of these checks that were delivered before as payments (the ``deposits`` fact)."""
    if by_line.height == 0:
        return set()
    days = by_line.get_column("deposit_date")
    found = ctx.lookup.find(
        "delivered_payments",
        by_line.get_column("lockbox").unique().sort().to_list(),
        since=days.min(),
        until=days.max(),
    )
    keys = set(by_line.get_column("idempotency_key").to_list())
    return set() if found is None else keys & set(found.get_column("key").to_list())


def _rests(payments: pl.DataFrame, matched: list[Matched]) -> pl.DataFrame:
    """The Payment to suspense of each agency check's rest: the check's own row, its amount the rest."""
    import polars as pl

    rest = [(m.item.line, m.rest_cents, m.reason) for m in matched if m.rest_cents > 0]
    table = pl.DataFrame(rest, schema={LINE: pl.Int64, "_rest": pl.Int64, "_reason": pl.String}, orient="row")
    return (
        payments.join(table, on=LINE, how="inner", maintain_order="right")
        .with_columns(
            pl.col("_rest").alias("amount_cents"),
            pl.lit(True).alias("suspense"),
            pl.col("_reason").alias("suspense_reason"),
            pl.lit("").alias("account"),
        )
        .select(payments.columns)
    )
