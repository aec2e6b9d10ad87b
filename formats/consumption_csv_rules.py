"""Typing and the checks of district consumption histories, column by column.

Each rule is one polars expression over the whole table; a failing row becomes a problem naming its
line, field, value and rule. The typed table adds ``last_day`` (the period's last day of usage),
``days`` (last day - start + 1) and ``usage_micro`` (usage x 10**6, an exact integer) and gives
``unit`` its canonical name.
"""

from __future__ import annotations

import polars as pl

from formats.base import Parsed, Validated
from formats.consumption_csv import (
    ALLOWED_UNITS,
    READ_TYPES,
    REQUIRED_FIELDS,
    USAGE_DECIMALS,
    ConsumptionCsvOptions,
)
from hub.kernel.problems import Problem
from hub.kernel.rows import LINE
from hub.kernel.units import scaled

NUMBER = r"^[+-]?(\d+(\.\d*)?|\.\d+)$"
DECIMAL = rf"^\+?(\d+(\.\d{{0,{USAGE_DECIMALS}}})?|\.\d{{1,{USAGE_DECIMALS}}})$"
MAX_INTEGER_DIGITS = 18
TEXT_FIELDS = ("district", "account", "premise", "service_address")


def _date(raw: pl.Expr, formats: list[str]) -> pl.Expr:
    return pl.coalesce([raw.str.strptime(pl.Date, f, strict=False) for f in formats])


def typed(raw: pl.DataFrame, opts: ConsumptionCsvOptions) -> pl.DataFrame:
    """Every row typed; a value that does not convert is null (``problems`` says why)."""
    spellings = raw.get_column("unit").drop_nulls().unique().to_list()
    units = {s: opts.canonical_unit(s) for s in spellings}  # a handful of spellings, not a row each
    shift = 1 if opts.period_end == "exclusive" else 0
    usage_ok = pl.col("usage").str.contains(DECIMAL) & (
        pl.col("usage").str.extract(r"^\+?(\d*)").str.len_chars() <= MAX_INTEGER_DIGITS
    )
    return (
        raw.with_columns(
            _date(pl.col("period_start"), opts.date_formats).alias("period_start"),
            _date(pl.col("period_end"), opts.date_formats).alias("period_end"),
            pl.when(usage_ok)
            .then(scaled(pl.col("usage").str.strip_prefix("+"), USAGE_DECIMALS))
            .alias("usage_micro"),
            pl.col("unit").replace_strict(units, default=None, return_dtype=pl.String).alias("unit"),
            pl.col("unit").alias("unit_given"),
            pl.col("read_type").str.to_lowercase().alias("read_type"),
        )
        .with_columns(
            (pl.col("period_end") - pl.duration(days=shift)).alias("last_day"),
        )
        .with_columns(
            ((pl.col("last_day") - pl.col("period_start")).dt.total_days() + 1).alias("days"),
        )
    )


def _messages(opts: ConsumptionCsvOptions) -> dict[str, str]:
    formats = ", ".join(opts.date_formats)
    return {
        "date": f"is not a valid date ({formats})",
        "decimal": "is not a decimal number",
        "negative": "must not be negative",
        "decimals": f"has more than {USAGE_DECIMALS} decimals",
        "unit": f"is not a known unit ({', '.join(ALLOWED_UNITS)})",
        "read_type": f"must be one of {', '.join(READ_TYPES)}",
        "control_character": "holds a control character",
    }


def problems(raw: pl.DataFrame, t: pl.DataFrame, opts: ConsumptionCsvOptions) -> list[Problem]:
    """Every failing (line, field, rule), one pass per rule over the columns."""
    given = {f: pl.col(f).is_not_null() for f in REQUIRED_FIELDS}
    usage = pl.col("usage")
    numeric = usage.str.contains(NUMBER)
    fraction = usage.str.extract(r"\.(\d*)$").str.len_chars().fill_null(0)
    checks: list[tuple[str, str, pl.Expr]] = [(f, "required", ~ok) for f, ok in given.items()]
    checks += [
        ("period_start", "date", given["period_start"] & pl.col("t_period_start").is_null()),
        ("period_end", "date", given["period_end"] & pl.col("t_period_end").is_null()),
        ("usage", "decimal", given["usage"] & ~numeric),
        ("usage", "negative", given["usage"] & numeric & usage.str.starts_with("-")),
        (
            "usage",
            "decimals",
            given["usage"] & numeric & ~usage.str.starts_with("-") & (fraction > USAGE_DECIMALS),
        ),
        ("unit", "unit", given["unit"] & pl.col("t_unit").is_null()),
        ("read_type", "read_type", given["read_type"] & ~pl.col("t_read_type").is_in(READ_TYPES)),
        ("period_end", "period_order", pl.col("t_days") < 1),
    ]
    checks += [(f, "control_character", pl.col(f).str.contains(r"[\x00-\x1f]")) for f in TEXT_FIELDS]
    # a number that is otherwise fine but too long for an exact integer of millionths
    fits = given["usage"] & numeric & ~usage.str.starts_with("-") & (fraction <= USAGE_DECIMALS)
    checks.append(("usage", "decimal", fits & pl.col("t_usage_micro").is_null()))
    both = pl.concat([raw, t.select(pl.exclude(LINE).name.prefix("t_"))], how="horizontal")
    flags = both.select(LINE, *[chk.fill_null(False).alias(f"{i}") for i, (_, _, chk) in enumerate(checks)])
    any_bad = flags.select(pl.any_horizontal(pl.exclude(LINE))).to_series()
    if not any_bad.any():
        return []
    msgs = _messages(opts)
    found: list[Problem] = []
    bad_rows = both.filter(any_bad)
    bad_flags = flags.filter(any_bad)
    for i, (field, rule, _) in enumerate(checks):
        hit = bad_flags.get_column(str(i))
        for row in bad_rows.filter(hit).select(LINE, field, "t_period_start", "t_last_day").iter_rows():
            line, value, start, last = row
            if rule == "required":
                msg = f"{field} is required"
            elif rule == "period_order":
                msg = f"the period ends ({last}) before it starts ({start})"
            else:
                msg = f"{field} {value!r} {msgs[rule]}"
            found.append(Problem.of(rule, msg, line=line, field=field, value=value))
    return found


def validate_histories(parsed: Parsed, opts: ConsumptionCsvOptions) -> Validated:
    raw = parsed.table
    t = typed(raw, opts)
    found = problems(raw, t, opts)
    # one finding per line and field: a missing value is not also a bad date
    seen: set[tuple[int | None, str | None]] = set()
    unique = []
    for p in [*parsed.problems, *found]:
        if (p.line, p.field) not in seen or p.field is None:
            seen.add((p.line, p.field))
            unique.append(p)
    bad = sorted({p.line for p in unique if p.line is not None and p.severity == "error"})
    valid = t.filter(~pl.col(LINE).is_in(bad)) if bad else t
    unique.sort(key=lambda p: (p.line or 0, p.field or ""))
    return Validated(table=valid, problems=unique, rows=parsed.rows)
