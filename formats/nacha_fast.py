"""The NACHA reader's fast path: the usual file read as one byte matrix (numpy), every rule judged
column-wise at once, and the entry table built straight from fixed-width byte slices.

It judges the files it can judge exactly: 94-character records of printable ASCII ending all in LF
or all in CR LF, records in order (at most one addenda per entry, of type 98 or 99 other than a
dishonored or contested return), no IAT batch, and no finding on any record but an unknown return or
change code kept as a warning. For those it gives what ``read_nacha``'s reference path gives, finding
for finding (file-level findings of the controls come from the same functions); for any other file
it answers None and the reference path reads it, so a broken file costs the reference path's time,
never a different answer (``tests/formats/test_nacha_fast.py`` holds the two to that).

Here the record order, the entry and addenda rules and the batch sums; the field checks are in
``formats.nacha_fast_checks``, the tables in ``formats.nacha_fast_tables``.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import TYPE_CHECKING

import numpy as np

from formats.fixed_width.split import severity
from formats.nacha_codes import (
    CHANGE_CODES,
    CONTESTED_CODES,
    DISHONORED_CODES,
    RETURN_CODES,
    TRANSACTION_CODES,
    ZERO_AMOUNT_CODES,
)
from formats.nacha_fast_checks import NINE, ZERO, NotHere, all_digits, as_numbers, check_fields
from formats.nacha_fast_tables import addenda_table, entry_table
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
    from formats.nacha import NachaFile, NachaOptions
    from formats.nacha_controls import BatchFacts
    from formats.nacha_fast_checks import Bytes, Ints, Mask

# file header, batches (header, entries each with at most one addenda, control), file control, padding
_ORDER = re.compile(rb"1(?:5(?:67?)+8)+(9)9*")
_LF, _CR = 10, 13
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


def read_fast(data: bytes, file: str, options: NachaOptions) -> NachaFile | None:
    """``read_nacha``'s answer for a file the fast path judges; None for any other file."""
    try:
        return _Reader(data, options).read()
    except NotHere:
        return None


def _text(rec: Bytes) -> str:
    return rec.tobytes().decode("ascii")


