"""BAI2 records -> file, groups and accounts, in the order the format allows: 01, then groups (02,
accounts, 98), then 99; an account is a 03, its 16 details and a 49. Every record out of place is a
file-level "record-order" error; the walk carries on so one pass reports everything."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from formats import bai2_fields as fields
from formats.bai2_fields import Checker, Detail, Summary
from formats.bai2_records import RECORD_NAMES, Record, Token
from hub.kernel.problems import Problem


@dataclass
class Account:
    """A 03 record, its details and its 49 (None when missing)."""

    ident: Record
    number: str
    currency: str
    summaries: list[Summary]
    details: list[Detail] = field(default_factory=list)
    trailer: Record | None = None
    trailer_fields: dict[str, Token | None] = field(default_factory=dict)

    @property
    def records(self) -> int:
        """Physical records from the 03 through the 49, continuations included."""
        found = self.ident.physical + sum(d.record.physical for d in self.details)
        return found + (self.trailer.physical if self.trailer else 0)

    @property
    def amounts(self) -> list[int]:
        """Every amount of its 03 and 16 records as written (balances with their sign)."""
        found = [s.amount_cents for s in self.summaries] + [d.amount_cents for d in self.details]
        return [a for a in found if a is not None]

    @property
    def total(self) -> int:
        """The account control total its records add up to: a plain sum, credits and debits alike."""
        return sum(self.amounts)

    def lines(self) -> set[int]:
        records = [self.ident, *(d.record for d in self.details)]
        return {s.line for r in records for s in r.segments}


@dataclass
class Group:
    index: int  # 1-based, in file order
    header: Record | None  # None: accounts found outside any group
    header_fields: dict[str, Token | None]
    accounts: list[Account] = field(default_factory=list)
    trailer: Record | None = None
    trailer_fields: dict[str, Token | None] = field(default_factory=dict)

    def value(self, name: str) -> str:
        token = self.header_fields.get(name)
        return token.value if token else ""

    @property
    def as_of_date(self) -> date | None:
        return fields.yymmdd(self.value("as_of_date"))

    @property
    def records(self) -> int:
        ends = sum(r.physical for r in (self.header, self.trailer) if r is not None)
        return ends + sum(a.records for a in self.accounts)


@dataclass
class Structure:
    header: Record | None = None
    header_fields: dict[str, Token | None] = field(default_factory=dict)
    groups: list[Group] = field(default_factory=list)
    trailer: Record | None = None
    trailer_fields: dict[str, Token | None] = field(default_factory=dict)
    orphans: list[Detail] = field(default_factory=list)  # details outside any account
    records: int = 0  # physical records from the first one through the file trailer

    @property
    def accounts(self) -> list[Account]:
        return [a for g in self.groups for a in g.accounts]


def _order(check: Checker, line: int, message: str, code: str | None) -> None:
    """A record out of place; ``code`` is the record code found on ``line`` (None: end of file)."""
    check.problems.append(
        Problem.of(
            "record-order",
            message,
            line=line,
            field="record_code",
            value=code,
            positions="field 1",
            level="file",
        )
    )


def walk(records: list[Record], check: Checker, last_line: int) -> Structure:
    """Place every record; check the header fields of 01 and 02 records on the way."""
    s = Structure()
    group: Group | None = None
    account: Account | None = None
    if records and records[0].code != "01":
        _order(check, records[0].line, "the file does not start with a file header (01)", records[0].code)

    def close_account(at: int, code: str | None) -> None:
        nonlocal account
        if account is not None:
            what = "end of file" if code is None else f"{RECORD_NAMES[code]} record"
            line = account.ident.line
            message = f"account identifier on line {line} has no account trailer (49) before this {what}"
            _order(check, at, message, code)
        account = None

    def close_group(at: int, code: str | None) -> None:
        nonlocal group
        if group is not None and group.header is not None:
            what = "end of file" if code is None else f"{RECORD_NAMES[code]} record"
            message = f"group header on line {group.header.line} has no group trailer (98) before this {what}"
            _order(check, at, message, code)
        group = None

    for rec in records:
        name = RECORD_NAMES[rec.code]
        if s.trailer is None:
            s.records += rec.physical
        if s.trailer is not None:
            _order(check, rec.line, f"{name} record after the file trailer (line {s.trailer.line})", rec.code)
        elif rec.code == "01":
            if s.header is not None or rec is not records[0]:
                _order(check, rec.line, "file header (01) that is not the first record", rec.code)
            else:
                s.header, s.header_fields = rec, _file_header(check, rec)
        elif rec.code == "02":
            close_account(rec.line, rec.code)
            close_group(rec.line, rec.code)
            group = Group(len(s.groups) + 1, rec, _group_header(check, rec))
            s.groups.append(group)
        elif rec.code == "03":
            close_account(rec.line, rec.code)
            if group is None:
                _order(
                    check,
                    rec.line,
                    "account identifier outside a group (no group header before it)",
                    rec.code,
                )
                group = Group(len(s.groups) + 1, None, {})
                s.groups.append(group)
            number, currency, summaries = fields.account(check, rec)
            account = Account(rec, number, currency, summaries)
            group.accounts.append(account)
        elif rec.code == "16":
            found = fields.detail(check, rec)
            if account is None:
                _order(
                    check,
                    rec.line,
                    "transaction detail outside an account (no account identifier before it)",
                    rec.code,
                )
                s.orphans.append(found)
            else:
                account.details.append(found)
        elif rec.code == "49":
            trailer_fields = fields.fixed(check, rec)
            if account is None:
                _order(check, rec.line, "account trailer without an account identifier before it", rec.code)
            else:
                account.trailer, account.trailer_fields = rec, trailer_fields
                account = None
        elif rec.code == "98":
            close_account(rec.line, rec.code)
            trailer_fields = fields.fixed(check, rec)
            if group is None or group.header is None:
                _order(check, rec.line, "group trailer without a group header before it", rec.code)
            else:
                group.trailer, group.trailer_fields = rec, trailer_fields
            group = None
        else:  # 99
            close_account(rec.line, rec.code)
            close_group(rec.line, rec.code)
            s.trailer, s.trailer_fields = rec, fields.fixed(check, rec)
    if s.trailer is None:
        close_account(last_line, None)
        close_group(last_line, None)
        _order(check, last_line, "the file has no file trailer (99)", None)
    return s


def _file_header(check: Checker, rec: Record) -> dict[str, Token | None]:
    f = fields.fixed(check, rec)
    created = f["creation_date"]
    if created is None or fields.yymmdd(created.value) is None:
        _bad(check, rec, created, "creation_date", 4, "file creation date is not a date YYMMDD")
    at = f["creation_time"]
    if at is not None and at.value and not fields.hhmm(at.value):
        check.add(
            "field-format",
            f"file creation time {at.value!r} is not HHMM",
            at,
            "creation_time",
            warning=check.options.tolerate_creation_time_format,
        )
    for name in ("record_length", "block_size"):
        check.count(f[name], name)
    version = f["version"]
    if version is None or version.value != "2":
        _bad(check, rec, version, "version", 9, "version number must be 2 (BAI2)", rule="version")
    return f


def _group_header(check: Checker, rec: Record) -> dict[str, Token | None]:
    f = fields.fixed(check, rec)
    status = f["group_status"]
    if status is None or status.value not in ("1", "2", "3", "4"):
        _bad(
            check,
            rec,
            status,
            "group_status",
            4,
            "group status must be 1 (update), 2 (deletion), 3 (correction) or 4 (test only)",
        )
    as_of = f["as_of_date"]
    if as_of is None or fields.yymmdd(as_of.value) is None:
        _bad(check, rec, as_of, "as_of_date", 5, "as-of date is not a date YYMMDD")
    at = f["as_of_time"]
    if at is not None and at.value and not fields.hhmm(at.value):
        check.add("field-format", f"as-of time {at.value!r} is not HHMM", at, "as_of_time")
    currency = f["currency"]
    if currency is not None and currency.value and not fields.is_currency(currency.value):
        check.add("field-format", f"currency {currency.value!r} is not three letters", currency, "currency")
    modifier = f["as_of_modifier"]
    if modifier is not None and modifier.value not in ("", "1", "2", "3", "4"):
        check.add("field-format", "as-of-date modifier must be 1, 2, 3 or 4", modifier, "as_of_modifier")
    return f


def _bad(
    check: Checker,
    rec: Record,
    token: Token | None,
    name: str,
    ordinal: int,
    message: str,
    rule: str = "field-format",
) -> None:
    check.add(rule, message, token or Token("", rec.segments[-1].line, ordinal, True), name)
