"""Money on the console's pages: integer cents shown exactly as dollars (never through a float)."""

from __future__ import annotations


def dollars(cents: int) -> str:
    """``123456`` -> ``"$1,234.56"``, ``-5`` -> ``"-$0.05"``: the cents kept exact."""
    value = int(cents)
    sign = "-" if value < 0 else ""
    whole, part = divmod(abs(value), 100)
    return f"{sign}${whole:,}.{part:02d}"
