"""Bank lockbox transmissions (fixed width, BAI lockbox style): the reader with every check the
controls make checkable, and the format the pipeline uses (``lockbox``: one row per check).

The layout is the bank's configuration (``LockboxOptions``, in ``formats.lockbox_layout``): field
positions of every record type, the longest record, date formats, and where the utility account
number sits with its check-digit rule. Record order, counts and amounts, and the lockbox numbers and
deposit dates of the totals are file-level: any error there rejects the whole file. A finding on a
detail or its overflow records rejects that check only. Money is integer cents throughout.

The table ``read`` gives (``Parsed.table``), one row per detail record, in file order:

==========================  =========  =================================================================
column                      type       what
==========================  =========  =================================================================
``_line``                   Int64      the detail record's line in the file
``lockbox``                 String     lockbox number from its lockbox header (5), e.g. "0022222"
``deposit_date``            Date       deposit date from its lockbox header (ISO when written out)
``batch``                   String     batch number as in the detail, e.g. "001"
``item``                    String     item number within the batch, e.g. "001"
``amount_cents``            Int64      check amount in cents (null when not digits: an error)
``remitter_routing``        String     remitter's bank routing number (sensitive; null when blank)
``remitter_account``        String     remitter's bank account number (sensitive; null when blank)
``check_number``            String     check serial number (null when blank)
``check_date``              Date       date written on the check (null when blank or invalid)
``remitter_name``           String     remitter name (null when blank)
``free_data``               String     the detail's own free remittance data (scanline), trailing blanks
                                       dropped; null when none
``overflow_data``           List[Str]  the data of each overflow record (4) of the detail, in order
``remittance_data``         String     free data and overflow data, each stripped, joined by one blank
``account_number``          String     the utility account number cut where the options say (sensitive;
                                       null when blank, missing, or no location is configured)
``account_check_digit_ok``  Boolean    whether it passes the configured check-digit rule (null with no
                                       rule or no account): False means mistyped, i.e. suspense
``rejected``                Boolean    the check has an error on its own records, or is in no batch
==========================  =========  =================================================================

A payment whose account is missing or fails its check digit is kept (a warning, never rejected):
the mapping sends it to suspense. ``Parsed.facts``: ``records`` and ``lockboxes`` (each with its
number, deposit date, items, amount and stated totals, and its ``batches`` likewise).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from formats.base import (
    TABLES,
    Format,
    FormatOptions,
    Parsed,
    ReadContext,
    Validated,
    inspected,
    record_table,
    unreadable,
)
from formats.lockbox_layout import SENSITIVE, LockboxOptions
from hub.kernel.errors import ParseError
from hub.kernel.problems import Problem

if TYPE_CHECKING:
    import polars as pl

    from formats.lockbox_controls import LockboxFacts

# A check's fields in ``hub inspect``'s table (routing and account numbers are masked there).
ITEM_COLUMNS: tuple[str, ...] = ("_line", "lockbox", "deposit_date", "batch", "item", "amount_cents")
ITEM_COLUMNS += ("check_number", "remitter_routing", "remitter_account", "remitter_name", "account_number")

__all__ = ["LockboxFile", "LockboxFormat", "LockboxOptions", "read_lockbox"]


@dataclass
class LockboxFile:
    """A read transmission: its records' facts, one row per detail, and every finding."""

    records: int
    lockboxes: list[LockboxFacts]
    details: pl.DataFrame
    problems: list[Problem] = field(default_factory=list)

    @property
    def amount_cents(self) -> int:
        return int(self.details["amount_cents"].sum() or 0)

    def facts(self) -> dict[str, Any]:
        return {"records": self.records, "lockboxes": [lb.facts() for lb in self.lockboxes]}

    def summary(self) -> dict[str, Any]:
        """What ``hub inspect --format lockbox --json`` prints."""
        return {
            "format": "lockbox",
            "records": self.records,
            "lockboxes": [
                {
                    "number": lb.number,
                    "deposit_date": None if lb.deposit_date is None else lb.deposit_date.isoformat(),
                    "items": lb.items,
                    "amount_cents": lb.amount_cents,
                }
                for lb in self.lockboxes
            ],
            "items": self.details.height,
            "amount_cents": self.amount_cents,
            "problems": inspected(self.problems),
        }


