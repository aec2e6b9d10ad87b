"""NACHA entries and their addenda: the typed entry table and the rules that tie each entry to its
addenda (indicator, count, sequence, trace), its batch (trace order, ODFI) and its codes. IAT entries
are cut with their own layout into the same columns (``iat`` tells them apart); the rules only IAT
entries have are in ``formats.nacha_iat``."""

from __future__ import annotations

from typing import Literal

import polars as pl

from formats.fixed_width.fields import cut, per_row
from formats.nacha_codes import CHANGE_CODES, RETURN_CODES, TRANSACTION_CODES, ZERO_AMOUNT_CODES
from formats.nacha_iat_layout import IAT_ADDENDA, IAT_ENTRY
from formats.nacha_layout import ENTRY, LAYOUTS, RETURN_ADDENDA, check_digit_expr
from hub.kernel.problems import Problem

SPECIAL = RETURN_ADDENDA  # return and NOC addenda: exactly one per entry
ADDENDA_LAYOUTS = {k: r for k, r in {**LAYOUTS, **IAT_ADDENDA}.items() if r.type == "7"}
INFO = ("05", "I17")  # payment related information, joined into one text per entry
SEQUENCED = ("05", "I17", "I18")  # numbered among the addenda of their type of an entry
_TC_RANGES = "21-24, 26-29, 31-34, 36-39, 41-44, 46-49, 51-56"
ADDENDA_FIELDS = (
    "return_code",
    "change_code",
    "original_trace",
    "date_of_death",
    "original_rdfi",
    "addenda_info",
    "corrected_data",
    "return_trace",
    "return_reason_code",
    "dishonored_return_trace",
    "dishonored_return_reason_code",
    "date_original_returned",
    "original_amount",
)


def entries(frame: pl.DataFrame) -> pl.DataFrame:
    """One row per entry detail record with its fields, typed where the rules need numbers; an IAT
    entry's own fields (``addenda_records``, the OFAC indicators) are there when the file has one."""
    rows = frame.filter(pl.col("kind") == "6").select("line", "rec", "batch", "entry", "layout")
    iat = rows.filter(pl.col("layout") == "6IAT")
    if iat.is_empty():
        rows = cut(rows, ENTRY).with_columns(pl.lit(False).alias("iat"))
    else:
        domestic = cut(rows.filter(pl.col("layout") != "6IAT"), ENTRY)
        both = [domestic, cut(iat, IAT_ENTRY)]
        rows = pl.concat(both, how="diagonal_relaxed").sort("line")
        rows = rows.with_columns((pl.col("layout") == "6IAT").alias("iat"))
    return rows.drop("rec", "layout").with_columns(
        pl.col("transaction_code").cast(pl.Int32, strict=False).alias("tc"),
        pl.col("amount").cast(pl.Int64, strict=False).alias("amount_cents"),
        pl.col("trace").cast(pl.Int64, strict=False).alias("trace_number"),
        pl.col("rdfi").cast(pl.Int64, strict=False).alias("rdfi_number"),
        check_digit_expr(pl.col("rdfi")).cast(pl.String).alias("expected_check_digit"),
        (pl.col("rdfi") + pl.col("check_digit")).alias("routing"),
    )


def addenda(frame: pl.DataFrame) -> pl.DataFrame:
    """One row per addenda record, with the fields of its own layout (05, 98, 99 and variants, IAT
    10-18 and 99); an addenda type the hub does not read still counts as an addenda record of its
    entry."""
    parts = []
    addenda_rows = frame.filter(pl.col("kind") == "7")
    present = set(addenda_rows.get_column("layout").unique())
    keys = [k for k in ADDENDA_LAYOUTS if k in present]
    for key in keys:
        rows = addenda_rows.filter(pl.col("layout") == key)
        parts.append(cut(rows.select("line", "rec", "entry", "layout"), ADDENDA_LAYOUTS[key]).drop("rec"))
    other = addenda_rows.filter(~pl.col("layout").is_in(keys))
    if not other.is_empty():
        parts.append(other.select("line", "entry", "layout"))
    if not parts:
        return pl.DataFrame(
            schema={"line": pl.Int64, "entry": pl.Int64, "layout": pl.String, "trace": pl.String}
        )
    return pl.concat(parts, how="diagonal_relaxed").sort("line")


def unknown_addenda(frame: pl.DataFrame) -> list[Problem]:
    """An addenda record of a type the hub has no layout for (it still counts as its entry's); in an
    IAT batch, one of a type IAT entries do not carry."""
    unknown = frame.filter((pl.col("kind") == "7") & ~pl.col("layout").is_in(list(ADDENDA_LAYOUTS)))
    return [
        Problem.of(
            "addenda-type",
            f"addenda type {key[1:]!r} is not one an IAT entry carries (10-18, 98, 99)"
            if key.startswith("I")
            else f"addenda type {key!r} is not one the hub reads (05, 98, 99; 10-18 in IAT batches)",
            line=line,
            field="addenda_type",
            value=key.removeprefix("I"),
            positions="2-3",
        )
        for line, key in unknown.select("line", "layout").iter_rows()
    ]


