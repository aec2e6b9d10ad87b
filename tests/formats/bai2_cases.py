"""Shared by the BAI2 tests: a valid file built with the writer (two groups, balances and summaries
continued onto 88 records, every funds type, text continued onto 88 records with commas and slashes,
an all-zero account), line helpers that change one record, and the one-case-one-finding helpers.

``valid_file()`` at its default width of 50 is, line by line:

     1 01,121000248,CITYUTIL,261120,0605,1,,,2/
     2 02,CITYUTIL,121000248,1,261119,2400,USD,2/
     3 03,1234567890,USD,010,-50000,,,015,125000,,,100/
     4 88,210000,3,,400,7500,2,/
     5 16,115,150000,0,LBX1,DEP1,LOCKBOX 7788 DEPOSIT, 2
     6 88,ITEMS/BATCH 4/
     7 16,165,50000,S,10000,20000,20000,ACH1,,AUTOPAY
     8 88,CITY UTILITY INV A/B/
     9 16,555,5000,D,2,0,2500,2,2500,RET1,CHK 1001/
    10 88,DEPOSITED ITEM RETURNED NSF/
    11 16,475,2500,Z,CHK4401,,CHECK PAID/
    12 49,500000,10/
    13 03,5550001111,,010,0,,,015,0,,/
    14 49,0,2/
    15 98,500000,2,14/
    16 02,CITYUTIL,121000248,1,261120,,USD,3/
    17 03,1234567890,USD,015,99999,,/
    18 16,195,10000,V,261120,1300,W1,C1,WIRE FROM COUNTY
    19 88,WATER DISTRICT/
    20 16,257,1234,1,,/
    21 49,111233,5/
    22 98,111233,1,7/
    23 99,611233,2,23/

Account 1: -50000 + 125000 + 210000 + 7500 (03) + 150000 + 50000 + 5000 + 2500 (16) = 500000.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest

from formats.bai2 import Bai2File, Bai2Options, read_bai2
from formats.bai2_writer import Account, Bai2Spec, Funds, Group, Summary, Transaction, write_file
from hub.kernel.problems import Problem

CREATED = datetime(2026, 11, 20, 6, 5)
BANK = "121000248"
UTILITY = "CITYUTIL"
ACCOUNT = "1234567890"


def lockbox_account() -> Account:
    return Account(
        ACCOUNT,
        "USD",
        [
            Summary("010", -50_000),
            Summary("015", 125_000),
            Summary("100", 210_000, 3),
            Summary("400", 7_500, 2),
        ],
        [
            Transaction("115", 150_000, "LBX1", "DEP1", "LOCKBOX 7788 DEPOSIT, 2 ITEMS/BATCH 4", Funds("0")),
            Transaction(
                "165",
                50_000,
                "ACH1",
                "",
                "AUTOPAY CITY UTILITY INV A/B",
                Funds("S", [(0, 10_000), (1, 20_000), (2, 20_000)]),
            ),
            Transaction(
                "555",
                5_000,
                "RET1",
                "CHK 1001",
                "DEPOSITED ITEM RETURNED NSF",
                Funds("D", [(0, 2_500), (2, 2_500)]),
            ),
            Transaction("475", 2_500, "CHK4401", "", "CHECK PAID", Funds("Z")),
        ],
    )


def valid_spec() -> Bai2Spec:
    wire = Transaction(
        "195",
        10_000,
        "W1",
        "C1",
        "WIRE FROM COUNTY WATER DISTRICT",
        Funds("V", value_date=date(2026, 11, 20), value_time="1300"),
    )
    first = Group(
        BANK,
        date(2026, 11, 19),
        [lockbox_account(), Account("5550001111", "", [Summary("010", 0), Summary("015", 0)])],
        receiver=UTILITY,
        as_of_time="2400",
        currency="USD",
        as_of_modifier="2",
    )
    second = Group(
        BANK,
        date(2026, 11, 20),
        [
            Account(
                ACCOUNT, "USD", [Summary("015", 99_999)], [wire, Transaction("257", 1_234, funds=Funds("1"))]
            )
        ],
        receiver=UTILITY,
        currency="USD",
        as_of_modifier="3",
    )
    return Bai2Spec(BANK, UTILITY, CREATED, [first, second])


def valid_file(width: int | None = 50) -> bytes:
    return write_file(valid_spec(), width=width)


def small_file(*transactions: Transaction, summaries: list[Summary] | None = None) -> bytes:
    """One group, one account holding the given transactions (no width: one line per record)."""
    account = Account(ACCOUNT, "USD", summaries or [], list(transactions))
    return write_file(Bai2Spec(BANK, UTILITY, CREATED, [Group(BANK, date(2026, 11, 19), [account])]))


# -- reading ---------------------------------------------------------------------------------------


def read(data: bytes, **options: Any) -> Bai2File:
    return read_bai2(data, "report.bai2", Bai2Options(**options))


def errors(found: Bai2File) -> list[Problem]:
    return [p for p in found.problems if p.severity == "error"]


def warnings(found: Bai2File) -> list[Problem]:
    return [p for p in found.problems if p.severity == "warning"]


def only(found: Bai2File, severity: str = "error") -> Problem:
    """The one finding of the file, which must have the given severity."""
    assert len(found.problems) == 1, found.problems
    [problem] = found.problems
    assert problem.severity == severity, problem
    return problem


def money(found: Bai2File) -> dict[str, Any]:
    """What must never change silently: per account (in file order) what its records add up to and
    its transaction amounts; the file's total."""
    return {
        "accounts": [
            (a.total, sorted(d.amount_cents or 0 for d in a.details)) for a in found.structure.accounts
        ],
        "file": found.control_cents,
    }


