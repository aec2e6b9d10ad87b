"""BAI2 record fields: header values, 03 summaries and 16 transaction details read from a record's
tokens, each field checked (amounts in integer cents, dates, times, type codes, funds types).

Problems name the field's line and ordinal ("field 4"). Fields of 01/02/03/49/98/99 records and the
amount of a 16 record are file-level (they feed the controls); the other fields of a 16 are row-level,
rejecting that transaction only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Literal

from formats.bai2_layout import TYPE_CODES, is_code
from formats.bai2_records import Cursor, Record, Token, tokens, unended
from hub.kernel.problems import Problem

if TYPE_CHECKING:
    from formats.bai2 import Bai2Options

Level = Literal["file", "row"]
AMOUNT = re.compile(r"[+-]?[0-9]{1,18}")  # at most 18 digits: fits a 64-bit integer column
COUNT = re.compile(r"[0-9]{1,18}")
FIXED = {
    "01": (
        "sender",
        "receiver",
        "creation_date",
        "creation_time",
        "file_id",
        "record_length",
        "block_size",
        "version",
    ),
    "02": (
        "receiver",
        "originator",
        "group_status",
        "as_of_date",
        "as_of_time",
        "currency",
        "as_of_modifier",
    ),
    "49": ("control_total", "record_count"),
    "98": ("control_total", "account_count", "record_count"),
    "99": ("control_total", "group_count", "record_count"),
}


@dataclass
class Funds:
    """A funds type and its availability: (days, cents) pairs (S: 0, 1 and 2 = two or more days; D:
    as distributed; 0/1/2: the whole amount), or a value date and time (V)."""

    type: str | None = None
    availability: list[tuple[int, int]] = field(default_factory=list)
    value_date: date | None = None
    value_time: str | None = None


@dataclass
class Summary:
    """One summary or status of a 03 record (type code, amount, item count, funds type)."""

    line: int
    type_code: str
    amount_cents: int | None
    item_count: int | None
    funds: Funds


@dataclass
class Detail:
    """A 16 transaction detail with its continuations merged."""

    record: Record
    type_code: str
    amount_cents: int | None
    funds: Funds
    bank_ref: str
    customer_ref: str
    text: str

    @property
    def line(self) -> int:
        return self.record.line


@dataclass
class Checker:
    """Collects the problems of the fields read, with the options that make some of them warnings."""

    options: Bai2Options
    problems: list[Problem] = field(default_factory=list)
    bad_amounts: set[int] = field(default_factory=set)  # lines of 03/16 amounts that could not be read

    def add(
        self,
        rule: str,
        message: str,
        token: Token,
        name: str,
        *,
        level: Level = "file",
        warning: bool = False,
    ) -> None:
        self.problems.append(
            Problem.of(
                rule,
                message,
                line=token.line,
                field=name,
                value=token.value,
                level=level,
                positions=token.positions,
                severity="warning" if warning else "error",
            )
        )

    def amount(self, token: Token | None, name: str, *, signed: bool, level: Level = "file") -> int | None:
        """Integer cents; a sign only where ``signed``; blank is None. An unreadable "amount" (not an
        availability or a control total) leaves its account's control total uncheckable."""
        if token is None or token.value == "":
            return None
        text = token.value
        shown = name.replace("_", " ")
        if not (text.isascii() and AMOUNT.fullmatch(text)):
            message = f"{shown} {text!r} is not a whole number of cents (at most 18 digits)"
        elif text[0] in "+-" and not signed:
            message = f"{shown} {text} has a sign: only balances may"
        else:
            return int(text)
        if name == "amount":
            self.bad_amounts.add(token.line)
        self.add("amount", message, token, name, level=level)
        return None

    def count(self, token: Token | None, name: str, level: Level = "file") -> int | None:
        if token is None or token.value == "":
            return None
        if token.value.isascii() and COUNT.fullmatch(token.value):
            return int(token.value)
        message = f"{name.replace('_', ' ')} {token.value!r} is not a number (at most 18 digits)"
        self.add("field-format", message, token, name, level=level)
        return None

    def type_code(self, token: Token, *, detail: bool) -> str:
        level: Level = "row" if detail else "file"
        code = token.value
        if not is_code(code):
            self.add(
                "type-code",
                f"type code {code!r} is not three digits 001-999",
                token,
                "type_code",
                level=level,
            )
        elif detail and int(code) < 100:
            self.add(
                "type-code",
                f"type code {code} is a balance (status 001-099), not a transaction",
                token,
                "type_code",
                level=level,
            )
        elif code not in TYPE_CODES and int(code) < 900:
            self.add(
                "type-code",
                f"type code {code} is not in the hub's BAI2 table; kept for review",
                token,
                "type_code",
                level=level,
                warning=self.options.unknown_type_codes == "warn",
            )
        return code

    def funds(self, cursor: Cursor, amount: int | None, level: Level) -> Funds:
        """The funds type and the availability fields it brings."""
        token = cursor.take()
        if token is None or token.value == "":
            return Funds()
        kind = token.value
        out = Funds(kind)
        before = len(self.problems)
        if kind in ("0", "1", "2"):
            out.availability = [] if amount is None else [(int(kind), amount)]
        elif kind == "S":
            for days in (0, 1, 2):
                cents = self.amount(cursor.take(), "availability", signed=False, level=level)
                out.availability.append((days, cents or 0))
        elif kind == "V":
            when = cursor.take()
            out.value_date = None if when is None else yymmdd(when.value)
            if out.value_date is None:
                self.add(
                    "funds-type",
                    "value-dated funds need a value date YYMMDD",
                    when or token,
                    "value_date",
                    level=level,
                )
            at = cursor.take()
            if at is not None and at.value and not hhmm(at.value):
                self.add(
                    "field-format", f"value time {at.value!r} is not HHMM", at, "value_time", level=level
                )
            out.value_time = at.value if at is not None and at.value else None
        elif kind == "D":
            self._distributed(cursor, token, out, level)
        elif kind != "Z":
            self.add(
                "funds-type",
                f"funds type {kind!r} is not 0, 1, 2, Z, S, V or D",
                token,
                "funds_type",
                level=level,
            )
        total = sum(cents for _, cents in out.availability)
        if kind in ("S", "D") and amount is not None and total != amount and len(self.problems) == before:
            self.add(
                "availability-total",
                f"availability amounts add up to {total}, the amount is {amount}",
                token,
                "funds_type",
                level=level,
                warning=True,
            )
        return out

    def _distributed(self, cursor: Cursor, token: Token, out: Funds, level: Level) -> None:
        given = cursor.take()
        if given is None or given.value == "":
            self.add(
                "funds-type",
                "distributed funds (D) need a count of day/amount pairs",
                given or token,
                "funds_type",
                level=level,
            )
            return
        n = self.count(given, "distribution_count", level)
        for _ in range(n or 0):
            days = cursor.take()
            if days is None:
                self.add(
                    "funds-type",
                    f"distributed funds announce {n} day/amount pairs; the record ends first",
                    given,
                    "distribution_count",
                    level=level,
                )
                return
            cents = self.amount(cursor.take(), "availability", signed=False, level=level)
            out.availability.append((self.count(days, "availability_days", level) or 0, cents or 0))


