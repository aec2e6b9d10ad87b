"""A request to compute winter averages: the small CSV document ``hub winter-average`` (or a
scheduled run) writes and lands through the exchange ``winter-averages``, so the request is landed,
recorded and delivered like any partner file.

Header ``season,requested_at``; one row per request. ``season`` is the year a winter window ends
in, or blank for the season whose window closed most recently before ``requested_at`` (a scheduled
run). ``requested_at`` is an ISO 8601 time with its offset; it makes every request a file of its
own (two requests are never one duplicate content). Each broken value is named (line, field, rule).
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, ClassVar

from formats.base import Format, FormatOptions, Parsed, ReadContext, Validated
from hub.kernel.problems import Problem
from hub.kernel.rows import LINE

if TYPE_CHECKING:
    import polars as pl

FIELDS = ("season", "requested_at")
SEASONS = (1900, 2999)


class WinterAverageRequestOptions(FormatOptions):
    """The request document has no options: the engine writes it."""


class WinterAverageRequestFormat(Format[WinterAverageRequestOptions]):
    name: ClassVar[str] = "winter-average-request"
    options_model = WinterAverageRequestOptions

    def read(self, data: bytes, ctx: ReadContext) -> Parsed:
        import polars as pl

        from formats.csv_table import decode, present_columns, read_delimited

        raw = read_delimited(decode(data, "utf-8", ctx.file), file=ctx.file)
        present = present_columns(raw, {f: f for f in FIELDS}, FIELDS, ctx.file)
        table = raw.table.select(
            *[pl.col(h).str.strip_chars().replace("", None).alias(f) for f, h in present.items()],
            pl.col(LINE),
        )
        return Parsed(table=table, problems=raw.problems)

    def validate(self, parsed: Parsed, ctx: ReadContext) -> Validated:
        """``season`` Int64 (null: the season most recently closed), ``requested_at`` a datetime."""
        import polars as pl

        low, high = SEASONS
        typed = parsed.table.with_columns(
            pl.col("season").cast(pl.Int64, strict=False).alias("_season"),
            pl.coalesce(
                pl.col("requested_at").str.to_datetime(f, time_zone="UTC", strict=False)
                for f in ("%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M:%S%z")
            ).alias("_at"),
        )
        bad_season = pl.col("season").is_not_null() & ~pl.col("_season").is_between(low, high).fill_null(
            False
        )
        bad_at = pl.col("_at").is_null()
        problems = list(parsed.problems)
        for row in (
            typed.filter(bad_season | bad_at)
            .with_columns(bad_season.alias("_bs"), bad_at.alias("_ba"))
            .iter_rows(named=True)
        ):  # a request file holds a row or two
            if row["_bs"]:
                message = f"season {row['season']!r} is not a year from {low} to {high}"
                problems.append(
                    Problem.of("season", message, line=row[LINE], field="season", value=row["season"])
                )
            if row["_ba"]:
                message = f"requested_at {row['requested_at']!r} is not an ISO time with its offset"
                value = row["requested_at"]
                problems.append(
                    Problem.of("datetime", message, line=row[LINE], field="requested_at", value=value)
                )
        rejected = {p.line for p in problems if p.line is not None}
        valid = typed.filter(~pl.col(LINE).is_in(list(rejected))).select(
            pl.col("_season").alias("season"), pl.col("_at").alias("requested_at"), pl.col(LINE)
        )
        return Validated(table=valid, problems=problems, rows=parsed.rows)

    def write(self, table: pl.DataFrame) -> bytes:
        """Rows (season, requested_at as text or datetime) as a request document."""
        import polars as pl

        out = table.select(FIELDS).with_columns(
            pl.col("requested_at").dt.strftime("%Y-%m-%dT%H:%M:%S%z")
            if table.schema["requested_at"] != pl.String
            else pl.col("requested_at")
        )
        buf = io.BytesIO()
        out.write_csv(buf)
        return buf.getvalue()