def attach(entry_rows: pl.DataFrame, addenda_rows: pl.DataFrame) -> pl.DataFrame:
    """Each entry with its return/NOC addenda (the first 98 or 99), its payment information (05, or
    an IAT entry's 17s) joined, and how many addenda it carries."""
    if "trace" not in addenda_rows.columns:
        addenda_rows = addenda_rows.with_columns(pl.lit(None, pl.String).alias("trace"))
    present = [c for c in ADDENDA_FIELDS if c in addenda_rows.columns]
    counts = addenda_rows.group_by("entry").agg(pl.len().alias("addenda_count"))
    special = (
        addenda_rows.filter(pl.col("layout").is_in(SPECIAL))
        .group_by("entry", maintain_order=True)
        .first()
        .select(
            "entry",
            pl.col("layout").alias("addenda_layout"),
            pl.col("line").alias("addenda_line"),
            pl.col("trace").alias("addenda_trace"),
            *present,
        )
    )
    info = (
        addenda_rows.filter(pl.col("layout").is_in(INFO))
        .group_by("entry", maintain_order=True)
        .agg(pl.col("payment_info").str.strip_chars_end(" ").str.join(""))
        if "payment_info" in addenda_rows.columns
        else pl.DataFrame(schema={"entry": pl.Int64, "payment_info": pl.String})
    )
    out = (
        entry_rows.join(counts, on="entry", how="left")
        .join(special, on="entry", how="left")
        .join(info, on="entry", how="left")
        .with_columns(pl.col("addenda_count").fill_null(0))
    )
    missing = [
        c
        for c in (*ADDENDA_FIELDS, "addenda_layout", "addenda_line", "addenda_trace")
        if c not in out.columns
    ]
    return out.with_columns(pl.lit(None, pl.String).alias(c) for c in missing).sort("line")


def check_entries(
    table: pl.DataFrame,
    addenda_rows: pl.DataFrame,
    batch_odfi: pl.DataFrame,
    *,
    unknown_codes: Literal["warn", "reject"],
) -> list[Problem]:
    """The rules of each entry and its addenda. ``batch_odfi``: batch index -> ODFI of its header."""
    p: list[Problem] = []
    tc = pl.col("tc")
    per_row(
        p,
        table.filter(tc.is_not_null() & ~tc.is_in(list(TRANSACTION_CODES))),
        "transaction-code",
        "transaction_code",
        "2-3",
        "transaction code {transaction_code} is not a NACHA transaction code (expected one of "
        + _TC_RANGES
        + ")",
    )
    per_row(
        p,
        table.filter(tc.is_in(list(ZERO_AMOUNT_CODES)) & (pl.col("amount_cents") != 0)),
        "zero-amount",
        "amount",
        "30-39",
        "transaction code {transaction_code} (prenote or zero-dollar entry) must carry amount 0, "
        "not {amount}",
    )
    per_row(
        p,
        table.filter(
            pl.col("rdfi_number").is_not_null()
            & pl.col("check_digit").str.contains("^[0-9]$")
            & (pl.col("check_digit") != pl.col("expected_check_digit"))
        ),
        "routing-check-digit",
        "check_digit",
        "12",
        "check digit {check_digit} of routing number {rdfi}{check_digit} should be {expected_check_digit}",
    )
    count = pl.col("addenda_count")
    per_row(
        p,
        table.filter((pl.col("addenda_indicator") == "0") & (count > 0)),
        "addenda-indicator",
        "addenda_indicator",
        "79",
        "addenda indicator is 0 but {addenda_count} addenda record(s) follow the entry",
    )
    per_row(
        p,
        table.filter((pl.col("addenda_indicator") == "1") & (count == 0)),
        "addenda-indicator",
        "addenda_indicator",
        "79",
        "addenda indicator is 1 but no addenda record follows the entry",
    )
    per_row(
        p,
        table.filter(
            pl.col("addenda_indicator").is_in(["0", "1"]).not_()
            & pl.col("addenda_indicator").str.contains("^[0-9]$")
        ),
        "addenda-indicator",
        "addenda_indicator",
        "79",
        "addenda indicator must be 0 or 1, not {addenda_indicator}",
    )
    # Trace numbers: ascending within the batch, and starting with the batch's ODFI.
    ordered = table.join(batch_odfi, on="batch", how="left").with_columns(
        pl.col("trace_number").shift(1).over("batch").alias("previous_trace")
    )
    per_row(
        p,
        ordered.filter((pl.col("batch") >= 0) & (pl.col("trace_number") <= pl.col("previous_trace"))),
        "trace-order",
        "trace",
        "80-94",
        "trace number {trace} does not follow the previous entry's trace {previous_trace} in ascending order",
    )
    per_row(
        p,
        ordered.filter(
            pl.col("trace_number").is_not_null()
            & pl.col("odfi").is_not_null()
            & (pl.col("trace").str.slice(0, 8) != pl.col("odfi"))
        ),
        "trace-odfi",
        "trace",
        "80-87",
        "trace number {trace} does not start with the batch's originating DFI {odfi}",
    )
    _check_addenda(p, table, addenda_rows, unknown_codes)
    return p


