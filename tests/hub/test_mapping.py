"""The mapping step: a row-wise kind is mapped while the format's rules still run and the rejected
lines are dropped after; a kind that is not row-wise, or fails on rows the rules reject, maps the
valid rows only; what a kind returns must be what it declares (transaction types with their columns,
facts with theirs)."""

from __future__ import annotations

from typing import ClassVar

import polars as pl
import pytest

from hub.engine.mapping import Mapped, map_ahead, map_rows, reject_noted
from hub.kernel.errors import MappingError
from hub.kernel.problems import Problem
from hub.kernel.rows import LINE
from hub.kernel.transactions import CisTransaction
from mappings.base import ExchangeKind, MapContext, MappingOptions

CTX = MapContext(source_file="route-7.csv")
TYPED = pl.DataFrame({"meter": ["M1", None], LINE: [2, 3]})


class Row(CisTransaction):
    txn_type: ClassVar[str] = "Row"
    meter: str | None


class Copy(ExchangeKind[MappingOptions]):
    name = "copy"
    default_format = "meter-reads"
    options_model = MappingOptions
    produces = (Row,)
    row_wise: ClassVar[bool] = True

    def map(self, table: pl.DataFrame, ctx: MapContext) -> dict[str, pl.DataFrame]:
        key = pl.col("meter").fill_null("-")
        return {"Row": table.with_columns(key.alias("idempotency_key"), pl.col(LINE).alias("source_line"))}


class Strict(Copy):
    def map(self, table: pl.DataFrame, ctx: MapContext) -> dict[str, pl.DataFrame]:
        if table.get_column("meter").null_count():
            raise MappingError("no crosswalk entry for a missing meter")
        return super().map(table, ctx)


class Totals(Copy):
    row_wise: ClassVar[bool] = False


def test_a_row_wise_mapping_maps_every_typed_row_ahead_and_drops_the_rejected_lines_after() -> None:
    ahead = map_ahead(Copy(MappingOptions()), TYPED, CTX)
    assert ahead is not None
    assert ahead["Row"].get_column(LINE).to_list() == [2, 3]
    tables, facts = map_rows(Copy(MappingOptions()), TYPED.head(1), ahead, [3], CTX)
    assert tables["Row"].get_column(LINE).to_list() == [2] and facts == {}


def test_no_early_mapping_when_it_fails_on_rejected_rows_or_is_not_row_wise() -> None:
    assert map_ahead(Strict(MappingOptions()), TYPED, CTX) is None
    assert map_ahead(Totals(MappingOptions()), TYPED, CTX) is None
    assert map_ahead(Copy(MappingOptions()), None, CTX) is None
    tables, _ = map_rows(Strict(MappingOptions()), TYPED.head(1), None, [3], CTX)
    assert tables["Row"].get_column("meter").to_list() == ["M1"]


class Undeclared(Copy):
    def map(self, table: pl.DataFrame, ctx: MapContext) -> dict[str, pl.DataFrame]:
        return {**super().map(table, ctx), "Extra": table}


class Keeps(Copy):
    persists: ClassVar[frozenset[str]] = frozenset({"deposits"})

    def map(self, table: pl.DataFrame, ctx: MapContext) -> dict[str, pl.DataFrame]:
        rows = super().map(table, ctx)["Row"]
        return {"Row": rows, "deposits": rows.select("idempotency_key", pl.lit("bank").alias("side"))}


def test_what_a_kind_does_not_declare_or_lacks_columns_is_refused() -> None:
    with pytest.raises(MappingError, match="returned Extra, which it does not declare"):
        map_rows(Undeclared(MappingOptions()), TYPED, None, [], CTX)
    with pytest.raises(MappingError, match=r"fact 'deposits' without column\(s\) deposit_date"):
        map_rows(Keeps(MappingOptions()), TYPED, None, [], CTX)

    class NoLine(Copy):
        def map(self, table: pl.DataFrame, ctx: MapContext) -> dict[str, pl.DataFrame]:
            return {"Row": super().map(table, ctx)["Row"].drop(LINE)}

    with pytest.raises(MappingError, match=rf"returned Row without column\(s\) {LINE}"):
        map_rows(NoLine(MappingOptions()), TYPED, None, [], CTX)


def test_a_kinds_error_notes_reject_their_rows_and_warnings_reject_nothing() -> None:
    table = pl.DataFrame({LINE: [2, 3, 4], "idempotency_key": ["a", "b", "c"]})
    mapped = Mapped(rows=3, rejected=1, tables={"T": table}, facts={"f": table.drop(LINE)})
    mapped.problems = [Problem.of("date", "bad", line=4)]  # line 4 already rejected by validation
    notes = [
        Problem.of("overlap", "meets line 2", line=3),
        Problem.of("overlap", "again", line=4),
        Problem.of("gap", "a gap", line=2, severity="warning"),
    ]
    reject_noted(mapped, notes)
    assert mapped.tables["T"].get_column(LINE).to_list() == [2]
    assert mapped.rejected == 2  # line 3 newly; line 4 was counted already
    assert mapped.facts["f"].height == 3  # a fact without lines is kept only with its delivered key
