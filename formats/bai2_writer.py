"""BAI2 writer: file, groups, accounts and transactions -> records with every control computed (49
account totals and record counts, 98 and 99 totals, counts of accounts, groups and records). With a
``width``, a record longer than that is continued onto 88 records: other fields are never cut, text
is cut at a blank (which the reader's default separator restores). What it writes, the reader reads
back identically; a value that cannot be written as given is refused (``ValueError``), never cut."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl


@dataclass
class Funds:
    """Funds type and availability: S takes three (days, cents) pairs for 0, 1 and 2+ days, D any
    number of them; V a value date and time; "", Z, 0, 1 and 2 nothing more."""

    type: str = ""
    availability: list[tuple[int, int]] = field(default_factory=list)
    value_date: date | None = None
    value_time: str = ""

    def fields(self) -> list[str]:
        if self.type == "S":
            if [d for d, _ in self.availability] != [0, 1, 2]:
                raise ValueError("funds type S needs availability for 0, 1 and 2 days, in that order")
            return ["S", *(str(_cents(c, False)) for _, c in self.availability)]
        if self.type == "V":
            if self.value_date is None:
                raise ValueError("funds type V needs a value date")
            return ["V", f"{self.value_date:%y%m%d}", self.value_time]
        if self.type == "D":
            pairs = [str(v) for d, c in self.availability for v in (d, _cents(c, False))]
            return ["D", str(len(self.availability)), *pairs]
        if self.type not in ("", "Z", "0", "1", "2"):
            raise ValueError(f"funds type {self.type!r} is not 0, 1, 2, Z, S, V or D")
        return [self.type]


@dataclass
class Summary:
    """One 03 summary or status: a status (001-099) amount may be negative."""

    type_code: str
    amount_cents: int | None
    item_count: int | None = None
    funds: Funds = field(default_factory=Funds)

    def fields(self) -> list[str]:
        signed = self.type_code < "100" or "700" < self.type_code < "710"  # balances
        amount = "" if self.amount_cents is None else str(_cents(self.amount_cents, signed))
        count = "" if self.item_count is None else str(self.item_count)
        return [self.type_code, amount, count, *self.funds.fields()]


@dataclass
class Transaction:
    type_code: str
    amount_cents: int
    bank_ref: str = ""
    customer_ref: str = ""
    text: str = ""
    funds: Funds = field(default_factory=Funds)


@dataclass
class Account:
    number: str
    currency: str = ""
    summaries: list[Summary] = field(default_factory=list)
    transactions: list[Transaction] = field(default_factory=list)

    @property
    def control_cents(self) -> int:
        summaries = sum(s.amount_cents or 0 for s in self.summaries)
        return summaries + sum(t.amount_cents for t in self.transactions)


@dataclass
class Group:
    originator: str
    as_of_date: date
    accounts: list[Account] = field(default_factory=list)
    receiver: str = ""
    status: str = "1"
    as_of_time: str = ""
    currency: str = ""
    as_of_modifier: str = ""

    @property
    def control_cents(self) -> int:
        return sum(a.control_cents for a in self.accounts)


@dataclass
class Bai2Spec:
    sender: str
    receiver: str
    created: datetime
    groups: list[Group] = field(default_factory=list)
    file_id: str = "1"
    record_length: int | None = None
    block_size: int | None = None

    @property
    def control_cents(self) -> int:
        return sum(g.control_cents for g in self.groups)


def _cents(value: int, signed: bool) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"amount {value!r} is not integer cents")
    if value < 0 and not signed:
        raise ValueError(f"amount {value} is negative: only a balance may be")
    return value


def _plain(values: Iterable[str]) -> list[str]:
    out = list(values)
    for v in out:
        if any(c in v for c in ",/\r\n"):
            raise ValueError(
                f"field {v!r} holds a comma, slash or line break: only text may hold the first two"
            )
    return out


def _fields(code: str, values: Sequence[str], width: int | None) -> list[str]:
    """A record of plain fields, continued onto 88 records at field boundaries when over ``width``."""
    values = _plain(values)
    lines = [f"{code},{values[0]}"]
    for v in values[1:]:
        if width is not None and len(lines[-1]) + len(v) + 2 > width:
            lines.append(f"88,{v}")
        else:
            lines[-1] += f",{v}"
    if width is not None and any(len(line) + 1 > width for line in lines):
        raise ValueError(f"a field of this {code} record does not fit a line of {width} characters")
    return [line + "/" for line in lines]


def _detail(t: Transaction, width: int | None) -> list[str]:
    """A 16 record: plain fields first (lines ending "/"), then the text, cut at blanks if need be."""
    if any(c in t.text for c in "\r\n"):
        raise ValueError("text holds a line break")
    head = [t.type_code, str(_cents(t.amount_cents, False)), *t.funds.fields(), t.bank_ref, t.customer_ref]
    lines = _fields("16", head, width)
    if not t.text:
        return lines
    text = t.text + "/"
    last = lines[-1][:-1]
    if width is None or len(last) + 1 + len(text) <= width:
        return [*lines[:-1], f"{last},{text}"]
    room = width - len(last) - 1
    cut = _cut(text, room) if room > 0 else 0
    if cut > 0:
        lines[-1] = f"{last},{text[:cut]}"
        text = text[cut + 1 :]
    while len(text) + 3 > width:
        cut = _cut(text, width - 3)
        if cut <= 0:
            raise ValueError(f"text {t.text!r} has a word longer than a line of {width} characters")
        lines.append(f"88,{text[:cut]}")
        text = text[cut + 1 :]
    return [*lines, f"88,{text}"]


def _cut(text: str, room: int) -> int:
    """Where to cut text at a blank so the first piece fits ``room``; 0 when nowhere. The piece must
    not end with a blank or "/" (the reader drops both from a line's end) and the rest not be empty."""
    for k in range(min(room, len(text) - 1), 0, -1):
        if text[k] == " " and text[k - 1] not in " /" and text[k + 1 :] not in ("", "/"):
            return k
    return 0


def lines(spec: Bai2Spec, width: int | None = None) -> list[str]:
    """Every physical record of the file, trailers computed."""
    created = spec.created
    length = "" if spec.record_length is None else str(spec.record_length)
    block = "" if spec.block_size is None else str(spec.block_size)
    header = [
        spec.sender,
        spec.receiver,
        f"{created:%y%m%d}",
        f"{created:%H%M}",
        spec.file_id,
        length,
        block,
        "2",
    ]
    out = _fields("01", header, width)
    for g in spec.groups:
        group = _fields(
            "02",
            [
                g.receiver,
                g.originator,
                g.status,
                f"{g.as_of_date:%y%m%d}",
                g.as_of_time,
                g.currency,
                g.as_of_modifier,
            ],
            width,
        )
        for a in g.accounts:
            account = _fields(
                "03", [a.number, a.currency, *(v for s in a.summaries for v in s.fields())], width
            )
            for t in a.transactions:
                account += _detail(t, width)
            account += _fields("49", [str(a.control_cents), str(len(account) + 1)], width)
            group += account
        group += _fields("98", [str(g.control_cents), str(len(g.accounts)), str(len(group) + 1)], width)
        out += group
    return out + _fields("99", [str(spec.control_cents), str(len(spec.groups)), str(len(out) + 1)], width)


def write_file(spec: Bai2Spec, *, width: int | None = None, newline: str = "\n") -> bytes:
    if width is not None and width < 20:
        raise ValueError("a line width under 20 characters cannot hold a trailer")
    return "".join(line + newline for line in lines(spec, width)).encode("utf-8")


def write_table(table: pl.DataFrame) -> bytes:
    """The rows ``read`` gives (one per transaction detail) back to a BAI2 file: one group per
    ``group`` and as-of date, one account per account number and currency, no summaries."""
    rows = table.to_dicts()
    if not rows:
        raise ValueError("no transactions to write")
    groups: dict[Any, Group] = {}
    accounts: dict[Any, Account] = {}
    for r in rows:
        as_of = r.get("as_of_date") or date.today()
        gkey = (r.get("group"), as_of, r.get("originator") or "")
        group = groups.setdefault(gkey, Group(gkey[2] or "UNKNOWN", as_of))
        akey = (gkey, r.get("account_number") or "", r.get("currency") or "")
        if akey not in accounts:
            accounts[akey] = Account(akey[1], akey[2])
            group.accounts.append(accounts[akey])
        availability = [(a["days"], a["amount_cents"]) for a in r.get("availability") or []]
        funds_type = r.get("funds_type") or ""
        funds = Funds(
            funds_type,
            availability if funds_type in ("S", "D") else [],
            r.get("value_date"),
            r.get("value_time") or "",
        )
        accounts[akey].transactions.append(
            Transaction(
                r["type_code"],
                r["amount_cents"],
                r.get("bank_ref") or "",
                r.get("customer_ref") or "",
                r.get("text") or "",
                funds,
            )
        )
    first = next(iter(groups.values()))
    created = datetime.combine(first.as_of_date, datetime.min.time())
    return write_file(Bai2Spec(first.originator, first.receiver, created, list(groups.values())))
