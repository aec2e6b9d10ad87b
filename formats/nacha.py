"""NACHA ACH files: the reader with every check the rules make checkable, and the format the
pipeline uses (one row per entry detail, with its return or NOC addenda). IAT batches are read with
their own layouts (``formats.nacha_iat_layout``) into the same table (``iat`` set, the account from
the entry's foreign account number, the individual id from its addenda 15) and checked with their
own rules (``formats.nacha_iat``) besides the rules every batch has.

Tolerances are explicit options (``NachaOptions``). The defaults tolerate what does not touch money
(CR LF, no line breaks, a short record, missing 9-padding, blank lines after the last record, a
batch control's company id padded otherwise than its header's, codes newer than the hub's list) and
report each as a warning; counts, hashes and totals are always errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field

from formats.base import (
    TABLES,
    Format,
    FormatOptions,
    Parsed,
    ReadContext,
    Validated,
    inspected,
    record_table,
    unreadable,
)
from formats.fixed_width.kinds import number_of
from formats.nacha_codes import CHANGE_CODES, RETURN_CODES
from hub.kernel.errors import ParseError
from hub.kernel.problems import Problem, mask
from hub.kernel.rows import LINE

if TYPE_CHECKING:
    import polars as pl

    from formats.nacha_controls import BatchFacts

# An entry's fields in ``hub inspect``'s table (the DFI account and individual id are masked there).
ENTRY_COLUMNS: tuple[str, ...] = (LINE, "batch_number", "trace", "transaction_code", "rdfi", "dfi_account")
ENTRY_COLUMNS += ("amount_cents", "individual_id", "individual_name", "return_code", "change_code")


class NachaOptions(FormatOptions):
    """What the reader tolerates (each tolerated deviation is still reported as a warning)."""

    tolerate_crlf: bool = Field(True, description="CR LF line ends (a warning)")
    tolerate_no_line_breaks: bool = Field(
        True, description="94-character records without line breaks (a warning)"
    )
    tolerate_short_lines: bool = Field(
        True, description="records cut short, trailing blanks dropped (a warning)"
    )
    tolerate_missing_padding: bool = Field(
        True, description="no 9-padding to a multiple of 10 records (a warning)"
    )
    # Blank lines after the file control or its 9-padding (a blank line between records stays an error).
    tolerate_trailing_blank_lines: bool = True
    # A batch control's company id that differs from its header's only by leading or trailing blanks.
    tolerate_company_id_padding: bool = True
    # Return and change codes not in the NACHA rules (some banks send R96, R97): "warn" keeps them
    # and flags them for review; "reject" makes them errors.
    unknown_codes: Literal["warn", "reject"] = "warn"


@dataclass
class NachaFile:
    """A read NACHA file: its records' facts, one row per entry, and every finding."""

    records: int
    header: dict[str, str] | None
    batches: list[BatchFacts]
    entries: pl.DataFrame
    problems: list[Problem] = field(default_factory=list)
    # one row per addenda record of an entry (line, entry, layout and the fields of its layout)
    addenda: pl.DataFrame | None = None

    @property
    def debit_cents(self) -> int:
        return sum(b.debit_cents for b in self.batches)

    @property
    def credit_cents(self) -> int:
        return sum(b.credit_cents for b in self.batches)

    def summary(self) -> dict[str, Any]:
        """What ``hub inspect --format nacha --json`` prints."""
        import polars as pl

        e = self.entries
        returns = e.filter(pl.col("return_code").is_not_null())
        nocs = e.filter(pl.col("change_code").is_not_null())
        return {
            "format": "nacha",
            "records": self.records,
            "batches": [
                {
                    "number": number_of(b.header["batch_number"]),
                    "service_class": b.header["service_class"],
                    "company_id": b.company_id.strip(),
                    "sec_code": b.header["sec_code"],
                    "entries": b.entries,
                    "debit_cents": b.debit_cents,
                    "credit_cents": b.credit_cents,
                    **({"iat": _iat_batch(b.header)} if b.iat else {}),
                }
                for b in self.batches
            ],
            "entries": e.height,
            "returns": [
                {
                    "code": r["return_code"],
                    "meaning": RETURN_CODES.get(r["return_code"]),
                    "original_trace": r["original_trace"],
                    "amount_cents": r["amount_cents"],
                    "trace": r["trace"],
                    "iat": r["iat"],
                    # an IAT return names the original forward entry's amount (addenda 99, 36-45)
                    **({"original_amount_cents": number_of(r["original_amount"])} if r["iat"] else {}),
                }
                for r in returns.iter_rows(named=True)
            ],
            "nocs": [
                {
                    "code": r["change_code"],
                    "meaning": CHANGE_CODES.get(r["change_code"]),
                    "original_trace": r["original_trace"],
                    "corrected_data_masked": mask((r["corrected_data"] or "").strip()),
                    "trace": r["trace"],
                    "iat": r["iat"],
                }
                for r in nocs.iter_rows(named=True)
            ],
            "debit_cents": self.debit_cents,
            "credit_cents": self.credit_cents,
            "problems": inspected(self.problems),
        }


def _iat_batch(header: dict[str, str]) -> dict[str, str | None]:
    """What an IAT batch header adds: the IAT indicator (IATCOR for notifications of change), the
    foreign exchange indicator, and the countries and currencies."""
    shown = ("iat_indicator", "foreign_exchange_indicator", "destination_country", "originating_currency")
    return {name: header[name].strip() or None for name in (*shown, "destination_currency")}


