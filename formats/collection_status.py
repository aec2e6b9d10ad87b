"""A collection agency's status updates and returns (CSV): what became of accounts placed with it.

Header ``agency_id,account,status,effective_date,case_number,chapter,note`` (other names through
``columns``). ``status`` one of ``bankruptcy`` (its ``case_number`` and ``chapter``, 7, 11, 12 or
13, required), ``deceased``, ``disputed``, ``paid-in-full``, ``settled``, ``returned`` (given back
uncollectable), ``recalled`` (the agency confirms a recall; spellings with blanks or underscores are
read the same); ``effective_date`` a date not after today. An update for the same account and status
twice in a file is refused on its later line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from formats.base import FormatOptions, Parsed, ReadContext, Validated
from formats.csv_fields import CsvFieldsFormat, CsvFieldsOptions
from hub.kernel.problems import Problem, mask
from hub.kernel.rows import LINE

if TYPE_CHECKING:
    import polars as pl

    from formats.row_rules import Check

FIELDS = ("agency_id", "account", "status", "effective_date", "case_number", "chapter", "note")
REQUIRED = ("agency_id", "account", "status", "effective_date")
STATUSES = ("bankruptcy", "deceased", "disputed", "paid-in-full", "settled", "returned", "recalled")
CHAPTERS = ("7", "11", "12", "13")


class StatusOptions(CsvFieldsOptions):
    """Options of the ``collection-status`` format (``format_options`` in hub.yaml)."""

    FIELDS: ClassVar[tuple[str, ...]] = FIELDS


class StatusFormat(CsvFieldsFormat[StatusOptions]):
    name: ClassVar[str] = "collection-status"
    title: ClassVar[str] = "agency status CSV"
    sniff_columns: ClassVar[tuple[str, ...]] = ("agency_id", "status", "effective_date")
    options_model: ClassVar[type[FormatOptions]] = StatusOptions
    fields: ClassVar[tuple[str, ...]] = FIELDS
    required: ClassVar[tuple[str, ...]] = REQUIRED
    sensitive_fields: ClassVar[frozenset[str]] = frozenset({"account"})

    def validate(self, parsed: Parsed, ctx: ReadContext) -> Validated:
        """Typed rows (``status`` spelled as ours, ``effective_date`` a date, ``chapter`` an int)."""
        from zoneinfo import ZoneInfo

        import polars as pl

        from formats.row_rules import broken, dates

        raw = parsed.table
        spelled = pl.col("status").str.to_lowercase().str.replace_all(r"[\s_]+", "-")
        t = raw.with_columns(
            spelled.alias("status"),
            dates(pl.col("effective_date"), self.options.date_formats).alias("effective"),
            pl.col("chapter").cast(pl.Int64, strict=False).alias("chapter_number"),
        )
        today = ctx.now.astimezone(ZoneInfo(ctx.timezone)).date()
        formats = ", ".join(self.options.date_formats)
        col = pl.col
        bankrupt = col("status") == "bankruptcy"
        checks: list[Check] = [(f, "required", col(f).is_null(), f"{f} is required") for f in REQUIRED]
        checks += [
            (
                "status",
                "unknown-status",
                ~col("status").is_in(STATUSES),
                f"status {{value}} is not one of {', '.join(STATUSES)}",
            ),
            (
                "effective_date",
                "date",
                col("effective_date").is_not_null() & col("effective").is_null(),
                f"effective_date {{value}} is not a date ({formats})",
            ),
            (
                "effective_date",
                "future-date",
                col("effective") > today,
                "effective_date {value} is after today",
            ),
            (
                "case_number",
                "required",
                bankrupt & col("case_number").is_null(),
                "a bankruptcy needs its case_number",
            ),
            ("chapter", "required", bankrupt & col("chapter").is_null(), "a bankruptcy needs its chapter"),
            (
                "chapter",
                "chapter",
                col("chapter").is_not_null() & ~col("chapter").is_in(CHAPTERS),
                f"chapter {{value}} is not one of {', '.join(CHAPTERS)}",
            ),
        ]
        problems = [*parsed.problems, *broken(t, checks, self.shown), *_repeated(t)]
        problems.sort(key=lambda p: p.line or 0)
        bad = sorted({p.line for p in problems if p.line is not None and p.severity == "error"})
        valid = (
            t.filter(~pl.col(LINE).is_in(bad))
            .drop("effective_date", "chapter")
            .rename({"effective": "effective_date", "chapter_number": "chapter"})
        )
        return Validated(table=valid, problems=problems, rows=parsed.rows)


def _repeated(t: pl.DataFrame) -> list[Problem]:
    import polars as pl

    keyed = t.select(LINE, "account", "status").drop_nulls()
    first = pl.col(LINE).min().over("account", "status")
    again = keyed.with_columns(first.alias("first")).filter(pl.col(LINE) != pl.col("first"))
    return [
        Problem.of(
            "duplicate-update",
            f"the same {r['status']} update of account {mask(r['account'])} is on line {r['first']} already",
            line=r[LINE],
            field="status",
            value=r["status"],
        )
        for r in again.iter_rows(named=True)
    ]
