"""Green Button (ESPI, NAESB REQ.21) interval usage XML: one row per IntervalReading.

The reader (``formats.greenbutton_xml``) streams the file with a hardened lxml parser (a large
file in parts on several cores, ``formats.greenbutton_split``); the links
(``formats.greenbutton_links``) give each reading its usage point, meter reading and reading type.
Values stay exact: the raw integer ``value`` and the ReadingType's ``power_of_ten_multiplier``
(the quantity is value x 10^multiplier, in ``uom``); ``cost`` is the raw integer in 1/100,000 of
the currency. Times are UTC epoch seconds, with the LocalTimeParameters offset beside them.
Reading-only format: the hub never writes Green Button files.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from formats.base import Format, FormatOptions, Parsed, ReadContext, Validated, unreadable
from hub.kernel.errors import ParseError, UsageError
from hub.kernel.problems import Problem
from hub.kernel.queries import engine_for
from hub.kernel.rows import LINE

if TYPE_CHECKING:
    import polars as pl

COLUMNS = (
    "usage_point",
    "meter_reading",
    "reading_type",
    "service_kind",
    "commodity",
    "uom",
    "power_of_ten_multiplier",
    "interval_length",
    "start",
    "duration",
    "value",
    "cost",
    "quality",
    "local_offset",
)
EMPTY = {"usage_points": [], "readings": 0, "value_sum": 0, "cost_sum": 0, "start": None, "end": None}


class GreenButtonOptions(FormatOptions):
    """Options of the ``greenbutton`` format: none yet (the format is fixed by the standard)."""


class GreenButtonFormat(Format[GreenButtonOptions]):
    name = "greenbutton"
    title = "Green Button XML"
    epoch_fields = frozenset({"start", "end"})

    @classmethod
    def sniff(cls, head: bytes) -> str | None:
        """XML in the ESPI namespace (an Atom feed of usage points and interval readings)."""
        if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<") and b"naesb.org/espi" in head:
            return "it is XML in the Green Button (ESPI) namespace"
        return None

    options_model = GreenButtonOptions

    def read(self, data: bytes, ctx: ReadContext) -> Parsed:
        return self._read(io.BytesIO(data), ctx)

    def _read(self, source: IO[bytes], ctx: ReadContext) -> Parsed:
        import polars as pl

        from formats.greenbutton_links import resolve
        from formats.greenbutton_readings import READING_SCHEMA
        from formats.greenbutton_split import scan_parts

        found = scan_parts(source, ctx.file)
        linked = resolve(found)
        schema = {k: getattr(pl, v) for k, v in READING_SCHEMA.items()}
        readings = pl.concat(found.chunks, rechunk=False) if found.chunks else pl.DataFrame(schema=schema)
        table = readings.join(linked.blocks, on="_entry", how="left").with_columns(
            (pl.col("_ok") & pl.col("_linked").fill_null(False)).alias("_ok")
        )
        problems = [*found.problems, *linked.problems, *_duplicates(table)]
        facts = {"usage_points": linked.usage_points}
        return Parsed(table=table, problems=problems, facts=facts, count=found.readings)

    def validate(self, parsed: Parsed, ctx: ReadContext) -> Validated:
        import polars as pl

        ok = pl.col("_ok")
        table = parsed.table.filter(ok).select(*COLUMNS, LINE)
        rejected = parsed.table.height - table.height
        return Validated(table=table, problems=list(parsed.problems), rows=parsed.rows, rejected=rejected)

    def write(self, table: pl.DataFrame) -> bytes:
        raise UsageError("the hub reads Green Button files; it does not write them")

    def inspect(self, data: bytes, ctx: ReadContext) -> dict[str, Any]:
        return self._inspect(io.BytesIO(data), ctx)

    def inspect_file(self, path: Path, ctx: ReadContext) -> dict[str, Any]:
        """``inspect`` of a file on disk, streamed from it (a 1 GB file is never held in memory)."""
        with path.open("rb") as source:
            return self._inspect(source, ctx)

    def _inspect(self, source: IO[bytes], ctx: ReadContext) -> dict[str, Any]:
        from formats.greenbutton_inspect import summary
        from formats.greenbutton_split import scan_parts

        try:
            found = scan_parts(source, ctx.file, summary_only=True)
        except ParseError as exc:
            return {"format": self.name, **unreadable(exc, **EMPTY)}
        return {"format": self.name, **summary(found)}


def _duplicates(table: pl.DataFrame) -> list[Problem]:
    """Readings of one usage point and reading type with the same start, after the first: warned
    (the mapping keeps the first)."""
    import polars as pl

    keys = ["usage_point", "reading_type", "start"]
    dup = (
        table.lazy()
        .filter(pl.col("_ok"))
        .select(*keys, LINE)
        .filter(pl.int_range(pl.len()).over(keys) > 0)
        .collect(engine=engine_for(table.height))
    )
    return [
        Problem.of(
            "duplicate-reading",
            f"a second reading of {rt} at {start} for usage point {up}; the first is kept",
            line=line,
            field="start",
            value=start,
            severity="warning",
        )
        for up, rt, start, line in dup.iter_rows()
    ]
