"""Row checks as polars expressions: each check is one expression over the whole table, true where a
row breaks it; only the rows that break one are looked at in Python, to build their problems."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from hub.kernel.problems import Problem
from hub.kernel.rows import LINE

if TYPE_CHECKING:
    import polars as pl

# field, rule, failed (true where the row breaks the rule), message ({value} filled in as shown)
Check = tuple[str, str, "pl.Expr", str]
MONEY = r"^\$?[0-9]{1,3}(,?[0-9]{3})*(\.[0-9]{1,2})?$"  # dollars: $1,234.5 or 1234.50, no sign


def cents(text: pl.Expr) -> pl.Expr:
    """Dollars as written (``MONEY``) -> exact integer cents (Int64); null when not such an amount."""
    import polars as pl

    money = text.str.replace_all(r"[$,]", "")
    whole = money.str.extract(r"^([0-9]+)", 1).cast(pl.Int64, strict=False)
    part = money.str.extract(r"\.([0-9]{1,2})$", 1).str.pad_end(2, "0").cast(pl.Int64, strict=False)
    return pl.when(text.str.contains(MONEY)).then(whole * 100 + part.fill_null(0))


def dates(text: pl.Expr, formats: Sequence[str]) -> pl.Expr:
    """A date in the first of ``formats`` it is written in; null when none."""
    import polars as pl

    return pl.coalesce([text.str.strptime(pl.Date, f, strict=False) for f in formats])


def broken(
    table: pl.DataFrame, checks: Sequence[Check], shown: Callable[[str, object], str | None]
) -> list[Problem]:
    """One problem per line and field: the first check, in order, the field's value breaks. The
    value is put in the message and the problem as ``shown`` shows it (masked where personal)."""
    import polars as pl

    flags = table.select(LINE, *[c.fill_null(False).alias(str(i)) for i, (_, _, c, _) in enumerate(checks)])
    hits = flags.filter(pl.any_horizontal(pl.exclude(LINE)))
    if hits.is_empty():
        return []
    rows = {
        r[LINE]: r
        for r in table.filter(pl.col(LINE).is_in(hits.get_column(LINE).implode())).iter_rows(named=True)
    }
    found: list[Problem] = []
    for hit in hits.iter_rows(named=True):
        row, seen = rows[hit[LINE]], set()
        for i, (field, rule, _, message) in enumerate(checks):
            if hit[str(i)] and field not in seen:
                seen.add(field)
                value = shown(field, row.get(field))
                text = message.format(value=value)
                found.append(Problem.of(rule, text, line=row[LINE], field=field, value=value))
    return found
