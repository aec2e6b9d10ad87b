"""Fields column-wise: cut out of the records (``cut``), and every field of every record checked against
its layout at once (polars string slices), with only the failures turned into ``Problem``s one by one;
likewise every record's character set (printable ASCII)."""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping

import polars as pl

from formats.fixed_width.kinds import blank
from formats.fixed_width.layout import Field, Level, Record, Severity
from hub.kernel.problems import Problem, mask

PRINTABLE = r"^[\x20-\x7E]*$"


def cut(frame: pl.DataFrame, record: Record, names: Iterable[str] | None = None) -> pl.DataFrame:
    """The fields of ``record`` (or the named ones) sliced out of the ``rec`` column, one column each."""
    chosen = record.fields if names is None else [record[n] for n in names]
    return frame.with_columns(pl.col("rec").str.slice(f.start - 1, f.width).alias(f.name) for f in chosen)


def digits(col: pl.Expr) -> pl.Expr:
    """The field as a number when it is all ASCII digits, else null."""
    return pl.when(col.str.contains(r"^[0-9]+$")).then(col.cast(pl.Int64, strict=False))


def text(col: pl.Expr) -> pl.Expr:
    """The field without its blanks; null when blank."""
    stripped = col.str.strip_chars(" ")
    return pl.when(stripped != "").then(stripped)


def _wrong(record: Record, f: Field) -> pl.Expr:
    col = pl.col("rec").str.slice(f.start - 1, f.width)
    wrong = record.kind(f).wrong(col, f)
    return (~blank(col) & wrong) if f.optional else wrong


def check(frame: pl.DataFrame, layouts: Mapping[str, Record], by: str = "kind") -> list[Problem]:
    """Every record's character set, then every field of every record against its layout: ``frame``
    holds ``line``, ``kind``, ``rec`` (padded to its layout) and ``by``, which names the record's key in
    ``layouts`` (a record whose key is not there is not checked field by field)."""
    rows_of = {r.type for r in layouts.values() if r.level == "row"}
    problems = charset(frame, rows_of)
    present = set(frame.get_column(by).unique())  # a format may declare many more layouts than a file uses
    for key, record in layouts.items():
        if key not in present:
            continue
        rows = frame.filter(pl.col(by) == key)
        flags = rows.select("line", "rec", *(_wrong(record, f).alias(f.name) for f in record.fields))
        for f in record.fields:
            if not flags[f.name].any():
                continue
            kind = record.kind(f)
            message = f"{record.name} field {f.name} {kind.expected(f)}"
            for line, rec in flags.filter(pl.col(f.name)).select("line", "rec").iter_rows():
                value = f.cut(rec)
                problems.append(
                    Problem.of(
                        "field-format",
                        message,
                        line=line,
                        field=f.name,
                        value=mask(value) if f.sensitive else value,
                        positions=f.positions,
                        level=record.level,
                        severity=kind.severity,
                    )
                )
    return problems


def charset(frame: pl.DataFrame, row_kinds: Iterable[str]) -> list[Problem]:
    """The first character outside printable ASCII of each record that has one; a row-level finding
    on a record of ``row_kinds``."""
    rows = set(row_kinds)
    problems = []
    odd = frame.filter(~pl.col("rec").str.contains(PRINTABLE)).select("line", "kind", "rec")
    for line, kind, rec in odd.iter_rows():
        at = next(i for i, ch in enumerate(rec) if not " " <= ch <= "~")
        level: Level = "row" if kind in rows else "file"
        problems.append(
            Problem.of(
                "character-set",
                f"character {ord(rec[at]):#04x} at position {at + 1} is not printable ASCII",
                line=line,
                value=repr(rec[at]),
                positions=str(at + 1),
                level=level,
            )
        )
    return problems


def per_row(
    problems: list[Problem],
    rows: pl.DataFrame,
    rule: str,
    field: str,
    positions: str,
    message: str,
    *,
    line: str = "line",
    value: str | None = None,
    severity: Severity = "error",
) -> None:
    """One row-level problem per row of ``rows`` (the failures of a column-wise rule); ``message`` is
    formatted with the row's columns, ``line`` and ``value`` name the columns of its line and value
    (default: the field's)."""
    named = {name for _, name, _, _ in string.Formatter().parse(message) if name}
    wanted = sorted(named | {line, value or field})  # only what the message needs: rows can be wide
    for row in rows.select(wanted).iter_rows(named=True):
        problems.append(
            Problem.of(
                rule,
                message.format(**row),
                line=row[line],
                field=field,
                value=row[value or field],
                positions=positions,
                severity=severity,
            )
        )
