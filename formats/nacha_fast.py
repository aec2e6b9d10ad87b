"""The NACHA reader's fast path: the usual file read as one byte matrix (numpy), every rule judged
column-wise at once, and the entry table built straight from fixed-width byte slices.

It judges the files it can judge exactly: 94-character records of printable ASCII ending all in LF
or all in CR LF, records in order (at most one addenda per entry, of type 98 or 99 other than a
dishonored or contested return), no IAT batch, and no finding on any record but an unknown return or
change code kept as a warning. For those it gives what ``read_nacha``'s reference path gives, finding
for finding (file-level findings of the controls come from the same functions); for any other file
it answers None and the reference path reads it, so a broken file costs the reference path's time,
never a different answer (``tests/formats/test_nacha_fast.py`` holds the two to that).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from formats.fixed_width.layout import Record
from formats.fixed_width.split import severity
from formats.nacha_codes import (
    CHANGE_CODES,
    CONTESTED_CODES,
    DISHONORED_CODES,
    RETURN_CODES,
    TRANSACTION_CODES,
    ZERO_AMOUNT_CODES,
)
from formats.nacha_entries import ADDENDA_FIELDS
from formats.nacha_layout import (
    BATCH_CONTROL,
    BATCH_HEADER,
    ENTRY,
    FILE_HEADER,
    LAYOUTS,
    ROUTING_WEIGHTS,
)
from hub.kernel.problems import Problem

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from formats.nacha import NachaFile, NachaOptions
    from formats.nacha_controls import BatchFacts

    Bytes = NDArray[np.uint8]
    Ints = NDArray[np.int64]
    Mask = NDArray[np.bool_]  # numpy's reductions are typed Any: the helpers say what they return
    Folds = tuple[Bytes, Bytes]  # each column's least and greatest byte

# file header, batches (header, entries each with at most one addenda, control), file control, padding
_ORDER = re.compile(rb"1(?:5(?:67?)+8)+(9)9*")
_LF, _CR, _SPACE, _ZERO, _NINE = 10, 13, 32, 48, 57
_DAYS = np.array([0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], np.int64)
_ADDENDA_KEYS = ("98", "99")  # the layouts of the addenda the fast path reads
_TRANSACTION = np.zeros(100, np.bool_)  # by the two digits of the transaction code
_TRANSACTION[list(TRANSACTION_CODES)] = True
_ZERO_AMOUNT = np.zeros(100, np.bool_)
_ZERO_AMOUNT[list(ZERO_AMOUNT_CODES)] = True
# the return codes (R01 at 1) and change codes (C01 at 101) of the NACHA rules, by number
_KNOWN = np.zeros(200, np.bool_)
_KNOWN[[int(c[1:]) for c in RETURN_CODES if c[1:].isdigit()]] = True
_KNOWN[[100 + int(c[1:]) for c in CHANGE_CODES if c[1:].isdigit()]] = True
_RDFI_WEIGHTS = np.array([10 ** np.arange(7, -1, -1), ROUTING_WEIGHTS[:8]], np.int64).T  # value, check sum
_OWN_LAYOUT = np.zeros(200, np.bool_)  # the dishonored and contested return codes, by number
_OWN_LAYOUT[[int(c[1:]) for c in (*DISHONORED_CODES, *CONTESTED_CODES)]] = True
# each code's text by number (R01 at 1, C01 at 101)
_CODE_TEXT = [f"R{n:02d}" for n in range(100)] + [f"C{n:02d}" for n in range(100)]
_ENTRY_EXTRA = ("addenda_count", "addenda_layout", "addenda_line", "addenda_trace")
_BATCH_COLUMNS = (
    "batch_number",
    "service_class",
    "sec_code",
    "company_id",
    "company_name",
    "entry_description",
    "effective_date",
)


class _NotHere(Exception):
    """The file is not one the fast path judges: the reference path reads it."""


def read_fast(data: bytes, file: str, options: NachaOptions) -> NachaFile | None:
    """``read_nacha``'s answer for a file the fast path judges; None for any other file."""
    try:
        return _Reader(data, options).read()
    except _NotHere:
        return None


def _number(x: Bytes) -> Ints:
    """Rows of ASCII digits as numbers."""
    width = x.shape[1]
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    number: Ints = (x.astype(np.int64) - _ZERO) @ powers
    return number


