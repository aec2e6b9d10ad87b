"""Paperless-billing enrollments from the utility's e-bill vendor -> ``PaperlessEnrollment``.

The vendor's CSV (format ``simple-csv``) has one row per customer choice: ``account``, ``email``,
``action`` (enroll or cancel) and ``effective_date`` (YYYY-MM-DD). Every valid row becomes exactly
one transaction; one the CIS should not apply blindly (an account it does not know or that is not
active, an action or date that cannot be read) is delivered with ``review`` and the reason.
Key: ``P|<vendor>|<account>|<action>|<effective date>``, so a resent file posts nothing twice.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

import polars as pl
from pydantic import Field

from hub.kernel.rows import LINE
from hub.kernel.transactions import CisTransaction, columns_of
from mappings.base import ExchangeKind, MapContext, MappingOptions


class PaperlessEnrollment(CisTransaction):
    """A customer's choice of paperless billing, as the e-bill vendor recorded it."""

    txn_type: ClassVar[str] = "PaperlessEnrollment"

    account: str
    email: str
    action: Literal["enroll", "cancel", ""]  # blank when the vendor's action cannot be read (review)
    effective_date: date | None = None
    review: bool = False
    review_reason: str | None = None


class PaperlessOptions(MappingOptions):
    """``mapping_options`` of a paperless-enrollments exchange."""

    vendor: str = Field("ebill", min_length=1, pattern=r"^[a-z0-9-]+$")  # names the vendor in the keys


class PaperlessEnrollments(ExchangeKind[PaperlessOptions]):
    name: ClassVar[str] = "paperless-enrollments"
    default_format: ClassVar[str] = "simple-csv"
    options_model: ClassVar[type[MappingOptions]] = PaperlessOptions
    produces: ClassVar[tuple[type[CisTransaction], ...]] = (PaperlessEnrollment,)
    lookups: ClassVar[frozenset[str]] = frozenset({"accounts"})

    def map(self, table: pl.DataFrame, ctx: MapContext) -> dict[str, pl.DataFrame]:
        accounts = table.get_column("account").unique().sort().to_list()
        known = ctx.lookup.find("accounts", accounts)  # None: no accounts extract ever loaded
        cis = pl.DataFrame(schema={"account": pl.String, "active": pl.Boolean, "status": pl.String})
        if known is not None:
            cis = known.select(pl.col("number").alias("account"), "active", "status")
        action = pl.col("action").str.to_lowercase()
        readable = action.is_in(["enroll", "cancel"])
        day = pl.col("effective_date").str.to_date("%Y-%m-%d", strict=False)
        reason = (
            pl.when(pl.lit(known is None))
            .then(pl.lit("no CIS accounts loaded to check the account against"))
            .when(pl.col("active").is_null())
            .then(pl.lit("account not found in the CIS"))
            .when(~pl.col("active"))
            .then(pl.lit("account is not active in the CIS (status ") + pl.col("status") + pl.lit(")"))
            .when(~readable)
            .then(pl.lit("action is neither enroll nor cancel"))
            .when(day.is_null())
            .then(pl.lit("effective_date is not a date YYYY-MM-DD"))
        )
        key = pl.concat_str(
            [pl.lit("P"), pl.lit(self.options.vendor), "account", action, "effective_date"], separator="|"
        )
        rows = (
            table.join(cis, on="account", how="left", maintain_order="left")
            .with_columns(reason.alias("review_reason"))
            .with_columns(
                key.alias("idempotency_key"),
                pl.when(readable).then(action).otherwise(pl.lit("")).alias("action"),
                day.alias("effective_date"),
                pl.col("review_reason").is_not_null().alias("review"),
                pl.col(LINE).alias("source_line"),
            )
        )
        return {PaperlessEnrollment.txn_type: rows.select(*columns_of(PaperlessEnrollment), LINE)}
