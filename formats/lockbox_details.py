"""Lockbox details (checks) and their overflow records: the typed detail rows and the rules that tie
each detail to its batch (batch number, item numbers) and each overflow record to its detail (batch
and item, sequence, last-record indicator). All row-level: a finding rejects its check only.

Rows carry where they sit as indexes from 0 (``lockbox_ix``, ``batch_ix``, ``detail_ix``; -1 for
none) beside their fields, which keep their layout names (``batch``, ``item``, …)."""

from __future__ import annotations

import polars as pl

from formats.fixed_width.fields import cut, digits, per_row, text
from formats.fixed_width.kinds import parse_date
from formats.lockbox_layout import LockboxOptions
from hub.kernel.problems import Problem

NUMBER = r"^[0-9]+$"


def detail_rows(frame: pl.DataFrame, options: LockboxOptions) -> pl.DataFrame:
    """One row per detail record: its indexes, raw fields, ``amount_cents``, ``check_date_parsed``
    and ``free_data`` (trailing blanks dropped)."""
    d = options.records["6"]
    rows = cut(frame.filter(pl.col("kind") == "6"), d)
    return rows.with_columns(
        digits(pl.col("amount")).alias("amount_cents"),
        parse_date(pl.col("check_date"), options.check_date_format).alias("check_date_parsed"),
        pl.col("rec")
        .str.slice(options.detail.free_data_start - 1)
        .str.strip_chars_end(" ")
        .alias("free_data"),
    )


def overflow_rows(frame: pl.DataFrame, options: LockboxOptions) -> pl.DataFrame:
    """One row per overflow record of a detail, with its fields, its ``data`` (trailing blanks
    dropped), its place among the detail's overflow records (``nth``, from 1) and their number."""
    o = options.records["4"]
    rows = cut(frame.filter((pl.col("kind") == "4") & (pl.col("detail_ix") >= 0)), o).sort("line")
    return rows.with_columns(
        pl.col("rec").str.slice(options.overflow.data_start - 1).str.strip_chars_end(" ").alias("data"),
        pl.int_range(1, pl.len() + 1).over("detail_ix").alias("nth"),
        pl.len().over("detail_ix").alias("of"),
    )


def check_details(
    details: pl.DataFrame, overflow: pl.DataFrame, totals: pl.DataFrame, options: LockboxOptions
) -> list[Problem]:
    """Item numbers run 1, 2, 3, … within each batch; each detail's batch number is its batch
    total's; each overflow record names its detail's batch and item, and its sequence number and
    last-record indicator are right. ``totals``: ``batch_ix`` -> ``total_batch``, ``total_line``."""
    p: list[Problem] = []
    d = options.records["6"]
    item = d["item"]
    items = (
        details.filter(pl.col("batch_ix") >= 0)
        .sort("line")
        .with_columns(
            digits(pl.col("item")).alias("n"), pl.int_range(pl.len()).over("batch_ix").alias("place")
        )
        .with_columns(
            pl.col("n").shift(1).over("batch_ix").alias("previous"),
            pl.col("line").shift(1).over("batch_ix").alias("previous_line"),
            pl.col("item").shift(1).over("batch_ix").alias("previous_item"),
        )
    )
    first = f"{1:0{item.width}d}"
    per_row(
        p,
        items.filter((pl.col("place") == 0) & (pl.col("n") != 1)),
        "item-number",
        "item",
        item.positions,
        "item number {item} should be " + first + ": the first detail of a batch is item " + first,
    )
    per_row(
        p,
        items.filter((pl.col("place") > 0) & (pl.col("n") != pl.col("previous") + 1)),
        "item-number",
        "item",
        item.positions,
        "item number {item} does not follow item {previous_item} (line {previous_line}): items run "
        "1, 2, 3, … within a batch",
    )
    owned = details.join(totals, on="batch_ix", how="inner").filter(
        pl.col("batch").str.contains(NUMBER) & pl.col("total_batch").str.contains(NUMBER)
    )
    per_row(
        p,
        owned.filter(pl.col("batch") != pl.col("total_batch")),
        "batch-number",
        "batch",
        d["batch"].positions,
        "detail batch number {batch} differs from its batch total's {total_batch} (line {total_line})",
    )
    _check_overflow(p, details, overflow, options)
    return p


