"""Shared by the NACHA tests: valid files built with the writer (returns of several SEC codes,
dishonored and contested returns, NOCs, forward entries with 05 addenda) and small helpers that
break one record at given positions, so each test breaks exactly one rule of an otherwise valid file."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest

from formats.nacha import NachaFile, NachaOptions, read_nacha
from formats.nacha_layout import PADDING
from formats.nacha_writer import Batch, Entry, NachaSpec, write_file
from hub.kernel.problems import Problem

CREATED = datetime(2026, 11, 20, 6, 5)
EFFECTIVE = date(2026, 11, 21)
UTILITY_BANK = "121042882"  # 1*3+2*7+1+0+4*7+2+8*3+8*7 = 128: check digit 2
CUSTOMER_BANK = "091000019"  # 0+9*7+1+0+0+0+0+1*7 = 71: check digit 9
ODFI = UTILITY_BANK[:8]
ACCOUNT = "98765432101234567"  # 17 characters: the whole DFI account field
INDIVIDUAL = "ACCT-0000123456"  # 15 characters: the whole individual id field
CORRECTED = "55501234567890123"


def ret(code: str, seq: int, **fields: str) -> dict[str, str]:
    """An addenda 99 of a return."""
    return {
        "addenda_type": "99",
        "return_code": code,
        "original_trace": f"{CUSTOMER_BANK[:8]}{seq:07d}",
        "original_rdfi": ODFI,
        **fields,
    }


def dishonored(seq: int) -> dict[str, str]:
    """An addenda 99 of a dishonored return (R68, untimely return)."""
    return ret(
        "R68",
        seq,
        return_trace=f"{ODFI}{seq + 500:07d}",
        return_settlement_date="324",
        return_reason_code="01",
        addenda_info="UNTIMELY",
    )


def contested(seq: int) -> dict[str, str]:
    """An addenda 99 of a contested dishonored return (R71, misrouted dishonored return)."""
    return ret(
        "R71",
        seq,
        date_original_returned="261110",
        original_settlement_date="314",
        return_trace=f"{ODFI}{seq + 500:07d}",
        return_settlement_date="315",
        return_reason_code="01",
        dishonored_return_trace=f"{CUSTOMER_BANK[:8]}{seq + 900:07d}",
        dishonored_return_settlement_date="318",
        dishonored_return_reason_code="68",
    )


def noc(code: str, seq: int, corrected: str = CORRECTED) -> dict[str, str]:
    """An addenda 98 of a notification of change."""
    return {
        "addenda_type": "98",
        "change_code": code,
        "original_trace": f"{CUSTOMER_BANK[:8]}{seq:07d}",
        "original_rdfi": ODFI,
        "corrected_data": corrected,
    }


def info(text: str) -> dict[str, str]:
    """An addenda 05 (payment related information)."""
    return {"addenda_type": "05", "payment_info": text}


def entry(tc: int, cents: int, *addenda: dict[str, str], n: int = 1, **fields: Any) -> Entry:
    values: dict[str, Any] = {
        "routing": CUSTOMER_BANK,
        "dfi_account": f"{4000 + n}-{n:05d}",
        "individual_id": f"ACCT{n:06d}",
        "individual_name": f"CUSTOMER {n}",
        **fields,
    }
    return Entry(tc, amount_cents=cents, addenda=list(addenda), **values)


def batch(sec: str, entries: list[Entry], **fields: Any) -> Batch:
    values: dict[str, Any] = {
        "company_name": "CITY UTILITY",
        "company_id": "1234567890",
        "entry_description": "UTIL PYMT",
        "effective_date": EFFECTIVE,
        "odfi": ODFI,
        **fields,
    }
    return Batch(sec_code=sec, entries=entries, **values)


def spec(*batches: Batch, **fields: Any) -> NachaSpec:
    values: dict[str, Any] = {
        "immediate_destination": UTILITY_BANK,
        "immediate_origin": CUSTOMER_BANK,
        "destination_name": "FIRST UTILITY BANK",
        "origin_name": "CUSTOMER SAVINGS BANK",
        "created": CREATED,
        **fields,
    }
    return NachaSpec(batches=list(batches), **values)


def returns_batches() -> list[Batch]:
    """Returns of PPD, CCD, WEB and TEL debits and credits, dishonored and contested returns, NOCs."""
    return [
        batch(
            "PPD",
            [
                entry(26, 12_345, ret("R01", 1), n=1, dfi_account=ACCOUNT, individual_id=INDIVIDUAL),
                entry(26, 9_999, ret("R02", 2), n=2),
                entry(21, 5_000, ret("R03", 3), n=3),
                entry(26, 7_700, dishonored(4), n=4),
                entry(26, 7_800, contested(5), n=5),
                entry(36, 100, ret("R15", 6, date_of_death="261001"), n=6),
            ],
        ),
        batch("CCD", [entry(26, 250_000, ret("R29", 7), n=7), entry(21, 1, ret("R24", 8), n=8)]),
        batch("WEB", [entry(26, 4_321, ret("R10", 9), n=9)]),
        batch("TEL", [entry(26, 1_000, ret("R07", 10), n=10)], service_class="225"),
        batch(
            "COR",
            [
                entry(21, 0, noc("C01", 11), n=11),
                entry(26, 0, noc("C03", 12, "091000019   7700112"), n=12),
            ],
        ),
    ]


def forward_batches() -> list[Batch]:
    """Forward entries: PPD debits with 05 addenda and CCD credits, a prenote among them."""
    return [
        batch(
            "PPD",
            [
                entry(27, 10_000, info("INVOICE 1001"), n=21),
                entry(27, 20_050, info("INVOICE 1002"), info("SECOND LINE"), n=22),
                entry(28, 0, n=23),
            ],
        ),
        batch("CCD", [entry(22, 99_999_999, n=24), entry(32, 15, info("REFUND"), n=25)]),
    ]


def valid_spec() -> NachaSpec:
    return spec(*returns_batches(), *forward_batches())


def valid_file(newline: str = "\n") -> bytes:
    """Every kind of entry and addenda in one file: 7 batches, 49 records and one 9-padding line."""
    return write_file(valid_spec(), newline=newline)


def small_file(*entries: Entry, sec: str = "PPD", **batch_fields: Any) -> bytes:
    """One batch of the given entries (default: one return)."""
    return write_file(spec(batch(sec, list(entries) or [entry(26, 12_345, ret("R01", 1))], **batch_fields)))


# -- reading ---------------------------------------------------------------------------------------


def read(data: bytes, **options: Any) -> NachaFile:
    return read_nacha(data, "returns.ach", NachaOptions(**options))


def errors(found: NachaFile) -> list[Problem]:
    return [p for p in found.problems if p.severity == "error"]


def warnings(found: NachaFile) -> list[Problem]:
    return [p for p in found.problems if p.severity == "warning"]


def only(found: NachaFile, severity: str = "error") -> Problem:
    """The one finding of the file, which must have the given severity."""
    assert len(found.problems) == 1, found.problems
    [problem] = found.problems
    assert problem.severity == severity, problem
    return problem


def facts(found: NachaFile) -> dict[str, Any]:
    """What money and structure the file holds: per entry its side, amount and trace; per batch its
    totals; file totals. Two reads of the same payments give the same facts."""
    entries = found.entries.select("tc", "amount_cents", "trace", "batch").to_dicts()
    return {
        "entries": [(e["batch"], (e["tc"] or 0) % 10 >= 5, e["amount_cents"], e["trace"]) for e in entries],
        "batches": [
            (b.entries, b.addenda, b.debit_cents, b.credit_cents, b.entry_hash) for b in found.batches
        ],
        "debit": found.debit_cents,
        "credit": found.credit_cents,
    }


# -- mutating --------------------------------------------------------------------------------------


def lines(data: bytes) -> list[str]:
    return data.decode("latin-1").split("\n")[:-1]


def join(records: list[str]) -> bytes:
    return ("\n".join(records) + "\n").encode("latin-1")


def line_of(data: bytes, kind: str, n: int = 0, addenda: str | None = None) -> int:
    """1-based line of the n-th record of ``kind`` (for addenda, optionally of one addenda type)."""
    found = [
        i
        for i, r in enumerate(lines(data), start=1)
        if r != PADDING and r[0] == kind and (addenda is None or r[1:3] == addenda)
    ]
    return found[n]


def cut(data: bytes, line: int, start: int, end: int) -> str:
    """The text at positions start..end (1-based, inclusive) of a line."""
    return lines(data)[line - 1][start - 1 : end]


def replace(data: bytes, line: int, start: int, end: int, text: str) -> bytes:
    """Put ``text`` at positions start..end (1-based, inclusive) of a line; same width only."""
    assert len(text) == end - start + 1, (text, start, end)
    records = lines(data)
    r = records[line - 1]
    records[line - 1] = r[: start - 1] + text + r[end:]
    return join(records)


def bump(data: bytes, line: int, start: int, end: int, delta: int) -> bytes:
    """Add ``delta`` to the number at positions start..end of a line."""
    value = int(cut(data, line, start, end)) + delta
    return replace(data, line, start, end, f"{value:0{end - start + 1}d}")


def set_line(data: bytes, line: int, text: str) -> bytes:
    records = lines(data)
    records[line - 1] = text
    return join(records)


def delete_line(data: bytes, line: int) -> bytes:
    records = lines(data)
    del records[line - 1]
    return join(records)


def insert_line(data: bytes, line: int, text: str, *, keep_blocks: bool = True) -> bytes:
    """Insert ``text`` as line ``line``; with ``keep_blocks`` one 9-padding line goes, so the file
    keeps its record count (and its block count stays right)."""
    records = lines(data)
    records.insert(line - 1, text)
    if keep_blocks:
        assert records[-1] == PADDING, "the file needs a padding line to give up"
        records.pop()
    return join(records)


# -- one case, one finding ------------------------------------------------------------------------------


def case(
    name: str,
    make: Callable[[], bytes],
    rule: str,
    line: int,
    positions: str | None,
    *says: str,
    severity: str = "error",
) -> Any:
    """A parametrized case: the file ``make`` gives has exactly one finding, of ``rule`` at ``line``
    and ``positions``, whose message or value contains each of ``says``."""
    return pytest.param(make, rule, line, positions, severity, says, id=name)


CASE_ARGS = ("make", "rule", "line", "positions", "severity", "says")


def check_case(
    make: Callable[[], bytes],
    rule: str,
    line: int,
    positions: str | None,
    severity: str,
    says: tuple[str, ...],
) -> Problem:
    problem = only(read(make()), severity)
    assert (problem.rule, problem.line, problem.positions) == (rule, line, positions), problem
    shown = f"{problem.message} | {problem.value}"
    for text in says:
        assert text in shown, (text, problem)
    return problem
