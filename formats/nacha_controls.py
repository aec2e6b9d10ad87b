"""NACHA control records: each batch control against its header and its entries, the file control
against the batches, and the file header's fixed values. Counts, hashes and totals are recomputed
from the records, never taken from the controls."""

from __future__ import annotations

from dataclasses import dataclass, replace

import polars as pl

from formats.fixed_width.kinds import number_of
from formats.fixed_width.layout import Severity
from formats.nacha_iat_layout import IAT_BATCH_HEADER
from formats.nacha_layout import (
    BATCH_CONTROL,
    BATCH_HEADER,
    BLOCKING_FACTOR,
    FILE_CONTROL,
    FILE_HEADER,
    RETURN_ADDENDA,
    routing_check_digit,
)
from hub.kernel.problems import Problem

HASH_MODULUS = 10**10


@dataclass
class BatchFacts:
    """A batch as read: header and control fields, and what its entries add up to."""

    index: int
    header_line: int
    header: dict[str, str]
    control_line: int | None
    control: dict[str, str] | None
    entries: int = 0
    addenda: int = 0
    entry_hash: int = 0
    debit_cents: int = 0
    credit_cents: int = 0
    returns: int = 0  # entries that carry a return or NOC addenda (98, 99)
    iat: bool = False  # an IAT batch (its header is an IAT batch header)

    @property
    def company_id(self) -> str:
        """The company id the batch control repeats: an IAT batch header's originator id."""
        return self.header["originator_id" if self.iat else "company_id"]

    @property
    def of_returns(self) -> bool:
        """Every entry of the batch is a return or a notification of change."""
        return 0 < self.entries == self.returns


def _digits(text: str) -> bool:
    """ASCII digits only: ``str.isdigit`` also takes "²", which ``int`` refuses."""
    return text.isascii() and text.isdigit()


def _file_problem(
    rule: str, message: str, line: int | None, field: str, positions: str, value: object
) -> Problem:
    return Problem.of(rule, message, line=line, field=field, value=value, positions=positions, level="file")


BATCH_INFO = (
    "batch_number",
    "service_class",
    "sec_code",
    "company_id",
    "company_name",
    "entry_description",
    "effective_date",
)


def batch_info(found: list[BatchFacts]) -> dict[str, list[str]]:
    """What every entry repeats of its batch's header (``BATCH_INFO``), one value a batch, trimmed
    as the entries carry them."""
    return {
        "batch_number": [b.header["batch_number"] for b in found],
        "service_class": [b.header["service_class"] for b in found],
        "sec_code": [b.header["sec_code"] for b in found],
        "company_id": [b.company_id.strip() for b in found],
        "company_name": [b.header.get("company_name", "").strip() for b in found],
        "entry_description": [b.header["entry_description"].strip() for b in found],
        "effective_date": [b.header["effective_date"] for b in found],
    }


def batches(frame: pl.DataFrame, entry_rows: pl.DataFrame, addenda_rows: pl.DataFrame) -> list[BatchFacts]:
    """Header, control and recomputed sums of every batch."""
    facts: dict[int, BatchFacts] = {}
    heads = frame.filter((pl.col("kind") == "5") & (pl.col("batch") >= 0))
    for line, rec, batch, layout in heads.select("line", "rec", "batch", "layout").iter_rows():
        iat = layout == "5IAT"
        header = (IAT_BATCH_HEADER if iat else BATCH_HEADER).values(rec)
        facts[batch] = BatchFacts(batch, line, header, None, None, iat=iat)
    for line, rec, batch in frame.filter(pl.col("kind") == "8").select("line", "rec", "batch").iter_rows():
        if batch in facts and facts[batch].control is None:
            facts[batch].control_line = line
            facts[batch].control = BATCH_CONTROL.values(rec)
    debit = (pl.col("tc") % 10) >= 5
    sums = entry_rows.group_by("batch").agg(
        pl.len().alias("entries"),
        pl.col("rdfi_number").sum().alias("entry_hash"),
        pl.col("amount_cents").filter(debit).sum().alias("debit"),
        pl.col("amount_cents").filter(~debit).sum().alias("credit"),
    )
    for batch, n, entry_hash, debits, credits in sums.iter_rows():
        if batch in facts:
            b = facts[batch]
            b.entries, b.entry_hash, b.debit_cents, b.credit_cents = (
                n,
                entry_hash or 0,
                debits or 0,
                credits or 0,
            )
    if not addenda_rows.is_empty():
        owner = entry_rows.select("entry", "batch")
        per_batch = addenda_rows.join(owner, on="entry", how="inner").group_by("batch").agg(pl.len())
        for batch, n in per_batch.iter_rows():
            if batch in facts:
                facts[batch].addenda = n
        special = addenda_rows.filter(pl.col("layout").is_in(RETURN_ADDENDA)).select("entry")
        returning = owner.join(special.unique(), on="entry", how="inner").group_by("batch").agg(pl.len())
        for batch, n in returning.iter_rows():
            if batch in facts:
                facts[batch].returns = n
    return [facts[k] for k in sorted(facts)]


