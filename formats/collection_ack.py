"""A collection agency's acknowledgement of placement files (CSV).

Header ``agency_id,placement_file,count,total,account,amount`` (other names through ``columns``).
For each placement file the agency acknowledges, one summary row (``count`` and ``total``: how many
accounts and dollars it took on, ``account`` and ``amount`` blank) and, optionally, one row per
account it accepted (``account`` and ``amount``, ``count`` and ``total`` blank). A row that is both
or neither, a count that is not a whole number, an amount that is not dollars with at most two
decimals, a placement file without its summary row or with two, and an account twice for one file
are refused on their lines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from formats.base import FormatOptions, Parsed, ReadContext, Validated
from formats.csv_fields import CsvFieldsFormat, CsvFieldsOptions
from hub.kernel.rows import LINE

if TYPE_CHECKING:
    from formats.row_rules import Check

FIELDS = ("agency_id", "placement_file", "count", "total", "account", "amount")
REQUIRED = ("agency_id", "placement_file")


class AckOptions(CsvFieldsOptions):
    """Options of the ``collection-ack`` format (``format_options`` in hub.yaml)."""

    FIELDS: ClassVar[tuple[str, ...]] = FIELDS


class AckFormat(CsvFieldsFormat[AckOptions]):
    name: ClassVar[str] = "collection-ack"
    title: ClassVar[str] = "placement acknowledgement CSV"
    sniff_columns: ClassVar[tuple[str, ...]] = ("agency_id", "placement_file")
    options_model: ClassVar[type[FormatOptions]] = AckOptions
    fields: ClassVar[tuple[str, ...]] = FIELDS
    required: ClassVar[tuple[str, ...]] = (*REQUIRED, "count", "total")
    sensitive_fields: ClassVar[frozenset[str]] = frozenset({"account"})

    def validate(self, parsed: Parsed, ctx: ReadContext) -> Validated:
        """Typed rows: ``summary`` (bool), ``count`` (Int64), ``total_cents`` / ``amount_cents``."""
        import polars as pl

        from formats.row_rules import broken, cents

        col = pl.col
        summary = col("count").is_not_null() | col("total").is_not_null()
        detail = col("account").is_not_null() | col("amount").is_not_null()
        t = parsed.table.with_columns(
            summary.alias("summary"),
            col("count").cast(pl.Int64, strict=False).alias("count_number"),
            cents(col("total")).alias("total_cents"),
            cents(col("amount")).alias("amount_cents"),
        )
        in_file = (col("summary") & ~detail).cast(pl.Int64).sum().over("placement_file")
        checks: list[Check] = [(f, "required", col(f).is_null(), f"{f} is required") for f in REQUIRED]
        checks += [
            (
                "account",
                "row-kind",
                summary & detail,
                "a row is a file's summary (count, total) or one account, not both",
            ),
            ("account", "row-kind", ~summary & ~detail, "a row needs count and total, or account and amount"),
            (
                "count",
                "required",
                summary & ~detail & col("count").is_null(),
                "the summary row needs its count",
            ),
            (
                "total",
                "required",
                summary & ~detail & col("total").is_null(),
                "the summary row needs its total",
            ),
            (
                "amount",
                "required",
                detail & ~summary & col("amount").is_null(),
                "an account row needs its amount",
            ),
            (
                "account",
                "required",
                detail & ~summary & col("account").is_null(),
                "an amount needs its account",
            ),
            (
                "count",
                "count",
                col("count").is_not_null() & (col("count_number").is_null() | (col("count_number") < 0)),
                "count {value} is not a whole number",
            ),
            (
                "total",
                "bad-amount",
                col("total").is_not_null() & col("total_cents").is_null(),
                "total {value} is not dollars with at most two decimals",
            ),
            (
                "amount",
                "bad-amount",
                col("amount").is_not_null() & col("amount_cents").is_null(),
                "amount {value} is not dollars with at most two decimals",
            ),
            (
                "placement_file",
                "summary",
                col("placement_file").is_not_null() & (in_file != 1),
                "placement file {value} needs exactly one summary row (count, total)",
            ),
            (
                "account",
                "duplicate-account",
                col("account").is_not_null()
                & (col(LINE) != col(LINE).min().over("placement_file", "account")),
                "account {value} is acknowledged twice for this placement file",
            ),
        ]
        problems = sorted([*parsed.problems, *broken(t, checks, self.shown)], key=lambda p: p.line or 0)
        bad = sorted({p.line for p in problems if p.line is not None and p.severity == "error"})
        valid = (
            t.filter(~col(LINE).is_in(bad)).drop("count", "total", "amount").rename({"count_number": "count"})
        )
        return Validated(table=valid, problems=problems, rows=parsed.rows)
