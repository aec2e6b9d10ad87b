"""Counts in words for people: "1 file", "2 files", "1 entry", "3 entries" — one helper, so
every message the hub prints agrees with its number."""

from __future__ import annotations


def plural(noun: str) -> str:
    """The English plural of a regular noun (or of the last word of a phrase)."""
    if noun.endswith("y") and noun[-2:-1] not in ("a", "e", "i", "o", "u", ""):
        return noun[:-1] + "ies"
    if noun.endswith(("s", "x", "z", "ch", "sh")):
        return noun + "es"
    return noun + "s"


def counted(count: int, noun: str, many: str | None = None) -> str:
    """``count`` and ``noun`` agreeing: ``counted(1, "file")`` is "1 file", ``counted(2, "file")``
    "2 files"; ``many`` names an irregular plural."""
    return f"{count} {noun if count == 1 else many or plural(noun)}"