def _check_addenda(
    p: list[Problem], table: pl.DataFrame, addenda_rows: pl.DataFrame, unknown: Literal["warn", "reject"]
) -> None:
    if addenda_rows.is_empty():
        return
    if "trace" not in addenda_rows.columns:
        addenda_rows = addenda_rows.with_columns(pl.lit(None, pl.String).alias("trace"))
    joined = addenda_rows.join(
        table.select(
            "entry", pl.col("line").alias("entry_line"), pl.col("trace").alias("entry_trace"), "amount", "iat"
        ),
        on="entry",
        how="left",
    ).sort("line")
    joined = joined.with_columns(
        pl.col("layout").is_in(SPECIAL).any().over("entry").alias("is_return"),
        pl.len().over("entry").alias("addenda_count"),
        pl.int_range(pl.len()).over("entry").alias("nth"),
    )
    special = joined.filter(pl.col("layout").is_in(SPECIAL))
    per_row(
        p,
        joined.filter(pl.col("is_return") & (pl.col("nth") > 0) & ~pl.col("iat").fill_null(False)),
        "addenda-count",
        "addenda_type",
        "2-3",
        "a return or notification of change carries exactly 1 addenda record; the entry on line "
        "{entry_line} has {addenda_count}",
        value="layout",
    )
    per_row(
        p,
        special.filter(pl.col("trace") != pl.col("entry_trace")),
        "addenda-trace",
        "trace",
        "80-94",
        "addenda trace number {trace} differs from its entry's trace {entry_trace} (line {entry_line})",
    )
    severity: Literal["error", "warning"] = "warning" if unknown == "warn" else "error"
    for name, letter, rule, known, what in (
        ("return_code", "R", "return-code", RETURN_CODES, "return reason code"),
        ("change_code", "C", "change-code", CHANGE_CODES, "change code"),
    ):
        if name not in special.columns:
            continue
        coded = special.filter(pl.col(name).is_not_null() & (pl.col(name).str.strip_chars(" ") != ""))
        well_formed = pl.col(name).str.contains(f"^{letter}[0-9]{{2}}$")
        per_row(
            p,
            coded.filter(~well_formed),
            rule,
            name,
            "4-6",
            f"{what} {{{name}}} is not a code of the form {letter}nn (e.g. {letter}01)",
        )
        per_row(
            p,
            coded.filter(well_formed & ~pl.col(name).is_in(list(known))),
            rule,
            name,
            "4-6",
            f"{what} {{{name}}} is not in the NACHA rules; kept and flagged for review",
            severity=severity,
        )
    if "change_code" in special.columns:
        nocs = special.filter(pl.col("change_code").is_not_null())
        per_row(
            p,
            nocs.filter(pl.col("amount").str.contains("^0+$").not_()),
            "noc-amount",
            "amount",
            "30-39",
            "a notification of change carries amount 0, but the entry on line {entry_line} has {amount}",
            line="entry_line",
        )
    if "addenda_sequence" in joined.columns:
        numbered = joined.filter(pl.col("layout").is_in(SEQUENCED)).with_columns(
            pl.int_range(1, pl.len() + 1).over("entry", "layout").alias("expected_sequence")
        )
        per_row(
            p,
            numbered.filter(
                pl.col("addenda_sequence").cast(pl.Int64, strict=False) != pl.col("expected_sequence")
            ),
            "addenda-sequence",
            "addenda_sequence",
            "84-87",
            "addenda sequence number {addenda_sequence} should be {expected_sequence}",
        )
    if "entry_sequence" in joined.columns:
        sequenced = joined.filter(pl.col("entry_sequence").is_not_null()).with_columns(
            pl.col("entry_trace").str.slice(8, 7).alias("expected_entry_sequence")
        )
        per_row(
            p,
            sequenced.filter(pl.col("entry_sequence") != pl.col("expected_entry_sequence")),
            "addenda-sequence",
            "entry_sequence",
            "88-94",
            "entry detail sequence number {entry_sequence} should be {expected_entry_sequence} (the last "
            "seven digits of the entry's trace)",
        )