def yymmdd(text: str) -> date | None:
    if len(text) != 6 or not (text.isascii() and text.isdigit()):
        return None
    try:
        return date(2000 + int(text[:2]), int(text[2:4]), int(text[4:]))
    except ValueError:
        return None


def hhmm(text: str) -> bool:
    """Military time: 0000-2359, or 2400 / 9999 for the end of the day."""
    if len(text) != 4 or not (text.isascii() and text.isdigit()):
        return False
    return text in ("2400", "9999") or (int(text[:2]) < 24 and int(text[2:]) < 60)


def ends(check: Checker, record: Record) -> None:
    """Every physical line of a record other than a 16 ends with "/"."""
    missing = unended(record)
    last = {t.line: t.ordinal for t in tokens(record)} if missing else {}
    for segment in missing:
        check.problems.append(
            Problem.of(
                "record-end",
                'record does not end with "/"',
                line=segment.line,
                value=segment.text[-20:],
                positions=f"field {last[segment.line]}" if segment.line in last else None,
                level="file",
                severity="warning" if check.options.tolerate_missing_slash else "error",
            )
        )


def fixed(check: Checker, record: Record) -> dict[str, Token | None]:
    """The named fields of a 01, 02, 49, 98 or 99 record; an empty extra field (",/") is a warning."""
    ends(check, record)
    names = FIXED[record.code]
    found: list[Token | None] = list(tokens(record))
    if record.code == "98" and len(found) == 2:
        found = [found[0], None, found[1]]  # the account count left out: see the group trailer check
    extra = [t for t in found[len(names) :] if t is not None]
    if len(extra) == 1 and extra[0].value == "":
        check.add(
            "comma-slash",
            'an empty field before the "/" ending (",/"): ignored',
            extra[0],
            "end",
            warning=check.options.tolerate_comma_slash,
        )
    elif extra:
        first = extra[0]
        check.add(
            "field-count",
            f"{len(found) + 1} fields where a {record.code} record has {len(names) + 1}",
            first,
            "end",
        )
    padded: list[Token | None] = [*found[: len(names)], *([None] * (len(names) - len(found)))]
    return dict(zip(names, padded, strict=True))


