"""The rows of a CIS billing-periods extract (``hub reference load billing-periods``): one row per
account and billing period, ``account,period_start,period_end`` with ISO dates (``YYYY-MM-DD``),
``period_end`` the period's last day (inclusive).

Checked before anything is loaded: every field filled, dates real and ISO, start on or before end,
an account's periods neither repeated nor overlapping (an overlap names both periods and the other
line). The green-button roll-up sums interval usage by these periods.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any

from hub.kernel.problems import Problem

if TYPE_CHECKING:
    from hub.engine.reference import Extract

_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
MAX_ACCOUNT = 64


def _day(value: str) -> date | None:
    if not _ISO.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _row(
    record: list[str], where: list[int], line: int
) -> tuple[tuple[str, date, date] | None, list[Problem]]:
    """The account and days of one record, or the problems that stop it."""
    account, start_text, end_text = (record[i].strip() for i in where)
    problems = []
    if not account:
        problems.append(Problem.of("required", "account is empty", line=line, field="account"))
    elif len(account) > MAX_ACCOUNT or not account.isprintable():
        message = f"account must be 1 to {MAX_ACCOUNT} printable characters"
        problems.append(Problem.of("invalid", message, line=line, field="account", value=account))
    days: list[date | None] = []
    for name, text in (("period_start", start_text), ("period_end", end_text)):
        day = _day(text) if text else None
        if not text:
            problems.append(Problem.of("required", f"{name} is empty", line=line, field=name))
        elif day is None:
            message = f"{name} is not a date YYYY-MM-DD"
            problems.append(Problem.of("invalid_date", message, line=line, field=name, value=text))
        days.append(day)
    start, end = days
    if start is not None and end is not None and start > end:
        message = f"period_start {start} is after period_end {end}"
        problems.append(Problem.of("period_order", message, line=line, field="period_end", value=str(end)))
    if problems or start is None or end is None:
        return None, problems
    return (account, start, end), []


def check_periods(extract: Extract, reader: Any, where: list[int], width: int) -> None:
    """Check every record of ``reader`` (columns at ``where``); the rows go to ``extract.rows`` as
    (account, first day, last day) in ISO text when the whole extract is clean."""
    found: list[tuple[str, date, date, int]] = []
    for start_line, record in extract.records(reader, width):
        row, problems = _row(record, where, start_line)
        for problem in problems:
            extract.add(problem)
        if row is not None:
            found.append((*row, start_line))
    _overlaps(extract, found)
    if extract.ok:
        extract.rows = [(a, s.isoformat(), e.isoformat()) for a, s, e, _ in sorted(found)]


def _overlaps(extract: Extract, found: list[tuple[str, date, date, int]]) -> None:
    """A period repeating or overlapping an earlier-starting period of the same account."""
    last: tuple[str, date, date, int] | None = None
    for row in sorted(found, key=lambda r: (r[0], r[1], r[3])):
        account, start, end, line = row
        if last is not None and last[0] == account and start <= last[2]:
            _, other_start, other_end, other_line = last
            same = start == other_start
            rule = "duplicate" if same else "overlap"
            message = (
                f"period {start}..{end} {'repeats' if same else 'overlaps'} period "
                f"{other_start}..{other_end} of the same account on line {other_line}"
            )
            extract.add(Problem.of(rule, message, line=line, field="period_start", value=str(start)))
        if last is None or last[0] != account or end > last[2]:
            last = row
