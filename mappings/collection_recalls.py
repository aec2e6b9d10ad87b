"""Accounts recalled from a collection agency -> the agency's recall file (kind ``collection-recalls``,
outbound; the CIS extract or ``hub recall``'s request is read by ``formats/recall_extract.py``).

``map``: an account is recalled only from an open placement with this exchange's agency (the
``placements`` look-up); any other account is refused (``not-placed``, naming where it is placed,
if anywhere). Key ``RC|<the placement's key>``: a placement is recalled once, however often it is
asked for. The placement closes when the agency confirms the recall (status ``recalled`` in its
status file, ``mappings/collection_status.py``).

``write``: CSV ``account,agency,reason,note,placed_on,placed_amount`` and a trailer row
``TRAILER,<count>``.
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, ClassVar

from hub.kernel.problems import Problem, mask
from hub.kernel.rows import LINE
from mappings.base import MapContext, MappingOptions, OnePass, OutboundKind, PartnerFile, WriteContext
from mappings.collection_placements import AgencyOptions
from mappings.placement_layouts import dollars

if TYPE_CHECKING:
    import polars as pl

OUTPUT = "Recall"
FILE_FIELDS = ("account", "agency", "reason", "note", "placed_on", "placed_amount")


class CollectionRecallsKind(OnePass[AgencyOptions], OutboundKind[AgencyOptions]):
    name: ClassVar[str] = "collection-recalls"
    default_format: ClassVar[str] = "recall-extract"
    options_model: ClassVar[type[MappingOptions]] = AgencyOptions
    lookups: ClassVar[frozenset[str]] = frozenset({"placements"})
    output: ClassVar[str] = OUTPUT
    describes: ClassVar[str] = "a recall file"
    default_folder: ClassVar[str] = "recalls"
    default_file_name: ClassVar[str] = "{exchange}-{created:%Y%m%d}-f{file_id}.csv"

    def map_and_note(
        self, table: pl.DataFrame, ctx: MapContext
    ) -> tuple[dict[str, pl.DataFrame], list[Problem]]:
        """The rows to recall, keyed by their placement; an error for each account with no open
        placement with the agency."""
        import polars as pl

        agency = self.options.agency.id
        accounts = table.get_column("account").unique().sort().to_list()
        placed = ctx.lookup.find("placements", accounts) if accounts else None
        mine: dict[str, dict[str, object]] = {}
        elsewhere: dict[str, str] = {}
        for r in placed.iter_rows(named=True) if placed is not None else ():
            if r["status"] == "open":
                if r["agency"] == agency:
                    mine[r["account"]] = r
                else:
                    elsewhere[r["account"]] = r["agency"]
        notes = []
        for line, account in (
            table.filter(~pl.col("account").is_in(sorted(mine))).select(LINE, "account").iter_rows()
        ):
            where = f"it is placed with {elsewhere[account]}" if account in elsewhere else "it is not placed"
            notes.append(
                Problem.of(
                    "not-placed",
                    f"account {mask(account)} has no open placement with {agency} to recall ({where})",
                    line=line,
                    field="account",
                    value=account,
                )
            )
        held = pl.DataFrame(
            [(a, f"RC|{r['idempotency_key']}", r["placed_on"], r["amount_cents"]) for a, r in mine.items()],
            schema={
                "account": pl.String,
                "idempotency_key": pl.String,
                "placed_on": pl.Date,
                "amount_cents": pl.Int64,
            },
            orient="row",
        )
        rows = table.join(held, on="account", how="inner", maintain_order="left")
        return {OUTPUT: rows.with_columns(pl.lit(agency).alias("agency"))}, notes

    def write(self, rows: pl.DataFrame, ctx: WriteContext) -> PartnerFile:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(FILE_FIELDS)
        for r in rows.iter_rows(named=True):
            writer.writerow(
                [
                    r["account"],
                    r["agency"],
                    r["reason"],
                    r["note"] or "",
                    r["placed_on"],
                    dollars(r["amount_cents"]),
                ]
            )
        writer.writerow(["TRAILER", rows.height, *[""] * (len(FILE_FIELDS) - 2)])
        return PartnerFile(out.getvalue().encode(), rows.height)