def _digits(x: Bytes) -> Mask:
    """Rows of ASCII digits only (column by column: numpy's row-wise ``all`` of a few columns costs
    more than one pass a column)."""
    digits: Mask = (x[:, 0] - np.uint8(_ZERO)) < 10  # uint8 wraps: below "0" is large
    for j in range(1, x.shape[1]):
        digits &= (x[:, j] - np.uint8(_ZERO)) < 10
    return digits


def _blank(x: Bytes) -> Mask:
    """Rows of blanks only (each row as one fixed-width string against the blank one)."""
    width = x.shape[1]
    blank: Mask = np.ascontiguousarray(x).view(f"S{width}").ravel() == b" " * width
    return blank


def _dates(x: Bytes) -> Mask:
    """Rows that are a date YYMMDD (%y: 00-68 are 2000-2068, so a year divisible by 4 is a leap year)."""
    ok = _digits(x)
    n = np.where(ok[:, None], x.astype(np.int64) - _ZERO, 0)
    yy, mm, dd = n[:, 0] * 10 + n[:, 1], n[:, 2] * 10 + n[:, 3], n[:, 4] * 10 + n[:, 5]
    month = (mm >= 1) & (mm <= 12)
    days = _DAYS[np.where(month, mm, 0)] - ((mm == 2) & (yy % 4 != 0))
    dates: Mask = ok & month & (dd >= 1) & (dd <= days)
    return dates


def _check(x: Bytes, record: Record) -> Folds | None:
    """Every field of the records ``x`` as its layout wants it, or ``_NotHere``: the fields that must
    be digits (or blanks) all at once, the others field by field. Returns each column's least and
    greatest byte (None for no records): where they are equal, every record has the same byte."""
    if not len(x):
        return None
    digits = np.zeros(x.shape[1], np.bool_)
    blanks = np.zeros(x.shape[1], np.bool_)
    for f in record.fields:
        s, e = f.start - 1, f.end
        if f.kind in ("N", "T", "D") and not f.optional:
            digits[s:e] = True
        elif f.kind == "B":
            blanks[s:e] = True
        elif f.kind == "A" and not f.optional:
            if _blank(x[:, s:e]).any():
                raise _NotHere
        elif f.kind in ("N", "T", "D"):
            if not (_digits(x[:, s:e]) | _blank(x[:, s:e])).all():
                raise _NotHere
        elif f.kind != "A":
            raise _NotHere
        if f.kind == "D":
            present = ~_blank(x[:, s:e]) if f.optional else slice(None)
            if not _dates(x[present, s:e]).all():
                raise _NotHere
    # a column of digits (or blanks) in every row is one whose least and greatest byte are
    lo, hi = _fold(x, np.minimum), _fold(x, np.maximum)
    if (lo[digits] < _ZERO).any() or (hi[digits] > _NINE).any() or (lo[blanks] != _SPACE).any():
        raise _NotHere
    if (hi[blanks] != _SPACE).any():
        raise _NotHere
    return lo, hi


def _same(folds: Folds | None, start: int, end: int) -> str | None:
    """The text every record has at 0-based ``start:end`` (from ``_check``'s folds), or None when
    the records differ there (or there are none)."""
    if folds is None:
        return None
    lo, hi = folds[0][start:end], folds[1][start:end]
    return lo.tobytes().decode("ascii") if (lo == hi).all() else None


def _fold(x: Bytes, op: np.ufunc) -> Bytes:
    """``op.reduce(x, axis=0)`` of a non-empty matrix, by halving: numpy reduces a tall narrow
    matrix one 94-byte row at a time, while each halving works on half the matrix at once (a
    quarter of the time)."""
    while len(x) > 64:
        half = len(x) // 2
        folded = op(x[:half], x[half : 2 * half])
        if len(x) % 2:
            folded[0] = op(folded[0], x[-1])
        x = folded
    out: Bytes = op.reduce(x, axis=0)
    return out


def _strings(x: Bytes, name: str) -> pl.Series:
    """Rows of bytes as a string column (printable ASCII: nothing to decode). Through polars' own
    casts (a matrix is an array column, whose bytes a list cast hands to a binary column): a third
    of the time of a column from numpy's fixed-width strings, which polars takes one by one."""
    rows = pl.Series(name, np.ascontiguousarray(x))
    return rows.cast(pl.List(pl.UInt8)).cast(pl.Binary).cast(pl.String)


def _text(rec: Bytes) -> str:
    return rec.tobytes().decode("ascii")