def check_batches(found: list[BatchFacts], padding: Severity = "error") -> list[Problem]:
    """Each batch control against its header and its entries; batch numbers ascending. A company id
    (an IAT batch's: its header's originator id) that differs from its header's only by leading or
    trailing blanks is reported with ``padding`` (leading zeros are not padding: the id is
    alphanumeric, its first character says what it is)."""
    p: list[Problem] = []
    previous: int | None = None
    for b in found:
        h, c = b.header, b.control
        number = h["batch_number"]
        current = number_of(number)
        if current is not None and previous is not None and current <= previous:
            p.append(
                _file_problem(
                    "batch-number",
                    f"batch number {number} does not follow batch number {previous:07d} in ascending order",
                    b.header_line,
                    "batch_number",
                    "88-94",
                    number,
                )
            )
        previous = current if current is not None else previous
        sc = h["service_class"]
        if sc == "220" and b.debit_cents:
            p.append(
                _file_problem(
                    "service-class",
                    f"batch {number} is credits only (220) but has {b.debit_cents} cents of debits",
                    b.header_line,
                    "service_class",
                    "2-4",
                    sc,
                )
            )
        if sc == "225" and b.credit_cents:
            p.append(
                _file_problem(
                    "service-class",
                    f"batch {number} is debits only (225) but has {b.credit_cents} cents of credits",
                    b.header_line,
                    "service_class",
                    "2-4",
                    sc,
                )
            )
        if _digits(sc) and sc not in ("200", "220", "225", "280"):
            p.append(
                _file_problem(
                    "service-class",
                    f"service class code {sc} is not 200, 220, 225 or 280",
                    b.header_line,
                    "service_class",
                    "2-4",
                    sc,
                )
            )
        if c is None:
            continue
        for name in ("service_class", "company_id", "odfi", "batch_number"):
            theirs, own = c[name], b.company_id if name == "company_id" else h[name]
            if theirs == own:
                continue
            # a company id padded otherwise (" 123456789" for "123456789 "): the same company
            padded = name == "company_id" and theirs.strip(" ") == own.strip(" ")
            severity: Severity = padding if padded else "error"
            message = (
                f"batch control {name} {theirs!r} differs from its header's {own!r} (line {b.header_line})"
            )
            if padded:
                message += " only by blanks" + ("; tolerated" if severity == "warning" else "")
            p.append(
                Problem.of(
                    "batch-control-match",
                    message,
                    line=b.control_line,
                    field=name,
                    value=theirs,
                    positions=BATCH_CONTROL[name].positions,
                    level="file",
                    severity=severity,
                )
            )
        expected = {
            "entry_addenda_count": b.entries + b.addenda,
            "entry_hash": b.entry_hash % HASH_MODULUS,
            "total_debit": b.debit_cents,
            "total_credit": b.credit_cents,
        }
        what = {
            "entry_addenda_count": "entries and addenda",
            "entry_hash": "entry hash",
            "total_debit": "total debits",
            "total_credit": "total credits",
        }
        for name, value in expected.items():
            stated = number_of(c[name])
            if stated is not None and stated != value:
                p.append(
                    _file_problem(
                        "batch-control",
                        f"batch {number} control states {what[name]} {stated} "
                        f"but its records add up to {value}",
                        b.control_line,
                        name,
                        BATCH_CONTROL[name].positions,
                        c[name],
                    )
                )
    return p


