"""Shared by the lockbox tests: valid transmissions built with the writer (two lockboxes, batches with
and without overflow records, an empty batch) and small helpers that break one record at given
positions, so each test breaks exactly one rule of an otherwise valid file."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest

from formats.lockbox import LockboxFile, LockboxOptions, read_lockbox
from formats.lockbox_accounts import with_check_digit
from formats.lockbox_writer import Batch, Item, Lockbox, LockboxSpec, write_file
from hub.kernel.problems import Problem

CREATED = datetime(2026, 11, 20, 6, 5)
DEPOSIT = date(2026, 11, 20)
CHECK_DATE = date(2026, 11, 14)
LOCKBOX = "1234567"
OTHER_LOCKBOX = "7654321"
ROUTING = "091000019"
REMITTER_ACCOUNT = "4455667788"  # 10 characters: the whole remitter account field


def utility_account(n: int) -> str:
    """A 10-digit utility account number with its Luhn check digit."""
    return with_check_digit("luhn", f"{500_000_000 + n:09d}")


def scanline(n: int) -> str:
    """The detail's free data as the bank keys it: the utility account number first (positions
    83-92 of the detail), then the amount due."""
    return f"{utility_account(n)} {n * 100:08d}"


def item(cents: int, n: int = 1, **fields: Any) -> Item:
    values: dict[str, Any] = {
        "remitter_routing": ROUTING,
        "remitter_account": f"{4000 + n}{n:06d}",
        "check_number": f"{1000 + n}",
        "check_date": CHECK_DATE,
        "remitter_name": f"CUSTOMER {n}",
        "free_data": scanline(n),
        **fields,
    }
    return Item(cents, **values)


def spec(*lockboxes: Lockbox, **fields: Any) -> LockboxSpec:
    return LockboxSpec(created=CREATED, lockboxes=list(lockboxes), **fields)


def valid_spec() -> LockboxSpec:
    """Two lockboxes: the first with two batches (three checks, the first with two overflow records;
    one check), the second with one batch of no checks."""
    return spec(
        Lockbox(
            LOCKBOX,
            DEPOSIT,
            [
                Batch(
                    [
                        item(
                            12_345,
                            1,
                            remitter_account=REMITTER_ACCOUNT,
                            overflow=["INVOICE 1001", "INVOICE 1002"],
                        ),
                        item(10_000, 2),
                        item(1, 3),
                    ]
                ),
                Batch([item(25_000_000, 4)]),
            ],
        ),
        Lockbox(OTHER_LOCKBOX, DEPOSIT, [Batch([])]),
    )


def valid_file(newline: str = "\n") -> bytes:
    """Lines: 1 header, 2 service, 3 lockbox header; 4 detail (batch 001 item 001, 123.45) with its
    overflow records on 5 and 6; 7 and 8 details (100.00, 0.01); 9 batch total; 10 detail (batch 002,
    250,000.00); 11 batch total; 12 lockbox total; 13 the second lockbox's header, 14 its empty batch
    total, 15 its lockbox total; 16 trailer."""
    return write_file(valid_spec(), newline=newline)


BATCH_1_CENTS = 12_345 + 10_000 + 1
LOCKBOX_CENTS = BATCH_1_CENTS + 25_000_000


def small_file(*items: Item, options: LockboxOptions | None = None, **fields: Any) -> bytes:
    """One lockbox of one batch of the given checks (default: one check): lines 1-3 header,
    service and lockbox header, then the checks from line 4."""
    chosen = list(items) or [item(12_345)]
    return write_file(spec(Lockbox(LOCKBOX, DEPOSIT, [Batch(chosen)])), options, **fields)


# -- reading ---------------------------------------------------------------------------------------


def read(data: bytes, options: LockboxOptions | None = None, **changes: Any) -> LockboxFile:
    return read_lockbox(data, "deposit.bai", options or LockboxOptions(**changes))


def errors(found: LockboxFile) -> list[Problem]:
    return [p for p in found.problems if p.severity == "error"]


def warnings(found: LockboxFile) -> list[Problem]:
    return [p for p in found.problems if p.severity == "warning"]


def only(found: LockboxFile, severity: str = "error") -> Problem:
    """The one finding of the file, which must have the given severity."""
    assert len(found.problems) == 1, found.problems
    [problem] = found.problems
    assert problem.severity == severity, problem
    return problem


def money(found: LockboxFile) -> dict[str, Any]:
    """What must not change silently: each check's lockbox, batch and amount; each lockbox's items
    and amount; the file's."""
    s = found.summary()
    checks = found.details.select("lockbox", "deposit_date", "batch", "amount_cents").rows()
    return {
        "checks": checks,
        "lockboxes": [
            (lb["number"], lb["deposit_date"], lb["items"], lb["amount_cents"]) for lb in s["lockboxes"]
        ],
        "totals": (s["items"], s["amount_cents"]),
    }


# -- mutating --------------------------------------------------------------------------------------


def lines(data: bytes) -> list[str]:
    return data.decode("latin-1").split("\n")[:-1]


def join(records: list[str]) -> bytes:
    return ("\n".join(records) + "\n").encode("latin-1")


def line_of(data: bytes, kind: str, n: int = 0) -> int:
    """1-based line of the n-th record of ``kind``."""
    return [i for i, r in enumerate(lines(data), start=1) if r[:1] == kind][n]


def cut(data: bytes, line: int, start: int, end: int) -> str:
    """The text at positions start..end (1-based, inclusive) of a line."""
    return lines(data)[line - 1][start - 1 : end]


def replace(data: bytes, line: int, start: int, end: int, text: str) -> bytes:
    """Put ``text`` at positions start..end (1-based, inclusive) of a line; same width only."""
    assert len(text) == end - start + 1, (text, start, end)
    records = lines(data)
    r = records[line - 1].ljust(end)
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


def delete_line(data: bytes, line: int, *, recount: bool = False) -> bytes:
    """Delete a line; with ``recount`` the trailer's record count follows, so only the order breaks."""
    records = lines(data)
    del records[line - 1]
    return _recount(records) if recount else join(records)


def insert_line(data: bytes, line: int, text: str, *, recount: bool = False) -> bytes:
    records = lines(data)
    records.insert(line - 1, text)
    return _recount(records) if recount else join(records)


def _recount(records: list[str]) -> bytes:
    at = next(i for i, r in enumerate(records) if r[:1] == "9")
    records[at] = f"9{len(records):06d}" + records[at][7:]
    return join(records)


# -- one case, one finding --------------------------------------------------------------------------


def case(
    name: str,
    make: Callable[[], bytes],
    rule: str,
    line: int | None,
    positions: str | None,
    *says: str,
    severity: str = "error",
    level: str = "file",
) -> Any:
    """A parametrized case: the file ``make`` gives has exactly one finding, of ``rule`` at ``line``
    and ``positions`` with ``severity`` and ``level``, whose message or value contains each of
    ``says``."""
    return pytest.param(make, rule, line, positions, severity, level, says, id=name)


CASE_ARGS = ("make", "rule", "line", "positions", "severity", "level", "says")


def check_case(
    make: Callable[[], bytes],
    rule: str,
    line: int | None,
    positions: str | None,
    severity: str,
    level: str,
    says: tuple[str, ...],
    options: LockboxOptions | None = None,
) -> Problem:
    problem = only(read(make(), options), severity)
    assert (problem.rule, problem.line, problem.positions, problem.level) == (rule, line, positions, level), (
        problem
    )
    shown = f"{problem.message} | {problem.value}"
    for text in says:
        assert text in shown, (text, problem)
    return problem
