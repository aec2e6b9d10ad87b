"""Units of measured usage and their exact conversions (water, electricity, gas).

Factors are ``Fraction``s, so a conversion is exact until the one rounding at the end (half to even,
to the places asked for); nothing here is ever a float. Columnar helpers work on scaled integers
(``Int128``: a value times ``10**scale``), so a million rows convert without Python per row.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Annotated, NamedTuple

from pydantic import AfterValidator

if TYPE_CHECKING:
    import polars as pl


class Unit(NamedTuple):
    """A unit: its commodity and how many of the commodity's base unit one of it is."""

    name: str
    commodity: str
    base: Fraction


# 1 CCF (= HCF, 100 cubic feet) = 748.052 US gallons (the figure the utility bills by);
# 1 US gallon = 3.785411784 litres exactly; 1 therm = 100,000 BTU (kept as its own base: converting
# gas to electricity needs a heat content the hub does not guess).
UNITS: dict[str, Unit] = {
    u.name: u
    for u in (
        Unit("gallons", "water", Fraction(1)),
        Unit("kgal", "water", Fraction(1000)),
        Unit("CCF", "water", Fraction("748.052")),
        Unit("HCF", "water", Fraction("748.052")),
        Unit("m3", "water", Fraction(1000) / Fraction("3.785411784")),
        Unit("kWh", "electricity", Fraction(1)),
        Unit("Wh", "electricity", Fraction(1, 1000)),
        Unit("MWh", "electricity", Fraction(1000)),
        Unit("therms", "gas", Fraction(1)),
    )
}
_ALIASES = {
    **{name.lower(): name for name in UNITS},
    "gal": "gallons",
    "gallon": "gallons",
    "therm": "therms",
    "thm": "therms",
    "m³": "m3",
    "cubic meters": "m3",
}


class UnitError(ValueError):
    """A unit the hub does not know, or a conversion between two commodities."""


def unit_name(text: str) -> str | None:
    """The canonical name of a unit as a file spells it (case and common aliases ignored), or None."""
    return _ALIASES.get(text.strip().lower())


def known_unit(text: str) -> str:
    """``unit_name`` for configuration: ValueError naming the known units when ``text`` is none."""
    name = unit_name(text)
    if name is None:
        raise ValueError(f"unknown unit {text!r} (known: {', '.join(UNITS)})")
    return name


UnitName = Annotated[str, AfterValidator(known_unit)]  # a configured unit, stored by its canonical name


def factor(source: str, target: str) -> Fraction:
    """How many ``target`` one ``source`` is; UnitError for unknown units or different commodities."""
    try:
        a, b = UNITS[source], UNITS[target]
    except KeyError as exc:
        raise UnitError(f"unknown unit {exc.args[0]!r} (known: {', '.join(UNITS)})") from None
    if a.commodity != b.commodity:
        raise UnitError(f"cannot convert {a.commodity} ({source}) to {b.commodity} ({target})")
    return a.base / b.base


def convert(value: Decimal, source: str, target: str, places: int) -> Decimal:
    """``value`` in ``source`` as ``target``, rounded half to even to ``places`` decimals."""
    return rounded(Fraction(value) * factor(source, target), places)


def rounded(exact: Fraction, places: int) -> Decimal:
    """An exact value rounded half to even to ``places`` decimals."""
    scaled = exact * 10**places
    q, r = divmod(scaled.numerator, scaled.denominator)
    if 2 * r > scaled.denominator or (2 * r == scaled.denominator and q % 2):
        q += 1
    return Decimal(q).scaleb(-places)


def half_even_div(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    """``numerator / denominator`` of integer columns rounded half to even (denominator > 0)."""
    import polars as pl

    q = numerator // denominator
    r = numerator - q * denominator
    up = (2 * r > denominator) | ((2 * r == denominator) & (q % 2 != 0))
    return pl.when(up).then(q + 1).otherwise(q)


def scaled(text: pl.Expr, scale: int) -> pl.Expr:
    """Decimal text as an ``Int128`` of the value times ``10**scale`` (null where it is not a
    decimal). Check the number of decimals first: more than ``scale`` would be cut."""
    import polars as pl

    return (text.str.strip_chars().cast(pl.Decimal(38, scale), strict=False) * pl.lit(10**scale)).cast(
        pl.Int128
    )


def convert_scaled(value: pl.Expr, unit: pl.Expr, target: str, scale: int, places: int) -> pl.Expr:
    """Scaled values (``value`` = amount * 10**scale) in per-row ``unit``s as ``target``, scaled by
    10**places, rounded half to even. Units of another commodity than ``target``'s give null: check
    them first (``factor``)."""
    import polars as pl

    want = UNITS[target].commodity
    same = {u.name: factor(u.name, target) for u in UNITS.values() if u.commodity == want}
    num = unit.replace_strict({k: f.numerator for k, f in same.items()}, default=None, return_dtype=pl.Int128)
    den = unit.replace_strict(
        {k: f.denominator for k, f in same.items()}, default=None, return_dtype=pl.Int128
    )
    return half_even_div(value * num * pl.lit(10**places, pl.Int128), den * pl.lit(10**scale, pl.Int128))
