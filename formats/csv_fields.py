"""A partner's or the CIS's CSV of our fields: one base for the formats that read a delimited file
by our field names (the partner's own through ``columns``) and check it with their own rules. A
format declares its ``fields`` and ``required`` ones and implements ``validate``; reading, writing
and the options (delimiter, encoding, header names, date formats) are here."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, ClassVar, TypeVar

from pydantic import Field, field_validator

from formats.base import Format, FormatOptions, Parsed, ReadContext, known_fields
from hub.kernel.problems import mask

if TYPE_CHECKING:
    import polars as pl


class CsvFieldsOptions(FormatOptions):
    """Options of a CSV of our fields (``format_options`` in hub.yaml). A format's options class
    names its ``FIELDS``: a ``columns`` key that is none of them is a configuration error."""

    FIELDS: ClassVar[tuple[str, ...]] = ()

    delimiter: str = Field(",", min_length=1, max_length=1, description="the one character between fields")
    encoding: str = Field("utf-8", description="the file's text encoding, e.g. utf-8, cp1252")
    columns: dict[str, str] = Field(
        default_factory=dict, description="our field name -> the header name in the file"
    )
    date_formats: list[str] = Field(
        default_factory=lambda: ["%Y-%m-%d", "%m/%d/%Y"], min_length=1, description="of its date fields"
    )

    @field_validator("columns")
    @classmethod
    def _known_fields(cls, columns: dict[str, str]) -> dict[str, str]:
        return known_fields(columns, cls.FIELDS)


OptionsT = TypeVar("OptionsT", bound=CsvFieldsOptions)


class CsvFieldsFormat(Format[OptionsT]):
    """Reads ``fields`` (each a string column, blank or absent: null, values stripped, in that
    order, with ``LINE``); a missing ``required`` column rejects the file naming it."""

    fields: ClassVar[tuple[str, ...]]
    required: ClassVar[tuple[str, ...]]

    def read(self, data: bytes, ctx: ReadContext) -> Parsed:
        from formats.csv_table import read_fields

        o = self.options
        table, problems, facts = read_fields(
            data,
            file=ctx.file,
            fields=self.fields,
            required=self.required,
            columns=o.columns,
            delimiter=o.delimiter,
            encoding=o.encoding,
            sensitive=self.sensitive_fields,
        )
        return Parsed(table=table, problems=problems, facts=facts)

    def write(self, table: pl.DataFrame) -> bytes:
        """Rows (as read) with our header (samples, tests)."""
        buf = io.BytesIO()
        table.select([f for f in self.fields if f in table.columns]).write_csv(
            buf, separator=self.options.delimiter
        )
        return buf.getvalue()

    def shown(self, field: str, value: object) -> str | None:
        """A value as a report may show it: a sensitive field's masked to its last four characters."""
        if value is None:
            return None
        return mask(str(value)) if field in self.sensitive_fields else str(value)