# -- mutating --------------------------------------------------------------------------------------


def lines(data: bytes) -> list[str]:
    return data.decode("utf-8").split("\n")[:-1]


def join(records: list[str]) -> bytes:
    return ("\n".join(records) + "\n").encode("utf-8")


def line_of(data: bytes, code: str, n: int = 0) -> int:
    """1-based line of the n-th record starting with ``code``."""
    return [i for i, r in enumerate(lines(data), start=1) if r.startswith(code + ",")][n]


def set_line(data: bytes, line: int, text: str) -> bytes:
    records = lines(data)
    records[line - 1] = text
    return join(records)


def edit(data: bytes, line: int, old: str, new: str) -> bytes:
    """Replace the one occurrence of ``old`` in a line."""
    text = lines(data)[line - 1]
    assert text.count(old) == 1, (text, old)
    return set_line(data, line, text.replace(old, new))


def delete_line(data: bytes, line: int) -> bytes:
    records = lines(data)
    del records[line - 1]
    return join(records)


def insert_line(data: bytes, line: int, text: str) -> bytes:
    records = lines(data)
    records.insert(line - 1, text)
    return join(records)


# -- one case, one finding ------------------------------------------------------------------------------

CASE_ARGS = ("make", "options", "rule", "line", "positions", "severity", "says")


def case(
    name: str,
    make: Callable[[], bytes],
    rule: str,
    line: int,
    positions: str | None,
    *says: str,
    severity: str = "error",
    **options: Any,
) -> Any:
    """A parametrized case: the file ``make`` gives, read with ``options``, has exactly one finding,
    of ``rule`` at ``line`` and ``positions``, whose message or value contains each of ``says``."""
    return pytest.param(make, options, rule, line, positions, severity, says, id=name)


def check_case(
    make: Callable[[], bytes],
    options: dict[str, Any],
    rule: str,
    line: int,
    positions: str | None,
    severity: str,
    says: tuple[str, ...],
) -> Problem:
    problem = only(read(make(), **options), severity)
    assert (problem.rule, problem.line, problem.positions) == (rule, line, positions), problem
    shown = f"{problem.message} | {problem.value}"
    for text in says:
        assert text in shown, (text, problem)
    return problem