def read_nacha(
    data: bytes, file: str, options: NachaOptions | None = None, *, fast: bool = True
) -> NachaFile:
    """Read and check a NACHA file. Raises ``ParseError`` only when there are no records at all.
    The usual file takes the fast path (``formats.nacha_fast``), any other the reference path below;
    ``fast=False`` takes the reference path whatever the file (the tests hold the two equal)."""
    if fast:
        from formats.nacha_fast import read_fast

        quick = read_fast(data, file, options or NachaOptions())
        if quick is not None:
            return quick
    import polars as pl

    from formats import nacha_controls as controls
    from formats import nacha_entries as entries
    from formats.fixed_width.fields import check
    from formats.fixed_width.order import order, rejected
    from formats.fixed_width.split import Tolerances, severity, split
    from formats.nacha_iat import check_iat, receivers
    from formats.nacha_iat_layout import IAT_LAYOUTS, iat_keys
    from formats.nacha_layout import LAYOUTS, ORDER, layout_key

    o = options or NachaOptions()
    tolerate = Tolerances(
        crlf=severity(o.tolerate_crlf),
        unbroken=severity(o.tolerate_no_line_breaks),
        short=severity(o.tolerate_short_lines),
        trailing=severity(o.tolerate_trailing_blank_lines),
    )
    records, problems = split(data, file, LAYOUTS.values(), tolerate)
    records, in_order = order(records, ORDER)
    problems += in_order
    problems += controls.check_blocks(
        records.height, records["line"][-1], severity(o.tolerate_missing_padding)
    )
    frame = iat_keys(layout_key(records))
    problems += check(frame, {**LAYOUTS, **IAT_LAYOUTS}, by="layout")
    problems += entries.unknown_addenda(frame)
    entry_rows = entries.entries(frame)
    addenda_rows = entries.addenda(frame.filter(pl.col("entry") >= 0))
    found = controls.batches(frame, entry_rows, addenda_rows)
    batch_info = pl.DataFrame(
        {
            "batch": [b.index for b in found],
            "odfi": [b.header["odfi"] for b in found],
            **controls.batch_info(found),
        },
        schema={"batch": pl.Int64, **dict.fromkeys(("odfi", *controls.BATCH_INFO), pl.String)},
    )
    attached = entries.attach(entry_rows, addenda_rows)
    if any(b.iat for b in found):
        attached = receivers(attached, addenda_rows)
        problems += check_iat(attached, addenda_rows)
    problems += entries.check_entries(
        attached, addenda_rows, batch_info.select("batch", "odfi"), unknown_codes=o.unknown_codes
    )
    problems += controls.check_batches(found, severity(o.tolerate_company_id_padding))
    first = frame.filter(pl.col("kind") == "1").head(1)
    last = frame.filter(pl.col("kind") == "9").head(1)
    problems += controls.check_file(
        first.select("line", "rec").row(0) if first.height else None,
        last.select("line", "rec").row(0) if last.height else None,
        found,
        frame.height,
    )
    problems = controls.return_dates(problems, found)
    table = attached.join(batch_info.drop("odfi"), on="batch", how="left").sort("line")
    header = None
    if first.height:
        from formats.nacha_layout import FILE_HEADER

        header = FILE_HEADER.values(first["rec"][0])
    problems.sort(key=lambda p: (p.line is not None, p.line or 0))
    table = table.with_columns(rejected(frame, problems, "entry", "batch").alias("rejected"))
    return NachaFile(frame.height, header, found, table.rename({"line": LINE}), problems, addenda_rows)


class NachaFormat(Format[NachaOptions]):
    """NACHA in the pipeline: one row per entry detail record (``_line`` is the entry's line)."""

    name: ClassVar[str] = "nacha"
    title: ClassVar[str] = "NACHA"

    @classmethod
    def sniff(cls, head: bytes) -> str | None:
        """A file header record: type 1, priority 01, 94 characters."""
        line = head.split(b"\n", 1)[0].rstrip(b"\r")
        if line.startswith(b"101") and (len(line) == 94 or (b"\n" not in head and len(head) % 94 == 0)):
            return "record 1 starts with 101 and is 94 characters long"
        return None

    options_model: ClassVar[type[FormatOptions]] = NachaOptions
    sensitive_fields: ClassVar[frozenset[str]] = frozenset({"dfi_account", "corrected_data", "individual_id"})

    def read(self, data: bytes, ctx: ReadContext) -> Parsed:
        found = read_nacha(data, ctx.file, self.options)
        return Parsed(found.entries, found.problems, facts={"nacha": found}, count=found.entries.height)

    def inspect(self, data: bytes, ctx: ReadContext) -> dict[str, Any]:
        try:
            found = read_nacha(data, ctx.file, self.options)
            return {**found.summary(), TABLES: {"entries": record_table(found.entries, ENTRY_COLUMNS)}}
        except ParseError as exc:
            return unreadable(
                exc,
                format="nacha",
                records=0,
                batches=[],
                entries=0,
                returns=[],
                nocs=[],
                debit_cents=0,
                credit_cents=0,
            )

    def validate(self, parsed: Parsed, ctx: ReadContext) -> Validated:
        """Entries whose own record or any of its addenda has an error are rejected; the rest pass."""
        import polars as pl

        rejected = parsed.table.filter(pl.col("rejected"))
        table = parsed.table.filter(~pl.col("rejected"))
        return Validated(
            table=table, problems=list(parsed.problems), rows=parsed.rows, rejected=rejected.height
        )

    def write(self, table: pl.DataFrame) -> bytes:
        from formats.nacha_writer import write_entries

        return write_entries(table)