class _Reader:
    """One file's fast read (state shared by its steps)."""

    def __init__(self, data: bytes, options: NachaOptions) -> None:
        self.options = options
        self.problems: list[Problem] = []
        if len(data) < 95:
            raise NotHere
        stride = 95 if data[94:95] == b"\n" else 96 if data[94:96] == b"\r\n" else 0
        if not stride or len(data) % stride:
            raise NotHere
        a = np.frombuffer(data, np.uint8).reshape(-1, stride)
        ends = a[:, 94] == _LF if stride == 95 else (a[:, 94] == _CR) & (a[:, 95] == _LF)
        if not ends.all():
            raise NotHere
        self.rec: Bytes = a[:, :94]
        if self.rec.min() < 0x20 or self.rec.max() > 0x7E:
            raise NotHere
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
            raise NotHere
        fc = m.start(1)
        if (rec[fc] == NINE).all() or not (rec[fc + 1 :] == NINE).all():
            raise NotHere  # a file control of 9s is padding to the reference path
        kind = types[: fc + 1]
        i5, i6, i7, i8 = (np.flatnonzero(kind == ord(c)) for c in "5678")
        heads = [_text(rec[i]) for i in i5]
        if any(h[50:53] == "IAT" or (h[50:53] == "COR" and h[4:10] == "IATCOR") for h in heads):
            raise NotHere
        x6, x7 = rec[i6], rec[i7]
        noc = _noc(x7)
        for key, rows in (("1", rec[:1]), ("5", rec[i5]), ("8", rec[i8]), ("9", rec[fc : fc + 1])):
            check_fields(rows, LAYOUTS[key])
        folds = {"6": check_fields(x6, ENTRY), "98": check_fields(x7[noc], LAYOUTS["98"])}
        folds["99"] = check_fields(x7[~noc], LAYOUTS["99"])
        self.problems += controls.check_blocks(self.n, self.n, severity(o.tolerate_missing_padding))
        batch = np.searchsorted(i5, i6) - 1
        has = kind[i6 + 1] == ord("7")
        owner = np.searchsorted(i6, i7 - 1)  # each addenda's entry
        entries = _entry_values(x6, as_numbers(rec[i5, 79:87]), batch, has)
        number = _codes(x7, noc)
        warnings = self._addenda_rules(x6, x7, i7, owner, noc, number, entries["amount"])
        found = self._batches(heads, i5, i8, batch, has, entries)
        self.problems += controls.check_batches(found, severity(o.tolerate_company_id_padding))
        header = _text(rec[0])
        self.problems += controls.check_file((1, header), (fc + 1, _text(rec[fc])), found, self.n)
        problems = _merge(warnings, controls.return_dates(self.problems, found))
        addenda = addenda_table(i7, owner, x7, noc, number, folds)
        table = entry_table(i6, x6, batch, has, addenda, entries, found, folds["6"])
        return NachaFile(self.n, FILE_HEADER.values(header), found, table, problems, addenda)

    def _addenda_rules(
        self, x6: Bytes, x7: Bytes, i7: Ints, owner: Ints, noc: Mask, number: Ints, amount: Ints
    ) -> list[Problem]:
        """Trace, codes and NOC amount of each addenda: the unknown codes' warnings, in line order;
        any other finding is ``NotHere``."""
        if not len(x7):
            return []
        # the usual return file has one addenda an entry: ``owner`` is then every entry in turn (it
        # rises: at most one addenda an entry), and nothing need be gathered
        mine = slice(None) if len(owner) == len(x6) else owner
        if (x7[:, 79:94] != x6[mine, 79:94]).any() or (noc & (amount[mine] != 0)).any():
            raise NotHere
        unknown = np.flatnonzero(~_KNOWN[number])
        if not len(unknown):
            return []
        if self.options.unknown_codes != "warn":
            raise NotHere  # an unknown code rejects its entry: the reference path says so
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
    """Each addenda's code by number (R01 1, C01 101), or ``NotHere`` for a code of no form (other
    than an R in a 99, a C in a 98, two digits) and for the dishonored and contested returns
    (addenda 99 of their own layouts)."""
    letter = np.where(noc, ord("C"), ord("R")).astype(np.uint8)
    if (x7[:, 3] != letter).any() or not all_digits(x7[:, 4:6]).all():
        raise NotHere
    number: Ints = np.where(noc, 100, 0) + as_numbers(x7[:, 4:6])
    if _OWN_LAYOUT[number].any():
        raise NotHere
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
    """Which addenda are 98s (the others are 99s), or ``NotHere`` for any other type."""
    nine = x7[:, 1] == NINE
    noc: Mask = nine & (x7[:, 2] == ord("8"))
    if not (noc | (nine & (x7[:, 2] == NINE))).all():
        raise NotHere
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
    """The entries' numbers, with every entry rule checked (a failure: ``NotHere``). ``odfi``: each
    batch header's ODFI as a number."""
    tc = as_numbers(x6[:, 1:3])
    amount = as_numbers(x6[:, 29:39])
    trace = as_numbers(x6[:, 79:94])
    # the RDFI's eight digits once, for its number and its check digit's weighted sum
    sums = (x6[:, 3:11].astype(np.int64) - ZERO) @ _RDFI_WEIGHTS
    rdfi = np.ascontiguousarray(sums[:, 0])
    expected = (10 - sums[:, 1] % 10) % 10
    indicator = x6[:, 78]
    broken = (
        ~_TRANSACTION[tc]
        | (_ZERO_AMOUNT[tc] & (amount != 0))
        | (x6[:, 11].astype(np.int64) - ZERO != expected)
        | ((indicator == ord("0")) & has)
        | ((indicator == ord("1")) & ~has)
        | ((indicator != ord("0")) & (indicator != ord("1")))
    )
    same = batch[1:] == batch[:-1]
    # the trace's first eight digits are the batch's ODFI (both digits only: ``check_fields`` saw to it)
    if broken.any() or (trace // 10**7 != odfi[batch]).any() or (same & (trace[1:] <= trace[:-1])).any():
        raise NotHere
    return {"tc": tc, "amount": amount, "rdfi": rdfi, "trace": trace, "expected": expected}
