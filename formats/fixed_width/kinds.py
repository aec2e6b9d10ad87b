"""The field kinds the formats share, in one place: what each accepts column-wise (a polars expression)
and what a field that fails says. ``N`` digits filling the field, ``A`` text (required unless
optional), ``B`` a reserved blank (a warning when it is not), a date in a strftime format, and a
pattern for a format's own kinds (NACHA's 15-digit trace, lockbox's HHMM time).

polars is imported where an expression is built, never at import (layouts are built when a
configuration is validated)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from formats.fixed_width.layout import Field, Kind

if TYPE_CHECKING:
    import polars as pl

_DIGITS_OF = {"%y": "YY", "%Y": "YYYY", "%m": "MM", "%d": "DD"}


def blank(col: pl.Expr) -> pl.Expr:
    """True where the field holds only blanks."""
    return col.str.strip_chars(" ") == ""


def parse_date(col: pl.Expr, fmt: str) -> pl.Expr:
    """The field as a date when it is one, written exactly in ``fmt`` (so " 60523" or "160532" are
    not), else null."""
    import polars as pl

    parsed = col.str.strptime(pl.Date, fmt, strict=False)
    return pl.when(parsed.dt.strftime(fmt) == col).then(parsed)


def number_of(text: str | None) -> int | None:
    """A field of ASCII digits as a number, else None (``str.isdigit`` also takes "²", which ``int``
    refuses)."""
    return int(text) if text is not None and text.isascii() and text.isdigit() else None


def human(fmt: str) -> str:
    """A date format as bank specifications write it: %y%m%d -> YYMMDD."""
    for code, shown in _DIGITS_OF.items():
        fmt = fmt.replace(code, shown)
    return fmt


def _not_digits(col: pl.Expr, f: Field) -> pl.Expr:
    return ~col.str.contains(f"^[0-9]{{{f.width}}}$")


DIGITS = Kind(
    "N",
    _not_digits,
    lambda f: f"must be {f.width} digit{'s' if f.width > 1 else ''}",
    numeric=True,
)
TEXT = Kind("A", lambda col, f: blank(col), lambda f: "is required and is blank")
BLANK = Kind(
    "B", lambda col, f: ~blank(col), lambda f: "reserved positions must be blank", severity="warning"
)


def date_kind(code: str, fmt: str) -> Kind:
    """A date written in ``fmt`` (a strftime format that fills the field: checked with the layout)."""
    return Kind(
        code,
        lambda col, f: parse_date(col, fmt).is_null(),
        lambda f: f"must be a date {human(fmt)}",
        date_format=fmt,
    )


def pattern_kind(code: str, pattern: str, expected: str, *, numeric: bool = False) -> Kind:
    """A format's own kind: the whole field matches ``pattern`` (a regular expression)."""
    return Kind(code, lambda col, f: ~col.str.contains(pattern), lambda f: expected, numeric=numeric)


def kinds(*defined: Kind) -> dict[str, Kind]:
    """A format's kinds by code."""
    return {k.code: k for k in defined}
