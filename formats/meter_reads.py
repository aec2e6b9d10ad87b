"""Handheld meter-reader route uploads (CSV).

Default header:
``route,sequence,account,meter,register,read_at,reading,prior_reading,read_code,reader_id,trouble_code``
(``prior_reading`` and ``trouble_code`` may be left out; ``average_usage`` may be added for the
hi/low band). Column names, date formats, read codes and limits are options per exchange.
Rows are typed with polars and checked by a pandera schema (``formats/meter_reads_schema.py``).
"""

from __future__ import annotations

import io
import re
import sys
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from formats.base import (
    Format,
    FormatOptions,
    Parsed,
    PendingValidation,
    ReadContext,
    Validated,
    known_fields,
    preload,
)
from hub.kernel.rows import LINE

if TYPE_CHECKING:
    import polars as pl

FIELDS = (
    "route",
    "sequence",
    "account",
    "meter",
    "register",
    "read_at",
    "reading",
    "prior_reading",
    "read_code",
    "reader_id",
    "trouble_code",
)
OPTIONAL_FIELDS = ("prior_reading", "trouble_code", "average_usage")
REQUIRED_FIELDS = tuple(f for f in FIELDS if f not in OPTIONAL_FIELDS)
ALL_FIELDS = (*FIELDS, "average_usage")


class ReadCode(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    meaning: str = Field(description="what the code means")
    reading: Literal["required", "optional", "none"] = Field(
        "required", description="required, optional, or none (the code means the meter was not read)"
    )


DEFAULT_READ_CODES = {
    "01": ReadCode(meaning="actual"),
    "02": ReadCode(meaning="estimate"),
    "03": ReadCode(meaning="customer read"),
    "04": ReadCode(meaning="no access", reading="none"),
    "05": ReadCode(meaning="locked gate", reading="none"),
    "06": ReadCode(meaning="dog", reading="none"),
    "07": ReadCode(meaning="tamper suspected", reading="optional"),
    "08": ReadCode(meaning="meter removed or changed", reading="optional"),
    "09": ReadCode(meaning="wrong route", reading="optional"),
}


class MeterReadsOptions(FormatOptions):
    """Options of the ``meter-reads`` format (``format_options`` in hub.yaml)."""

    delimiter: str = Field(",", min_length=1, max_length=1, description="the one character between fields")
    encoding: str = Field("utf-8", description="the file's text encoding, e.g. utf-8, cp1252")
    columns: dict[str, str] = Field(
        default_factory=dict, description="our field name -> the header name in the partner's file"
    )
    datetime_formats: list[str] | None = Field(None, description="strftime formats; default ISO 8601")
    read_codes: dict[str, ReadCode] = Field(
        default_factory=lambda: dict(DEFAULT_READ_CODES),
        description="read code -> its meaning and whether it needs a reading",
    )
    trouble_codes: list[str] | None = Field(
        None, description="allowed trouble codes; default any 1-4 letters/digits"
    )
    read_window_days: int = Field(45, ge=1, le=3660, description="how old a read may be, in days")
    future_tolerance_minutes: int = Field(
        10, ge=0, le=1440, description="how far ahead of the hub's clock a read time may be (handheld clocks)"
    )
    max_reading: int = Field(999_999_999, ge=1, description="the largest reading a register can show")
    account_pattern: str = Field(
        r"^[0-9A-Za-z-]{1,20}$", description="regular expression an account must match"
    )
    meter_pattern: str = Field(
        r"^[0-9A-Za-z-]{1,20}$", description="regular expression a meter number must match"
    )
    register_pattern: str = Field(
        r"^[0-9A-Za-z]{1,4}$", description="regular expression a register must match"
    )

    @field_validator("columns")
    @classmethod
    def _known_fields(cls, columns: dict[str, str]) -> dict[str, str]:
        return known_fields(columns, ALL_FIELDS)

    @field_validator("account_pattern", "meter_pattern", "register_pattern")
    @classmethod
    def _regex(cls, pattern: str) -> str:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from exc
        return pattern

    @field_validator("read_codes")
    @classmethod
    def _some_codes(cls, codes: dict[str, ReadCode]) -> dict[str, ReadCode]:
        if not codes:
            raise ValueError("at least one read code is needed")
        return codes


class MeterReadsFormat(Format[MeterReadsOptions]):
    name = "meter-reads"
    title = "meter-read CSV"
    sniff_columns = ("route", "meter", "read_at", "reading")
    options_model = MeterReadsOptions
    sensitive_fields = frozenset({"account"})

    def warm_up(self) -> None:
        import pandera.strategies.base_strategies  # noqa: F401  (first validation: hypothesis)

        import formats.csv_table
        import formats.meter_reads_schema  # noqa: F401  (pandera: most of a second)

    def reads_by_lines(self) -> bool:
        # a line end is b"\n" in every encoding but the UTF-16 and UTF-32 ones
        return not any(w in self.options.encoding for w in ("16", "32"))

    def read(self, data: bytes, ctx: ReadContext) -> Parsed:
        # polars is imported where rows are handled, not where the options are validated (hub.yaml)
        import polars as pl

        from formats.csv_table import decode, might_need_strip, present_columns, read_delimited

        if "formats.meter_reads_schema" not in sys.modules:
            preload("formats.meter_reads_schema")  # for validate, while polars reads
        opts = self.options
        text = decode(data, opts.encoding, ctx.file)
        header_of = {f: opts.columns.get(f, f) for f in ALL_FIELDS}
        sensitive = [header_of[f] for f in self.sensitive_fields]
        raw = read_delimited(text, file=ctx.file, delimiter=opts.delimiter, sensitive=sensitive)
        present = present_columns(raw, header_of, REQUIRED_FIELDS, ctx.file)

        def cell(h: str) -> pl.Expr:
            return pl.col(h).str.strip_chars().replace("", None) if strip else pl.col(h)

        strip = might_need_strip(text)
        table = raw.table.select(
            *[cell(h).alias(f) for f, h in present.items()],
            *[pl.lit(None, pl.String).alias(f) for f in ALL_FIELDS if f not in present],
            pl.col(LINE),
        )
        return Parsed(table=table, problems=raw.problems, facts=raw.facts(present.values()))

    def validate(self, parsed: Parsed, ctx: ReadContext) -> Validated:
        return self.start_validation(parsed, ctx).result()

    def start_validation(self, parsed: Parsed, ctx: ReadContext) -> PendingValidation:
        from formats.meter_reads_schema import start_validation

        return start_validation(parsed, self.options, ctx)

    def write(self, table: pl.DataFrame) -> bytes:
        """Write rows (typed or string) as an upload with our default header."""
        import polars as pl

        cols = [c for c in FIELDS if c in table.columns]
        if "average_usage" in table.columns and table.get_column("average_usage").null_count() < table.height:
            cols.append("average_usage")  # the hi/low band input, when the rows have one
        out = table.select(cols)
        if "read_at" in cols and out.schema["read_at"] != pl.String:
            # %.f keeps sub-second read times (it prints nothing when there are none)
            out = out.with_columns(pl.col("read_at").dt.strftime("%Y-%m-%dT%H:%M:%S%.f%:z"))
        if "reading_digits" in table.columns:
            # a typed table lost the readings' zero-padding, which is the meter's dial count (rollover)
            digits = table.get_column("reading_digits").fill_null(0)
            out = out.with_columns(
                pl.col(c).cast(pl.String).str.zfill(digits)
                for c in ("reading", "prior_reading")
                if c in cols and out.schema[c] != pl.String
            )
        buf = io.BytesIO()
        out.write_csv(buf, separator=self.options.delimiter)
        return buf.getvalue()
