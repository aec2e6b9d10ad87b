"""The CIS autopay extract -> the NACHA debit file the bank collects (kind ``ach-debits``, outbound).

``map``: each valid extract row becomes one entry: transaction code 27 (checking debit) or 37
(savings debit), the customer's bank (routing, account), the amount, the utility account as the
individual id (so a return names it even without the ledger) and the customer's name. Key
``D|<payment id>``: a payment is originated once, however often the CIS exports it; ``notes`` warns
when a payment originated before comes again with another amount or account.

``write`` (inside the ledger transaction, the ODFI's lock held): one PPD (or the configured SEC
code) batch per effective date, trace numbers continuing the ODFI's sequence (never reused), the
file id modifier telling the ODFI's files of one day apart; the file is read back with the hub's
own reader and refused unless it agrees with the entries. Every entry is kept as an
``originated_entries`` fact, so a return weeks later names the payment it reverses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from formats.nacha_layout import routing_ok
from hub.kernel.errors import MappingError
from hub.kernel.problems import Problem
from hub.kernel.rows import LINE
from mappings.base import MapContext, MappingOptions, OutboundKind, PartnerFile, WriteContext

if TYPE_CHECKING:
    import polars as pl

    from formats.nacha_writer import NachaSpec

TXN_TYPE = "AchDebit"
TRANSACTION_CODES = {"checking": 27, "savings": 37}  # debits; 22/32 would be credits
COLUMNS = (
    "payment_id",
    "account",
    "name",
    "routing",
    "dfi_account",
    "transaction_code",
    "amount_cents",
    "effective_date",
    "idempotency_key",
)
NACHA_TEXT = r"^[\x20-\x7E]*$"  # NACHA alphanumeric fields: printable ASCII
MAX_SEQUENCE = 9_999_999  # a trace number is the ODFI (8 digits) and a 7-digit sequence
MODIFIERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"  # file id modifiers: files of one day told apart


class Originator(BaseModel):
    """Who originates the debits, as the NACHA file and batch headers name it. ``odfi`` is the
    originating bank's routing number without its check digit (it starts every trace number);
    ``immediate_destination`` the routing number the file is sent to (usually the ODFI's, with the
    check digit). Rows without an ``effective_date`` settle ``effective_days`` business days after
    the run, skipping weekends and ``holidays``. Every text must fit its NACHA field: a name that
    does not fit is a configuration mistake, never cut to fit."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    company_name: str = Field(
        min_length=1, max_length=16, pattern=NACHA_TEXT, description="the utility's name in batch headers"
    )
    company_id: str = Field(
        min_length=1,
        max_length=10,
        pattern=r"^[0-9A-Za-z]+$",
        description="the utility's company id at the bank",
    )
    odfi: str = Field(pattern=r"^[0-9]{8}$", description="the bank's routing number without its check digit")
    immediate_destination: str = Field(description="routing number the file is sent to")
    immediate_destination_name: str = Field(
        "", max_length=23, pattern=NACHA_TEXT, description="its name in the file header"
    )
    immediate_origin: str = Field(
        min_length=1,
        max_length=10,
        pattern=r"^[0-9A-Za-z]+$",
        description="the utility's id in the file header",
    )
    immediate_origin_name: str = Field(
        "", max_length=23, pattern=NACHA_TEXT, description="its name in the file header"
    )
    sec_code: Literal["PPD", "CCD", "WEB", "TEL"] = Field(
        "PPD", description="the batches' standard entry class"
    )
    entry_description: str = Field(
        "AUTOPAY",
        min_length=1,
        max_length=10,
        pattern=NACHA_TEXT,
        description="shown on the customer's bank statement",
    )
    company_discretionary: str = Field(
        "", max_length=20, pattern=NACHA_TEXT, description="free text of the batch header"
    )
    effective_days: int = Field(
        1, ge=0, le=10, description="business days after the run a debit without effective_date settles"
    )
    holidays: list[date] = Field(default_factory=list, description="bank holidays skipped with weekends")

    @field_validator("immediate_destination")
    @classmethod
    def _routing(cls, value: str) -> str:
        if not routing_ok(value):
            raise ValueError("must be a 9-digit routing number with a valid check digit")
        return value


class AchDebitsMappingOptions(MappingOptions):
    """Options of the ``ach-debits`` kind; ``originator`` is written beside ``mapping_options`` in
    hub.yaml (as the exchange's own section)."""

    originator: Originator = Field(description="who originates the debits (also written beside kind)")


