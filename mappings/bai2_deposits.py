"""BAI2 reports -> the bank's side of the lockbox deposit reconciliation.

Only the accounts named in ``lockbox_accounts`` count; on them:
- a deposit credit (``deposit_codes``, default 115 lockbox deposit and 118 lockbox adjustment credit,
  each its own row: the bank's side is what it credited) becomes a ``BankDeposit`` and, once
  delivered, a ``side='bank'`` deposit row in the ledger. Its ``items`` is the number of item details
  (116) on the same account and day when that day has exactly one 115, else 0;
- a returned item (``return_codes``, default 555) becomes a check ``PaymentReversal``, matched to the
  lockbox payment the hub delivered: same lockbox, deposit date within ``match_days`` before the
  report, same amount, and the 16 record's customer reference equal to the payment's check number
  (the ``reference`` the lockbox mapping records, leading zeros ignored) or to its key. Anything else
  (no reference, no payment, several) is delivered flagged for review with the reason.
- a credit detail naming an energy-assistance agency (``agency_payers``, any account) pays the
  agency's open pledges as ``PledgePayment`` rows (``mappings/bai2_agency.py``).
Every other detail (other codes, other accounts) is not posted; ``notes`` reports each as a
``not-posted`` warning, and ``hub inspect --format bai2`` lists the whole report.

Keys: ``B|<account>|<as-of date>|<type code>|<bank ref, else customer ref>|<amount>`` for deposits and
``BR|...`` likewise for returned items, with ``#<n>`` added to the n-th repeat of a key in the report,
so a report resent under another name posts nothing twice. The deposit date is the group's as-of date
(the day the bank reports the credit), or the value date of a funds type V detail by option.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from hub.kernel.errors import MappingError
from hub.kernel.problems import Problem, mask
from hub.kernel.rows import LINE
from hub.kernel.transactions import CisTransaction, columns_of
from mappings.base import ExchangeKind, MapContext, MappingOptions, PerTable
from mappings.payments import PaymentReversal
from mappings.pledge_payments import Bai2Payer, PledgePayment

if TYPE_CHECKING:
    import polars as pl


class BankDeposit(CisTransaction):
    """A lockbox deposit credit as the bank reports it (BAI2 115, or an 118 adjustment): the bank's
    side of the deposit reconciliation against the lockbox file's payments."""

    txn_type: ClassVar[str] = "BankDeposit"
    total_fields: ClassVar[tuple[str, ...]] = ("amount_cents",)

    lockbox: str = Field(description="lockbox number")
    deposit_date: date  # the report group's as-of date (or the value date, by option)
    amount_cents: int = Field(ge=0, description="amount in cents")
    items: int = Field(0, ge=0)  # checks in the deposit when the report lists them (116), else 0
    type_code: str  # the BAI2 type code (115 deposit, 118 adjustment)
    bai2_account: str  # the bank account the report credits
    bank_ref: str | None = Field(None, description="bank reference")
    customer_ref: str | None = Field(None, description="customer reference")
    text: str | None = Field(None, description="the detail's text")


class Bai2DepositsMappingOptions(MappingOptions):
    """Options of the ``bai2-deposits`` mapping (``mapping_options`` in hub.yaml)."""

    lockbox_accounts: dict[str, str] = Field(default_factory=dict)  # BAI2 account number -> lockbox
    deposit_codes: list[str] = Field(
        default_factory=lambda: ["115", "118"],
        description="type codes of deposit credits, posted as BankDeposit",
    )
    item_codes: list[str] = Field(default_factory=lambda: ["116"])  # counted into the deposit's items
    return_codes: list[str] = Field(
        default_factory=lambda: ["555"], description="type codes of returned items, posted as PaymentReversal"
    )
    deposit_date: Literal["as_of", "value_date"] = Field(
        "as_of", description="as_of: the group's as-of date; value_date: a funds-type V detail's value date"
    )
    match_days: int = Field(90, ge=0)  # how far back a returned item's payment is looked for
    returned_item_fee_cents: int = Field(0, ge=0, description="fee on a returned check")
    count_toward_limit: bool = Field(
        True, description="a returned check counts toward the returned-payment limit"
    )
    letter: str | None = Field(
        "returned-payment", description="the letter the CIS sends for a returned check"
    )
    # Agencies whose credits pay energy-assistance pledges (mappings/bai2_agency.py): agency id ->
    # the texts its credits carry (any account of the report, credit type codes 100-399).
    agency_payers: dict[str, Bai2Payer] = Field(default_factory=dict)

    @field_validator("deposit_codes", "item_codes", "return_codes")
    @classmethod
    def _codes(cls, codes: list[str]) -> list[str]:
        bad = [c for c in codes if len(c) != 3 or not c.isdigit()]
        if bad:
            raise ValueError(f"{', '.join(bad)}: not three-digit BAI2 type codes")
        return codes

    @model_validator(mode="after")
    def _disjoint(self) -> Bai2DepositsMappingOptions:
        both = sorted(
            set(self.deposit_codes) & set(self.return_codes) | set(self.item_codes) & set(self.return_codes)
        )
        both += sorted(set(self.deposit_codes) & set(self.item_codes))
        if both:
            raise ValueError(
                f"type code(s) {', '.join(both)} are listed twice among deposit/item/return codes"
            )
        return self


