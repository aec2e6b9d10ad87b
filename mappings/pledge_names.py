"""Customer names compared as people read them, not as strings.

Normalised (polars, the whole column at once): upper case; ``LAST, FIRST`` turned into
``FIRST LAST``; apostrophes and periods dropped, other punctuation a space; the suffixes JR, SR,
II, III, IV left out; the words sorted, so the order of the words is no difference. Names equal
after that match. The others are scored with rapidfuzz (``token_sort_ratio``, 0-100, on the
normalised names), a maintained fuzzy-matching library; a score below the exchange's threshold is
a different person.
"""

from __future__ import annotations

import polars as pl

SUFFIXES = ("JR", "SR", "II", "III", "IV")


def normalised(name: pl.Expr) -> pl.Expr:
    """The name's comparable form (see the module's docstring); null stays null."""
    upper = name.str.to_uppercase()
    parts = upper.str.split_exact(",", 1)
    last, first = parts.struct.field("field_0"), parts.struct.field("field_1")
    turned = pl.when(first.is_not_null()).then(pl.concat_str([first, last], separator=" ")).otherwise(upper)
    words = (
        turned.str.replace_all(r"['`\u2019.]", "")
        .str.replace_all(r"[^\p{L}\p{N}]+", " ")
        .str.strip_chars()
        .str.split(" ")
        .list.eval(pl.element().filter(~pl.element().is_in(SUFFIXES) & (pl.element() != "")))
        .list.sort()
    )
    return words.list.join(" ")


def scores(given: list[str], known: list[str]) -> list[float]:
    """rapidfuzz's similarity (0-100) of each pair of normalised names (only pairs that differ
    are scored: a handful a file)."""
    from rapidfuzz import fuzz

    return [float(fuzz.token_sort_ratio(a, b)) for a, b in zip(given, known, strict=True)]