def read_lockbox(data: bytes, file: str, options: LockboxOptions | None = None) -> LockboxFile:
    """Read and check a lockbox transmission. Raises ``ParseError`` only when it holds no record."""
    import polars as pl

    from formats import lockbox_accounts as accounts
    from formats import lockbox_controls as controls
    from formats import lockbox_details as details
    from formats.fixed_width.fields import check
    from formats.fixed_width.order import order, rejected
    from formats.fixed_width.split import Tolerances, severity, split
    from formats.lockbox_layout import ORDER

    o = options or LockboxOptions()
    tolerate = Tolerances(short=severity(o.tolerate_short_records), blank="warning")
    records, problems = split(data, file, o.records.values(), tolerate)
    frame, in_order = order(records, ORDER)
    problems += in_order
    problems += check(frame, o.records)
    rows = details.detail_rows(frame, o)
    overflow = details.overflow_rows(frame, o)
    batch_total = o.records["7"]["batch"]
    totals = frame.filter((pl.col("kind") == "7") & (pl.col("batch_ix") >= 0)).select(
        "batch_ix",
        pl.col("rec").str.slice(batch_total.start - 1, batch_total.width).alias("total_batch"),
        pl.col("line").alias("total_line"),
    )
    problems += details.check_details(rows, overflow, totals, o)
    found = controls.lockboxes(frame, rows, o)
    problems += controls.check_lockboxes(found, o)
    problems += controls.check_trailer(frame, o, frame.height)
    rows = accounts.extract(rows, overflow, o)
    problems += accounts.account_problems(rows, o)
    problems.sort(key=lambda p: (p.line is not None, p.line or 0))
    lockbox_info = pl.DataFrame(
        {
            "lockbox_ix": [lb.index for lb in found],
            "lockbox_number": [lb.number for lb in found],
            "deposit_date": [lb.deposit_date for lb in found],
        },
        schema={"lockbox_ix": pl.Int64, "lockbox_number": pl.String, "deposit_date": pl.Date},
    )
    table = details.table(rows, overflow, lockbox_info)
    rejects = rejected(frame, problems, "detail_ix", "batch_ix")
    table = table.with_columns(rejects.alias("rejected")).drop("detail_ix", "batch_ix")
    return LockboxFile(frame.height, found, table, problems)


class LockboxFormat(Format[LockboxOptions]):
    """Lockbox transmissions in the pipeline: one row per check (``_line`` is its detail's line)."""

    name: ClassVar[str] = "lockbox"
    title: ClassVar[str] = "lockbox"

    @classmethod
    def sniff(cls, head: bytes) -> str | None:
        """An immediate address header (type 1, not a 94-character NACHA record) and a lockbox
        header (type 5) or check detail (type 6) among the first records."""
        lines = [line.rstrip(b"\r") for line in head.split(b"\n")]
        if not lines[0].startswith(b"1") or len(lines[0]) == 94 or b"," in lines[0]:
            return None  # not type 1, a NACHA record, or a delimited line (a CSV row)
        if any(line[:1] in (b"5", b"6") for line in lines[1:]):
            return "record 1 is a lockbox header (type 1) and a lockbox or check record (type 5 or 6) follows"
        return None

    options_model: ClassVar[type[FormatOptions]] = LockboxOptions
    sensitive_fields: ClassVar[frozenset[str]] = SENSITIVE

    def read(self, data: bytes, ctx: ReadContext) -> Parsed:
        found = read_lockbox(data, ctx.file, self.options)
        return Parsed(found.details, found.problems, facts=found.facts(), count=found.details.height)

    def validate(self, parsed: Parsed, ctx: ReadContext) -> Validated:
        """Checks whose own records have an error are rejected; the rest pass (a file-level error
        rejects the whole file in the pipeline)."""
        import polars as pl

        rejected = parsed.table.filter(pl.col("rejected"))
        return Validated(
            table=parsed.table.filter(~pl.col("rejected")),
            problems=list(parsed.problems),
            rows=parsed.rows,
            rejected=rejected.height,
        )

    def inspect(self, data: bytes, ctx: ReadContext) -> dict[str, Any]:
        try:
            found = read_lockbox(data, ctx.file, self.options)
            return {**found.summary(), TABLES: {"items": record_table(found.details, ITEM_COLUMNS)}}
        except ParseError as exc:
            return unreadable(exc, format="lockbox", records=0, lockboxes=[], items=0, amount_cents=0)

    def write(self, table: pl.DataFrame) -> bytes:
        from formats.lockbox_writer import write_items

        return write_items(table, self.options)
