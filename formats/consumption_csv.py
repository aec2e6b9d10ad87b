"""District consumption histories (CSV): one row per account and billing period.

Default header: ``district,account,premise,service_address,period_start,period_end,usage,unit,read_type``
(``service_address`` may be left out). Column names, date formats, unit spellings and whether
``period_end`` is the period's last day of usage (``inclusive``, the default) or the day after it
(``exclusive``) are options per district exchange. Rows are typed and checked column by column
(``formats/consumption_csv_rules.py``); every bad value is a problem naming its line and field.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Literal

from pydantic import Field, field_validator

from formats.base import Format, FormatOptions, Parsed, ReadContext, Validated, known_fields
from hub.kernel.rows import LINE
from hub.kernel.units import UNITS, unit_name

if TYPE_CHECKING:
    import polars as pl

FIELDS = (
    "district",
    "account",
    "premise",
    "service_address",
    "period_start",
    "period_end",
    "usage",
    "unit",
    "read_type",
)
OPTIONAL_FIELDS = ("service_address",)
REQUIRED_FIELDS = tuple(f for f in FIELDS if f not in OPTIONAL_FIELDS)
# The units a district may send (water and energy); the kernel knows a few more (Wh, MWh).
ALLOWED_UNITS = ("CCF", "HCF", "gallons", "kgal", "m3", "kWh", "therms")
READ_TYPES = ("actual", "estimated")
USAGE_DECIMALS = 6  # usage is kept as an integer of millionths until it is converted


class ConsumptionCsvOptions(FormatOptions):
    """Options of the ``consumption-csv`` format (``format_options`` in hub.yaml)."""

    delimiter: str = Field(",", min_length=1, max_length=1, description="the one character between fields")
    encoding: str = Field("utf-8", description="the file's text encoding, e.g. utf-8, cp1252")
    columns: dict[str, str] = Field(
        default_factory=dict, description="our field name -> the header name in the district's file"
    )
    date_formats: list[str] = Field(
        default_factory=lambda: ["%Y-%m-%d"],
        min_length=1,
        description="strftime formats of its dates, tried in order",
    )
    units: dict[str, str] = Field(
        default_factory=dict, description="a district's own unit spelling -> CCF, HCF, gallons, kgal, ..."
    )
    period_end: Literal["inclusive", "exclusive"] = Field(
        "inclusive", description="inclusive: period_end is the last day of usage; exclusive: the day after"
    )

    @field_validator("columns")
    @classmethod
    def _known_fields(cls, columns: dict[str, str]) -> dict[str, str]:
        return known_fields(columns, FIELDS)

    @field_validator("units")
    @classmethod
    def _known_units(cls, units: dict[str, str]) -> dict[str, str]:
        bad = sorted(v for v in units.values() if unit_name(v) not in ALLOWED_UNITS)
        if bad:
            raise ValueError(f"unknown unit(s) {', '.join(bad)}; units are {', '.join(ALLOWED_UNITS)}")
        return {k.strip().lower(): str(unit_name(v)) for k, v in units.items()}

    def canonical_unit(self, text: str) -> str | None:
        """The unit a spelling in the file means, or None when it is not one a district may send."""
        name = self.units.get(text.strip().lower()) or unit_name(text)
        return name if name in ALLOWED_UNITS and name in UNITS else None


class ConsumptionCsvFormat(Format[ConsumptionCsvOptions]):
    name = "consumption-csv"
    title = "consumption history CSV"
    sniff_columns = ("district", "premise", "period_start", "period_end", "usage")
    options_model = ConsumptionCsvOptions
    sensitive_fields = frozenset({"account", "service_address"})

    def read(self, data: bytes, ctx: ReadContext) -> Parsed:
        import polars as pl

        from formats.csv_table import decode, might_need_strip, present_columns, read_delimited

        opts = self.options
        text = decode(data, opts.encoding, ctx.file)
        header_of = {f: opts.columns.get(f, f) for f in FIELDS}
        sensitive = [header_of[f] for f in self.sensitive_fields]
        raw = read_delimited(text, file=ctx.file, delimiter=opts.delimiter, sensitive=sensitive)
        present = present_columns(raw, header_of, REQUIRED_FIELDS, ctx.file)
        strip = might_need_strip(text)

        def cell(h: str) -> pl.Expr:
            return pl.col(h).str.strip_chars().replace("", None) if strip else pl.col(h)

        table = raw.table.select(
            *[cell(h).alias(f) for f, h in present.items()],
            *[pl.lit(None, pl.String).alias(f) for f in FIELDS if f not in present],
            pl.col(LINE),
        )
        return Parsed(table=table, problems=raw.problems, facts=raw.facts(present.values()))

    def validate(self, parsed: Parsed, ctx: ReadContext) -> Validated:
        from formats.consumption_csv_rules import validate_histories

        return validate_histories(parsed, self.options)

    def write(self, table: pl.DataFrame) -> bytes:
        """Write rows (string or typed) with our default header, dates as ISO."""
        import polars as pl

        cols = [c for c in FIELDS if c in table.columns]
        out = table.select(cols).with_columns(
            pl.col(c).dt.strftime("%Y-%m-%d")
            for c in ("period_start", "period_end")
            if table.schema[c] == pl.Date
        )
        buf = io.BytesIO()
        out.write_csv(buf, separator=self.options.delimiter)
        return buf.getvalue()