class AchDebitsMapping(OutboundKind[AchDebitsMappingOptions]):
    name: ClassVar[str] = "ach-debits"
    default_format: ClassVar[str] = "debit-extract"
    options_model: ClassVar[type[MappingOptions]] = AchDebitsMappingOptions
    option_sections: ClassVar[tuple[str, ...]] = ("originator",)
    lookups: ClassVar[frozenset[str]] = frozenset({"originated_payments", "odfi_usage"})
    persists: ClassVar[frozenset[str]] = frozenset({"originated_entries"})
    row_wise: ClassVar[bool] = True
    output: ClassVar[str] = TXN_TYPE
    describes: ClassVar[str] = "a NACHA file"
    default_folder: ClassVar[str] = "ach"
    default_file_name: ClassVar[str] = "{exchange}-{created:%Y%m%d}-{modifier}-f{file_id}.ach"
    name_fields: ClassVar[dict[str, str]] = {"modifier": "A"}

    def lock(self) -> str:
        """One writer per ODFI across processes and nodes: trace numbers and file modifiers."""
        return f"odfi:{self.options.originator.odfi}"

    def map(self, table: pl.DataFrame, ctx: MapContext) -> dict[str, pl.DataFrame]:
        import polars as pl

        code = pl.col("account_type").replace_strict(TRANSACTION_CODES, return_dtype=pl.Int64)
        key = pl.lit("D|") + pl.col("payment_id")
        entries = table.with_columns(code.alias("transaction_code"), key.alias("idempotency_key"))
        return {TXN_TYPE: entries.select(*COLUMNS, LINE)}

    def notes(self, table: pl.DataFrame, ctx: MapContext) -> list[Problem]:
        """A payment originated before is left out by the engine; a warning when its amount or
        account changed since."""
        ids = table.get_column("payment_id").unique().sort().to_list()
        found = ctx.lookup.find("originated_payments", ids) if ids else None
        if found is None or found.is_empty():
            return []
        held = {r["payment_id"]: r for r in found.iter_rows(named=True)}
        warnings = []
        for r in table.select(LINE, "payment_id", "amount_cents", "account").iter_rows(named=True):
            was = held.get(r["payment_id"])
            if was is not None and (
                was["amount_cents"] != r["amount_cents"] or was["account"] != r["account"]
            ):
                warnings.append(
                    Problem.of(
                        "already_originated",
                        f"payment {r['payment_id']} was originated before (file {was['file_id']}, "
                        f"trace {was['trace']}) with another amount or account; not originated again: "
                        "check the CIS",
                        line=r[LINE],
                        field="payment_id",
                        value=r["payment_id"],
                        severity="warning",
                    )
                )
        return warnings

    def write(self, rows: pl.DataFrame, ctx: WriteContext) -> PartnerFile:
        import polars as pl

        o = self.options.originator
        usage = ctx.lookup.find("odfi_usage", [o.odfi], day=ctx.created.date())
        last = files = 0
        if usage is not None and usage.height:
            last, files = usage.row(0, named=True)["last_sequence"], usage.row(0, named=True)["files_on_day"]
        if files >= len(MODIFIERS):
            raise MappingError(
                f"ODFI {o.odfi} has {files} files today already; NACHA tells at most 36 apart a day"
            )
        modifier = MODIFIERS[files]
        debits = build(
            o,
            rows,
            first_sequence=last + 1,
            created=ctx.created,
            default_date=business_day(ctx.created.date(), o.effective_days, o.holidays),
            modifier=modifier,
        )
        data = write_and_check(debits, f"{ctx.exchange} file {modifier}")
        entries = pl.DataFrame(debits.records).select(
            (pl.lit("D|") + pl.col("payment_id")).alias("idempotency_key"),
            "trace",
            "payment_id",
            "account",
            "amount_cents",
            "transaction_code",
            "effective_date",
        )
        return PartnerFile(data, len(debits.records), {"modifier": modifier}, {"originated_entries": entries})


@dataclass(frozen=True)
class Debits:
    """The file to send: its NACHA spec and one record per entry (trace, payment, bank details)."""

    spec: NachaSpec
    records: list[dict[str, Any]]

    @property
    def debit_cents(self) -> int:
        return sum(int(r["amount_cents"]) for r in self.records)