def check_file(
    header: tuple[int, str] | None, control: tuple[int, str] | None, found: list[BatchFacts], records: int
) -> list[Problem]:
    """The file header's fixed values and the file control against the sum of the batch controls."""
    p: list[Problem] = []
    if header is not None:
        line, rec = header
        h = FILE_HEADER.values(rec)
        for name, want in (("record_size", "094"), ("blocking_factor", "10"), ("format_code", "1")):
            if h[name] != want and _digits(h[name]):
                p.append(
                    _file_problem(
                        "file-header",
                        f"file header {name} must be {want}, not {h[name]}",
                        line,
                        name,
                        FILE_HEADER[name].positions,
                        h[name],
                    )
                )
        modifier = h["file_id_modifier"]
        if modifier != " " and not (_digits(modifier) or ("A" <= modifier <= "Z")):
            p.append(
                _file_problem(
                    "file-header",
                    f"file ID modifier must be an upper-case letter A-Z or a digit 0-9, not {modifier!r}",
                    line,
                    "file_id_modifier",
                    "34",
                    modifier,
                )
            )
        for name, strict in (("immediate_destination", True), ("immediate_origin", False)):
            routing = h[name].strip()
            if len(routing) == 9 and _digits(routing):
                if routing_check_digit(routing[:8]) != int(routing[8]):
                    p.append(
                        Problem.of(
                            "routing-check-digit",
                            f"{name} {routing} has check digit {routing[8]}, should be "
                            f"{routing_check_digit(routing[:8])}",
                            line=line,
                            field=name,
                            value=routing,
                            positions=FILE_HEADER[name].positions,
                            level="file",
                            severity="error" if strict else "warning",
                        )
                    )
            elif strict:
                p.append(
                    _file_problem(
                        "routing-number",
                        f"{name} must be a blank and a 9-digit routing number, not {h[name]!r}",
                        line,
                        name,
                        FILE_HEADER[name].positions,
                        h[name],
                    )
                )
    if control is None:
        return p
    line, rec = control
    c = FILE_CONTROL.values(rec)
    controls = [b.control for b in found if b.control is not None]

    def total(name: str) -> int:
        return sum(number_of(x[name]) or 0 for x in controls)

    expected = {
        "batch_count": (len(found), "batches"),
        "block_count": (-(-records // BLOCKING_FACTOR), f"blocks of {BLOCKING_FACTOR} records"),
        "entry_addenda_count": (total("entry_addenda_count"), "entries and addenda (sum of batch controls)"),
        "entry_hash": (total("entry_hash") % HASH_MODULUS, "entry hash (sum of batch controls)"),
        "total_debit": (total("total_debit"), "total debits (sum of batch controls)"),
        "total_credit": (total("total_credit"), "total credits (sum of batch controls)"),
    }
    for name, (value, what) in expected.items():
        stated = number_of(c[name])
        if stated is not None and stated != value:
            p.append(
                _file_problem(
                    "file-control",
                    f"file control states {name.replace('_', ' ')} {stated} but the file has {value} {what}",
                    line,
                    name,
                    FILE_CONTROL[name].positions,
                    c[name],
                )
            )
    return p


def check_blocks(records: int, last_line: int, severity: Severity) -> list[Problem]:
    """The file fills whole blocks of ten records (9-padding after the file control)."""
    if not records % BLOCKING_FACTOR:
        return []
    message = (
        f"{records} records is not a multiple of {BLOCKING_FACTOR}: the last block is not padded with "
        "9-records"
    )
    return [Problem.of("padding", message, line=last_line, value=records, level="file", severity=severity)]


def return_dates(problems: list[Problem], found: list[BatchFacts]) -> list[Problem]:
    """A batch header's effective entry date that is not a date is an error for forward entries but
    a warning for a batch of returns and NOCs: the ACH Operator replaces an invalid one on returns
    with the processing date and does not edit it on NOCs (the hub never settles by it)."""
    lines = {b.header_line for b in found if b.of_returns}
    return [
        replace(
            p,
            severity="warning",
            message=p.message + "; tolerated in a batch of returns and notifications of change",
        )
        if p.rule == "field-format" and p.field == "effective_date" and p.line in lines
        else p
        for p in problems
    ]