def account(check: Checker, record: Record) -> tuple[str, str, list[Summary]]:
    """Account number, currency and summaries of a 03 record (continuations included)."""
    ends(check, record)
    cursor = Cursor(record)
    number = cursor.take()
    currency = cursor.take()
    if number is None or number.value == "":
        check.problems.append(
            Problem.of(
                "field-format",
                "account identifier without an account number",
                line=record.line,
                field="account_number",
                positions="field 2",
                level="file",
            )
        )
    if currency is not None and currency.value and not is_currency(currency.value):
        check.add("field-format", f"currency {currency.value!r} is not three letters", currency, "currency")
    summaries: list[Summary] = []
    while (code := cursor.take()) is not None:
        if code.value == "" and code.last:
            check.add(
                "comma-slash",
                'an empty field before the "/" ending (",/"): ignored',
                code,
                "type_code",
                warning=check.options.tolerate_comma_slash,
            )
            continue
        type_code = check.type_code(code, detail=False)
        status = is_code(type_code) and (int(type_code) < 100 or 700 < int(type_code) < 710)
        amount = check.amount(cursor.take(), "amount", signed=status)
        items = check.count(cursor.take(), "item_count")
        summaries.append(Summary(code.line, type_code, amount, items, check.funds(cursor, amount, "file")))
    return (number.value if number else ""), (currency.value if currency else ""), summaries


def detail(check: Checker, record: Record) -> Detail:
    """A 16 record: type code, amount, funds, references and the text (the rest of the record)."""
    cursor = Cursor(record)
    code = cursor.take()
    if code is None:
        code = Token("", record.line, 2, True)
    type_code = check.type_code(code, detail=True)
    amount_token = cursor.take()
    amount = check.amount(amount_token, "amount", signed=False)
    if amount_token is None or amount_token.value == "":
        token = amount_token or Token("", record.line, 3, True)
        check.bad_amounts.add(token.line)
        check.add("amount", "transaction detail without an amount", token, "amount")
    funds = check.funds(cursor, amount, "row")
    bank = cursor.take()
    customer = cursor.take()
    text, _ = cursor.rest(check.options.text_separator)
    return Detail(
        record,
        type_code,
        amount,
        funds,
        bank.value if bank else "",
        customer.value if customer else "",
        text,
    )


def is_currency(text: str) -> bool:
    return len(text) == 3 and text.isascii() and text.isalpha() and text.isupper()
