"""Closed accounts' unpaid final bills -> the collection agency's placement file (kind
``collection-placements``, outbound; the CIS extract is read by ``formats/placement_extract.py``).

``map``: an account is placed unless it is flagged ``deceased`` or ``bankruptcy``, its balance is
below the configured minimum, or it has an open placement (with this agency or another: the
``placements`` look-up); each of those is reported as a warning (``not-placed``, with the reason)
and left out. Key ``CP|<account>|<n>``, ``n`` the account's placements so far + 1: the same extract
twice places nothing twice, and an account recalled or returned may be placed again.

``write`` (inside the ledger transaction, the ``placements`` lock held by every placement exchange,
so two agencies' files never take the same account): the placement file in the agency's ``layout``
(``mappings/placement_layouts.py``: CSV with a trailer row ``TRAILER,<count>,<total dollars>`` by
default, or fixed width), read back and refused unless its count and total agree with the rows; each
placement kept as the fact ``placements`` (account, agency, amount, date: never the SSN or the date
of birth).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from hub.kernel.errors import MappingError
from hub.kernel.problems import Problem, mask
from hub.kernel.rows import LINE
from mappings.base import MapContext, MappingOptions, OnePass, OutboundKind, PartnerFile, WriteContext
from mappings.placement_layouts import CsvLayout, Layout, dollars, write_placements

if TYPE_CHECKING:
    import polars as pl

OUTPUT = "Placement"
NOT_PLACED_FLAGS = ("deceased", "bankruptcy")


class Agency(BaseModel):
    """A collection agency: its id (in the ledger and in the keys of the hub) and name."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$", description="the agency's id, as its files name it")
    name: str = Field("", description="the agency's name")

    def own_rows(self, table: pl.DataFrame) -> tuple[pl.DataFrame, list[Problem]]:
        """The rows of an agency's file that are this agency's, and an ``unknown-agency`` error for
        each row of another (its ``agency_id``)."""
        import polars as pl

        others = table.filter(pl.col("agency_id") != self.id).select(LINE, "agency_id")
        refused = [
            Problem.of(
                "unknown-agency",
                f"agency {other!r} is not this exchange's agency ({self.id})",
                line=line,
                field="agency_id",
                value=other,
            )
            for line, other in others.iter_rows()
        ]
        return table.filter(pl.col("agency_id") == self.id), refused


class AgencyOptions(MappingOptions):
    """Options of a collection agency's exchange (``mapping_options`` in hub.yaml): its agency."""

    agency: Agency = Field(description="the collection agency of this exchange")


class PlacementOptions(AgencyOptions):
    """Options of the ``collection-placements`` kind (``mapping_options`` in hub.yaml)."""

    min_balance: Decimal = Field(
        Decimal("25.00"), ge=0, decimal_places=2, description="dollars; a smaller balance is not placed"
    )
    layout: Layout = Field(default_factory=CsvLayout, description="the agency's file: csv or fixed-width")
    acknowledge_within_days: int = Field(
        7, ge=1, le=90, description="a placement file not acknowledged by then is an alert in hub status"
    )


class CollectionPlacementsKind(OnePass[PlacementOptions], OutboundKind[PlacementOptions]):
    name: ClassVar[str] = "collection-placements"
    default_format: ClassVar[str] = "placement-extract"
    options_model: ClassVar[type[MappingOptions]] = PlacementOptions
    lookups: ClassVar[frozenset[str]] = frozenset({"placements"})
    persists: ClassVar[frozenset[str]] = frozenset({"placements"})
    output: ClassVar[str] = OUTPUT
    describes: ClassVar[str] = "a placement file"
    default_folder: ClassVar[str] = "placements"
    default_file_name: ClassVar[str] = "{exchange}-{created:%Y%m%d}-f{file_id}.csv"
    requires_encryption: ClassVar[bool] = True  # SSNs and dates of birth travel encrypted only

    def lock(self) -> str:
        """One writer of placements across every agency's exchange: an account is placed once."""
        return "placements"

    def map_and_note(
        self, table: pl.DataFrame, ctx: MapContext
    ) -> tuple[dict[str, pl.DataFrame], list[Problem]]:
        """The rows to place, keyed, and a warning for each account left out, with the reason."""
        import polars as pl

        accounts = table.get_column("account").unique().sort().to_list()
        placed = ctx.lookup.find("placements", accounts) if accounts else None
        held: dict[str, dict[str, object]] = {}
        earlier: dict[str, int] = {}
        if placed is not None:
            for r in placed.iter_rows(named=True):
                earlier[r["account"]] = earlier.get(r["account"], 0) + 1
                if r["status"] == "open":
                    held.setdefault(r["account"], r)
        minimum = int(self.options.min_balance * 100)
        warnings: list[Problem] = []
        keep: list[int] = []
        for r in table.select(LINE, "account", "flags", "balance_cents").iter_rows(named=True):
            why = self._why_not(r, held.get(r["account"]), minimum)
            if why is None:
                keep.append(r[LINE])
                continue
            warnings.append(
                Problem.of(
                    "not-placed",
                    f"account {mask(r['account'])} not placed: {why}",
                    line=r[LINE],
                    field="account",
                    value=r["account"],
                    severity="warning",
                )
            )
        count = pl.col("account").replace_strict(earlier, default=0, return_dtype=pl.Int64) + 1
        rows = table.filter(pl.col(LINE).is_in(keep)).with_columns(
            (pl.lit("CP|") + pl.col("account") + pl.lit("|") + count.cast(pl.String)).alias("idempotency_key")
        )
        return {OUTPUT: rows}, warnings

    def _why_not(self, row: dict[str, object], held: dict[str, object] | None, minimum: int) -> str | None:
        flags = str(row["flags"] or "").split(";")
        for flag in NOT_PLACED_FLAGS:
            if flag in flags:
                return f"flagged {flag} (reported, never placed)"
        balance = int(str(row["balance_cents"]))
        if balance < minimum:
            return f"balance ${dollars(balance)} is below the minimum ${self.options.min_balance}"
        if held is not None:
            return (
                f"placed with {held['agency']} on {held['placed_on']} (file {held['file_id']}) and not "
                "recalled or returned"
            )
        return None

    def write(self, rows: pl.DataFrame, ctx: WriteContext) -> PartnerFile:
        import polars as pl

        accounts = rows.get_column("account").to_list()
        now = ctx.lookup.find("placements", accounts)
        if now is not None and now.filter(pl.col("status") == "open").height:
            taken = now.filter(pl.col("status") == "open").get_column("account").head(3).to_list()
            raise MappingError(
                f"account(s) {', '.join(str(mask(a)) for a in taken)} were placed by another exchange "
                "while this extract was read; run it again (they will be reported as placed)"
            )
        data = write_placements(rows, self.options.layout)
        agency = self.options.agency.id
        facts = rows.select(
            "idempotency_key",
            "account",
            pl.lit(agency).alias("agency"),
            pl.col("balance_cents").alias("amount_cents"),
            pl.lit(ctx.created.date()).alias("placed_on"),
        )
        return PartnerFile(data, rows.height, facts={"placements": facts})
