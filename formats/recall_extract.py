"""Accounts to recall from a collection agency (CSV): from the CIS (the customer paid at the office,
filed bankruptcy, a billing error) or written by ``hub recall``.

Header ``account,reason[,note]`` (other names through ``columns``); ``reason`` one of
``paid-at-office``, ``bankruptcy``, ``deceased``, ``dispute``, ``billing-error``, ``other`` (blanks
and underscores read as dashes); an account once per file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from formats.base import FormatOptions, Parsed, ReadContext, Validated
from formats.csv_fields import CsvFieldsFormat, CsvFieldsOptions
from hub.kernel.rows import LINE

if TYPE_CHECKING:
    from formats.row_rules import Check

FIELDS = ("account", "reason", "note")
REQUIRED = ("account", "reason")
REASONS = ("paid-at-office", "bankruptcy", "deceased", "dispute", "billing-error", "other")


class RecallOptions(CsvFieldsOptions):
    """Options of the ``recall-extract`` format (``format_options`` in hub.yaml)."""

    FIELDS: ClassVar[tuple[str, ...]] = FIELDS


class RecallFormat(CsvFieldsFormat[RecallOptions]):
    name: ClassVar[str] = "recall-extract"
    title: ClassVar[str] = "recall extract CSV"
    sniff_columns: ClassVar[tuple[str, ...]] = ("account", "reason")
    options_model: ClassVar[type[FormatOptions]] = RecallOptions
    fields: ClassVar[tuple[str, ...]] = FIELDS
    required: ClassVar[tuple[str, ...]] = REQUIRED
    sensitive_fields: ClassVar[frozenset[str]] = frozenset({"account"})

    def validate(self, parsed: Parsed, ctx: ReadContext) -> Validated:
        import polars as pl

        from formats.row_rules import broken

        t = parsed.table.with_columns(
            pl.col("reason").str.to_lowercase().str.replace_all(r"[\s_]+", "-").alias("reason")
        )
        col = pl.col
        checks: list[Check] = [(f, "required", col(f).is_null(), f"{f} is required") for f in REQUIRED]
        checks.append(
            (
                "reason",
                "unknown-reason",
                ~col("reason").is_in(REASONS),
                f"reason {{value}} is not one of {', '.join(REASONS)}",
            )
        )
        again = col(LINE) != col(LINE).min().over("account")
        checks.append(
            (
                "account",
                "duplicate-account",
                col("account").is_not_null() & again,
                "account {value} is in the file already",
            )
        )
        problems = sorted([*parsed.problems, *broken(t, checks, self.shown)], key=lambda p: p.line or 0)
        bad = sorted({p.line for p in problems if p.line is not None and p.severity == "error"})
        return Validated(table=t.filter(~col(LINE).is_in(bad)), problems=problems, rows=parsed.rows)


def recall_request(account: str, reason: str, note: str | None = None) -> bytes:
    """A one-account recall extract (``hub recall``)."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FIELDS)
    writer.writerow([account, reason, note or ""])
    return out.getvalue().encode()
