"""A collection agency's status updates and returns -> CIS ``CollectionStatus`` (kind
``collection-status``; the file is read by ``formats/collection_status.py``).

Each update is matched to the account's open placement with this exchange's agency (the
``placements`` look-up); an update for an account without one is delivered flagged for review. An
account the agency is done with -- ``returned`` (uncollectable), ``paid-in-full``, ``settled`` or
``recalled`` (a recall confirmed) -- closes its placement (the fact ``placement_closures``), so the
account may be placed again later. A row of another agency is rejected (``unknown-agency``). Key
``CS|<agency>|<account>|<status>| <effective date>``: an update sent again posts nothing twice.
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

if TYPE_CHECKING:
    import polars as pl

CLOSING = ("returned", "paid-in-full", "settled", "recalled")


class CollectionStatus(CisTransaction):
    """What became of a placed account at the agency: bankruptcy (case number, chapter), deceased,
    disputed, paid in full, settled, returned; ``closes_placement`` when the agency is done with it."""

    txn_type: ClassVar[str] = "CollectionStatus"

    account: str = Field(description="the utility (CIS) account")
    agency: str = Field(description="the agency's id")
    status: str = Field(
        description="bankruptcy, deceased, disputed, paid-in-full, settled, returned, recalled"
    )
    effective_date: date = Field(description="the date it takes effect")
    case_number: str | None = Field(None, description="bankruptcy case number")
    chapter: int | None = Field(None, description="bankruptcy chapter")
    note: str | None = Field(None, description="the agency's note")
    closes_placement: bool = Field(
        False, description="the placement is closed (the account may be placed again)"
    )
    review: bool = Field(False, description="true: delivered for a person to decide")
    review_reason: str | None = Field(None, description="why it is held for review")


class CollectionStatusKind(OnePass[AgencyOptions]):
    name: ClassVar[str] = "collection-status"
    default_format: ClassVar[str] = "collection-status"
    options_model: ClassVar[type[MappingOptions]] = AgencyOptions
    produces: ClassVar[tuple[type[CisTransaction], ...]] = (CollectionStatus,)
    lookups: ClassVar[frozenset[str]] = frozenset({"placements"})
    persists: ClassVar[frozenset[str]] = frozenset({"placement_closures"})

    def map_and_note(
        self, table: pl.DataFrame, ctx: MapContext
    ) -> tuple[dict[str, pl.DataFrame], list[Problem]]:
        import polars as pl

        agency = self.options.agency.id
        rows, notes = self.options.agency.own_rows(table)
        accounts = rows.get_column("account").unique().sort().to_list()
        placed = ctx.lookup.find("placements", accounts) if accounts else None
        held = set()
        if placed is not None:
            held = set(
                placed.filter((pl.col("status") == "open") & (pl.col("agency") == agency)).get_column(
                    "account"
                )
            )
        why = f"the account has no open placement with {agency}"
        for line, account in (
            rows.filter(~pl.col("account").is_in(sorted(held))).select(LINE, "account").iter_rows()
        ):
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
        day = pl.col("effective_date").dt.strftime("%Y-%m-%d")
        out = rows.with_columns(
            pl.concat_str([pl.lit("CS"), pl.lit(agency), "account", "status", day], separator="|").alias(
                "idempotency_key"
            ),
            pl.lit(agency).alias("agency"),
            pl.col("status").is_in(CLOSING).alias("closes_placement"),
            (~pl.col("account").is_in(sorted(held))).alias("review"),
            pl.when(~pl.col("account").is_in(sorted(held))).then(pl.lit(why)).alias("review_reason"),
            pl.col(LINE).alias("source_line"),
        )
        closures = out.filter(pl.col("closes_placement") & ~pl.col("review")).select(
            "idempotency_key",
            "account",
            "agency",
            pl.col("effective_date").alias("closed_on"),
            pl.col("status").alias("reason"),
            LINE,
        )
        return {
            CollectionStatus.txn_type: out.select(*columns_of(CollectionStatus), LINE),
            "placement_closures": closures,
        }, notes