def business_day(start: date, days: int, holidays: list[date]) -> date:
    """The date ``days`` business days after ``start`` (0: ``start`` itself, or the next business
    day when it is a weekend or a holiday)."""
    day = start
    while day.weekday() >= 5 or day in holidays:
        day += timedelta(days=1)
    for _ in range(days):
        day += timedelta(days=1)
        while day.weekday() >= 5 or day in holidays:
            day += timedelta(days=1)
    return day


def build(
    o: Originator,
    entries: pl.DataFrame,
    *,
    first_sequence: int,
    created: datetime,
    default_date: date,
    modifier: str,
) -> Debits:
    """One batch per effective date, earliest first, entries in extract order; trace numbers
    ``<odfi><sequence>`` from ``first_sequence`` up, so they ascend within every batch and are
    never reused."""
    import polars as pl

    from formats.nacha_writer import Batch, Entry, NachaSpec

    last = first_sequence + entries.height - 1
    if last > MAX_SEQUENCE:
        raise MappingError(
            f"trace numbers of ODFI {o.odfi} would run past {MAX_SEQUENCE} (next {first_sequence}, "
            f"{entries.height} entries): the ledger never reuses one; ask the bank for another ODFI"
        )
    rows = entries.with_columns(pl.col("effective_date").fill_null(default_date)).sort(
        "effective_date", maintain_order=True
    )
    batches: dict[date, Batch] = {}
    records: list[dict[str, Any]] = []
    for sequence, r in enumerate(rows.iter_rows(named=True), start=first_sequence):
        when: date = r["effective_date"]
        if when not in batches:
            batches[when] = Batch(
                company_name=o.company_name,
                company_id=o.company_id,
                sec_code=o.sec_code,
                entry_description=o.entry_description,
                effective_date=when,
                odfi=o.odfi,
                company_discretionary=o.company_discretionary,
            )
        trace = f"{o.odfi}{sequence:07d}"
        batches[when].entries.append(
            Entry(
                transaction_code=int(r["transaction_code"]),
                routing=r["routing"],
                dfi_account=r["dfi_account"],
                amount_cents=int(r["amount_cents"]),
                individual_id=r["account"],
                individual_name=r["name"],
                trace=trace,
            )
        )
        records.append(
            {
                "trace": trace,
                "payment_id": r["payment_id"],
                "account": r["account"],
                "amount_cents": int(r["amount_cents"]),
                "transaction_code": int(r["transaction_code"]),
                "effective_date": when,
                "routing": r["routing"],
                "dfi_account": r["dfi_account"],
            }
        )
    spec = NachaSpec(
        immediate_destination=o.immediate_destination,
        immediate_origin=o.immediate_origin,
        destination_name=o.immediate_destination_name,
        origin_name=o.immediate_origin_name,
        created=created,
        batches=list(batches.values()),
        file_id_modifier=modifier,
    )
    return Debits(spec, records)


def write_and_check(debits: Debits, name: str) -> bytes:
    """Write the file and read it back with the hub's own reader: an error, or an entry, count or
    total that differs from what was meant, refuses the file (``MappingError``) before it is sent."""
    from formats.nacha import read_nacha
    from formats.nacha_writer import write_file

    data = write_file(debits.spec)
    found = read_nacha(data, name)
    errors = [p for p in found.problems if p.severity == "error"]
    if errors:
        first = errors[0]
        raise MappingError(
            f"the NACHA file written does not read back clean ({len(errors)} error(s); line "
            f"{first.line}, {first.rule}: {first.message}); nothing was sent"
        )
    meant = sorted(
        (r["trace"], r["transaction_code"], r["routing"], r["dfi_account"], r["amount_cents"], r["account"])
        for r in debits.records
    )
    read = sorted(
        (
            e["trace"],
            e["tc"],
            e["routing"],
            (e["dfi_account"] or "").strip(),
            e["amount_cents"],
            (e["individual_id"] or "").strip(),
        )
        for e in found.entries.iter_rows(named=True)
    )
    totals = (found.entries.height, found.debit_cents, found.credit_cents)
    if totals != (len(debits.records), debits.debit_cents, 0) or read != meant:
        raise MappingError(
            f"the NACHA file written reads back as {totals[0]} entries, debits {totals[1]}, credits "
            f"{totals[2]}; the extract has {len(debits.records)} entries, debits {debits.debit_cents}: "
            "nothing was sent"
        )
    return data
