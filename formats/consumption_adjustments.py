"""Sewer consumption-adjustment requests (CSV), as billing staff or an industrial-permit office send them.

Header: ``account,kind,period_start,period_end,volume,unit,evidence_ref,requested_by`` (other names
through ``columns``; extra columns are ignored). ``kind`` is ``leak``, ``industrial`` or
``evaporation``; ``volume`` is what the request states (the permitted discharge, the sub-metered
evaporation; informational for a leak), a non-negative decimal in ``unit``. Every value is read as a
string and checked column by column: required fields, valid dates with start <= end, the volume, a
known unit and kind. Each failure names its line, field, value and rule; accounts are masked.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, ClassVar

from pydantic import Field, field_validator

from formats.base import Format, FormatOptions, Parsed, ReadContext, Validated
from hub.kernel.problems import Problem
from hub.kernel.rows import LINE
from hub.kernel.units import UNITS, unit_name

if TYPE_CHECKING:
    import polars as pl

FIELDS = ("account", "kind", "period_start", "period_end", "volume", "unit", "evidence_ref", "requested_by")
KINDS = ("leak", "industrial", "evaporation")
VOLUME_SCALE = 6  # decimals a volume may have; the typed column is Decimal(38, 6)
DECIMAL = rf"^-?[0-9]{{1,15}}(\.[0-9]{{1,{VOLUME_SCALE}}})?$"


class ConsumptionAdjustmentsOptions(FormatOptions):
    """Options of the ``consumption-adjustments`` format (``format_options`` in hub.yaml)."""

    delimiter: str = Field(",", min_length=1, max_length=1, description="the one character between fields")
    encoding: str = Field("utf-8", description="the file's text encoding, e.g. utf-8, cp1252")
    columns: dict[str, str] = Field(
        default_factory=dict, description="our field name -> the header name in the sender's file"
    )
    date_format: str = Field("%Y-%m-%d", description="strftime format of period_start and period_end")

    @field_validator("columns")
    @classmethod
    def _known_fields(cls, columns: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(columns) - set(FIELDS))
        if unknown:
            raise ValueError(f"unknown field(s) {', '.join(unknown)}; fields are {', '.join(FIELDS)}")
        return columns


Rule = tuple[str, str, "pl.Expr", str]  # field, rule, failed, message ({value} filled in)


def _unit_expr(raw: pl.Expr, spellings: list[str]) -> pl.Expr:
    """The canonical unit name of each value (``unit_name``: case and aliases ignored), null if
    unknown; ``spellings`` are the distinct values of the column, each looked up once."""
    import polars as pl

    names = {s: unit_name(s) for s in spellings}
    return raw.replace_strict(names, default=None, return_dtype=pl.String)


def _rules(opts: ConsumptionAdjustmentsOptions, units: list[str]) -> list[Rule]:
    """Every rule in the order it is reported; per field only the first rule a value breaks."""
    import polars as pl

    col = pl.col
    start = col("period_start").str.to_date(opts.date_format, strict=False)
    end = col("period_end").str.to_date(opts.date_format, strict=False)
    rules: list[Rule] = [(f, "required", col(f).is_null(), f"{f} is required") for f in FIELDS]
    rules += [
        (
            f,
            "date",
            col(f).is_not_null() & parsed.is_null(),
            f"{f} {{value!r}} is not a date ({opts.date_format})",
        )
        for f, parsed in (("period_start", start), ("period_end", end))
    ]
    rules += [
        ("period_end", "period_order", end < start, "period_end {value} is before period_start"),
        (
            "volume",
            "decimal",
            ~col("volume").str.contains(DECIMAL),
            f"volume {{value!r}} is not a decimal number (up to {VOLUME_SCALE} decimals, no unit or sign)",
        ),
        ("volume", "non_negative", col("volume").str.starts_with("-"), "volume {value} is negative"),
        (
            "unit",
            "unit",
            _unit_expr(col("unit"), units).is_null(),
            f"unit {{value!r}} is not one of {', '.join(UNITS)}",
        ),
        (
            "kind",
            "code_list",
            ~col("kind").str.to_lowercase().is_in(KINDS),
            f"kind {{value!r}} is not one of {', '.join(KINDS)}",
        ),
    ]
    return rules


class ConsumptionAdjustmentsFormat(Format[ConsumptionAdjustmentsOptions]):
    name: ClassVar[str] = "consumption-adjustments"
    title: ClassVar[str] = "consumption adjustments CSV"
    sniff_columns: ClassVar[tuple[str, ...]] = ("kind", "volume", "evidence_ref")
    options_model: ClassVar[type[FormatOptions]] = ConsumptionAdjustmentsOptions
    sensitive_fields: ClassVar[frozenset[str]] = frozenset({"account"})

    def read(self, data: bytes, ctx: ReadContext) -> Parsed:
        import polars as pl

        from formats.csv_table import decode, present_columns, read_delimited

        opts = self.options
        text = decode(data, opts.encoding, ctx.file)
        header_of = {f: opts.columns.get(f, f) for f in FIELDS}
        sensitive = [header_of[f] for f in self.sensitive_fields]
        raw = read_delimited(text, file=ctx.file, delimiter=opts.delimiter, sensitive=sensitive)
        present = present_columns(raw, header_of, FIELDS, ctx.file)
        table = raw.table.select(
            *[pl.col(h).str.strip_chars().replace("", None).alias(f) for f, h in present.items()],
            pl.col(LINE),
        )
        known = set(present.values())
        facts = {"header": raw.header, "ignored_columns": [h for h in raw.header if h not in known]}
        return Parsed(table=table, problems=raw.problems, facts=facts)

    def validate(self, parsed: Parsed, ctx: ReadContext) -> Validated:
        """Typed valid rows (dates as Date, ``volume`` Decimal(38, 6), ``unit`` its canonical name,
        ``kind`` lower case) and one problem per broken field of each row."""
        import polars as pl

        table = parsed.table
        units = table.get_column("unit").drop_nulls().unique().to_list()
        rules = _rules(self.options, units)
        failed = table.select(
            pl.col(LINE),
            *[expr.fill_null(False).alias(f"{i}") for i, (_f, _r, expr, _m) in enumerate(rules)],
        )
        flags = [f"{i}" for i in range(len(rules))]
        problems = list(parsed.problems)
        bad = failed.filter(pl.any_horizontal(flags))
        if bad.height:
            lines = bad.get_column(LINE).implode()
            rows = {r[LINE]: r for r in table.filter(pl.col(LINE).is_in(lines)).iter_rows(named=True)}
            for hit in bad.iter_rows(named=True):
                row, seen = rows[hit[LINE]], set()
                for i, (field, rule, _expr, message) in enumerate(rules):
                    if hit[f"{i}"] and field not in seen:
                        seen.add(field)
                        value = row[field]
                        problems.append(
                            Problem.of(
                                rule, message.format(value=value), line=row[LINE], field=field, value=value
                            )
                        )
        problems.sort(key=lambda p: (p.line or 0, FIELDS.index(p.field) if p.field in FIELDS else 0))
        rejected = [p.line for p in problems if p.line is not None and p.severity == "error"]
        fmt = self.options.date_format
        valid = table.filter(~pl.col(LINE).is_in(rejected)).with_columns(
            pl.col("kind").str.to_lowercase(),
            pl.col("period_start").str.to_date(fmt),
            pl.col("period_end").str.to_date(fmt),
            pl.col("volume").cast(pl.Decimal(38, VOLUME_SCALE)),
            _unit_expr(pl.col("unit"), units),
        )
        return Validated(table=valid, problems=problems, rows=parsed.rows)

    def write(self, table: pl.DataFrame) -> bytes:
        """Rows (typed or string) as a request file with our header."""
        import polars as pl

        out = table.select(FIELDS).with_columns(
            pl.col(c).dt.strftime(self.options.date_format)
            for c in ("period_start", "period_end")
            if table.schema[c] == pl.Date
        )
        buf = io.BytesIO()
        out.write_csv(buf, separator=self.options.delimiter)
        return buf.getvalue()
