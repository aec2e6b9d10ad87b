"""The CIS autopay extract (CSV): one row per customer debit the hub originates as a NACHA entry.

Header: ``payment_id,account,name,routing,dfi_account,account_type,amount_cents[,effective_date]``
(other names through ``columns``; extra columns are ignored). Every value is read as a string and
checked: required fields, the routing number's check digit, digits-only bank accounts, amounts in
positive whole cents, ``checking``/``savings``, ISO effective dates from today to
``max_days_ahead``, no payment id twice, and names and ids that fit their NACHA fields (refused,
never cut). Each failure names its line, field and rule; account numbers, routing numbers and
names are masked.
"""

from __future__ import annotations

import io
import zoneinfo
from datetime import timedelta
from typing import TYPE_CHECKING, ClassVar

from pydantic import Field, field_validator

from formats.base import Format, FormatOptions, Parsed, ReadContext, Validated
from formats.nacha_layout import routing_ok_expr
from hub.kernel.problems import Problem, mask
from hub.kernel.rows import LINE

if TYPE_CHECKING:
    import polars as pl

FIELDS = (
    "payment_id",
    "account",
    "name",
    "routing",
    "dfi_account",
    "account_type",
    "amount_cents",
    "effective_date",
)
REQUIRED = FIELDS[:-1]
ACCOUNT_TYPES = ("checking", "savings")
PRINTABLE = r"^[\x20-\x7E]*$"  # what a NACHA alphanumeric field may hold
# field -> (NACHA field, width): the value must fit as it is
NACHA_WIDTH = {
    "account": ("individual id", 15),
    "name": ("individual name", 22),
    "dfi_account": ("DFI account", 17),
}
PAYMENT_ID_MAX = 64  # the ledger's column


class DebitExtractOptions(FormatOptions):
    """Options of the ``debit-extract`` format (``format_options`` in hub.yaml)."""

    delimiter: str = Field(",", min_length=1, max_length=1, description="the one character between fields")
    encoding: str = Field("utf-8", description="the file's text encoding, e.g. utf-8, cp1252")
    columns: dict[str, str] = Field(
        default_factory=dict, description="our field name -> the header name in the CIS extract"
    )
    max_days_ahead: int = Field(30, ge=0, le=365, description="latest effective date, in days from today")
    max_amount_cents: int = Field(9_999_999_999, ge=1, le=9_999_999_999, description="largest single debit")

    @field_validator("columns")
    @classmethod
    def _known_fields(cls, columns: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(columns) - set(FIELDS))
        if unknown:
            raise ValueError(f"unknown field(s) {', '.join(unknown)}; fields are {', '.join(FIELDS)}")
        return columns


Rule = tuple[str, str, "pl.Expr", str]  # field, rule, failed, message ({value}, {length} filled in)


def _rules(opts: DebitExtractOptions, ctx: ReadContext) -> list[Rule]:
    """Every rule in the order it is reported; per field only the first rule a value breaks.
    Messages never repeat a sensitive value (it is in the problem's value, masked)."""
    import polars as pl

    col = pl.col
    today = ctx.now.astimezone(zoneinfo.ZoneInfo(ctx.timezone)).date()
    latest = today + timedelta(days=opts.max_days_ahead)
    amount = col("amount_cents").cast(pl.Int64, strict=False)
    when = col("effective_date").str.to_date("%Y-%m-%d", strict=False)
    rules: list[Rule] = [(f, "required", col(f).is_null(), f"{f} is required") for f in REQUIRED]
    rules += [
        (
            "payment_id",
            "length",
            col("payment_id").str.len_chars() > PAYMENT_ID_MAX,
            f"payment_id is longer than {PAYMENT_ID_MAX} characters",
        ),
        (
            "payment_id",
            "printable",
            ~col("payment_id").str.contains(r"^[\x21-\x7E]+$"),
            "payment_id must be printable ASCII without blanks",
        ),
    ]
    for f, (nacha, width) in NACHA_WIDTH.items():
        rules += [
            (
                f,
                "printable",
                ~col(f).str.contains(PRINTABLE),
                f"{f} holds characters the NACHA {nacha} field cannot carry (printable ASCII only)",
            ),
            (
                f,
                "nacha_width",
                col(f).str.len_chars() > width,
                f"{f} is {{length}} characters; the NACHA {nacha} field holds {width} (it is never cut)",
            ),
        ]
    rules += [
        (
            "routing",
            "routing_digits",
            ~col("routing").str.contains(r"^[0-9]{9}$"),
            "routing must be 9 digits",
        ),
        (
            "routing",
            "routing_check_digit",
            col("routing").str.contains(r"^[0-9]{9}$") & ~routing_ok_expr(col("routing")),
            "the routing number's check digit is wrong (weights 3, 7, 1): mistyped, or not a bank",
        ),
        (
            "dfi_account",
            "digits",
            ~col("dfi_account").str.contains(r"^[0-9]+$"),
            "dfi_account must be digits only",
        ),
        (
            "account_type",
            "code_list",
            ~col("account_type").str.to_lowercase().is_in(ACCOUNT_TYPES),
            "account_type {value!r} is not checking or savings",
        ),
        (
            "amount_cents",
            "integer",
            ~col("amount_cents").str.contains(r"^-?[0-9]{1,18}$"),
            "amount_cents must be a whole number of cents (no decimal point, no currency sign)",
        ),
        ("amount_cents", "positive", amount <= 0, "amount_cents must be more than zero"),
        (
            "amount_cents",
            "range",
            amount > opts.max_amount_cents,
            f"amount_cents is more than the largest debit allowed ({opts.max_amount_cents})",
        ),
        (
            "effective_date",
            "date",
            col("effective_date").is_not_null()
            & (~col("effective_date").str.contains(r"^\d{4}-\d{2}-\d{2}$") | when.is_null()),
            "effective_date must be a date as YYYY-MM-DD",
        ),
        (
            "effective_date",
            "not_in_past",
            when < today,
            f"effective_date {{value}} is before today ({today})",
        ),
        (
            "effective_date",
            "window",
            when > latest,
            f"effective_date {{value}} is more than {opts.max_days_ahead} days ahead",
        ),
    ]
    return rules


