"""A partner's plain CSV file: a header line, then one row per record; the columns the exchange needs
are named in its options and must be present and filled in every row."""

from __future__ import annotations

from typing import ClassVar

import polars as pl
from pydantic import Field

from formats.base import Format, FormatOptions, Parsed, ReadContext, Validated
from formats.csv_table import decode, read_delimited
from hub.kernel.errors import ParseError
from hub.kernel.problems import Problem
from hub.kernel.rows import LINE


class SimpleCsvOptions(FormatOptions):
    """``format_options`` of a simple-csv exchange."""

    required: list[str] = Field(min_length=1, description="columns every row must fill")
    delimiter: str = Field(",", min_length=1, max_length=1)


class SimpleCsvFormat(Format[SimpleCsvOptions]):
    name: ClassVar[str] = "simple-csv"
    options_model: ClassVar[type[FormatOptions]] = SimpleCsvOptions

    def read(self, data: bytes, ctx: ReadContext) -> Parsed:
        raw = read_delimited(decode(data, "utf-8", ctx.file), file=ctx.file, delimiter=self.options.delimiter)
        missing = [c for c in self.options.required if c not in raw.header]
        if missing:
            raise ParseError(
                f"missing column(s) {', '.join(missing)}", file=ctx.file, line=1, column=None, rule="header"
            )
        table = raw.table.with_columns(pl.col(c).str.strip_chars() for c in raw.header)
        return Parsed(table, raw.problems, facts={"header": raw.header})

    def validate(self, parsed: Parsed, ctx: ReadContext) -> Validated:
        """A row with a required column blank is rejected, one problem per blank field."""
        problems = list(parsed.problems)
        for column in self.options.required:
            blank = parsed.table.filter(pl.col(column).fill_null("") == "")
            problems += [
                Problem.of("required", f"{column} is required", line=line, field=column)
                for line in blank.get_column(LINE).to_list()
            ]
        problems.sort(key=lambda p: p.line or 0)
        bad = {p.line for p in problems if p.severity == "error"}
        valid = parsed.table.filter(~pl.col(LINE).is_in(list(bad)))
        return Validated(valid, problems, parsed.rows)

    def write(self, table: pl.DataFrame) -> bytes:
        return table.drop(LINE, strict=False).write_csv(separator=self.options.delimiter).encode()
