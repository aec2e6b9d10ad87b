"""BAI2 bank balance and transaction reports: the reader with every check the format makes checkable,
and the format the pipeline uses (one row per 16 transaction detail; the 03 summaries in the facts).

Continuations (88) are merged into the record they continue; a 16 record's text is the rest of the
record and may hold commas and slashes. Amounts are integer cents, never floats. Real files deviate
in known ways; each tolerated deviation is an option of ``Bai2Options`` and is still reported as a
warning. The defaults tolerate what puts no money at stake; a control total that disagrees is always
an error. Summaries continued onto 88 records and "/" inside text are the standard, not deviations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from formats.bai2_layout import TYPE_CODES, meaning, side_of
from formats.base import Format, FormatOptions, Parsed, ReadContext, Validated, inspected, unreadable
from hub.kernel.errors import ParseError
from hub.kernel.problems import Problem
from hub.kernel.rows import LINE

if TYPE_CHECKING:
    import polars as pl

    from formats.bai2_fields import Detail
    from formats.bai2_structure import Account, Group, Structure


class Bai2Options(FormatOptions):
    """What the reader tolerates (each tolerated deviation is still reported as a warning)."""

    # ",/" endings: an empty field before the "/" beyond the record's last field
    tolerate_comma_slash: bool = True
    # a record other than a 16 whose line does not end with "/" (e.g. the last line of a file)
    tolerate_missing_slash: bool = True
    # a line that does not start with a record code continues the record before it (a lost "88,")
    tolerate_unprefixed_continuation: bool = True
    # a blank 49/98/99 control total, only where every amount it controls is zero (else an error)
    tolerate_blank_control_total: bool = True
    # a 98 group trailer with the group total and record count but not the number of accounts
    tolerate_missing_account_count: bool = True
    # a 01 creation time not in HHMM (e.g. 14:59:35): nothing depends on it
    tolerate_creation_time_format: bool = True
    # blank lines between records (not records; never counted)
    tolerate_blank_lines: bool = True
    # type codes 001-899 that are not in the hub's table: "warn" keeps them, "reject" makes them errors
    unknown_type_codes: Literal["warn", "reject"] = "warn"
    # joins the pieces of a 16 record's text continued onto 88 records
    text_separator: str = " "


@dataclass
class Bai2File:
    """A read BAI2 file: its structure, one row per transaction detail, and every finding."""

    records: int
    structure: Structure
    details: pl.DataFrame
    problems: list[Problem] = field(default_factory=list)

    @property
    def control_cents(self) -> int:
        """What every amount of the file adds up to (the file control total it should state)."""
        return sum(a.total for a in self.structure.accounts)

    def accounts(self) -> list[dict[str, Any]]:
        """Per account: its group, number, currency, as-of date, 03 summaries and control totals."""
        return [_account(g, a) for g in self.structure.groups for a in g.accounts]

    def summary(self) -> dict[str, Any]:
        """What ``hub inspect --format bai2 --json`` prints."""
        accounts = self.accounts()
        rows = self.details.filter(self.details["account"] >= 0).iter_rows(named=True)
        for row in rows:
            accounts[row["account"]]["transactions"].append(
                {
                    "type_code": row["type_code"],
                    "meaning": row["meaning"],
                    "credit_debit": row["credit_debit"],
                    "amount_cents": row["amount_cents"],
                    "funds_type": row["funds_type"],
                    "bank_ref": row["bank_ref"],
                    "customer_ref": row["customer_ref"],
                    "text": row["text"],
                    "line": row[LINE],
                }
            )
        trailer = self.structure.trailer_fields.get("control_total")
        return {
            "format": "bai2",
            "records": self.records,
            "groups": len(self.structure.groups),
            "accounts": accounts,
            "transactions": self.details.height,
            "file_control_cents": self.control_cents,
            "file_trailer_control_cents": _int(trailer.value if trailer else ""),
            "problems": inspected(self.problems),
        }


def _int(text: str) -> int | None:
    """A stated control total as a number; None when blank or unreadable (reported as a problem)."""
    from formats.bai2_fields import AMOUNT

    return int(text) if text.isascii() and AMOUNT.fullmatch(text) else None


def _account(g: Group, a: Account) -> dict[str, Any]:
    trailer = a.trailer_fields.get("control_total")
    return {
        "group": g.index,
        "as_of_date": None if g.as_of_date is None else g.as_of_date.isoformat(),
        "number": a.number,
        "currency": a.currency or g.value("currency") or "USD",
        "summaries": [
            {
                "type_code": s.type_code,
                "meaning": meaning(s.type_code),
                "level": TYPE_CODES[s.type_code].level if s.type_code in TYPE_CODES else None,
                "amount_cents": s.amount_cents,
                "item_count": s.item_count,
                "funds_type": s.funds.type,
                "line": s.line,
            }
            for s in a.summaries
        ],
        "transactions": [],
        "control_cents": a.total,
        "trailer_control_cents": _int(trailer.value if trailer else ""),
    }


def _rows(s: Structure) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    def add(detail: Detail, g: Group | None, a: Account | None, index: int) -> None:
        f = detail.funds
        out.append(
            {
                "group": None if g is None else g.index,
                "originator": None if g is None else g.value("originator"),
                "as_of_date": None if g is None else g.as_of_date,
                # 1 update, 2 deletion, 3 correction, 4 test only; modifier: interim/final, previous/same day
                "group_status": None if g is None else g.value("group_status") or None,
                "as_of_modifier": None if g is None else g.value("as_of_modifier") or None,
                "account": index,
                "account_number": None if a is None else a.number,
                "currency": None if a is None or g is None else (a.currency or g.value("currency") or "USD"),
                "type_code": detail.type_code,
                "meaning": meaning(detail.type_code),
                "credit_debit": side_of(detail.type_code),
                "amount_cents": detail.amount_cents,
                "funds_type": f.type,
                "availability": [{"days": d, "amount_cents": c} for d, c in f.availability],
                "value_date": f.value_date,
                "value_time": f.value_time,
                "bank_ref": detail.bank_ref,
                "customer_ref": detail.customer_ref,
                "text": detail.text,
                LINE: detail.line,
                "lines": [seg.line for seg in detail.record.segments],
            }
        )

    index = 0
    for g in s.groups:
        for a in g.accounts:
            for d in a.details:
                add(d, g, a, index)
            index += 1
    for d in s.orphans:
        add(d, None, None, -1)
    return sorted(out, key=lambda r: r[LINE])


def _table(rows: list[dict[str, Any]]) -> pl.DataFrame:
    import polars as pl

    text = pl.String
    schema: dict[str, Any] = {
        "group": pl.Int64,
        "originator": text,
        "as_of_date": pl.Date,
        "group_status": text,
        "as_of_modifier": text,
        "account": pl.Int64,
        "account_number": text,
        "currency": text,
        "type_code": text,
        "meaning": text,
        "credit_debit": text,
        "amount_cents": pl.Int64,
        "funds_type": text,
        "availability": pl.List(pl.Struct({"days": pl.Int64, "amount_cents": pl.Int64})),
        "value_date": pl.Date,
        "value_time": text,
        "bank_ref": text,
        "customer_ref": text,
        "text": text,
        LINE: pl.Int64,
        "rejected": pl.Boolean,
    }
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


def read_bai2(data: bytes, file: str, options: Bai2Options | None = None) -> Bai2File:
    """Read and check a BAI2 file. Raises ``ParseError`` only when it has no records at all."""
    from formats.bai2_controls import check_controls
    from formats.bai2_fields import Checker
    from formats.bai2_records import split
    from formats.bai2_structure import walk

    o = options or Bai2Options()
    found = split(
        data, file, unprefixed=o.tolerate_unprefixed_continuation, blank_lines=o.tolerate_blank_lines
    )
    check = Checker(o, list(found.problems))
    structure = walk(found.records, check, found.last_line)
    check_controls(check, structure)
    problems = sorted(check.problems, key=lambda p: (p.line is not None, p.line or 0))
    bad = {p.line for p in problems if p.severity == "error" and p.level == "row" and p.line is not None}
    rows = _rows(structure)
    for row in rows:
        # a row error on any of its lines, or outside every account (in no control total): not passed on
        row["rejected"] = row["account"] < 0 or not bad.isdisjoint(row.pop("lines"))
    return Bai2File(found.physical, structure, _table(rows), problems)


class Bai2Format(Format[Bai2Options]):
    """BAI2 in the pipeline: one row per 16 transaction detail (``_line`` is the 16's line)."""

    name: ClassVar[str] = "bai2"
    title: ClassVar[str] = "BAI2"

    @classmethod
    def sniff(cls, head: bytes) -> str | None:
        """A file header record: ``01,`` then the sender and receiver."""
        return "record 1 starts with 01," if head.lstrip(b"\xef\xbb\xbf").startswith(b"01,") else None

    options_model: ClassVar[type[FormatOptions]] = Bai2Options
    sensitive_fields: ClassVar[frozenset[str]] = frozenset({"account_number"})

    def read(self, data: bytes, ctx: ReadContext) -> Parsed:
        found = read_bai2(data, ctx.file, self.options)
        facts = {"bai2": found, "accounts": found.accounts()}
        return Parsed(found.details, found.problems, facts=facts, count=found.details.height)

    def inspect(self, data: bytes, ctx: ReadContext) -> dict[str, Any]:
        try:
            return read_bai2(data, ctx.file, self.options).summary()
        except ParseError as exc:
            return unreadable(
                exc,
                format="bai2",
                records=0,
                groups=0,
                accounts=[],
                transactions=0,
                file_control_cents=0,
                file_trailer_control_cents=None,
            )

    def validate(self, parsed: Parsed, ctx: ReadContext) -> Validated:
        """Details with a row error (or outside every account) are rejected; the rest pass."""
        import polars as pl

        rejected = parsed.table.filter(pl.col("rejected"))
        return Validated(
            table=parsed.table.filter(~pl.col("rejected")),
            problems=list(parsed.problems),
            rows=parsed.rows,
            rejected=rejected.height,
        )

    def write(self, table: pl.DataFrame) -> bytes:
        from formats.bai2_writer import write_table

        return write_table(table)
