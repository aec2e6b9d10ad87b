"""A collection agency's acknowledgement of placement files -> CIS ``CollectionAcknowledgement``, one
per placement file (kind ``collection-acks``; the file is read by ``formats/collection_ack.py``).

Each acknowledged file is reconciled to what the hub sent in it (the ``placement_files`` look-up):
the agency's count and total against the accounts and dollars placed, and, when the agency lists
the accounts it accepted, each of them: an account placed but not listed (missing), listed but not
placed in that file (extra), or listed with another amount is a warning naming it, and the
acknowledgement is delivered flagged for review with the differences counted. A placement file the
hub never sent to this agency is refused (``unknown-placement-file``). Each acknowledged file is
kept (fact ``placement_acks``) so ``hub status`` can name the files not acknowledged in time. Key
``CA|<agency>|<placement file>``.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from pydantic import Field

from hub.kernel.problems import Problem, mask
from hub.kernel.rows import LINE
from hub.kernel.transactions import CisTransaction, columns_of
from hub.kernel.wording import counted
from mappings.base import MapContext, MappingOptions, OnePass
from mappings.collection_placements import AgencyOptions
from mappings.placement_layouts import dollars

if TYPE_CHECKING:
    import polars as pl


class CollectionAcknowledgement(CisTransaction):
    """A collection agency took on a placement file: what it says and what was sent, with the
    differences (accounts missing from its list, extra ones, different amounts)."""

    txn_type: ClassVar[str] = "CollectionAcknowledgement"

    agency: str = Field(description="the agency's id")
    placement_file: str = Field(description="the placement file acknowledged")
    acknowledged_count: int = Field(description="accounts the agency took on")
    acknowledged_cents: int = Field(description="dollars it took on, in cents")
    sent_count: int = Field(description="accounts sent in the file")
    sent_cents: int = Field(description="dollars sent, in cents")
    sent_at: datetime = Field(description="when the file was sent, UTC")
    missing: int = Field(0, description="accounts sent but not acknowledged")
    extra: int = Field(0, description="accounts acknowledged but not sent")
    different: int = Field(0, description="accounts with another amount")
    review: bool = Field(False, description="true: delivered for a person to decide")
    review_reason: str | None = Field(None, description="why it is held for review")


class CollectionAcksKind(OnePass[AgencyOptions]):
    name: ClassVar[str] = "collection-acks"
    default_format: ClassVar[str] = "collection-ack"
    options_model: ClassVar[type[MappingOptions]] = AgencyOptions
    produces: ClassVar[tuple[type[CisTransaction], ...]] = (CollectionAcknowledgement,)
    lookups: ClassVar[frozenset[str]] = frozenset({"placement_files"})
    persists: ClassVar[frozenset[str]] = frozenset({"placement_acks"})

    def map_and_note(
        self, table: pl.DataFrame, ctx: MapContext
    ) -> tuple[dict[str, pl.DataFrame], list[Problem]]:
        import polars as pl

        agency = self.options.agency.id
        files = table.get_column("placement_file").unique().sort().to_list()
        sent = ctx.lookup.find("placement_files", files) if files else None
        placed: dict[str, dict[str, int]] = {}
        sent_at: dict[str, datetime] = {}
        for r in sent.iter_rows(named=True) if sent is not None else ():
            if r["agency"] == agency:
                placed.setdefault(r["placement_file"], {})[r["account"]] = r["amount_cents"]
                sent_at[r["placement_file"]] = r["sent_at"]
        notes: list[Problem] = []
        acks = []
        for file in files:
            rows = table.filter(pl.col("placement_file") == file)
            if file not in placed:
                notes += [
                    _refused(line, agency, file, other)
                    for line, other in rows.select(LINE, "agency_id").iter_rows()
                ]
                continue
            wrong = rows.filter(pl.col("agency_id") != agency)
            notes += [
                _refused(line, agency, file, other)
                for line, other in wrong.select(LINE, "agency_id").iter_rows()
            ]
            rows = rows.filter(pl.col("agency_id") == agency)
            summaries = rows.filter(pl.col("summary"))
            if summaries.is_empty():
                continue
            summary = summaries.row(0, named=True)
            found, ack = _reconcile(file, placed[file], rows.filter(~pl.col("summary")), summary)
            notes += found
            acks.append(
                {
                    **ack,
                    "agency": agency,
                    "sent_at": sent_at[file],
                    "source_line": summary[LINE],
                    LINE: summary[LINE],
                }
            )
        out = _empty()
        if acks:
            key = (pl.lit(f"CA|{agency}|") + pl.col("placement_file")).alias("idempotency_key")
            out = pl.DataFrame(acks).with_columns(key).select(out.columns).cast(out.schema)
        facts = out.select("idempotency_key", "agency", "placement_file", LINE)
        return {CollectionAcknowledgement.txn_type: out, "placement_acks": facts}, notes


def _empty() -> pl.DataFrame:
    """No acknowledgement: the table with its columns typed."""
    import polars as pl

    schema = pl.Schema({c: pl.String for c in (*columns_of(CollectionAcknowledgement), LINE)})
    ints = ("acknowledged_count", "acknowledged_cents", "sent_count", "sent_cents", "missing", "extra")
    for c in (*ints, "different", "source_line", LINE):
        schema[c] = pl.Int64
    schema["sent_at"], schema["review"] = pl.Datetime(time_zone="UTC"), pl.Boolean
    return pl.DataFrame(schema=schema)


def _refused(line: int, agency: str, file: str, other: str) -> Problem:
    why = (
        f"agency {other!r} is not this exchange's agency ({agency})"
        if other != agency
        else f"placement file {file!r} was not sent to {agency}"
    )
    rule = "unknown-agency" if other != agency else "unknown-placement-file"
    return Problem.of(rule, why, line=line, field="placement_file", value=file)


def _reconcile(
    file: str, placed: dict[str, int], listed: pl.DataFrame, summary: dict[str, object]
) -> tuple[list[Problem], dict[str, object]]:
    """The warnings and the acknowledgement's figures for one placement file."""
    notes: list[Problem] = []
    line = int(str(summary[LINE]))
    count, total = int(str(summary["count"])), int(str(summary["total_cents"]))
    sent_count, sent_cents = len(placed), sum(placed.values())
    reasons = []
    if (count, total) != (sent_count, sent_cents):
        reasons.append(
            f"the agency took {counted(count, 'account')}, ${dollars(total)}; "
            f"{counted(sent_count, 'account')}, ${dollars(sent_cents)} were sent"
        )
    missing = extra = different = 0
    if listed.height:
        seen = set()
        for at, account, cents in listed.select(LINE, "account", "amount_cents").iter_rows():
            seen.add(account)
            if account not in placed:
                extra += 1
                notes.append(_warn(at, account, f"account {mask(account)} was not placed in {file}"))
            elif placed[account] != cents:
                different += 1
                notes.append(
                    _warn(
                        at,
                        account,
                        f"account {mask(account)}: ${dollars(cents)} acknowledged, "
                        f"${dollars(placed[account])} placed",
                    )
                )
        for account in sorted(set(placed) - seen):
            missing += 1
            notes.append(
                _warn(
                    line,
                    account,
                    f"account {mask(account)} placed in {file} is missing from the acknowledgement",
                )
            )
        if missing or extra or different:
            reasons.append(f"{missing} missing, {extra} extra, {different} with another amount")
    if reasons and not notes:
        notes.append(_warn(line, None, f"{file}: {reasons[0]}"))
    ack = {
        "placement_file": file,
        "acknowledged_count": count,
        "acknowledged_cents": total,
        "sent_count": sent_count,
        "sent_cents": sent_cents,
        "missing": missing,
        "extra": extra,
        "different": different,
        "review": bool(reasons),
        "review_reason": "; ".join(reasons) or None,
    }
    return notes, ack


def _warn(line: int, account: str | None, message: str) -> Problem:
    return Problem.of(
        "acknowledgement", message, line=line, field="account", value=account, severity="warning"
    )
