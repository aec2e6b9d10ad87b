"""A collection agency's remittance (CSV): what it collected on the accounts placed with it.

Header ``agency_id,reference,account,gross,commission,net,paid_on`` (other names through
``columns``), one row per payment collected, and a last row whose ``agency_id`` is ``TRAILER``:
its ``reference`` the number of payments, ``gross``, ``commission`` and ``net`` their totals. The
trailer is checked, never trusted: a file without it, with it anywhere but last, or whose count or
totals differ from its rows is rejected whole, naming both figures. Each row: the fields required,
amounts in dollars with at most two decimals, gross more than zero, commission and net not
negative and ``gross = commission + net`` exactly, ``paid_on`` a date not after today, a reference
once per file.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from formats.base import FormatOptions, Parsed, ReadContext, Validated
from formats.csv_fields import CsvFieldsFormat, CsvFieldsOptions
from hub.kernel.problems import Problem
from hub.kernel.rows import LINE

if TYPE_CHECKING:
    import polars as pl

    from formats.row_rules import Check

FIELDS = ("agency_id", "reference", "account", "gross", "commission", "net", "paid_on")
AMOUNTS = ("gross", "commission", "net")
TRAILER = "TRAILER"


class RemittanceOptions(CsvFieldsOptions):
    """Options of the ``collection-remittance`` format (``format_options`` in hub.yaml)."""

    FIELDS: ClassVar[tuple[str, ...]] = FIELDS


def _dollars(cents: int) -> str:
    return f"${Decimal(cents) / 100:,.2f}"


class RemittanceFormat(CsvFieldsFormat[RemittanceOptions]):
    name: ClassVar[str] = "collection-remittance"
    title: ClassVar[str] = "agency remittance CSV"
    sniff_columns: ClassVar[tuple[str, ...]] = ("agency_id", "reference", "gross", "commission", "net")
    options_model: ClassVar[type[FormatOptions]] = RemittanceOptions
    fields: ClassVar[tuple[str, ...]] = FIELDS
    required: ClassVar[tuple[str, ...]] = FIELDS
    sensitive_fields: ClassVar[frozenset[str]] = frozenset({"account"})

    def validate(self, parsed: Parsed, ctx: ReadContext) -> Validated:
        """The payment rows typed (``gross_cents``, ``commission_cents``, ``net_cents``, ``paid_on``)
        and checked; the trailer checked against them."""
        from zoneinfo import ZoneInfo

        import polars as pl

        from formats.row_rules import broken, cents, dates

        table = parsed.table
        is_trailer = pl.col("agency_id").str.to_uppercase() == TRAILER
        rows, trailers = table.filter(~is_trailer.fill_null(False)), table.filter(is_trailer.fill_null(False))
        t = rows.with_columns(
            *[cents(pl.col(a)).alias(f"{a}_cents") for a in AMOUNTS],
            dates(pl.col("paid_on"), self.options.date_formats).alias("paid_on_date"),
        )
        today = ctx.now.astimezone(ZoneInfo(ctx.timezone)).date()
        problems = [
            *parsed.problems,
            *broken(t, _checks(today, self.options.date_formats), self.shown),
            *_repeated(rows),
            *_trailer(t, trailers),
        ]
        problems.sort(key=lambda p: p.line or 0)
        bad = sorted({p.line for p in problems if p.line is not None and p.severity == "error"})
        valid = (
            t.filter(~pl.col(LINE).is_in(bad)).drop("paid_on", *AMOUNTS).rename({"paid_on_date": "paid_on"})
        )
        return Validated(table=valid, problems=problems, rows=parsed.rows - trailers.height)


def _checks(today: object, formats: list[str]) -> list[Check]:
    import polars as pl

    col = pl.col
    checks: list[Check] = [(f, "required", col(f).is_null(), f"{f} is required") for f in FIELDS]
    for a in AMOUNTS:
        checks.append(
            (
                a,
                "bad-amount",
                col(a).is_not_null() & col(f"{a}_cents").is_null(),
                f"{a} {{value}} is not an amount in dollars with at most two decimals",
            )
        )
    checks += [
        ("gross", "not-positive", col("gross_cents") <= 0, "gross {value} must be more than zero"),
        (
            "net",
            "net-mismatch",
            col("gross_cents") != col("commission_cents") + col("net_cents"),
            "net {value} is not gross - commission",
        ),
        (
            "paid_on",
            "date",
            col("paid_on").is_not_null() & col("paid_on_date").is_null(),
            f"paid_on {{value}} is not a date ({', '.join(formats)})",
        ),
        ("paid_on", "future-date", col("paid_on_date") > pl.lit(today), "paid_on {value} is after today"),
    ]
    return checks


def _repeated(rows: pl.DataFrame) -> list[Problem]:
    import polars as pl

    refs = rows.select(LINE, "reference").filter(pl.col("reference").is_not_null())
    again = refs.with_columns(pl.col(LINE).min().over("reference").alias("first")).filter(
        pl.col(LINE) != pl.col("first")
    )
    return [
        Problem.of(
            "duplicate-reference",
            f"reference {r['reference']} is on line {r['first']} already; each payment once",
            line=r[LINE],
            field="reference",
            value=r["reference"],
        )
        for r in again.iter_rows(named=True)
    ]


def _trailer(t: pl.DataFrame, trailers: pl.DataFrame) -> list[Problem]:
    """The trailer's count and totals against the rows (file-level: they tell whether the file is whole)."""
    import polars as pl

    from formats.row_rules import cents

    def whole(message: str, line: int | None = None) -> Problem:
        return Problem.of("trailer", message, line=line, field="agency_id", level="file")

    if trailers.is_empty():
        return [whole("no TRAILER row: the remittance's count and totals cannot be checked")]
    if trailers.height > 1:
        return [
            whole(
                f"{trailers.height} TRAILER rows (lines {', '.join(map(str, trailers.get_column(LINE)))}); "
                "a remittance has one, last"
            )
        ]
    trailer = trailers.row(0, named=True)
    line = trailer[LINE]
    if t.height and line < max(t.get_column(LINE).to_list()):
        return [whole("the TRAILER row is not the last row", line)]
    found: list[Problem] = []
    count = trailer["reference"]
    if count is None or not count.isdigit() or int(count) != t.height:
        found.append(whole(f"the trailer's count {count!r} is not the {t.height} payment rows", line))
    sums = t.select(*[pl.col(f"{a}_cents").sum() for a in AMOUNTS]).row(0)
    given = (
        pl.DataFrame({a: [trailer[a]] for a in AMOUNTS}).select(*[cents(pl.col(a)) for a in AMOUNTS]).row(0)
    )
    for a, total, said in zip(AMOUNTS, sums, given, strict=True):
        if said is None or said != total:
            shown_said = trailer[a] if said is None else _dollars(said)
            found.append(
                whole(f"the trailer's {a} total {shown_said} is not the rows' {_dollars(total or 0)}", line)
            )
    return found
