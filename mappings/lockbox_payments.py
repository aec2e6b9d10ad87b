"""Bank lockbox transmissions -> CIS ``Payment`` (one per check) and ``DepositControl`` (one per batch).

The utility account is the one the reader cut from the remittance data at the configured position,
with its check-digit flag (``formats.lockbox_accounts``). A check is delivered to the CIS's suspense,
with the first reason that applies, never dropped and never applied to a guessed account, when:

- no CIS accounts extract was ever loaded (only with ``without_accounts: suspense``; by default the
  file is rejected instead, so no payment posts to an account nobody checked: load the extract,
  then ``hub reprocess``);
- the account number is blank or missing;
- it fails its check digit (mistyped);
- it is ambiguous: the remittance data names another number that is itself a CIS account, besides
  the one at the account position (e.g. a customer paying two bills with one check);
- the CIS does not know it, or it is not active (closed, final ...).

An agency's check (``agency_payers``: its remitter account or name) is no customer's: it pays the
agency's open pledges as ``PledgePayment`` rows, its rest to suspense (``mappings/lockbox_agency.py``).

Keys: ``L|<bank>|<lockbox>|<deposit date>|<batch>|<item>`` and ``D|<bank>|<lockbox>|<deposit date>|
<batch>``, so the same checks resent in another file post nothing twice. ``record`` keeps the lockbox
side of each delivered payment in the ledger for ``hub reconcile``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import BaseModel, Field

from hub.kernel.errors import MappingError
from hub.kernel.queries import engine_for
from hub.kernel.rows import LINE
from hub.kernel.transactions import CisTransaction, columns_of
from mappings.base import ExchangeKind, MapContext, MappingOptions, PerTable
from mappings.payments import Payment
from mappings.pledge_payments import LockboxPayer, PledgePayment

if TYPE_CHECKING:
    import polars as pl

    from hub.kernel.problems import Problem


NO_ACCOUNTS = "no CIS accounts loaded"
BLANK = "no utility account number in the remittance data"
CHECK_DIGIT = "the account number fails its check digit (mistyped)"
AMBIGUOUS = "ambiguous: the remittance data names another CIS account besides the one at the account position"
UNKNOWN = "account not found in the CIS"


class DepositControl(CisTransaction):
    """One lockbox batch's deposit control: its count and amount equal the sum of the batch's
    ``Payment`` rows in the same CIS batch, so the CIS balances the deposit before posting."""

    txn_type: ClassVar[str] = "DepositControl"
    total_fields: ClassVar[tuple[str, ...]] = ("count", "amount_cents")

    lockbox: str = Field(description="lockbox number")
    deposit_date: date = Field(description="the deposit (or collection) date")
    batch: str = Field(description="the bank's batch number")
    count: int = Field(ge=0, description="checks in the batch")
    amount_cents: int = Field(ge=0, description="their total in cents")


class LockboxPaymentsMappingOptions(MappingOptions):
    """Options of the ``lockbox-payments`` mapping (``mapping_options`` in hub.yaml)."""

    # The bank's id in the idempotency keys (e.g. its routing number). Changing it makes a resent
    # file post again: set it once.
    bank: str = Field("bank", min_length=1, max_length=20, pattern=r"^[A-Za-z0-9-]+$")
    # A check whose account number has no check-digit verdict (the format names no rule) would post
    # unverified: with this on, the format must name a rule (checked with the configuration).
    require_check_digit: bool = True
    # Look for other CIS accounts in the remittance data (digit runs at least this long).
    ambiguity_check: bool = True
    candidate_min_digits: int = Field(
        6, ge=2, le=30, description="shortest digit run taken for another account number"
    )
    # No accounts extract ever loaded: reject the file (default) or deliver every check to suspense.
    without_accounts: Literal["reject", "suspense"] = "reject"
    # Agencies whose checks pay energy-assistance pledges (mappings/lockbox_agency.py): agency id ->
    # the remitter accounts and names its checks carry.
    agency_payers: dict[str, LockboxPayer] = Field(default_factory=dict)


class LockboxPaymentsMapping(ExchangeKind[LockboxPaymentsMappingOptions]):
    name = "lockbox-payments"
    default_format = "lockbox"
    options_model = LockboxPaymentsMappingOptions
    produces = (Payment, DepositControl, PledgePayment)
    lookups = frozenset({"accounts", "delivered_payments", "open_pledges", "pledge_payments"})
    persists = frozenset({"deposits", "pledge_payments"})

    @classmethod
    def check_options(cls, options: MappingOptions, format_options: BaseModel) -> list[str]:
        assert isinstance(options, LockboxPaymentsMappingOptions)
        account = getattr(format_options, "account", None)
        if account is None:
            return ["format_options.account: lockbox-payments needs where the utility account number sits"]
        if options.require_check_digit and account.check_digit is None:
            return [
                "format_options.account.check_digit: mapping_options.require_check_digit needs a rule "
                "(luhn or mod11), or set require_check_digit: false"
            ]
        return []

    def __init__(self, options: LockboxPaymentsMappingOptions) -> None:
        super().__init__(options)
        self._mapped: PerTable[tuple[dict[str, pl.DataFrame], list[Problem]]] = PerTable()

    def map(self, table: pl.DataFrame, ctx: MapContext) -> dict[str, pl.DataFrame]:
        return self._mapped.get(table, lambda: self._map(table, ctx))[0]

    def notes(self, table: pl.DataFrame, ctx: MapContext) -> list[Problem]:
        """The agency checks that need a look (``mappings/lockbox_agency.py``), as warnings."""
        if not self.options.agency_payers:
            return []
        return self._mapped.get(table, lambda: self._map(table, ctx))[1]

    def _map(self, table: pl.DataFrame, ctx: MapContext) -> tuple[dict[str, pl.DataFrame], list[Problem]]:
        import polars as pl

        pattern = f"[0-9]{{{self.options.candidate_min_digits},}}"
        rows = table.select(
            LINE,
            "lockbox",
            "deposit_date",
            "batch",
            "item",
            pl.col("amount_cents").cast(pl.Int64),
            "check_number",
            "remitter_name",
            "remitter_account",
            pl.col("remittance_data").fill_null(""),
            "account_number",
            "account_check_digit_ok",
        ).with_columns(pl.col("remittance_data").str.extract_all(pattern).alias("_candidates"))
        numbers = pl.concat(
            [rows.get_column("account_number").drop_nulls(), rows.get_column("_candidates").explode()]
        )
        known = ctx.lookup.find("accounts", numbers.drop_nulls().unique().sort().to_list())
        if known is None and self.options.without_accounts == "reject":
            raise MappingError(
                "no CIS accounts extract was ever loaded, so no payment's account can be checked: load "
                "one (hub reference load accounts PATH) and reprocess this file"
            )
        _refuse_repeats(rows)
        payments = self._payments(self._join_accounts(rows, known))
        if not self.options.agency_payers:
            return {
                Payment.txn_type: payments,
                DepositControl.txn_type: self._controls(payments),
                "deposits": _deposits(payments),
            }, []
        return self._with_agencies(rows, payments, ctx)

    def _with_agencies(
        self, rows: pl.DataFrame, payments: pl.DataFrame, ctx: MapContext
    ) -> tuple[dict[str, pl.DataFrame], list[Problem]]:
        """Agency checks pay pledges (``mappings/lockbox_agency.py``); the rest as before."""
        import polars as pl

        from mappings.lockbox_agency import agency_checks, agency_column

        checks = rows.select(
            LINE, "remittance_data", agency_column(rows, self.options.agency_payers).alias("_agency")
        )
        checks = checks.filter(pl.col("_agency").is_not_null())
        kept, pledged, fact, items, notes = agency_checks(payments, checks, ctx)
        customers = _deposits(kept).join(items, on="idempotency_key", how="left", suffix="_of")
        customers = customers.with_columns(pl.coalesce("items_of", "items").alias("items")).drop("items_of")
        agencies = pledged.join(items, on="idempotency_key", how="left").select(
            "idempotency_key",
            pl.lit("lockbox").alias("side"),
            "deposit_date",
            "lockbox",
            "amount_cents",
            "items",
            "reference",
        )
        deposits = pl.concat([customers, agencies], how="vertical_relaxed")
        return {
            Payment.txn_type: kept,
            DepositControl.txn_type: self._controls(kept),
            PledgePayment.txn_type: pledged.drop("lockbox", "deposit_date"),
            "deposits": deposits,
            "pledge_payments": fact,
        }, notes

    def _join_accounts(self, rows: pl.DataFrame, known: pl.DataFrame | None) -> pl.DataFrame:
        """Join each check's account (status, active) and count the other CIS accounts its remittance
        data names (``others``). ``known`` holds the CIS accounts among every number in the file,
        None when no accounts extract was ever loaded."""
        import polars as pl

        accounts = pl.DataFrame(
            schema={"account_number": pl.String, "status": pl.String, "active": pl.Boolean}
        )
        if known is not None:
            accounts = known.select(
                pl.col("number").alias("account_number"),
                pl.col("status").fill_null(""),
                pl.col("active").fill_null(False),
            )
        rows = rows.with_row_index("_row")
        others = (
            rows.select("_row", "account_number", pl.col("_candidates").alias("candidate"))
            .explode("candidate")
            .join(accounts.select(pl.col("account_number").alias("candidate")), on="candidate", how="semi")
            .filter(pl.col("candidate") != pl.col("account_number").fill_null(""))
            .group_by("_row")
            .agg(pl.col("candidate").n_unique().alias("others"))
        )
        if not self.options.ambiguity_check:
            others = others.clear()
        return (
            rows.join(accounts, on="account_number", how="left", maintain_order="left")
            .join(others, on="_row", how="left", maintain_order="left")
            .with_columns(pl.col("others").fill_null(0), pl.lit(known is not None).alias("_loaded"))
            .drop("_row", "_candidates")
        )

    def _payments(self, rows: pl.DataFrame) -> pl.DataFrame:
        import polars as pl

        account = pl.col("account_number")
        reason = (
            pl.when(~pl.col("_loaded"))
            .then(pl.lit(NO_ACCOUNTS))
            .when(account.is_null())
            .then(pl.lit(BLANK))
            .when(pl.col("account_check_digit_ok").not_().fill_null(False))
            .then(pl.lit(CHECK_DIGIT))
            .when(pl.col("others") > 0)
            .then(pl.lit(AMBIGUOUS))
            .when(pl.col("status").is_null())
            .then(pl.lit(UNKNOWN))
            .when(~pl.col("active"))
            .then(pl.lit("account is not active in the CIS (status ") + pl.col("status") + pl.lit(")"))
            .otherwise(None)
        )
        day = pl.col("deposit_date").dt.strftime("%Y-%m-%d")
        key = pl.concat_str(
            [pl.lit("L"), pl.lit(self.options.bank), pl.col("lockbox"), day, pl.col("batch"), pl.col("item")],
            separator="|",
        )
        return (
            rows.lazy()
            .with_columns(reason.alias("suspense_reason"))
            .with_columns(
                key.alias("idempotency_key"),
                pl.lit("check").alias("tender"),
                pl.col("suspense_reason").is_not_null().alias("suspense"),
                pl.when(pl.col("suspense_reason").is_null())
                .then(account)
                .otherwise(pl.lit(""))
                .alias("account"),
                account.fill_null("").alias("remitted_account"),
                pl.lit(None, pl.String).alias("agency"),
                pl.lit(None, pl.String).alias("agency_reference"),
                pl.lit(False).alias("review"),
                pl.lit(None, pl.String).alias("review_reason"),
                pl.col(LINE).alias("source_line"),
            )
            .select(*columns_of(Payment), LINE)
            .collect(engine=engine_for(rows.height))
        )

    def _controls(self, payments: pl.DataFrame) -> pl.DataFrame:
        """One deposit control per lockbox batch: the count and sum of its payments."""
        import polars as pl

        day = pl.col("deposit_date").dt.strftime("%Y-%m-%d")
        key = pl.concat_str(
            [pl.lit("D"), pl.lit(self.options.bank), pl.col("lockbox"), day, pl.col("batch")], separator="|"
        )
        return (
            payments.lazy()
            .group_by("lockbox", "deposit_date", "batch", maintain_order=True)
            .agg(
                pl.len().cast(pl.Int64).alias("count"),
                pl.col("amount_cents").sum().alias("amount_cents"),
                pl.col(LINE).min().alias(LINE),
            )
            .with_columns(key.alias("idempotency_key"), pl.col(LINE).alias("source_line"))
            .select(*columns_of(DepositControl), LINE)
            .collect(engine=engine_for(payments.height))
        )


def _lines(lines: Sequence[int], shown: int = 5) -> str:
    head = ", ".join(str(n) for n in lines[:shown])
    return head + (f" and {len(lines) - shown} more" if len(lines) > shown else "")


def _deposits(payments: pl.DataFrame) -> pl.DataFrame:
    """The lockbox side of the deposits (fact ``deposits``, for ``hub reconcile``): one row per
    payment, keyed by its idempotency key, so a resent file never counts twice. ``reference`` is the
    check number a BAI2 returned item names (see mappings/bai2_deposits.py)."""
    import polars as pl

    return payments.select(
        "idempotency_key",
        pl.lit("lockbox").alias("side"),
        "deposit_date",
        "lockbox",
        "amount_cents",
        pl.lit(1, pl.Int64).alias("items"),
        pl.col("check_number").alias("reference"),
    )


def _refuse_repeats(rows: pl.DataFrame) -> None:
    """The same item (lockbox, deposit date, batch, item) twice in one file is refused: one of the
    two checks would never post."""
    import polars as pl

    twice = rows.filter(pl.struct("lockbox", "deposit_date", "batch", "item").is_duplicated())
    if twice.height:
        raise MappingError(
            f"lines {_lines(twice.get_column(LINE).to_list())} carry the same lockbox item twice (same "
            "lockbox, deposit date, batch and item number); a file may carry each once"
        )