class _Reader:
    """One file's fast read (state shared by its steps)."""

    def __init__(self, data: bytes, options: NachaOptions) -> None:
        self.options = options
        self.problems: list[Problem] = []
        if len(data) < 95:
            raise _NotHere
        stride = 95 if data[94:95] == b"\n" else 96 if data[94:96] == b"\r\n" else 0
        if not stride or len(data) % stride:
            raise _NotHere
        a = np.frombuffer(data, np.uint8).reshape(-1, stride)
        ends = a[:, 94] == _LF if stride == 95 else (a[:, 94] == _CR) & (a[:, 95] == _LF)
        if not ends.all():
            raise _NotHere
        self.rec: Bytes = a[:, :94]
        if self.rec.min() < 0x20 or self.rec.max() > 0x7E:
            raise _NotHere
        self.n = len(a)
        if stride == 96:
            message = f"{self.n} of {self.n} lines end with CR LF instead of LF"
            crlf = severity(options.tolerate_crlf)
            self.problems.append(Problem.of("line-breaks", message, level="file", severity=crlf))

    def read(self) -> NachaFile:
        from formats import nacha_controls as controls
        from formats.nacha import NachaFile

        rec, o = self.rec, self.options
        types = np.ascontiguousarray(rec[:, 0])  # one copy: the column is strided, a record apart
        m = _ORDER.fullmatch(types.tobytes())
        if m is None:
            raise _NotHere
        fc = m.start(1)
        if (rec[fc] == _NINE).all() or not (rec[fc + 1 :] == _NINE).all():
            raise _NotHere  # a file control of 9s is padding to the reference path
        kind = types[: fc + 1]
        i5, i6, i7, i8 = (np.flatnonzero(kind == ord(c)) for c in "5678")
        heads = [_text(rec[i]) for i in i5]
        if any(h[50:53] == "IAT" or (h[50:53] == "COR" and h[4:10] == "IATCOR") for h in heads):
            raise _NotHere
        x6, x7 = rec[i6], rec[i7]
        noc = _noc(x7)
        for key, rows in (("1", rec[:1]), ("5", rec[i5]), ("8", rec[i8]), ("9", rec[fc : fc + 1])):
            _check(rows, LAYOUTS[key])
        folds = {"6": _check(x6, ENTRY), "98": _check(x7[noc], LAYOUTS["98"])}
        folds["99"] = _check(x7[~noc], LAYOUTS["99"])
        self.problems += controls.check_blocks(self.n, self.n, severity(o.tolerate_missing_padding))
        batch = np.searchsorted(i5, i6) - 1
        has = kind[i6 + 1] == ord("7")
        owner = np.searchsorted(i6, i7 - 1)  # each addenda's entry
        entries = _entry_values(x6, _number(rec[i5, 79:87]), batch, has)
        number = _codes(x7, noc)
        warnings = self._addenda_rules(x6, x7, i7, owner, noc, number, entries["amount"])
        found = self._batches(heads, i5, i8, batch, has, entries)
        self.problems += controls.check_batches(found, severity(o.tolerate_company_id_padding))
        header = _text(rec[0])
        self.problems += controls.check_file((1, header), (fc + 1, _text(rec[fc])), found, self.n)
        problems = _merge(warnings, controls.return_dates(self.problems, found))
        addenda = _addenda(i7, owner, x7, noc, number, folds)
        table = _table(i6, x6, batch, has, addenda, entries, found, folds["6"])
        return NachaFile(self.n, FILE_HEADER.values(header), found, table, problems, addenda)

    def _addenda_rules(
        self, x6: Bytes, x7: Bytes, i7: Ints, owner: Ints, noc: Mask, number: Ints, amount: Ints
    ) -> list[Problem]:
        """Trace, codes and NOC amount of each addenda: the unknown codes' warnings, in line order;
        any other finding is ``_NotHere``."""
        if not len(x7):
            return []
        # the usual return file has one addenda an entry: ``owner`` is then every entry in turn (it
        # rises: at most one addenda an entry), and nothing need be gathered
        mine = slice(None) if len(owner) == len(x6) else owner
        if (x7[:, 79:94] != x6[mine, 79:94]).any() or (noc & (amount[mine] != 0)).any():
            raise _NotHere
        unknown = np.flatnonzero(~_KNOWN[number])
        if not len(unknown):
            return []
        if self.options.unknown_codes != "warn":
            raise _NotHere  # an unknown code rejects its entry: the reference path says so
        # a file has a few unknown codes, each on many lines: each code's warning is made once and
        # copied to its lines in bulk, then the copies are put back in line order
        kinds, which = np.unique(number[unknown], return_inverse=True)
        lines = i7[unknown] + 1
        built: list[Problem] = []
        for k, n in enumerate(kinds.tolist()):
            built += _unknown_code(n).at_lines(lines[which == k].tolist())
        if len(kinds) == 1:
            return built
        back = np.argsort(np.argsort(which, kind="stable"), kind="stable")
        return list(map(built.__getitem__, back.tolist()))

    def _batches(
        self, heads: list[str], i5: Ints, i8: Ints, batch: Ints, has: Mask, entries: dict[str, Ints]
    ) -> list[BatchFacts]:
        """Each batch's header, control and sums (every batch has an entry: the order says so)."""
        from formats.nacha_controls import BatchFacts

        starts = np.searchsorted(batch, np.arange(len(i5)))
        debit = entries["tc"] % 10 >= 5
        amount = entries["amount"]

        def per_batch(values: Ints) -> list[int]:
            return [int(v) for v in np.add.reduceat(values, starts)]

        counts = per_batch(np.ones(len(batch), np.int64))
        hashes = per_batch(entries["rdfi"])
        debits = per_batch(np.where(debit, amount, 0))
        credits = per_batch(np.where(debit, 0, amount))
        addenda = per_batch(has.astype(np.int64))
        return [
            BatchFacts(
                b,
                int(i5[b]) + 1,
                BATCH_HEADER.values(heads[b]),
                int(i8[b]) + 1,
                BATCH_CONTROL.values(_text(self.rec[i8[b]])),
                entries=counts[b],
                addenda=addenda[b],
                entry_hash=hashes[b],
                debit_cents=debits[b],
                credit_cents=credits[b],
                returns=addenda[b],
            )
            for b in range(len(i5))
        ]


