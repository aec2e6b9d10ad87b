"""Energy-assistance pledges (agency files) -> ``AssistancePledge`` CIS transactions.

A pledge is posted only when it is an agency's own (configured agencies, each with its programs'
caps and protection days) and it is the right family's: the account is in the CIS accounts
extract, active, and the customer name matches the account's (``mappings/pledge_names.py``). Each
bad pledge is rejected alone, its reason the one the agency reads in its acknowledgement
(``mappings/pledge_checks.py``). A file whose agency is not configured, or that arrives before any
accounts extract was loaded, is rejected whole.

Key: ``AP|<agency>|<pledge id>``: a pledge sent again posts nothing twice. Each posted pledge is
kept (fact ``pledges``): another agency's pledge of the same account, amount and date, in a later
file, is flagged for review.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hub.kernel.rows import LINE
from hub.kernel.transactions import CisTransaction, columns_of
from mappings.base import ExchangeKind, MapContext, MappingOptions, PerTable, ReplyContext, ReplyFile

if TYPE_CHECKING:
    import polars as pl

    from hub.kernel.problems import Problem
    from mappings.pledge_checks import Checked


FACT_COLUMNS = ("agency", "pledge_id", "account", "program", "amount_cents", "pledge_date", "expires")


class AssistancePledge(CisTransaction):
    """An agency's pledge toward a customer's bill; it protects the account from disconnection
    until ``protect_until`` (pledge date + the program's protection days)."""

    txn_type: ClassVar[str] = "AssistancePledge"
    total_fields: ClassVar[tuple[str, ...]] = ("amount_cents",)

    agency: str = Field(description="the agency's id")
    pledge_id: str = Field(description="the agency's pledge id")
    account: str = Field(description="the utility (CIS) account")
    program: str = Field(description="the program (upper case)")
    amount_cents: int = Field(gt=0, description="the pledge in cents")
    pledge_date: date = Field(description="when pledged")
    expires: date = Field(description="when the pledge expires")
    protect_until: date = Field(description="no disconnection before this day")
    review: bool = Field(False, description="true: delivered for a person to decide")
    review_reason: str | None = Field(None, description="why it is held for review")


class Program(BaseModel):
    """One assistance program of an agency: the most one pledge may be, and how long it protects."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cap: Decimal = Field(gt=0, decimal_places=2, description="dollars")
    protection_days: int = Field(
        ge=0, le=366, description="days a pledge protects the account from disconnection"
    )

    @property
    def cap_cents(self) -> int:
        return int(self.cap * 100)


class Agency(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field("", description="the agency's name")
    programs: dict[str, Program] = Field(min_length=1, description="program name -> its cap and protection")
    ack_folder: str | None = Field(None, min_length=1, description="this agency's acknowledgements")


class PledgeOptions(MappingOptions):
    """Options of the ``assistance-pledges`` kind (``mapping_options`` in hub.yaml)."""

    agencies: dict[str, Agency] = Field(min_length=1, description="agency id -> its programs")
    name_threshold: int = Field(
        90, ge=50, le=100, description="a different name scoring below this (0-100) is rejected"
    )
    ack_folder: str = Field(
        "outbox/pledges-ack",
        min_length=1,
        description="where acknowledgements go (relative: to hub.yaml's folder)",
    )

    @field_validator("agencies")
    @classmethod
    def _programs_upper(cls, agencies: dict[str, Agency]) -> dict[str, Agency]:
        return {
            a.strip(): v.model_copy(
                update={"programs": {p.strip().upper(): q for p, q in v.programs.items()}}
            )
            for a, v in agencies.items()
        }


class AssistancePledgesKind(ExchangeKind[PledgeOptions]):
    name = "assistance-pledges"
    default_format = "pledges"
    options_model = PledgeOptions
    produces = (AssistancePledge,)
    lookups = frozenset({"accounts", "pledges"})
    persists = frozenset({"pledges"})
    replies = True

    def __init__(self, options: PledgeOptions) -> None:
        super().__init__(options)
        self._checked: PerTable[Checked] = PerTable()

    def _check(self, table: pl.DataFrame, ctx: MapContext) -> Checked:
        """The checks of ``table``, once per table (``map`` and ``notes`` get the same one)."""
        from mappings.pledge_checks import check

        return self._checked.get(table, lambda: check(table, self.options, ctx))

    def map(self, table: pl.DataFrame, ctx: MapContext) -> dict[str, pl.DataFrame]:
        import polars as pl

        checked = self._check(table, ctx)
        rows = checked.rows.filter(~pl.col(LINE).is_in(checked.rejected))
        fact = rows.select("idempotency_key", *FACT_COLUMNS, LINE)
        return {AssistancePledge.txn_type: rows.select(*columns_of(AssistancePledge), LINE), "pledges": fact}

    def notes(self, table: pl.DataFrame, ctx: MapContext) -> list[Problem]:
        """The pledges rejected here (errors: the engine rejects their lines) and the warnings."""
        return list(self._check(table, ctx).problems)

    @classmethod
    def reply_partners(cls, options: MappingOptions) -> frozenset[str]:
        assert isinstance(options, PledgeOptions)
        return frozenset(options.agencies)

    def reply(self, ctx: ReplyContext) -> ReplyFile:
        """The agency's acknowledgement of the file (``mappings/pledge_ack.py``), for the file's
        agency (a file of one configured agency) or for no one in particular."""
        from mappings.pledge_ack import ack_name, acknowledgement, agencies_of

        data, counts = acknowledgement(ctx)
        found = agencies_of(ctx)
        agency = found[0] if len(found) == 1 and found[0] in self.options.agencies else None
        own = self.options.agencies[agency].ack_folder if agency is not None else None
        return ReplyFile(ack_name(ctx.source_file), own or self.options.ack_folder, data, counts, agency)
