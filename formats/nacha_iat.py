"""The rules only IAT entries have, column-wise over the entry and addenda tables of
``formats.nacha_entries``: an IAT entry carries the seven mandatory addenda 10 to 16, in this order,
each once; then up to two 17s and up to five 18s, 17s first; and, for a return or a notification of
change, its 99 or 98 last, once (a return carries the forward entry's 10-16; one that also copies its
17s and 18s is read, not refused: they move no money). The number of addenda records it states
(positions 13-16) counts its IAT addenda (10-18), not a return's 99 or a notification's 98: the
return copies it from the forward entry. Addenda of a type IAT entries do not carry are
``addenda-type`` findings (``formats.nacha_entries.unknown_addenda``) and left out of the order here.

An IAT entry names its receiver in its addenda, not in its own record: ``receivers`` fills the
entry's ``individual_id`` from addenda 15 (the receiver's identification number), as a domestic
entry's own individual id is read.
"""

from __future__ import annotations

import polars as pl

from formats.fixed_width.fields import per_row
from formats.nacha_iat_layout import IAT_ADDENDA, MANDATORY, OPTIONAL_MOST
from formats.nacha_layout import RETURN_ADDENDA
from hub.kernel.problems import Problem

_RULE = "iat-addenda"
_WHY = "an IAT entry carries addenda 10 to 16, in this order, each once"


def receivers(table: pl.DataFrame, addenda_rows: pl.DataFrame) -> pl.DataFrame:
    """The entry table with each IAT entry's ``individual_id`` from its addenda 15."""
    if "receiver_id" not in addenda_rows.columns:
        return table
    ids = (
        addenda_rows.filter(pl.col("layout") == "I15")
        .group_by("entry", maintain_order=True)
        .first()
        .select("entry", "receiver_id")
    )
    return (
        table.join(ids, on="entry", how="left", maintain_order="left")
        .with_columns(
            pl.when(pl.col("iat"))
            .then(pl.col("receiver_id"))
            .otherwise(pl.col("individual_id"))
            .alias("individual_id")
        )
        .drop("receiver_id")
    )


def check_iat(table: pl.DataFrame, addenda_rows: pl.DataFrame) -> list[Problem]:
    """The addenda of every IAT entry (order, counts) and the number of addenda it states."""
    p: list[Problem] = []
    if not table.get_column("iat").any():  # an IAT batch header without an IAT entry
        return p
    iat = table.filter(pl.col("iat")).select("entry", pl.col("line").alias("entry_line"), "addenda_records")
    rows = addenda_rows.join(iat.select("entry"), on="entry", how="semi").sort("line")
    carried = (
        rows.filter(~pl.col("layout").is_in(RETURN_ADDENDA)).group_by("entry").agg(pl.len().alias("carried"))
    )
    stated = iat.join(carried, on="entry", how="left").with_columns(pl.col("carried").fill_null(0))
    per_row(
        p,
        stated.filter(
            pl.col("addenda_records").str.contains("^[0-9]{4}$")
            & (pl.col("addenda_records").cast(pl.Int64, strict=False) != pl.col("carried"))
        ),
        "iat-addenda-count",
        "addenda_records",
        "13-16",
        "number of addenda records {addenda_records} but the entry carries {carried} IAT addenda (10-18; a "
        "return's 99 or a notification of change's 98 is not counted)",
        line="entry_line",
    )
    _order(p, iat, rows.filter(pl.col("layout").is_in([*IAT_ADDENDA, *RETURN_ADDENDA])))
    return p


def _order(p: list[Problem], iat: pl.DataFrame, known: pl.DataFrame) -> None:
    """The first addenda out of place of each IAT entry, or the mandatory addenda it lacks."""
    layout = pl.col("layout")
    rank = (
        pl.when(layout.is_in(MANDATORY))
        .then(0)
        .when(layout == "I17")
        .then(1)
        .when(layout == "I18")
        .then(2)
        .otherwise(3)
    )
    k = known.with_columns(
        pl.int_range(pl.len()).over("entry").alias("nth"),
        rank.alias("rank"),
        layout.str.strip_prefix("I").str.slice(0, 2).alias("type"),
        *((layout == key).cum_sum().over("entry").alias(key) for key in OPTIONAL_MOST),
    ).with_columns(
        pl.col("rank").shift(1).over("entry").alias("previous_rank"),
        pl.col("type").shift(1).over("entry").alias("previous"),
        pl.col("nth")
        .replace_strict(dict(enumerate(MANDATORY)), default=None, return_dtype=pl.String)
        .alias("expected"),
    )
    text, previous, expected = pl.col("type"), pl.col("previous"), pl.col("expected").str.strip_prefix("I")
    message = (
        pl.when(pl.col("expected").is_not_null() & (layout != pl.col("expected")))
        .then(pl.format("addenda {} where addenda {} must come: " + _WHY, text, expected))
        .when(pl.col("expected").is_not_null())
        .then(pl.lit(None, pl.String))
        .when(pl.col("previous_rank") == 3)
        .then(
            pl.format(
                "addenda {} after the entry's addenda {}: a return's 99 or a notification of change's 98 "
                "comes last, once",
                text,
                previous,
            )
        )
        .when(pl.col("rank") == 0)
        .then(pl.format("a second addenda {}: " + _WHY, text))
        .when(pl.col("rank") < pl.col("previous_rank"))
        .then(
            pl.format(
                "addenda {} after an addenda {}: an IAT entry's 17s come before its 18s", text, previous
            )
        )
    )
    for key, most in OPTIONAL_MOST.items():
        message = message.when((layout == key) & (pl.col(key) > most)).then(
            pl.lit(f"addenda {key[1:]} number {most + 1}: an IAT entry carries at most {most}")
        )
    wrong = k.with_columns(message.alias("message")).filter(pl.col("message").is_not_null())
    first = wrong.group_by("entry", maintain_order=True).first()
    per_row(p, first, _RULE, "addenda_type", "2-3", "{message}", value="type")
    counts = k.group_by("entry").agg(pl.len().alias("known"))
    short = (
        iat.join(counts, on="entry", how="left")
        .with_columns(pl.col("known").fill_null(0))
        .filter(
            (pl.col("known") < len(MANDATORY)) & ~pl.col("entry").is_in(first.get_column("entry").implode())
        )
    )
    for line, n in short.select("entry_line", "known").iter_rows():
        missing = MANDATORY[n][1:] if n == len(MANDATORY) - 1 else f"{MANDATORY[n][1:]} to 16"
        p.append(
            Problem.of(
                _RULE,
                f"the IAT entry has no addenda {missing}: {_WHY}",
                line=line,
                field="addenda_type",
                value=missing,
            )
        )
