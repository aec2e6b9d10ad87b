"""The utility account number of each check: cut from the positions the bank's options name (the
detail's scanline or one of its overflow records), and its check digit verified, so a mapping can
tell a valid account from a mistyped one (a payment never goes astray: a doubtful one goes to
suspense, and each is reported as a warning, never rejected).

Check-digit rules (the last digit of the account is the check digit, computed over the digits
before it, counted from the right):

- ``luhn`` (mod 10, ISO/IEC 7812): every second digit from the right of the body is doubled (a
  product over 9 loses 9); the check digit brings the sum to a multiple of 10.
- ``mod11``: the body's digits are weighted 2, 3, 4, 5, 6, 7, 2, 3, … from the right; the check
  digit is (11 - sum mod 11) mod 11, and a body whose check digit would be 10 is never valid.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from formats.lockbox_layout import CheckDigitRule, LockboxOptions
from hub.kernel.problems import Problem

if TYPE_CHECKING:
    from formats.lockbox_layout import AccountLocation

RULE_NAMES = {"luhn": "Luhn (mod 10)", "mod11": "mod 11"}


def _weights(rule: CheckDigitRule, n: int) -> list[int]:
    """Weights of the body digits, rightmost first (Luhn: 2 means doubled)."""
    if rule == "luhn":
        return [2 if i % 2 == 0 else 1 for i in range(n)]
    return [2 + i % 6 for i in range(n)]


def _luhn_term(digit: int, weight: int) -> int:
    product = digit * weight
    return product - 9 if product > 9 else product


def expected_check_digit(rule: CheckDigitRule, body: str) -> int | None:
    """The check digit ``body`` (digits) takes under ``rule``; None when none is possible."""
    digits = [int(d) for d in reversed(body)]
    weights = _weights(rule, len(digits))
    if rule == "luhn":
        return (10 - sum(_luhn_term(d, w) for d, w in zip(digits, weights, strict=True)) % 10) % 10
    check = (11 - sum(d * w for d, w in zip(digits, weights, strict=True)) % 11) % 11
    return None if check == 10 else check


def check_digit_ok(rule: CheckDigitRule, account: str) -> bool:
    """Two or more ASCII digits whose last one is the check digit of the others."""
    if len(account) < 2 or not (account.isascii() and account.isdigit()):
        return False
    return expected_check_digit(rule, account[:-1]) == int(account[-1])


def with_check_digit(rule: CheckDigitRule, body: str) -> str:
    """``body`` with its check digit appended; ValueError when the rule gives it none."""
    digit = expected_check_digit(rule, body)
    if digit is None:
        raise ValueError(f"{body} has no {RULE_NAMES[rule]} check digit")
    return f"{body}{digit}"


def expected_digit_expr(rule: CheckDigitRule, account: pl.Expr, width: int) -> pl.Expr:
    """``expected_check_digit`` of each account's body, column-wise (accounts of up to ``width``
    characters; null where no digit is possible)."""
    body = account.str.slice(0, account.str.len_chars() - 1).str.reverse()
    terms = []
    for i, w in enumerate(_weights(rule, max(width - 1, 0))):
        d = body.str.slice(i, 1).cast(pl.Int32, strict=False).fill_null(0)
        if rule == "luhn":
            terms.append(pl.when(d * w > 9).then(d * w - 9).otherwise(d * w))
        else:
            terms.append(d * w)
    total = pl.sum_horizontal(terms) if terms else pl.lit(0, pl.Int32)
    if rule == "luhn":
        return (10 - total % 10) % 10
    check = (11 - total % 11) % 11
    return pl.when(check == 10).then(None).otherwise(check)


def check_digit_ok_expr(rule: CheckDigitRule, account: pl.Expr, width: int) -> pl.Expr:
    """``check_digit_ok`` column-wise; null where the account is null."""
    digits = account.str.contains(r"^[0-9]{2,}$")
    last = account.str.slice(-1, 1).cast(pl.Int32, strict=False)
    same = (expected_digit_expr(rule, account, width) == last).fill_null(False)
    return pl.when(account.is_null()).then(None).otherwise(digits & same)


def extract(details: pl.DataFrame, overflow: pl.DataFrame, options: LockboxOptions) -> pl.DataFrame:
    """``details`` (``detail_ix``, ``line``, ``rec``) with the account number: ``account_number`` (blanks
    stripped; null when blank, missing or not configured), ``account_check_digit_ok`` (null without a
    rule or an account), and where it was read (``account_line``; null when no record holds it).
    ``overflow`` holds the overflow records (``detail_ix``, ``line``, ``rec``, ``overflow_type``)."""
    a = options.account
    if a is None:
        return details.with_columns(
            pl.lit(None, pl.String).alias("account_number"),
            pl.lit(None, pl.Boolean).alias("account_check_digit_ok"),
            pl.lit(None, pl.Int64).alias("account_line"),
        )
    text = pl.col("rec").str.slice(a.start - 1, a.end - a.start + 1).str.strip_chars(" ")
    if a.record == "detail":
        found = details.with_columns(text.alias("account_number"), pl.col("line").alias("account_line"))
    else:
        rows = (
            overflow
            if a.overflow_type is None
            else overflow.filter(pl.col("overflow_type") == a.overflow_type)
        )
        nth = (
            rows.sort("line")
            .with_columns(pl.int_range(1, pl.len() + 1).over("detail_ix").alias("nth"))
            .filter(pl.col("nth") == a.occurrence)
            .select("detail_ix", text.alias("account_number"), pl.col("line").alias("account_line"))
        )
        found = details.join(nth, on="detail_ix", how="left")
    account = pl.when(pl.col("account_number") != "").then(pl.col("account_number"))
    found = found.with_columns(account.alias("account_number"))
    if a.check_digit is None:
        return found.with_columns(pl.lit(None, pl.Boolean).alias("account_check_digit_ok"))
    ok = check_digit_ok_expr(a.check_digit, pl.col("account_number"), a.end - a.start + 1)
    return found.with_columns(ok.alias("account_check_digit_ok"))


def where(a: AccountLocation) -> str:
    if a.record == "detail":
        return f"positions {a.positions} of the detail"
    kind = (
        "an overflow record" if a.overflow_type is None else f"an overflow record of type {a.overflow_type}"
    )
    return f"positions {a.positions} of {kind} (number {a.occurrence} of the detail)"


def account_problems(table: pl.DataFrame, options: LockboxOptions) -> list[Problem]:
    """A warning for each check whose account number is missing or fails its check digit: kept, for
    the mapping to place in suspense. ``table`` holds ``line`` and the columns ``extract`` adds."""
    a = options.account
    if a is None:
        return []
    p: list[Problem] = []
    missing = table.filter(pl.col("account_number").is_null())
    for line, at in missing.select("line", "account_line").iter_rows():
        p.append(
            Problem.of(
                "account-number",
                f"no utility account number at {where(a)}; a customer's check goes to suspense "
                "(an agency's payment of pledges is matched to its pledges instead)",
                line=at if at is not None else line,
                field="account_number",
                positions=a.positions if at is not None else None,
                severity="warning",
            )
        )
    if a.check_digit is None:
        return p
    failing = table.filter(pl.col("account_check_digit_ok").not_())
    for account, at in failing.select("account_number", "account_line").iter_rows():
        p.append(
            Problem.of(
                "account-check-digit",
                _check_message(a.check_digit, account) + "; a customer's check goes to suspense",
                line=at,
                field="account_number",
                value=account,
                positions=a.positions,
                severity="warning",
            )
        )
    return p


def _check_message(rule: CheckDigitRule, account: str) -> str:
    """Why ``account`` fails ``rule``, naming the check digit found and the one expected (the last
    digit only: the account itself is in the problem's value, masked)."""
    name = RULE_NAMES[rule]
    if len(account) < 2 or not (account.isascii() and account.isdigit()):
        return f"utility account number is not two or more digits, so it has no {name} check digit"
    expected = expected_check_digit(rule, account[:-1])
    if expected is None:
        return (
            f"utility account number has check digit {account[-1]}, but no {name} check digit fits its digits"
        )
    return f"utility account number has check digit {account[-1]}, expected {expected} ({name})"
