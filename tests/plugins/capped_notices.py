"""A print vendor that takes at most 10,000.00 of bills in one notice file (kind ``capped-notices``,
outbound): ``write`` refuses a larger file, as a kind refuses a file it cannot write as meant.
Used to show that ``hub validate`` reports what ``hub originate`` would refuse."""

from __future__ import annotations

from typing import ClassVar

import polars as pl

from hub.kernel.errors import MappingError
from mappings.base import PartnerFile, WriteContext
from tests.plugins.bill_notices import BillNotices

CAP_CENTS = 1_000_000


class CappedNotices(BillNotices):
    name: ClassVar[str] = "capped-notices"

    def write(self, rows: pl.DataFrame, ctx: WriteContext) -> PartnerFile:
        total = int(rows.get_column("amount_cents").sum())
        if total > CAP_CENTS:
            raise MappingError(
                f"the notices total {total} cents; the vendor takes at most {CAP_CENTS} a file"
            )
        return super().write(rows, ctx)
