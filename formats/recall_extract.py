"""Accounts to recall from a collection agency (CSV): from the CIS (the customer paid at the office,
filed bankruptcy, a billing error) or written by ``hub recall``.

Header ``account,reason[,note]`` (other names through ``columns``); ``reason`` one of
``paid-at-office``, ``bankruptcy``, ``deceased``, ``dispute``, ``billing-error``, ``other`` (blanks
and underscores read as dashes); an account once per file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from pydantic import Field, field_validator

from formats.base import Format, FormatOptions, Parsed, ReadContext, Validated, known_fields
from hub.kernel.problems import mask
from hub.kernel.rows import LINE

if TYPE_CHECKING:
    import polars as pl

    from formats.row_rules import Check

FIELDS = ("account", "reason", "note")
REQUIRED = ("account", "reason")
REASONS = ("paid-at-office", "bankruptcy", "deceased", "dispute", "billing-error", "other")


class RecallOptions(FormatOptions):
    """Options of the ``recall-extract`` format (``format_options`` in hub.yaml)."""

    delimiter: str = Field(",", min_length=1, max_length=1)
    encoding: str = "utf-8"
    columns: dict[str, str] = Field(
        default_factory=dict, description="our field name -> the header name in the CIS extract"
    )

    @field_validator("columns")
    @classmethod
    def _known_fields(cls, columns: dict[str, str]) -> dict[str, str]:
        return known_fields(columns, FIELDS)


def _shown(field: str, value: object) -> str | None:
    return None if value is None else (mask(str(value)) if field == "account" else str(value))


class RecallFormat(Format[RecallOptions]):
    name: ClassVar[str] = "recall-extract"
    options_model: ClassVar[type[FormatOptions]] = RecallOptions
    sensitive_fields: ClassVar[frozenset[str]] = frozenset({"account"})

    def read(self, data: bytes, ctx: ReadContext) -> Parsed:
        from formats.csv_table import read_fields

        o = self.options
        table, problems, facts = read_fields(
            data,
            file=ctx.file,
            fields=FIELDS,
            required=REQUIRED,
            columns=o.columns,
            delimiter=o.delimiter,
            encoding=o.encoding,
            sensitive=self.sensitive_fields,
        )
        return Parsed(table=table, problems=problems, facts=facts)

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
        problems = sorted([*parsed.problems, *broken(t, checks, _shown)], key=lambda p: p.line or 0)
        bad = sorted({p.line for p in problems if p.line is not None and p.severity == "error"})
        return Validated(table=t.filter(~col(LINE).is_in(bad)), problems=problems, rows=parsed.rows)

    def write(self, table: pl.DataFrame) -> bytes:
        import io

        buf = io.BytesIO()
        table.select([f for f in FIELDS if f in table.columns]).write_csv(
            buf, separator=self.options.delimiter
        )
        return buf.getvalue()


def recall_request(account: str, reason: str, note: str | None = None) -> bytes:
    """A one-account recall extract (``hub recall``)."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FIELDS)
    writer.writerow([account, reason, note or ""])
    return out.getvalue().encode()
