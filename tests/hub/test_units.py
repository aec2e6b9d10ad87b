"""Exact unit conversion: the columnar path agrees with exact fractions, rounding half to even."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.kernel.units import UNITS, UnitError, convert, convert_scaled, factor, scaled, unit_name


def test_ccf_is_748_052_gallons_exactly() -> None:
    assert convert(Decimal("12.34"), "CCF", "gallons", 5) == Decimal("9230.96168")
    assert convert(Decimal("12.34"), "CCF", "gallons", 3) == Decimal("9230.962")
    assert factor("HCF", "CCF") == 1


def test_half_even_at_the_tie() -> None:
    # 0.0025 kgal = 2.5 gallons: a tie rounds to the even neighbour.
    assert convert(Decimal("0.0025"), "kgal", "gallons", 0) == Decimal("2")
    assert convert(Decimal("0.0035"), "kgal", "gallons", 0) == Decimal("4")


def test_commodities_do_not_mix() -> None:
    with pytest.raises(UnitError, match="cannot convert water"):
        factor("CCF", "kWh")
    with pytest.raises(UnitError, match="unknown unit"):
        factor("furlongs", "CCF")


def test_spellings() -> None:
    assert unit_name(" ccf ") == "CCF"
    assert unit_name("Gallon") == "gallons"
    assert unit_name("KWH") == "kWh"
    assert unit_name("litres") is None


@given(
    st.lists(
        st.tuples(
            st.decimals(min_value=0, max_value=10**9, places=6, allow_nan=False),
            st.sampled_from([u.name for u in UNITS.values() if u.commodity == "water"]),
        ),
        min_size=1,
        max_size=30,
    ),
    st.sampled_from(["gallons", "CCF", "kgal", "m3"]),
)
def test_columnar_conversion_is_the_exact_one(rows: list[tuple[Decimal, str]], target: str) -> None:
    table = pl.DataFrame({"usage": [str(v) for v, _ in rows], "unit": [u for _, u in rows]})
    got = table.select(convert_scaled(scaled(pl.col("usage"), 6), pl.col("unit"), target, 6, 3))
    expected = [int(convert(v, u, target, 3).scaleb(3)) for v, u in rows]
    assert got.to_series().to_list() == expected
    assert all(
        Fraction(convert(v, u, target, 3)) - Fraction(v) * factor(u, target) <= Fraction(1, 2000)
        for v, u in rows
    )
