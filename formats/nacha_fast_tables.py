"""The NACHA fast path's tables (``formats.nacha_fast``): the entry and addenda tables, column for
column as the reference path builds them, cut from the checked byte matrix. Text fields are sliced
from one string column per record kind in one polars ``select``; fields of a few known values
(digits, codes) and the addenda's and batch's columns are gathered from small tables; a field every
record has alike (the checks' folds) is that one text."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from formats.nacha_controls import batch_info
from formats.nacha_entries import ADDENDA_FIELDS
from formats.nacha_fast_checks import ZERO, NotHere
from formats.nacha_layout import ENTRY, LAYOUTS

if TYPE_CHECKING:
    from formats.nacha_controls import BatchFacts
    from formats.nacha_fast_checks import Bytes, Folds, Ints, Mask

# each code's text by number (R01 at 1, C01 at 101)
_CODE_TEXT = [f"R{n:02d}" for n in range(100)] + [f"C{n:02d}" for n in range(100)]


def as_strings(x: Bytes, name: str) -> pl.Series:
    """Rows of bytes as a string column (printable ASCII: nothing to decode). Through polars' own
    casts (a matrix is an array column, whose bytes a list cast hands to a binary column): a third
    of the time of a column from numpy's fixed-width strings, which polars takes one by one."""
    rows = pl.Series(name, np.ascontiguousarray(x))
    return rows.cast(pl.List(pl.UInt8)).cast(pl.Binary).cast(pl.String)


def same_text(folds: Folds | None, start: int, end: int) -> str | None:
    """The text every record has at 0-based ``start:end`` (from ``check_fields``'s folds), or None when
    the records differ there (or there are none)."""
    if folds is None:
        return None
    lo, hi = folds[0][start:end], folds[1][start:end]
    return lo.tobytes().decode("ascii") if (lo == hi).all() else None


def entry_table(
    i6: Ints,
    x6: Bytes,
    batch: Ints,
    has: Mask,
    addenda: pl.DataFrame,
    entries: dict[str, Ints],
    found: list[BatchFacts],
    folds: Folds | None,
) -> pl.DataFrame:
    """The entry table, column for column as the reference path builds it. Text fields are sliced
    from one string column of the entries; fields of a few known values (digits) and the addenda's
    and batch's columns are gathered from small tables, which costs a tenth of a slice; a field the
    same in every entry (``folds``: blank discretionary data, one name) is that one text."""
    n = len(i6)
    which = np.cumsum(has) - 1  # each entry's addenda row, where it has one
    base = pl.DataFrame(
        [
            as_strings(x6, "rec"),
            pl.Series("at", np.where(has, which, -1), pl.Int64),
            pl.Series("batch", batch, pl.Int64),
            pl.Series("expected", entries["expected"], pl.Int64),
            pl.Series("tc", entries["tc"], pl.Int64),
            *(
                pl.Series(name, x6[:, ENTRY[name].start - 1] - np.uint8(ZERO), pl.UInt8)
                for name in ("check_digit", "addenda_indicator")
            ),
        ]
    )
    at = pl.when(pl.col("at") >= 0).then(pl.col("at"))
    batch_of = pl.col("batch")
    info = batch_info(found)

    def digits(index: str, width: int, name: str) -> pl.Expr:
        table = pl.Series(name, [f"{i:0{width}d}" for i in range(10**width)], pl.String)
        return pl.lit(table).gather(pl.col(index)).alias(name)

    few = {
        "transaction_code": digits("tc", 2, "transaction_code"),
        "check_digit": digits("check_digit", 1, "check_digit"),
        "addenda_indicator": digits("addenda_indicator", 1, "addenda_indicator"),
    }
    rec = pl.col("rec")

    def sliced(start: int, width: int, name: str) -> pl.Expr:
        same = same_text(folds, start, start + width)
        return (rec.str.slice(start, width) if same is None else pl.lit(same, pl.String)).alias(name)

    def field(name: str) -> pl.Expr:
        if name in few:
            return few[name]
        f = ENTRY[name]
        return sliced(f.start - 1, f.width, name)

    def gathered(column: str, name: str) -> pl.Expr:
        return pl.lit(addenda.get_column(column)).gather(at).alias(name)

    fields = [f for f in ADDENDA_FIELDS if f in addenda.columns]
    pairs = [("layout", "addenda_layout"), ("line", "addenda_line"), ("trace", "addenda_trace")]
    pairs += [(c, c) for c in fields]
    # one addenda an entry (the usual return file): entry i's addenda is row i, nothing to gather
    every = addenda.height == n and bool(has.all())
    taken = [addenda.get_column(c).alias(a) for c, a in pairs] if every else []
    numbers = [
        pl.Series("_line", i6 + 1, pl.Int64),
        pl.Series("entry", np.arange(n), pl.Int64),
        pl.Series("iat", np.zeros(n, np.bool_)),
        pl.Series("tc", entries["tc"], pl.Int32),
        pl.Series("amount_cents", entries["amount"], pl.Int64),
        pl.Series("trace_number", entries["trace"], pl.Int64),
        pl.Series("rdfi_number", entries["rdfi"], pl.Int64),
        pl.Series("addenda_count", has, pl.UInt32),
        pl.Series("rejected", np.zeros(n, np.bool_)),
    ]
    nothing = pl.repeat(None, n, dtype=pl.String, eager=True)
    # one select: polars cuts and gathers every column on every core at once
    cut = base.select(
        *(field(f.name) for f in ENTRY.fields),
        digits("expected", 1, "expected_check_digit"),
        sliced(3, 9, "routing"),
        *([] if every else (gathered(c, a) for c, a in pairs)),
        *(
            pl.lit(pl.Series(name, values, pl.String)).gather(batch_of).alias(name)
            for name, values in info.items()
        ),
    ).hstack(numbers + taken)
    order = [
        "_line",
        "batch",
        "entry",
        *(f.name for f in ENTRY.fields),
        "iat",
        "tc",
        "amount_cents",
        "trace_number",
        "rdfi_number",
        "expected_check_digit",
        "routing",
        "addenda_count",
        "addenda_layout",
        "addenda_line",
        "addenda_trace",
        *fields,
        "payment_info",
        *(c for c in ADDENDA_FIELDS if c not in fields),
        *info,
        "rejected",
    ]
    missing = [nothing.alias(c) for c in ("payment_info", *ADDENDA_FIELDS) if c not in fields]
    return cut.hstack([pl.Series("batch", batch, pl.Int64), *missing]).select(order)