def _shown(field: str, value: object) -> str | None:
    """The value as a report may show it: names masked here, account numbers by ``Problem.of``."""
    if value is None:
        return None
    return mask(str(value)) if field == "name" else str(value)


class DebitExtractFormat(Format[DebitExtractOptions]):
    name: ClassVar[str] = "debit-extract"
    title: ClassVar[str] = "autopay debit extract CSV"
    sniff_columns: ClassVar[tuple[str, ...]] = ("payment_id", "routing", "dfi_account", "amount_cents")
    options_model: ClassVar[type[FormatOptions]] = DebitExtractOptions
    sensitive_fields: ClassVar[frozenset[str]] = frozenset({"account", "name", "routing", "dfi_account"})

    def read(self, data: bytes, ctx: ReadContext) -> Parsed:
        import polars as pl

        from formats.csv_table import decode, present_columns, read_delimited

        opts = self.options
        text = decode(data, opts.encoding, ctx.file)
        header_of = {f: opts.columns.get(f, f) for f in FIELDS}
        sensitive = [header_of[f] for f in self.sensitive_fields]
        raw = read_delimited(text, file=ctx.file, delimiter=opts.delimiter, sensitive=sensitive)
        present = present_columns(raw, header_of, REQUIRED, ctx.file)
        table = raw.table.select(
            *[pl.col(h).str.strip_chars().replace("", None).alias(f) for f, h in present.items()],
            *[pl.lit(None, pl.String).alias(f) for f in FIELDS if f not in present],
            pl.col(LINE),
        )
        known = set(present.values())
        facts = {"header": raw.header, "ignored_columns": [h for h in raw.header if h not in known]}
        return Parsed(table=table, problems=raw.problems, facts=facts)

    def validate(self, parsed: Parsed, ctx: ReadContext) -> Validated:
        """Typed valid rows (``amount_cents`` Int64, ``effective_date`` Date, ``account_type`` lower
        case) and one problem per broken field of each row, plus repeated payment ids."""
        import polars as pl

        table = parsed.table
        rules = _rules(self.options, ctx)
        failed = table.select(
            pl.col(LINE),
            *[expr.fill_null(False).alias(f"{i}") for i, (_f, _r, expr, _m) in enumerate(rules)],
        )
        flags = [f"{i}" for i in range(len(rules))]
        problems = list(parsed.problems)
        bad = failed.filter(pl.any_horizontal(flags))
        if bad.height:
            rows = {
                r[LINE]: r
                for r in table.filter(pl.col(LINE).is_in(bad.get_column(LINE).implode())).iter_rows(
                    named=True
                )
            }
            for hit in bad.iter_rows(named=True):
                row, seen = rows[hit[LINE]], set()
                for i, (field, rule, _expr, message) in enumerate(rules):
                    if hit[f"{i}"] and field not in seen:
                        seen.add(field)
                        raw = row[field]
                        text = message.format(value=raw, length=len(str(raw or "")))
                        problems.append(
                            Problem.of(rule, text, line=row[LINE], field=field, value=_shown(field, raw))
                        )
        problems += _duplicates(table)
        problems.sort(key=lambda p: (p.line or 0, FIELDS.index(p.field) if p.field in FIELDS else 0))
        rejected = {p.line for p in problems if p.line is not None and p.severity == "error"}
        valid = table.filter(~pl.col(LINE).is_in(list(rejected))).with_columns(
            pl.col("amount_cents").cast(pl.Int64),
            pl.col("account_type").str.to_lowercase(),
            pl.col("effective_date").str.to_date("%Y-%m-%d"),
        )
        return Validated(table=valid, problems=problems, rows=parsed.rows)

    def write(self, table: pl.DataFrame) -> bytes:
        """Rows (typed or string) as an extract with our header; ``effective_date`` only when set."""
        import polars as pl

        cols = [f for f in REQUIRED if f in table.columns]
        if (
            "effective_date" in table.columns
            and table.get_column("effective_date").null_count() < table.height
        ):
            cols.append("effective_date")
        out = table.select(cols)
        if "effective_date" in cols and out.schema["effective_date"] != pl.String:
            out = out.with_columns(pl.col("effective_date").dt.strftime("%Y-%m-%d"))
        buf = io.BytesIO()
        out.write_csv(buf, separator=self.options.delimiter)
        return buf.getvalue()


def _duplicates(table: pl.DataFrame) -> list[Problem]:
    """A payment id that appears again: every later row is an error naming the first line."""
    import polars as pl

    ids = table.select(pl.col(LINE), pl.col("payment_id")).filter(pl.col("payment_id").is_not_null())
    firsts = ids.with_columns(pl.col(LINE).min().over("payment_id").alias("first"))
    again = firsts.filter(pl.col(LINE) != pl.col("first"))
    return [
        Problem.of(
            "duplicate",
            f"payment_id {r['payment_id']} appears on line {r['first']} already; each debit once",
            line=r[LINE],
            field="payment_id",
            value=r["payment_id"],
        )
        for r in again.iter_rows(named=True)
    ]
