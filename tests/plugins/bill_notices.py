"""A CIS extract of bills due -> the print vendor's notice file (kind ``bill-notices``, outbound).

The extract (format ``simple-csv``) has ``account``, ``name``, ``address``, ``amount_cents`` and
``due_date``. ``map`` keys each notice ``N|<account>|<due date>``: a notice goes to print once,
however often the CIS exports it; an extract with an amount that is not whole cents is refused
whole (nothing is printed from a file the CIS got wrong). ``write`` lays the notices out as the
vendor reads them: ``H|<created>|<count>``, a ``D|...`` line per notice, ``T|<count>|<total cents>``.
"""

from __future__ import annotations

from typing import ClassVar

import polars as pl

from hub.kernel.errors import MappingError
from hub.kernel.rows import LINE
from mappings.base import MapContext, MappingOptions, OutboundKind, PartnerFile, WriteContext

FIELDS = ("account", "name", "address", "amount_cents", "due_date")


class BillNotices(OutboundKind[MappingOptions]):
    name: ClassVar[str] = "bill-notices"
    default_format: ClassVar[str] = "simple-csv"
    options_model: ClassVar[type[MappingOptions]] = MappingOptions
    output: ClassVar[str] = "BillNotice"
    describes: ClassVar[str] = "a print vendor's notice file"
    default_folder: ClassVar[str] = "print"
    default_file_name: ClassVar[str] = "{exchange}-{created:%Y%m%d%H%M}-f{file_id}.txt"

    def map(self, table: pl.DataFrame, ctx: MapContext) -> dict[str, pl.DataFrame]:
        cents = pl.col("amount_cents").cast(pl.Int64, strict=False)
        bad = table.filter(cents.is_null() | ~pl.col("amount_cents").str.contains(r"^[0-9]+$"))
        if bad.height:
            lines = ", ".join(str(n) for n in bad.get_column(LINE).to_list())
            raise MappingError(f"amount_cents is not a whole number of cents on line(s) {lines}")
        key = pl.concat_str([pl.lit("N"), "account", "due_date"], separator="|")
        notices = table.with_columns(cents.alias("amount_cents"), key.alias("idempotency_key"))
        return {self.output: notices.select(*FIELDS, "idempotency_key", LINE)}

    def write(self, rows: pl.DataFrame, ctx: WriteContext) -> PartnerFile:
        details = rows.select(
            pl.concat_str([pl.lit("D"), *(pl.col(f).cast(pl.String) for f in FIELDS)], separator="|")
        ).to_series()
        total = int(rows.get_column("amount_cents").sum())
        lines = [f"H|{ctx.created:%Y%m%d%H%M}|{rows.height}", *details, f"T|{rows.height}|{total}"]
        return PartnerFile(("\n".join(lines) + "\n").encode(), entries=rows.height)