def _check_overflow(
    p: list[Problem], details: pl.DataFrame, overflow: pl.DataFrame, options: LockboxOptions
) -> None:
    if overflow.is_empty():
        return
    o = options.records["4"]
    joined = overflow.join(
        details.select(
            "detail_ix",
            pl.col("line").alias("detail_line"),
            pl.col("batch").alias("detail_batch"),
            pl.col("item").alias("detail_item"),
        ),
        on="detail_ix",
        how="inner",
    ).with_columns(
        (((pl.col("nth") - 1) % 99) + 1).alias("expected_sequence"),  # 01 … 99, then 01 again
        pl.when(pl.col("nth") == pl.col("of"))
        .then(pl.lit("9"))
        .otherwise(pl.lit("0"))
        .alias("expected_last"),
    )
    for name, mine in (("batch", "detail_batch"), ("item", "detail_item")):
        per_row(
            p,
            joined.filter(pl.col(name).str.contains(NUMBER) & (pl.col(name) != pl.col(mine))),
            "overflow-item",
            name,
            o[name].positions,
            f"overflow record {name} number {{{name}}} differs from its detail's {{{mine}}} "
            "(line {detail_line})",
        )
    sequence = o["sequence"]
    per_row(
        p,
        joined.filter(digits(pl.col("sequence")) != pl.col("expected_sequence")).with_columns(
            pl.col("expected_sequence").cast(pl.String).str.zfill(sequence.width)
        ),
        "overflow-sequence",
        "sequence",
        sequence.positions,
        "overflow sequence number {sequence} should be {expected_sequence}: the overflow records of the "
        "detail on line {detail_line} are numbered from 1",
    )
    last = o["last"]
    wrong = joined.filter(
        pl.col("last").str.contains(r"^[0-9]$") & (pl.col("last") != pl.col("expected_last"))
    )
    per_row(
        p,
        wrong.filter(pl.col("expected_last") == "9"),
        "overflow-last",
        "last",
        last.positions,
        "overflow indicator {last} should be 9: this is the last overflow record of the detail on line "
        "{detail_line}",
    )
    per_row(
        p,
        wrong.filter(pl.col("expected_last") == "0"),
        "overflow-last",
        "last",
        last.positions,
        "overflow indicator {last} should be 0: more overflow records of the detail on line {detail_line} "
        "follow",
    )


def table(details: pl.DataFrame, overflow: pl.DataFrame, lockboxes: pl.DataFrame) -> pl.DataFrame:
    """The pipeline's table: one row per detail (columns: see ``formats.lockbox``). ``lockboxes``:
    ``lockbox_ix`` -> ``lockbox_number``, ``deposit_date``; ``details`` carries the account columns."""
    data = (
        overflow.sort("line")
        .group_by("detail_ix", maintain_order=True)
        .agg(pl.col("data").alias("overflow_data"))
        if not overflow.is_empty()
        else pl.DataFrame(schema={"detail_ix": pl.Int64, "overflow_data": pl.List(pl.String)})
    )
    out = (
        details.join(lockboxes, on="lockbox_ix", how="left")
        .join(data, on="detail_ix", how="left")
        .with_columns(pl.col("overflow_data").fill_null(pl.lit([], pl.List(pl.String))))
    )
    pieces = pl.concat_list(pl.col("free_data"), pl.col("overflow_data")).list.eval(
        pl.element().str.strip_chars(" ").filter(pl.element() != "")
    )
    return out.sort("line").select(
        pl.col("line").alias("_line"),
        pl.col("lockbox_number").alias("lockbox"),
        "deposit_date",
        "batch",
        "item",
        "amount_cents",
        text(pl.col("remitter_routing")).alias("remitter_routing"),
        text(pl.col("remitter_account")).alias("remitter_account"),
        text(pl.col("check_number")).alias("check_number"),
        pl.col("check_date_parsed").alias("check_date"),
        text(pl.col("remitter_name")).alias("remitter_name"),
        pl.when(pl.col("free_data") != "").then(pl.col("free_data")).alias("free_data"),
        "overflow_data",
        pl.when(pieces.list.len() > 0).then(pieces.list.join(" ")).alias("remittance_data"),
        "account_number",
        "account_check_digit_ok",
        "detail_ix",
        "batch_ix",
    )
