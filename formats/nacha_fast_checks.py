"""The NACHA fast path's field checks (``formats.nacha_fast``): records as rows of a numpy byte
matrix, each rule judged for every row at once -- digits, blanks, dates, each field's kind as its
layout says -- and the checked columns' least and greatest bytes, which tell the fields every record
has alike."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from formats.fixed_width.layout import Record

if TYPE_CHECKING:
    from numpy.typing import NDArray

    Bytes = NDArray[np.uint8]
    Ints = NDArray[np.int64]
    Mask = NDArray[np.bool_]  # numpy's reductions are typed Any: the helpers say what they return
    Folds = tuple[Bytes, Bytes]  # each column's least and greatest byte

SPACE, ZERO, NINE = 32, 48, 57
_DAYS = np.array([0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], np.int64)


class NotHere(Exception):
    """The file is not one the fast path judges: the reference path reads it."""


def as_numbers(x: Bytes) -> Ints:
    """Rows of ASCII digits as numbers."""
    width = x.shape[1]
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    number: Ints = (x.astype(np.int64) - ZERO) @ powers
    return number


def all_digits(x: Bytes) -> Mask:
    """Rows of ASCII digits only (column by column: numpy's row-wise ``all`` of a few columns costs
    more than one pass a column)."""
    digits: Mask = (x[:, 0] - np.uint8(ZERO)) < 10  # uint8 wraps: below "0" is large
    for j in range(1, x.shape[1]):
        digits &= (x[:, j] - np.uint8(ZERO)) < 10
    return digits


def all_blank(x: Bytes) -> Mask:
    """Rows of blanks only (each row as one fixed-width string against the blank one)."""
    width = x.shape[1]
    blank: Mask = np.ascontiguousarray(x).view(f"S{width}").ravel() == b" " * width
    return blank


def valid_dates(x: Bytes) -> Mask:
    """Rows that are a date YYMMDD (%y: 00-68 are 2000-2068, so a year divisible by 4 is a leap year)."""
    ok = all_digits(x)
    n = np.where(ok[:, None], x.astype(np.int64) - ZERO, 0)
    yy, mm, dd = n[:, 0] * 10 + n[:, 1], n[:, 2] * 10 + n[:, 3], n[:, 4] * 10 + n[:, 5]
    month = (mm >= 1) & (mm <= 12)
    days = _DAYS[np.where(month, mm, 0)] - ((mm == 2) & (yy % 4 != 0))
    dates: Mask = ok & month & (dd >= 1) & (dd <= days)
    return dates


def check_fields(x: Bytes, record: Record) -> Folds | None:
    """Every field of the records ``x`` as its layout wants it, or ``NotHere``: the fields that must
    be digits (or blanks) all at once, the others field by field. Returns each column's least and
    greatest byte (None for no records): where they are equal, every record has the same byte."""
    if not len(x):
        return None
    digits = np.zeros(x.shape[1], np.bool_)
    blanks = np.zeros(x.shape[1], np.bool_)
    for f in record.fields:
        s, e = f.start - 1, f.end
        if f.kind in ("N", "T", "D") and not f.optional:
            digits[s:e] = True
        elif f.kind == "B":
            blanks[s:e] = True
        elif f.kind == "A" and not f.optional:
            if all_blank(x[:, s:e]).any():
                raise NotHere
        elif f.kind in ("N", "T", "D"):
            if not (all_digits(x[:, s:e]) | all_blank(x[:, s:e])).all():
                raise NotHere
        elif f.kind != "A":
            raise NotHere
        if f.kind == "D":
            present = ~all_blank(x[:, s:e]) if f.optional else slice(None)
            if not valid_dates(x[present, s:e]).all():
                raise NotHere
    # a column of digits (or blanks) in every row is one whose least and greatest byte are
    lo, hi = fold(x, np.minimum), fold(x, np.maximum)
    if (lo[digits] < ZERO).any() or (hi[digits] > NINE).any() or (lo[blanks] != SPACE).any():
        raise NotHere
    if (hi[blanks] != SPACE).any():
        raise NotHere
    return lo, hi


def fold(x: Bytes, op: np.ufunc) -> Bytes:
    """``op.reduce(x, axis=0)`` of a non-empty matrix, by halving: numpy reduces a tall narrow
    matrix one 94-byte row at a time, while each halving works on half the matrix at once (a
    quarter of the time)."""
    while len(x) > 64:
        half = len(x) // 2
        folded = op(x[:half], x[half : 2 * half])
        if len(x) % 2:
            folded[0] = op(folded[0], x[-1])
        x = folded
    out: Bytes = op.reduce(x, axis=0)
    return out