def addenda_table(
    i7: Ints, owner: Ints, x7: Bytes, noc: Mask, number: Ints, folds: dict[str, Folds | None]
) -> pl.DataFrame:
    """The addenda table, column for column as the reference path builds it. ``number``: each
    addenda's code by number (R01 1, C01 101). Text fields are sliced from one string column; the
    type, the codes and the reserved blanks are gathered from small tables (a tenth of a slice), and
    a field the same in every addenda of its layouts (``folds``, by layout key) is that one text."""
    if not len(i7):
        return pl.DataFrame(
            schema={"line": pl.Int64, "entry": pl.Int64, "layout": pl.String, "trace": pl.String}
        )
    present = [k for k, there in (("98", noc.any()), ("99", not noc.all())) if there]
    base = pl.DataFrame(
        [
            as_strings(x7, "rec"),
            pl.Series("is 98", noc),
            pl.Series("is 99", ~noc),
            pl.Series("type", noc, pl.Int64),
            pl.Series("code", number, pl.Int64),
        ]
    )
    only = {"98": pl.col("is 98"), "99": pl.col("is 99")}
    rec = pl.col("rec")
    kind = pl.lit(pl.Series(["99", "98"])).gather(pl.col("type"))  # the type of a 98 or 99 is its layout key
    code = pl.lit(pl.Series(_CODE_TEXT)).gather(pl.col("code"))
    cut = [kind.alias("layout")]
    for name, (start, end, keys) in _addenda_spans(present).items():
        f = LAYOUTS[keys[0]][name]
        if name == "addenda_type":
            column = kind
        elif name in ("return_code", "change_code"):
            column = code
        elif f.kind == "B":  # reserved: blanks, as ``check_fields`` found
            column = pl.lit(" " * f.width)
        elif len(same := {same_text(folds[k], start - 1, end) for k in keys}) == 1 and None not in same:
            column = pl.lit(same.pop(), pl.String)
        else:
            column = rec.str.slice(start - 1, end - start + 1)
        cut.append((column if len(keys) == len(present) else pl.when(only[keys[0]]).then(column)).alias(name))
    numbers = [pl.Series("line", i7 + 1, pl.Int64), pl.Series("entry", owner, pl.Int64)]
    # one select: polars cuts the fields on every core at once
    return pl.DataFrame(numbers).hstack(base.select(cut))


def _addenda_spans(present: list[str]) -> dict[str, tuple[int, int, list[str]]]:
    """Each field of the present addenda layouts (in the reference's column order): its positions
    and the layouts that have it; ``NotHere`` if two layouts put one name in different places."""
    spans: dict[str, tuple[int, int, list[str]]] = {}
    for key in present:
        for f in LAYOUTS[key].fields:
            if f.name in spans:
                start, end, keys = spans[f.name]
                if (start, end) != (f.start, f.end):
                    raise NotHere
                keys.append(key)
            else:
                spans[f.name] = (f.start, f.end, [key])
    return spans
