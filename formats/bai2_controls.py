"""BAI2 trailers against the records they control, as the BAI2 spec defines them:

- 49: the account control total is the plain sum of every amount on the account's 03 and 16 records
  (balances with their sign; debits are not subtracted; item counts and availability amounts are not
  amounts), and the record count runs from the 03 through the 49, 88 continuations included.
- 98: the group control total is the sum of its accounts' control totals, then the number of
  accounts and of records (02 through 98).
- 99: the file control total is the sum of the group control totals, then the number of groups and
  of records (01 through 99).

A trailer is compared with the trailers it sums (the stated ones; the recomputed sum where one is
missing or unreadable), so one wrong amount gives one finding, on the account trailer above it. Every
disagreement is a file-level error naming both numbers. A blank control total is tolerated (warning,
``Bai2Options.tolerate_blank_control_total``) only where everything it controls is zero, i.e. where no
amount depends on it; otherwise it is an error.
"""

from __future__ import annotations

from formats.bai2_fields import Checker
from formats.bai2_records import Record, Token
from formats.bai2_structure import Account, Group, Structure


def _at(token: Token | None, rec: Record, ordinal: int) -> Token:
    """The field, or a blank stand-in on the trailer's last line when the record is too short."""
    return token if token is not None else Token("", rec.segments[-1].line, ordinal, True)


def _total(
    check: Checker,
    rec: Record,
    token: Token | None,
    expected: int | None,
    *,
    what: str,
    rule: str,
    sums: str,
    all_zero: bool,
) -> int | None:
    """A control total against ``expected`` (None: not checkable, an amount below is unreadable)."""
    token = _at(token, rec, 2)
    if token.value == "":
        tolerated = all_zero and check.options.tolerate_blank_control_total
        shown = "" if expected is None else f"; {sums} {expected}"
        reason = "tolerated: every amount it controls is zero" if tolerated else "the amounts depend on it"
        check.add(
            "blank-control-total",
            f"{what} control total is blank{shown} ({reason})",
            token,
            "control_total",
            warning=tolerated,
        )
        return None
    stated = check.amount(token, "control_total", signed=True)
    if stated is not None and expected is not None and stated != expected:
        check.add(rule, f"{what} control total {stated} but {sums} {expected}", token, "control_total")
    return stated


def _count(
    check: Checker,
    rec: Record,
    token: Token | None,
    ordinal: int,
    expected: int,
    *,
    rule: str,
    name: str,
    message: str,
) -> None:
    """A count field (records, accounts, groups) against what the file holds."""
    token = _at(token, rec, ordinal)
    if token.value == "":
        check.add(rule, f"{message}: blank, the file holds {expected}", token, name)
        return
    stated = check.count(token, name)
    if stated is not None and stated != expected:
        check.add(rule, f"{message}: {stated} stated, the file holds {expected}", token, name)


def _account(check: Checker, a: Account) -> int | None:
    """Check a 49; return the account's control total for the group trailer (stated, else computed)."""
    readable = not (a.lines() & check.bad_amounts)
    if a.trailer is None:
        return a.total if readable else None
    f = a.trailer_fields
    stated = _total(
        check,
        a.trailer,
        f.get("control_total"),
        a.total if readable else None,
        what="account",
        rule="account-control",
        sums="the account's 03 and 16 amounts add up to",
        all_zero=readable and not any(a.amounts),
    )
    _count(
        check,
        a.trailer,
        f.get("record_count"),
        3,
        a.records,
        rule="account-control",
        name="record_count",
        message="account trailer number of records (03 through 49)",
    )
    if stated is not None:
        return stated
    return a.total if readable else None


def _group(check: Checker, g: Group) -> int | None:
    totals = [_account(check, a) for a in g.accounts]
    known = None if None in totals else sum(t for t in totals if t is not None)
    if g.trailer is None:
        return known
    f = g.trailer_fields
    zero = known == 0 and not any(amount for a in g.accounts for amount in a.amounts)
    stated = _total(
        check,
        g.trailer,
        f.get("control_total"),
        known,
        what="group",
        rule="group-control",
        sums="its account control totals add up to",
        all_zero=zero,
    )
    accounts = f.get("account_count")
    if accounts is None or accounts.value == "":
        token = _at(accounts, g.trailer, 3)
        check.add(
            "account-count-missing",
            f"group trailer without its number of accounts (the group has {len(g.accounts)})",
            token,
            "account_count",
            warning=check.options.tolerate_missing_account_count,
        )
    else:
        _count(
            check,
            g.trailer,
            accounts,
            3,
            len(g.accounts),
            rule="group-control",
            name="account_count",
            message="group trailer number of accounts",
        )
    _count(
        check,
        g.trailer,
        f.get("record_count"),
        4,
        g.records,
        rule="group-control",
        name="record_count",
        message="group trailer number of records (02 through 98)",
    )
    return stated if stated is not None else known


def check_controls(check: Checker, s: Structure) -> None:
    """Every account, group and file trailer against its records."""
    totals = [_group(check, g) for g in s.groups]
    for detail in s.orphans:  # outside every account: in no control total but still money
        if detail.amount_cents:
            totals.append(None)
    if s.trailer is None:
        return
    known = None if None in totals else sum(t for t in totals if t is not None)
    f = s.trailer_fields
    zero = known == 0 and not any(amount for a in s.accounts for amount in a.amounts)
    _total(
        check,
        s.trailer,
        f.get("control_total"),
        known,
        what="file",
        rule="file-control",
        sums="its group control totals add up to",
        all_zero=zero,
    )
    groups = len([g for g in s.groups if g.header is not None])
    _count(
        check,
        s.trailer,
        f.get("group_count"),
        3,
        groups,
        rule="file-control",
        name="group_count",
        message="file trailer number of groups",
    )
    _count(
        check,
        s.trailer,
        f.get("record_count"),
        4,
        s.records,
        rule="file-control",
        name="record_count",
        message="file trailer number of records (01 through 99)",
    )