def _codes(x7: Bytes, noc: Mask) -> Ints:
    """Each addenda's code by number (R01 1, C01 101), or ``_NotHere`` for a code of no form (other
    than an R in a 99, a C in a 98, two digits) and for the dishonored and contested returns
    (addenda 99 of their own layouts)."""
    letter = np.where(noc, ord("C"), ord("R")).astype(np.uint8)
    if (x7[:, 3] != letter).any() or not _digits(x7[:, 4:6]).all():
        raise _NotHere
    number: Ints = np.where(noc, 100, 0) + _number(x7[:, 4:6])
    if _OWN_LAYOUT[number].any():
        raise _NotHere
    return number


def _unknown_code(number: int) -> Problem:
    """The warning of an unknown return code (``number`` 1-99: R01-R99) or change code (101-199:
    C01-C99), at no line yet."""
    if number >= 100:
        rule, name, what, value = "change-code", "change_code", "change code", f"C{number - 100:02d}"
    else:
        rule, name, what, value = "return-code", "return_code", "return reason code", f"R{number:02d}"
    message = f"{what} {value} is not in the NACHA rules; kept and flagged for review"
    return Problem(rule, message, None, name, value, "row", "4-6", "warning")


def _noc(x7: Bytes) -> Mask:
    """Which addenda are 98s (the others are 99s), or ``_NotHere`` for any other type."""
    nine = x7[:, 1] == _NINE
    noc: Mask = nine & (x7[:, 2] == ord("8"))
    if not (noc | (nine & (x7[:, 2] == _NINE))).all():
        raise _NotHere
    return noc


def _merge(rows: list[Problem], others: list[Problem]) -> list[Problem]:
    """The findings in the reference path's order (by line, the file's own first, stable): ``rows``
    are in line order already and share no line with the few ``others``."""
    others = sorted(others, key=lambda p: (p.line is not None, p.line or 0))
    if not rows:
        return others
    lines = [p.line or 0 for p in rows]
    out: list[Problem] = []
    done = 0
    for p in others:
        at = 0 if p.line is None else bisect_right(lines, p.line, lo=done)
        out += rows[done:at]
        out.append(p)
        done = at
    return out + rows[done:]


