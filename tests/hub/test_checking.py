"""The pipeline maps a row-wise exchange while the format's rules still run, then drops the rejected
lines; a mapping that is not row-wise, or that fails on rows the rules reject, maps valid rows only."""

from __future__ import annotations

from typing import ClassVar

import polars as pl

from hub.engine.checking import map_early
from hub.kernel.errors import MappingError
from hub.kernel.rows import LINE
from mappings.base import MapContext, Mapping, MappingOptions

CTX = MapContext(source_file="route-7.csv")
TYPED = pl.DataFrame({"meter": ["M1", None], LINE: [2, 3]})


class Copy(Mapping[MappingOptions]):
    kind = "copy"
    default_format = "meter-reads"
    options_model = MappingOptions
    row_wise: ClassVar[bool] = True

    def map(self, table: pl.DataFrame, ctx: MapContext) -> dict[str, pl.DataFrame]:
        return {"Row": table}


class Strict(Copy):
    def map(self, table: pl.DataFrame, ctx: MapContext) -> dict[str, pl.DataFrame]:
        if table.get_column("meter").null_count():
            raise MappingError("no crosswalk entry for a missing meter")
        return {"Row": table}


class Totals(Copy):
    row_wise: ClassVar[bool] = False


def test_a_row_wise_mapping_maps_every_typed_row_ahead() -> None:
    early = map_early(Copy(MappingOptions()), TYPED, CTX)
    assert early is not None
    assert early["Row"].get_column(LINE).to_list() == [2, 3]


def test_no_early_mapping_when_it_fails_on_rejected_rows_or_is_not_row_wise() -> None:
    assert map_early(Strict(MappingOptions()), TYPED, CTX) is None
    assert map_early(Totals(MappingOptions()), TYPED, CTX) is None
    assert map_early(Copy(MappingOptions()), None, CTX) is None
