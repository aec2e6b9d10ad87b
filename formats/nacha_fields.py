"""NACHA field checks, column-wise: every field of every record checked against its layout at once
(polars string slices), and only the failures turned into ``Problem``s one by one."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import polars as pl

from formats.nacha_layout import (
    ADDENDA_05,
    ADDENDA_98,
    ADDENDA_99,
    ADDENDA_99_CONTESTED,
    ADDENDA_99_DISHONORED,
    BATCH_CONTROL,
    BATCH_HEADER,
    CONTESTED_CODES,
    DISHONORED_CODES,
    ENTRY,
    FILE_CONTROL,
    FILE_HEADER,
    RECORD_NAMES,
    Field,
)
from hub.kernel.problems import Problem

LAYOUTS: dict[str, dict[str, Field]] = {
    "1": FILE_HEADER,
    "5": BATCH_HEADER,
    "6": ENTRY,
    "8": BATCH_CONTROL,
    "9": FILE_CONTROL,
    "05": ADDENDA_05,
    "98": ADDENDA_98,
    "99": ADDENDA_99,
    "99D": ADDENDA_99_DISHONORED,
    "99C": ADDENDA_99_CONTESTED,
}
LAYOUT_NAMES = {
    "05": "addenda 05",
    "98": "addenda 98 (notification of change)",
    "99": "addenda 99 (return)",
    "99D": "addenda 99 (dishonored return)",
    "99C": "addenda 99 (contested dishonored return)",
}
_PRINTABLE = r"^[\x20-\x7E]*$"


def cut(frame: pl.DataFrame, layout: dict[str, Field], names: Iterable[str] | None = None) -> pl.DataFrame:
    """The named fields of ``layout`` sliced out of the ``rec`` column."""
    chosen = layout.values() if names is None else [layout[n] for n in names]
    return frame.with_columns(pl.col("rec").str.slice(f.start - 1, f.width).alias(f.name) for f in chosen)


def layout_key(frame: pl.DataFrame) -> pl.DataFrame:
    """Add ``layout``: the record type, or for addenda the addenda type (and return-code variant)."""
    addenda = pl.col("rec").str.slice(1, 2)
    code = pl.col("rec").str.slice(3, 3)
    return frame.with_columns(
        pl.when(pl.col("kind") != "7")
        .then(pl.col("kind"))
        .when((addenda == "99") & code.is_in(list(DISHONORED_CODES)))
        .then(pl.lit("99D"))
        .when((addenda == "99") & code.is_in(list(CONTESTED_CODES)))
        .then(pl.lit("99C"))
        .otherwise(addenda)
        .alias("layout")
    )


def _bad(f: Field, col: pl.Expr) -> pl.Expr:
    blank = col.str.strip_chars(" ") == ""
    if f.kind == "B":
        return ~blank
    if f.kind == "A":
        return blank if not f.optional else pl.lit(False)
    if f.kind == "T":
        wrong = ~col.str.contains(r"^[0-9]{15}$")
    elif f.kind == "D":  # strptime alone takes " 40101" and "24 101": six digits first
        wrong = ~col.str.contains(r"^[0-9]{6}$") | col.str.strptime(pl.Date, "%y%m%d", strict=False).is_null()
    else:
        wrong = ~col.str.contains(f"^[0-9]{{{f.width}}}$")
    return (~blank & wrong) if f.optional else wrong


def _expected(f: Field) -> str:
    if f.kind == "B":
        return "reserved positions must be blank"
    if f.kind == "A":
        return "is required and is blank"
    if f.kind == "T":
        return "must be a 15-digit trace number"
    if f.kind == "D":
        return "must be a date YYMMDD"
    return f"must be {f.width} digits"


def check_fields(frame: pl.DataFrame, file: str) -> list[Problem]:
    """Every field of every record against its layout, and every record's character set."""
    problems: list[Problem] = []
    level: Literal["file", "row"]
    for line, kind, rec in (
        frame.filter(~pl.col("rec").str.contains(_PRINTABLE)).select("line", "kind", "rec").iter_rows()
    ):
        at = next(i for i, ch in enumerate(rec) if not " " <= ch <= "~")
        problems.append(
            Problem.of(
                "character-set",
                f"character {ord(rec[at]):#04x} at position {at + 1} is not printable ASCII",
                line=line,
                value=repr(rec[at]),
                positions=str(at + 1),
                level="row" if kind in "67" else "file",
            )
        )
    for key, layout in LAYOUTS.items():
        rows = frame.filter(pl.col("layout") == key)
        if rows.is_empty():
            continue
        name = LAYOUT_NAMES.get(key) or RECORD_NAMES[key]
        level = "row" if key not in "1589" else "file"
        checks = [
            _bad(f, pl.col("rec").str.slice(f.start - 1, f.width)).alias(f.name) for f in layout.values()
        ]
        flags = rows.select("line", "rec", *checks)
        failing = [f for f in layout.values() if flags[f.name].any()]
        for f in failing:
            for line, rec in flags.filter(pl.col(f.name)).select("line", "rec").iter_rows():
                problems.append(
                    Problem.of(
                        "field-format",
                        f"{name} field {f.name} {_expected(f)}",
                        line=line,
                        field=f.name,
                        value=f.cut(rec),
                        positions=f.positions,
                        level=level,
                        severity="warning" if f.kind == "B" else "error",
                    )
                )
    unknown = frame.filter((pl.col("kind") == "7") & ~pl.col("layout").is_in(list(LAYOUTS)))
    for line, addenda in unknown.select("line", "layout").iter_rows():
        problems.append(
            Problem.of(
                "addenda-type",
                f"addenda type {addenda!r} is not one the hub reads (05, 98, 99)",
                line=line,
                field="addenda_type",
                value=addenda,
                positions="2-3",
            )
        )
    return problems