def _entry_values(x6: Bytes, odfi: Ints, batch: Ints, has: Mask) -> dict[str, Ints]:
    """The entries' numbers, with every entry rule checked (a failure: ``_NotHere``). ``odfi``: each
    batch header's ODFI as a number."""
    tc = _number(x6[:, 1:3])
    amount = _number(x6[:, 29:39])
    trace = _number(x6[:, 79:94])
    # the RDFI's eight digits once, for its number and its check digit's weighted sum
    sums = (x6[:, 3:11].astype(np.int64) - _ZERO) @ _RDFI_WEIGHTS
    rdfi = np.ascontiguousarray(sums[:, 0])
    expected = (10 - sums[:, 1] % 10) % 10
    indicator = x6[:, 78]
    broken = (
        ~_TRANSACTION[tc]
        | (_ZERO_AMOUNT[tc] & (amount != 0))
        | (x6[:, 11].astype(np.int64) - _ZERO != expected)
        | ((indicator == ord("0")) & has)
        | ((indicator == ord("1")) & ~has)
        | ((indicator != ord("0")) & (indicator != ord("1")))
    )
    same = batch[1:] == batch[:-1]
    # the trace's first eight digits are the batch's ODFI (both digits only: ``_check`` saw to it)
    if broken.any() or (trace // 10**7 != odfi[batch]).any() or (same & (trace[1:] <= trace[:-1])).any():
        raise _NotHere
    return {"tc": tc, "amount": amount, "rdfi": rdfi, "trace": trace, "expected": expected}


def _table(
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
            _strings(x6, "rec"),
            pl.Series("at", np.where(has, which, -1), pl.Int64),
            pl.Series("batch", batch, pl.Int64),
            pl.Series("expected", entries["expected"], pl.Int64),
            pl.Series("tc", entries["tc"], pl.Int64),
            *(
                pl.Series(name, x6[:, ENTRY[name].start - 1].astype(np.int64) - _ZERO, pl.Int64)
                for name in ("check_digit", "addenda_indicator")
            ),
        ]
    )
    at = pl.when(pl.col("at") >= 0).then(pl.col("at"))
    batch_of = pl.col("batch")
    info = {
        "batch_number": [b.header["batch_number"] for b in found],
        "service_class": [b.header["service_class"] for b in found],
        "sec_code": [b.header["sec_code"] for b in found],
        "company_id": [b.company_id.strip() for b in found],
        "company_name": [b.header.get("company_name", "").strip() for b in found],
        "entry_description": [b.header["entry_description"].strip() for b in found],
        "effective_date": [b.header["effective_date"] for b in found],
    }

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
        same = _same(folds, start, start + width)
        return (rec.str.slice(start, width) if same is None else pl.lit(same, pl.String)).alias(name)

    def field(name: str) -> pl.Expr:
        if name in few:
            return few[name]
        f = ENTRY[name]
        return sliced(f.start - 1, f.width, name)

    def gathered(column: str, name: str) -> pl.Expr:
        return pl.lit(addenda.get_column(column)).gather(at).alias(name)

    fields = [f for f in ADDENDA_FIELDS if f in addenda.columns]
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
        *(
            gathered(c, a)
            for c, a in (("layout", "addenda_layout"), ("line", "addenda_line"), ("trace", "addenda_trace"))
        ),
        *(gathered(c, c) for c in fields),
        *(
            pl.lit(pl.Series(name, values, pl.String)).gather(batch_of).alias(name)
            for name, values in info.items()
        ),
    ).hstack(numbers)
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


def _addenda(
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
            _strings(x7, "rec"),
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
        elif f.kind == "B":  # reserved: blanks, as ``_check`` found
            column = pl.lit(" " * f.width)
        elif len(same := {_same(folds[k], start - 1, end) for k in keys}) == 1 and None not in same:
            column = pl.lit(same.pop(), pl.String)
        else:
            column = rec.str.slice(start - 1, end - start + 1)
        cut.append((column if len(keys) == len(present) else pl.when(only[keys[0]]).then(column)).alias(name))
    numbers = [pl.Series("line", i7 + 1, pl.Int64), pl.Series("entry", owner, pl.Int64)]
    # one select: polars cuts the fields on every core at once
    return pl.DataFrame(numbers).hstack(base.select(cut))


def _addenda_spans(present: list[str]) -> dict[str, tuple[int, int, list[str]]]:
    """Each field of the present addenda layouts (in the reference's column order): its positions
    and the layouts that have it; ``_NotHere`` if two layouts put one name in different places."""
    spans: dict[str, tuple[int, int, list[str]]] = {}
    for key in present:
        for f in LAYOUTS[key].fields:
            if f.name in spans:
                start, end, keys = spans[f.name]
                if (start, end) != (f.start, f.end):
                    raise _NotHere
                keys.append(key)
            else:
                spans[f.name] = (f.start, f.end, [key])
    return spans
