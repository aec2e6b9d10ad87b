"""A collection agency's remittance -> CIS ``Payment`` (tender ``collection-agency``, the gross) and
``CollectionCommission`` (what the agency kept), one pair per payment it collected (kind
``collection-remittances``; the file is read by ``formats/collection_remittance.py``).

Each payment is matched to the account's open placement with this exchange's agency (the
``placements`` look-up) and to what the agency remitted on it before (``collection_payments``): a
payment on an account not placed with the agency, or that takes what the agency collected above the
placed balance, is delivered all the same, flagged for review with the reason (the money came in);
a row of another agency is rejected (``unknown-agency``). Keys ``CR|<agency>|<reference>`` and
``CC|<agency>|<reference>``: a remittance sent again posts nothing twice.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, ClassVar

from pydantic import Field

from hub.kernel.problems import Problem, mask
from hub.kernel.rows import LINE
from hub.kernel.transactions import CisTransaction, columns_of
from mappings.base import MapContext, MappingOptions, OnePass
from mappings.collection_placements import AgencyOptions
from mappings.payments import Payment
from mappings.placement_layouts import dollars

if TYPE_CHECKING:
    import polars as pl


class CollectionCommission(CisTransaction):
    """What a collection agency kept of a payment it collected (the CIS books it as collection cost)."""

    txn_type: ClassVar[str] = "CollectionCommission"
    total_fields: ClassVar[tuple[str, ...]] = ("amount_cents",)

    account: str = Field(description="the utility (CIS) account")
    agency: str = Field(description="the agency's id")
    agency_reference: str = Field(description="the agency's reference of the payment")
    amount_cents: int = Field(ge=0, description="the commission the agency kept, in cents")
    gross_cents: int = Field(gt=0, description="what the agency collected")
    net_cents: int = Field(ge=0, description="what it remitted")
    paid_on: date = Field(description="when collected")


class CollectionRemittancesKind(OnePass[AgencyOptions]):
    name: ClassVar[str] = "collection-remittances"
    default_format: ClassVar[str] = "collection-remittance"
    options_model: ClassVar[type[MappingOptions]] = AgencyOptions
    produces: ClassVar[tuple[type[CisTransaction], ...]] = (Payment, CollectionCommission)
    lookups: ClassVar[frozenset[str]] = frozenset({"placements", "collection_payments"})
    persists: ClassVar[frozenset[str]] = frozenset({"collection_payments"})

    def map_and_note(
        self, table: pl.DataFrame, ctx: MapContext
    ) -> tuple[dict[str, pl.DataFrame], list[Problem]]:
        import polars as pl

        agency = self.options.agency
        rows, notes = agency.own_rows(table)
        reasons = self._reviews(rows, ctx)
        for line, account, why in reasons:
            notes.append(
                Problem.of(
                    "collection-review",
                    f"account {mask(account)}: {why}; delivered for review",
                    line=line,
                    field="account",
                    value=account,
                    severity="warning",
                )
            )
        why_of = {line: why for line, _, why in reasons}
        review = pl.col(LINE).replace_strict(why_of, default=None, return_dtype=pl.String)
        keyed = rows.with_columns(
            review.alias("review_reason"),
            (pl.lit(f"CR|{agency.id}|") + pl.col("reference")).alias("idempotency_key"),
            pl.col(LINE).alias("source_line"),
        ).with_columns(pl.col("review_reason").is_not_null().alias("review"))
        payments = keyed.with_columns(
            pl.lit("collection-agency").alias("tender"),
            pl.col("gross_cents").alias("amount_cents"),
            pl.lit(None, pl.String).alias("check_number"),
            pl.lit(agency.name or agency.id).alias("remitter_name"),
            pl.col("paid_on").alias("deposit_date"),
            *[pl.lit("").alias(c) for c in ("lockbox", "batch", "item")],
            pl.col("account").alias("remitted_account"),
            pl.lit(False).alias("suspense"),
            pl.lit(None, pl.String).alias("suspense_reason"),
            pl.lit(agency.id).alias("agency"),
            pl.col("reference").alias("agency_reference"),
        ).select(*columns_of(Payment), LINE)
        commissions = keyed.with_columns(
            (pl.lit(f"CC|{agency.id}|") + pl.col("reference")).alias("idempotency_key"),
            pl.lit(agency.id).alias("agency"),
            pl.col("reference").alias("agency_reference"),
            pl.col("commission_cents").alias("amount_cents"),
        ).select(*columns_of(CollectionCommission), LINE)
        fact = keyed.select(
            "idempotency_key", pl.lit(agency.id).alias("agency"), "account", "gross_cents", "paid_on", LINE
        )
        out = {
            Payment.txn_type: payments,
            CollectionCommission.txn_type: commissions,
            "collection_payments": fact,
        }
        return out, notes

    def _reviews(self, rows: pl.DataFrame, ctx: MapContext) -> list[tuple[int, str, str]]:
        """(line, account, reason) of each payment that does not fit its placement."""
        accounts = rows.get_column("account").unique().sort().to_list()
        if not accounts:
            return []
        agency = self.options.agency.id
        placed = ctx.lookup.find("placements", accounts)
        paid = ctx.lookup.find("collection_payments", accounts)
        balance: dict[str, int] = {}
        since: dict[str, date] = {}
        for r in placed.iter_rows(named=True) if placed is not None else ():
            if r["status"] == "open" and r["agency"] == agency:
                balance[r["account"]], since[r["account"]] = r["amount_cents"], r["placed_on"]
        collected: dict[str, int] = {}
        for r in paid.iter_rows(named=True) if paid is not None else ():
            if r["agency"] == agency and r["account"] in since and r["paid_on"] >= since[r["account"]]:
                collected[r["account"]] = collected.get(r["account"], 0) + r["gross_cents"]
        found = []
        for line, account, gross in rows.select(LINE, "account", "gross_cents").iter_rows():
            if account not in balance:
                found.append((line, account, f"the account has no open placement with {agency}"))
                continue
            collected[account] = collected.get(account, 0) + gross
            if collected[account] > balance[account]:
                found.append(
                    (
                        line,
                        account,
                        f"${dollars(collected[account])} collected in all is more than the placed balance "
                        f"${dollars(balance[account])}",
                    )
                )
        return found