def _ref(row: dict[str, Any]) -> str:
    return (row["bank_ref"] or "").strip() or (row["customer_ref"] or "").strip()


def _keyed(rows: list[dict[str, Any]], prefix: str) -> None:
    """Give each row its deterministic key; the n-th repeat of a key in the report gets ``#n``."""
    seen: Counter[str] = Counter()
    for r in rows:
        day, amount = r["as_of_date"].isoformat(), str(r["amount_cents"])
        base = "|".join([prefix, r["account_number"], day, r["type_code"], _ref(r), amount])
        seen[base] += 1
        r["idempotency_key"] = base if seen[base] == 1 else f"{base}#{seen[base]}"


def day(r: dict[str, Any]) -> tuple[str, Any]:
    """A detail's account and as-of date (a deposit's 116 items are counted per account and day)."""
    return r["account_number"], r["as_of_date"]


def _digits(text: str | None) -> str:
    return (text or "").strip().lstrip("0")


GROUP_STATUS = {"1": "update", "2": "deletion", "3": "correction", "4": "test only"}


class Bai2DepositsMapping(ExchangeKind[Bai2DepositsMappingOptions]):
    name = "bai2-deposits"
    default_format = "bai2"
    options_model = Bai2DepositsMappingOptions
    produces = (BankDeposit, PaymentReversal, PledgePayment)
    lookups = frozenset({"delivered_payments", "open_pledges", "pledge_payments"})
    persists = frozenset({"deposits", "pledge_payments"})

    def __init__(self, options: Bai2DepositsMappingOptions) -> None:
        super().__init__(options)
        self._matched: PerTable[tuple[pl.DataFrame, pl.DataFrame, list[Problem]]] = PerTable()

    def map(self, table: pl.DataFrame, ctx: MapContext) -> dict[str, pl.DataFrame]:
        import polars as pl

        o = self.options
        if not o.lockbox_accounts and not o.agency_payers:
            raise MappingError(
                "mapping_options.lockbox_accounts names no lockbox account: nothing in the report could be "
                "posted (set {bank account number: lockbox number} for this exchange)"
            )
        # group status 1 is an update; 2 deletion, 3 correction and 4 test-only are never posted
        live = table.filter(pl.col("group_status").is_null() | (pl.col("group_status") == "1"))
        mine = [r for r in live.to_dicts() if r["account_number"] in o.lockbox_accounts]
        deposits = [r for r in mine if r["type_code"] in o.deposit_codes]
        returns = [r for r in mine if r["type_code"] in o.return_codes]
        _keyed(deposits, "B")
        _keyed(returns, "BR")
        bank = self._deposits(deposits, mine)
        out = {
            BankDeposit.txn_type: bank,
            PaymentReversal.txn_type: self._reversals(returns, ctx),
            "deposits": _bank_side(bank),
        }
        if o.agency_payers:
            out[PledgePayment.txn_type], out["pledge_payments"], _ = self._agencies(table, ctx)
        return out

    def _lockbox_codes(self, row: dict[str, Any]) -> set[str]:
        """The codes of the lockbox deposits on the row's account (none on another account)."""
        o = self.options
        if row["account_number"] not in o.lockbox_accounts:
            return set()
        return {*o.deposit_codes, *o.item_codes, *o.return_codes}

    def _agency_rows(self, live: pl.DataFrame) -> list[dict[str, Any]]:
        """The live credit details that are an agency's payment, each with ``_agency``."""
        from mappings.bai2_agency import agency_of

        found = []
        for r in live.to_dicts():
            agency = agency_of(r, self.options.agency_payers, self._lockbox_codes(r))
            if agency is not None:
                found.append(r | {"_agency": agency})
        return found

    def _agencies(
        self, table: pl.DataFrame, ctx: MapContext
    ) -> tuple[pl.DataFrame, pl.DataFrame, list[Problem]]:
        """The agency credits of the report, matched once per table (``map`` and ``notes``)."""
        import polars as pl

        from mappings.bai2_agency import agency_credits

        def matched() -> tuple[pl.DataFrame, pl.DataFrame, list[Problem]]:
            live = table.filter(pl.col("group_status").is_null() | (pl.col("group_status") == "1"))
            rows = self._agency_rows(live)
            _keyed(rows, "BA")
            return agency_credits(rows, [self._day(r) for r in rows], ctx)

        return self._matched.get(table, matched)

    def _day(self, r: dict[str, Any]) -> date:
        o = self.options
        if o.deposit_date == "value_date" and r["funds_type"] == "V" and r["value_date"]:
            return r["value_date"]  # type: ignore[no-any-return]
        return r["as_of_date"]  # type: ignore[no-any-return]

    def notes(self, table: pl.DataFrame, ctx: MapContext) -> list[Problem]:
        """One warning per detail this exchange does not post: another account, or a type code that
        is not a lockbox deposit, item or returned item (e.g. 475 check paid)."""
        import polars as pl

        o = self.options
        posted = {*o.deposit_codes, *o.item_codes, *o.return_codes}
        ours = pl.col("account_number").is_in(list(o.lockbox_accounts))
        live = pl.col("group_status").is_null() | (pl.col("group_status") == "1")
        left = table.filter(~ours | ~pl.col("type_code").is_in(sorted(posted)) | ~live)
        if o.agency_payers:  # an agency's credit posts as PledgePayment rows
            agency = {r[LINE] for r in self._agency_rows(table.filter(live))}
            left = left.filter(~pl.col(LINE).is_in(sorted(agency)))
        notes = []
        columns = (LINE, "account_number", "type_code", "meaning", "amount_cents", "group_status")
        for line, account, code, meaning, cents, status in left.select(columns).iter_rows():
            what = f"type code {code} ({meaning or 'meaning unknown'}), {cents} cents"
            if status not in (None, "1"):
                why = f"its group's status is {status} ({GROUP_STATUS.get(status, 'unknown')}), not an update"
            elif account not in o.lockbox_accounts:
                why = f"account {mask(account)} is not one of this exchange's lockbox accounts"
            else:
                why = "this exchange posts only lockbox deposits, their items and returned items"
            notes.append(
                Problem.of(
                    "not-posted",
                    f"{what}: not posted ({why}); it stays on the bank statement",
                    line=line,
                    field="type_code",
                    value=code,
                    severity="warning",
                )
            )
        if o.agency_payers:
            notes = sorted([*notes, *self._agencies(table, ctx)[2]], key=lambda p: p.line or 0)
        return notes

    def _deposits(self, rows: list[dict[str, Any]], mine: list[dict[str, Any]]) -> pl.DataFrame:
        import polars as pl

        o = self.options
        items = Counter(day(r) for r in mine if r["type_code"] in o.item_codes)
        totals = Counter(day(r) for r in rows if r["type_code"] == "115")
        out = [
            {
                "idempotency_key": r["idempotency_key"],
                "lockbox": o.lockbox_accounts[r["account_number"]],
                "deposit_date": (
                    r["value_date"]
                    if o.deposit_date == "value_date" and r["funds_type"] == "V" and r["value_date"]
                    else r["as_of_date"]
                ),
                "amount_cents": r["amount_cents"],
                "items": items[day(r)] if r["type_code"] == "115" and totals[day(r)] == 1 else 0,
                "type_code": r["type_code"],
                "bai2_account": r["account_number"],
                "bank_ref": r["bank_ref"] or None,
                "customer_ref": r["customer_ref"] or None,
                "text": r["text"] or None,
                "source_line": r[LINE],
                LINE: r[LINE],
            }
            for r in rows
        ]
        schema = {c: _types()[0].get(c, pl.String) for c in [*columns_of(BankDeposit), LINE]}
        return pl.DataFrame(out, schema=schema, orient="row") if out else pl.DataFrame(schema=schema)

    def _reversals(self, rows: list[dict[str, Any]], ctx: MapContext) -> pl.DataFrame:
        import polars as pl

        o = self.options
        payments: list[dict[str, Any]] | None = []
        if rows:
            lockboxes = sorted({o.lockbox_accounts[r["account_number"]] for r in rows})
            days = [r["as_of_date"] for r in rows]
            since = min(days) - timedelta(days=o.match_days)
            found = ctx.lookup.find("delivered_payments", lockboxes, since=since, until=max(days))
            payments = None if found is None else found.to_dicts()
        out = []
        for r in rows:
            payment, reason = self._match(r, payments)
            out.append(
                {
                    "idempotency_key": r["idempotency_key"],
                    "account": "",  # the CIS finds it through original_payment_id (the payment's key)
                    "amount_cents": r["amount_cents"],
                    "return_code": r["type_code"],
                    "return_reason": "deposited item returned",
                    "original_trace": (r["customer_ref"] or "").strip(),
                    "return_trace": (r["bank_ref"] or "").strip(),
                    "effective_date": r["as_of_date"],
                    "original_payment_id": payment,
                    "routing": "",
                    "dfi_account": "",
                    "fee_cents": o.returned_item_fee_cents,
                    "stop_autopay": False,
                    "count_toward_limit": o.count_toward_limit,
                    "letter": o.letter,
                    "date_of_death": None,
                    "review": reason is not None,
                    "review_reason": reason,
                    "tender": "check",
                    "source_line": r[LINE],
                    LINE: r[LINE],
                }
            )
        schema = {c: _types()[1].get(c, pl.String) for c in [*columns_of(PaymentReversal), LINE]}
        return pl.DataFrame(out, schema=schema, orient="row") if out else pl.DataFrame(schema=schema)

    def _match(
        self, row: dict[str, Any], payments: list[dict[str, Any]] | None
    ) -> tuple[str | None, str | None]:
        """(the payment's key, None) when exactly one lockbox payment fits, else (None, the reason).
        ``payments``: the lockbox payments delivered in the window (None: no ledger at hand)."""
        lockbox = self.options.lockbox_accounts[row["account_number"]]
        ref = (row["customer_ref"] or "").strip()
        dollars = f"{row['amount_cents'] // 100}.{row['amount_cents'] % 100:02d}"
        if not ref:
            return (
                None,
                "the returned item carries no check number (customer reference) to match a payment by",
            )
        if payments is None:
            return None, "no ledger at hand to find the lockbox payment the returned item reverses"
        since = row["as_of_date"] - timedelta(days=self.options.match_days)
        same = [
            p
            for p in payments
            if p["lockbox"] == lockbox
            and since <= p["deposit_date"] <= row["as_of_date"]
            and (p["key"] == ref or (_digits(ref) != "" and _digits(p["reference"]) == _digits(ref)))
        ]
        fit = [p for p in same if int(p["amount_cents"]) == row["amount_cents"]]
        if len(fit) == 1:
            return str(fit[0]["key"]), None
        if len(fit) > 1:
            keys = ", ".join(str(p["key"]) for p in fit[:3])
            return None, f"{len(fit)} lockbox payments fit check {ref} for {dollars} (e.g. {keys}): pick one"
        if same:
            return None, (
                f"check {ref} of lockbox {lockbox} was paid in for "
                f"{int(same[0]['amount_cents']) / 100:.2f}, not {dollars} (payment {same[0]['key']})"
            )
        return None, (
            f"no lockbox payment of lockbox {lockbox} in the {self.options.match_days} days up to "
            f"{row['as_of_date'].isoformat()} has check number {ref}"
        )


def _bank_side(deposits: pl.DataFrame) -> pl.DataFrame:
    """The bank side of the reconciliation (fact ``deposits``): one row per ``BankDeposit``."""
    import polars as pl

    return deposits.select(
        "idempotency_key",
        pl.lit("bank").alias("side"),
        "deposit_date",
        "lockbox",
        "amount_cents",
        "items",
        pl.coalesce("bank_ref", "customer_ref").alias("reference"),
    )


def _types() -> tuple[dict[str, Any], dict[str, Any]]:
    import polars as pl

    deposit = {"deposit_date": pl.Date, "amount_cents": pl.Int64, "items": pl.Int64, "source_line": pl.Int64}
    reversal = {
        "amount_cents": pl.Int64,
        "effective_date": pl.Date,
        "fee_cents": pl.Int64,
        "stop_autopay": pl.Boolean,
        "count_toward_limit": pl.Boolean,
        "date_of_death": pl.Date,
        "review": pl.Boolean,
        "source_line": pl.Int64,
    }
    return {**deposit, LINE: pl.Int64}, {**reversal, LINE: pl.Int64}
