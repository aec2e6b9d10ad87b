"""Lockbox field checks, column-wise: every field of every record against its layout at once (polars
string slices), and only the failures turned into ``Problem``s one by one."""

from __future__ import annotations

import polars as pl

from formats.lockbox_layout import RECORD_NAMES, Field, LockboxOptions
from formats.lockbox_records import problem
from hub.kernel.problems import Problem

PRINTABLE = r"^[\x20-\x7E]*$"
_DIGITS_OF = {"%y": "YY", "%Y": "YYYY", "%m": "MM", "%d": "DD"}


def cut(frame: pl.DataFrame, fields: list[Field]) -> pl.DataFrame:
    """The fields sliced out of the ``rec`` column, one column each."""
    return frame.with_columns(pl.col("rec").str.slice(f.start - 1, f.width).alias(f.name) for f in fields)


def digits(col: pl.Expr) -> pl.Expr:
    """The field as a number when it is all ASCII digits, else null."""
    return pl.when(col.str.contains(r"^[0-9]+$")).then(col.cast(pl.Int64, strict=False))


def parse_date(col: pl.Expr, fmt: str) -> pl.Expr:
    """The field as a date when it is one, written exactly in ``fmt`` (so " 60523" or "160532" are
    not), else null."""
    parsed = col.str.strptime(pl.Date, fmt, strict=False)
    return pl.when(parsed.dt.strftime(fmt) == col).then(parsed)


def text(col: pl.Expr) -> pl.Expr:
    """The field without its blanks; null when blank."""
    stripped = col.str.strip_chars(" ")
    return pl.when(stripped != "").then(stripped)


def human(fmt: str) -> str:
    """A date format as bank specifications write it: %y%m%d -> YYMMDD."""
    for code, shown in _DIGITS_OF.items():
        fmt = fmt.replace(code, shown)
    return fmt


def _bad(f: Field, col: pl.Expr, options: LockboxOptions) -> pl.Expr:
    blank = col.str.strip_chars(" ") == ""
    if f.kind == "A":
        return pl.lit(False) if f.optional else blank
    if f.kind in "DC":
        wrong = parse_date(col, options.date_format_of(f.kind)).is_null()
    elif f.kind == "T":
        wrong = ~col.str.contains(r"^([01][0-9]|2[0-3])[0-5][0-9]$")
    else:
        wrong = ~col.str.contains(f"^[0-9]{{{f.width}}}$")
    return (~blank & wrong) if f.optional else wrong


def _expected(f: Field, options: LockboxOptions) -> str:
    if f.kind == "A":
        return "is required and is blank"
    if f.kind in "DC":
        return f"must be a date {human(options.date_format_of(f.kind))}"
    if f.kind == "T":
        return "must be a time HHMM"
    return f"must be {f.width} digit{'s' if f.width > 1 else ''}"


def check_fields(frame: pl.DataFrame, options: LockboxOptions) -> list[Problem]:
    """Every record's character set and every field of every record against its layout. ``frame``
    holds ``line``, ``kind`` and ``rec`` (padded to its layout)."""
    problems: list[Problem] = []
    odd = frame.filter(~pl.col("rec").str.contains(PRINTABLE)).select("line", "kind", "rec")
    for line, kind, rec in odd.iter_rows():
        at = next(i for i, ch in enumerate(rec) if not " " <= ch <= "~")
        problems.append(
            problem(
                "character-set",
                f"character {ord(rec[at]):#04x} at position {at + 1} is not printable ASCII",
                line=line,
                value=repr(rec[at]),
                positions=str(at + 1),
                kind=kind,
            )
        )
    for kind, layout in options.layouts().items():
        rows = frame.filter(pl.col("kind") == kind)
        if rows.is_empty():
            continue
        fields = layout.fields()
        checks = [
            _bad(f, pl.col("rec").str.slice(f.start - 1, f.width), options).alias(f.name) for f in fields
        ]
        flags = rows.select("line", "rec", *checks)
        for f in fields:
            if not flags[f.name].any():
                continue
            for line, rec in flags.filter(pl.col(f.name)).select("line", "rec").iter_rows():
                problems.append(
                    problem(
                        "field-format",
                        f"{RECORD_NAMES[kind]} field {f.name} {_expected(f, options)}",
                        line=line,
                        field=f.name,
                        value=f.cut(rec),
                        positions=f.positions,
                        kind=kind,
                    )
                )
    return problems
