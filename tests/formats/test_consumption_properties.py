"""Properties of district consumption files: whatever a line is mutated into, reading and checking
never crash, every line is either valid or named by a problem (never silently dropped), and the valid
rows' usage total is exactly the sum of the untouched lines' usage; the mapping converts every valid
row (water to CCF) exactly as the kernel's Fraction conversion does."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from formats.base import ReadContext
from formats.consumption_csv import ConsumptionCsvFormat, ConsumptionCsvOptions
from hub.engine.sample_consumption import consumption_csv
from hub.kernel.rows import LINE
from hub.kernel.units import convert
from mappings.base import MapContext
from mappings.consumption import ConsumptionMapping, ConsumptionMappingOptions
from tests.lookups import Answers

CTX = ReadContext(file="nw.csv", now=datetime(2026, 12, 6, tzinfo=UTC))
FMT = ConsumptionCsvFormat(ConsumptionCsvOptions())
BASE = consumption_csv(36, seed=3).decode().splitlines()
CELL = st.one_of(
    st.sampled_from(
        ["", "-1", "1e3", "2026-13-01", "2026-02-29", "CCF", "ccf", "x", "0.0000001", " 5 ", "NaN"]
    ),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters='\r\n,"'), max_size=12),
)


def usage_micro(value: str) -> int:
    return int(Decimal(value) * 10**6)


@given(st.lists(st.tuples(st.integers(1, 36), st.integers(0, 8), CELL), max_size=6))
def test_mutated_lines_are_valid_or_named_and_totals_hold(mutations: list[tuple[int, int, str]]) -> None:
    lines = list(BASE)
    touched = set()
    for index, column, value in mutations:
        cells = lines[index].split(",")
        cells[column] = value
        lines[index] = ",".join(cells)
        touched.add(index + 1)  # the file's line number
    v = FMT.validate(FMT.read(("\n".join(lines) + "\n").encode(), CTX), CTX)
    valid = set(v.table.get_column(LINE).to_list())
    named = {p.line for p in v.problems if p.severity == "error"}
    assert valid | named == set(range(2, len(lines) + 1)) and not valid & named
    assert named <= touched  # an untouched line is never rejected
    untouched = sum(usage_micro(BASE[n - 1].split(",")[6]) for n in valid - touched)
    mutated_valid = v.table.filter(v.table.get_column(LINE).is_in(list(touched)))
    assert int(v.table.get_column("usage_micro").sum()) == untouched + int(
        mutated_valid.get_column("usage_micro").sum()
    )


@given(st.integers(1, 4000), st.integers(1, 9))
def test_every_valid_row_converts_exactly(rows: int, seed: int) -> None:
    data = consumption_csv(min(rows, 120), seed=seed)
    v = FMT.validate(FMT.read(data, CTX), CTX)
    out = ConsumptionMapping(ConsumptionMappingOptions()).map(
        v.table, MapContext("nw.csv", Answers(accounts=None, consumption_histories=[]))
    )["ConsumptionHistory"]
    assert out.height == v.table.height
    for usage, unit, converted in out.select("original_usage", "original_unit", "usage").iter_rows():
        assert converted == convert(usage, unit, "CCF", 3)
