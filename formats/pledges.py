"""Energy-assistance pledge files from agencies: CSV, or an Excel .xlsx workbook.

Default header: ``agency_id,pledge_id,account,customer_name,service_address,program,amount,
pledge_date,expires`` (``service_address`` may be left out). Each agency's own column names, date
formats, delimiter and workbook sheet are options of its exchange, or of its own layout in the
exchange's ``layouts``, chosen by the file's name (a file of one agency may leave out its id). A
workbook (recognised by its content, not its name) is read with openpyxl
(``formats/pledges_xlsx.py``); its cells become the same string table a CSV gives, so the rules
(``formats/pledges_rules.py``) are the same.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from pydantic import Field, field_validator

from formats.base import Format, FormatOptions, Parsed, ReadContext, Validated, known_fields
from hub.kernel.rows import LINE

if TYPE_CHECKING:
    import polars as pl

FIELDS = (
    "agency_id",
    "pledge_id",
    "account",
    "customer_name",
    "service_address",
    "program",
    "amount",
    "pledge_date",
    "expires",
)
OPTIONAL_FIELDS = ("service_address",)
REQUIRED_FIELDS = tuple(f for f in FIELDS if f not in OPTIONAL_FIELDS)
DATE_FIELDS = ("pledge_date", "expires")
XLSX_MAGIC = b"PK\x03\x04"  # an .xlsx workbook is a zip archive


class Layout(FormatOptions):
    """How one agency's file is laid out: delimiter, encoding, header names, date formats, sheet."""

    delimiter: str = Field(",", min_length=1, max_length=1, description="the one character between fields")
    encoding: str = Field("utf-8", description="the file's text encoding, e.g. utf-8, cp1252")
    columns: dict[str, str] = Field(
        default_factory=dict, description="our field name -> the header name in the agency's file"
    )
    date_formats: list[str] = Field(
        default_factory=lambda: ["%Y-%m-%d", "%m/%d/%Y"],
        min_length=1,
        description="strftime formats of its dates, tried in order",
    )
    sheet: str | None = Field(None, description="the workbook's sheet to read; None: its only sheet")

    @field_validator("columns")
    @classmethod
    def _known_fields(cls, columns: dict[str, str]) -> dict[str, str]:
        return known_fields(columns, FIELDS)


class AgencyLayout(Layout):
    """An agency's own layout, for the files whose names match ``files``; a file without an
    agency id column is that agency's."""

    agency: str = Field(min_length=1, description="the agency id (as in the pledges mapping's agencies)")
    files: str = Field(min_length=1, description="file name pattern, e.g. 'caa01_*.xlsx' (any case)")


class PledgesOptions(Layout):
    """Options of the ``pledges`` format (``format_options`` in hub.yaml): the default layout, and
    agencies' own layouts chosen by file name (the first whose ``files`` matches)."""

    layouts: list[AgencyLayout] = Field(
        default_factory=list, description="agencies' own layouts, chosen by file name"
    )

    def layout_for(self, file: str) -> Layout:
        """The layout of the file named ``file``: the first agency layout matching it, else ours."""
        from fnmatch import fnmatchcase

        name = file.rsplit("/", 1)[-1].lower()
        for layout in self.layouts:
            if fnmatchcase(name, layout.files.lower()):
                return layout
        return self


class PledgesFormat(Format[PledgesOptions]):
    name = "pledges"
    title = "pledges CSV"
    sniff_columns = ("agency_id", "pledge_id", "program", "amount")
    options_model = PledgesOptions
    sensitive_fields = frozenset({"account", "customer_name", "service_address"})

    def read(self, data: bytes, ctx: ReadContext) -> Parsed:
        import polars as pl

        from formats.csv_table import decode, present_columns, read_delimited

        opts = self.options.layout_for(ctx.file)
        agency = opts.agency if isinstance(opts, AgencyLayout) else None
        header_of = {f: opts.columns.get(f, f) for f in FIELDS}
        if data.startswith(XLSX_MAGIC):
            from formats.pledges_xlsx import read_workbook

            raw = read_workbook(
                data, file=ctx.file, sheet=opts.sheet, dates=[header_of[f] for f in DATE_FIELDS]
            )
        else:
            text = decode(data, opts.encoding, ctx.file)
            sensitive = [header_of[f] for f in self.sensitive_fields]
            raw = read_delimited(text, file=ctx.file, delimiter=opts.delimiter, sensitive=sensitive)
        required = [f for f in REQUIRED_FIELDS if not (agency and f == "agency_id")]
        present = present_columns(raw, header_of, required, ctx.file)
        table = raw.table.select(
            *[pl.col(h).str.strip_chars().replace("", None).alias(f) for f, h in present.items()],
            *[
                pl.lit(agency if f == "agency_id" else None, pl.String).alias(f)
                for f in FIELDS
                if f not in present
            ],
            pl.col(LINE),
        ).select(*FIELDS, LINE)
        facts = raw.facts(present.values())
        if agency:
            facts["layout"] = agency
        return Parsed(table=table, problems=raw.problems, facts=facts)

    def validate(self, parsed: Parsed, ctx: ReadContext) -> Validated:
        from formats.pledges_rules import validate_pledges

        return validate_pledges(parsed, self.options.layout_for(ctx.file), ctx)

    def write(self, table: pl.DataFrame) -> bytes:
        """Rows (string or typed) as a CSV with our default header, dates as ISO."""
        import polars as pl

        cols = [c for c in FIELDS if c in table.columns]
        out = table.select(cols).with_columns(
            pl.col(c).dt.strftime("%Y-%m-%d") for c in DATE_FIELDS if c in cols and table.schema[c] == pl.Date
        )
        buf = io.BytesIO()
        out.write_csv(buf, separator=self.options.delimiter)
        return buf.getvalue()
