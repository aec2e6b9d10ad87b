"""NACHA returns and notifications of change -> ``PaymentReversal`` and ``AccountChangeNotice``.

Every valid entry of a returns file becomes exactly one transaction: a return (addenda 99) a
``PaymentReversal`` with the follow-ups the utility's policy table gives its code, a notification of
change (addenda 98) an ``AccountChangeNotice`` with the corrected bank details parsed out. What the
hub cannot decide safely is delivered with ``review`` set and a ``review_reason``, never dropped.

An entry that is neither (a forward debit or credit: most likely an outbound file dropped into the
returns folder) rejects the whole file with a ``MappingError`` naming its lines: posting it as a
reversal would be wrong even when flagged, and leaving it out would lose it.

Keys: ``R|<return trace>|<original trace>`` and ``C|<notice trace>|<original trace>``, so a bank
resending the same returns in another file posts nothing twice.

IAT (international) returns and notifications of change map exactly like domestic ones, with the same
keys and review rules: the NACHA format reads them into the same columns (the account number from
the entry's foreign account field, the individual id from its addenda 15, the amount from the entry),
and an IAT forward entry rejects the file like a domestic one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from formats.nacha_codes import (
    CHANGE_CODES,
    CONTESTED_CODES,
    DISHONORED_CODES,
    RETURN_CODES,
    TRANSACTION_CODES,
)
from formats.nacha_layout import routing_ok_expr
from hub.kernel.errors import MappingError
from hub.kernel.rows import LINE
from hub.kernel.transactions import CisTransaction, columns_of
from mappings.base import ExchangeKind, MapContext, MappingOptions
from mappings.payments import PaymentReversal

if TYPE_CHECKING:
    import polars as pl

REFUSED_NOTICES = frozenset(f"C{n}" for n in range(61, 70))
# Change codes that correct the utility's own origination (company, SEC code, addenda, IAT), not the
# customer's bank details: a person fixes the origination set-up.
ORIGINATOR_NOTICES = frozenset({"C08", "C10", "C11", "C12", "C13", "C14"})
# Where each code puts its corrected values in the corrected-data field (record positions 36-64;
# 0-based slices of the field): routing 36-44, account 36-52 (C01, C06), 48-64 (C03) or 45-61
# (C07), transaction code 36-37 (C05), 56-57 (C06) or 62-63 (C07).
ROUTING_AT = {"C02": 0, "C03": 0, "C07": 0}
ACCOUNT_AT = {"C01": (0, 17), "C03": (12, 17), "C06": (0, 17), "C07": (9, 17)}
TRANSACTION_CODE_AT = {"C05": 0, "C06": 20, "C07": 26}


class AccountChangeNotice(CisTransaction):
    """A notification of change (NACHA NOC, C-code): the bank's correction of the customer's bank
    details for future debits. ``corrected_data`` is the full value (the CIS needs it; everywhere
    else it is masked); the corrected routing, account and transaction code are parsed out where
    the code defines them."""

    txn_type: ClassVar[str] = "AccountChangeNotice"

    account: str  # the utility's account: from the originated debit when matched, else the entry's id
    change_code: str = Field(description="NACHA C-code")
    change_reason: str | None = None  # the code's meaning; None when the code is not in the NACHA rules
    original_trace: str = Field(description="trace number of the debit the utility originated")
    trace: str  # the notice's own trace number
    effective_date: date | None = Field(None, description="the batch's effective date")
    original_payment_id: str | None = Field(None, description="the CIS payment it concerns, when matched")
    routing: str  # the bank details the utility used, which the notice corrects
    dfi_account: str = Field(description="the customer's bank account (full here; masked everywhere else)")
    corrected_data: str = Field(description="the corrected data in full (masked everywhere but here)")
    corrected_routing: str | None = None  # C02, C03, C07
    corrected_account: str | None = None  # C01, C03, C06, C07
    corrected_transaction_code: int | None = None  # C05, C06, C07
    review: bool = Field(False, description="true: delivered for a person to decide")
    review_reason: str | None = Field(None, description="why it is held for review")


class FollowUp(BaseModel):
    """What the utility does after a return code, besides reversing the payment."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fee_cents: int | Literal["default"] = Field(0, description="returned-payment fee; 'default': the set fee")
    stop_autopay: bool = Field(False, description="the CIS stops the customer's autopay")
    count_toward_limit: bool = False  # toward the returned-payment limit
    letter: str | None = None  # the letter the CIS sends the customer


def _default_policy() -> dict[str, FollowUp]:
    nsf = FollowUp(fee_cents="default", count_toward_limit=True, letter="returned-payment")
    closed = FollowUp(stop_autopay=True, letter="autopay-stopped")
    return {
        **dict.fromkeys(("R01", "R09"), nsf),
        **dict.fromkeys(("R02", "R03", "R04", "R07", "R10", "R16", "R20"), closed),
    }


class AchReturnsMappingOptions(MappingOptions):
    """Options of the ``ach-returns`` mapping (``mapping_options`` in hub.yaml)."""

    # Follow-ups per return code; a code not in the table is still reversed, flagged for review.
    policy: dict[str, FollowUp] = Field(default_factory=_default_policy)
    returned_payment_fee_cents: int = Field(
        2500, ge=0, description="the fee charged where the policy says fee_cents: default"
    )
    # True once the hub originates the utility's debits: a return or notice naming no debit in the
    # ledger is then delivered flagged for review.
    expect_originals: bool = False

    @field_validator("policy")
    @classmethod
    def _codes(cls, policy: dict[str, FollowUp]) -> dict[str, FollowUp]:
        unknown = sorted(code for code in policy if code not in RETURN_CODES)
        if unknown:
            raise ValueError(f"{', '.join(unknown)}: not NACHA return code(s) (R01, R02, ...)")
        return policy


def _dollars(cents: pl.Expr) -> pl.Expr:
    import polars as pl

    return (cents // 100).cast(pl.String) + pl.lit(".") + (cents % 100).cast(pl.String).str.zfill(2)


def _reasons(*reasons: pl.Expr) -> pl.Expr:
    """The non-null reasons joined with "; ", or null when there is none."""
    import polars as pl

    joined = pl.concat_str(reasons, separator="; ", ignore_nulls=True)
    return pl.when(joined == "").then(None).otherwise(joined)


def _reasons_in(frame: pl.DataFrame, *reasons: pl.Expr) -> pl.Series:
    """``_reasons`` over ``frame``, joining only the reasons some row has (in the usual file most
    are null in every row, and joining a column of nulls costs as much as one of texts)."""
    import polars as pl

    parts = frame.select(reason.alias(str(i)) for i, reason in enumerate(reasons))
    some = [pl.col(c.name) for c in parts.iter_columns() if c.null_count() < c.len()]
    if not some:
        return pl.repeat(None, frame.height, dtype=pl.String, eager=True)
    return parts.select(_reasons(*some)).to_series()


class AchReturnsMapping(ExchangeKind[AchReturnsMappingOptions]):
    name = "ach-returns"
    default_format = "nacha"
    options_model = AchReturnsMappingOptions
    produces = (PaymentReversal, AccountChangeNotice)
    lookups = frozenset({"originated_entries"})

    def map(self, table: pl.DataFrame, ctx: MapContext) -> dict[str, pl.DataFrame]:
        import polars as pl

        frame = self._entries(table)
        _refuse_forward_entries(frame)
        _refuse_repeats(frame)
        frame = self._match(frame, ctx)
        returns = frame.filter(pl.col("return_code").is_not_null())
        notices = frame.filter(pl.col("return_code").is_null())
        return {
            PaymentReversal.txn_type: self._reversals(returns),
            AccountChangeNotice.txn_type: self._notices(notices),
        }

    @staticmethod
    def _entries(table: pl.DataFrame) -> pl.DataFrame:
        import polars as pl

        def text(name: str) -> pl.Expr:
            return pl.col(name).str.strip_chars(" ")

        def yymmdd(name: str) -> pl.Expr:
            return pl.col(name).str.strptime(pl.Date, "%y%m%d", strict=False)

        return table.select(
            LINE,
            text("trace").alias("trace"),
            text("original_trace").alias("original_trace"),
            text("return_code").alias("return_code"),
            text("change_code").alias("change_code"),
            pl.col("tc").cast(pl.Int64),
            pl.col("amount_cents").cast(pl.Int64),
            pl.col("routing"),
            text("dfi_account").alias("dfi_account"),
            text("individual_id").alias("individual_id"),
            pl.col("corrected_data").str.pad_end(29, " ").alias("corrected_raw"),
            yymmdd("effective_date").alias("effective_date"),
            yymmdd("date_of_death").alias("date_of_death"),
        )

    def _match(self, frame: pl.DataFrame, ctx: MapContext) -> pl.DataFrame:
        """Join the debits the hub originated (one look-up for the whole file)."""
        import polars as pl

        traces = frame.get_column("original_trace").drop_nulls()
        if traces.n_unique() < traces.len():  # counting is cheaper than making them unique
            traces = traces.unique(maintain_order=True)
        found = ctx.lookup.find("originated_entries", traces)  # a column: no Python list unless looked up
        columns = {"trace": "original_trace", "payment_id": "original_payment_id"}
        columns |= {"account": "original_account", "amount_cents": "original_amount_cents"}
        schema: dict[str, Any] = {"original_trace": pl.String, "original_payment_id": pl.String}
        schema |= {"original_account": pl.String, "original_amount_cents": pl.Int64}
        originals = (
            pl.DataFrame(schema=schema)
            if found is None
            else found.select(pl.col(k).alias(v) for k, v in columns.items()).cast(schema)  # type: ignore[arg-type]
        )
        matched = pl.col("original_payment_id").is_not_null()
        looked_up = self.options.expect_originals and found is not None
        missing = (
            pl.when(~matched & pl.lit(looked_up))
            .then(pl.lit("no debit the hub originated has the original trace ") + pl.col("original_trace"))
            .otherwise(None)
        )
        account = pl.when(matched).then(pl.col("original_account")).otherwise(pl.col("individual_id"))
        joined = (
            frame.join(originals, on="original_trace", how="left", maintain_order="left")
            if originals.height
            # nothing to join (no look-up, or no debit matched): the columns of no match, without
            # the cost of a join over every row
            else frame.with_columns(
                pl.lit(None, t).alias(c) for c, t in schema.items() if c != "original_trace"
            )
        )
        return joined.with_columns(
            account.fill_null("").alias("account"), missing.alias("missing_reason")
        ).with_columns(
            pl.when(pl.col("account") == "")
            .then(pl.lit("no utility account: the entry's individual id is blank and no debit matched"))
            .otherwise(None)
            .alias("account_reason")
        )

    def _reversals(self, rows: pl.DataFrame) -> pl.DataFrame:
        import polars as pl

        # eager: the lazy engine's join costs four times as much here
        joined = rows.join(self._by_code(rows), on=["return_code", "tc"], how="left", maintain_order="left")
        reason = _reasons_in(
            joined,
            pl.col("code_reason"),
            pl.when(pl.col("amount_cents") == 0).then(
                pl.lit("a zero-amount return (a returned prenotification): nothing to reverse")
            ),
            pl.col("missing_reason"),
            # an amount to compare only where a debit the hub originated matched (none: no look-up)
            *(
                []
                if rows.get_column("original_amount_cents").null_count() == rows.height
                else [
                    pl.when(
                        pl.col("original_amount_cents").is_not_null()
                        & (pl.col("original_amount_cents") != pl.col("amount_cents"))
                    ).then(
                        pl.lit("amount ")
                        + _dollars(pl.col("amount_cents"))
                        + pl.lit(" differs from the originated debit's ")
                        + _dollars(pl.col("original_amount_cents"))
                        + pl.lit(" (payment ")
                        + pl.col("original_payment_id")
                        + pl.lit(")")
                    )
                ]
            ),
            pl.col("account_reason"),
        )
        return (
            joined.with_columns(pl.col("trace").alias("return_trace"), reason.alias("review_reason"))
            .with_columns(
                pl.col("review_reason").is_not_null().alias("review"),
                pl.concat_str([pl.lit("R"), pl.col("trace"), pl.col("original_trace")], separator="|").alias(
                    "idempotency_key"
                ),
                pl.col(LINE).alias("source_line"),
                pl.lit("ach").alias("tender"),
            )
            .select(*columns_of(PaymentReversal), LINE)
        )

    def _by_code(self, rows: pl.DataFrame) -> pl.DataFrame:
        """What each return code (and transaction code) present gives every return of it: meaning,
        follow-ups and the review reasons that depend on the codes alone (a file has a few codes, so
        they are worked out once each, not once a row)."""
        import polars as pl

        o = self.options
        pairs = rows.select("return_code", "tc").unique().rows()
        table: dict[str, list[Any]] = {
            name: []
            for name in (
                "return_code",
                "tc",
                "return_reason",
                "fee_cents",
                "stop_autopay",
                "count_toward_limit",
                "letter",
                "code_reason",
            )
        }
        for code, tc in pairs:
            meaning = RETURN_CODES.get(code)
            follow = o.policy.get(code)
            described = None if meaning is None else f"{code} ({meaning})"
            parts = [
                f"return code {code} is not in the NACHA rules" if meaning is None else None,
                f"dishonored return {described}: the bank refused an earlier return; "
                "check the payment by hand"
                if code in DISHONORED_CODES and described
                else None,
                f"contested dishonored return {described}: the customer's bank contests a refused return; "
                "check the payment by hand"
                if code in CONTESTED_CODES and described
                else None,
                f"return code {described} has no follow-up in mapping_options.policy"
                if described and follow is None
                else None,
                f"returns a credit the utility sent (transaction code {tc}), not a customer's payment"
                if tc is not None and tc % 10 < 5
                else None,
            ]
            reason = "; ".join(p for p in parts if p is not None)
            fee = 0 if follow is None else follow.fee_cents
            values = (
                code,
                tc,
                meaning,
                o.returned_payment_fee_cents if fee == "default" else fee,
                follow is not None and follow.stop_autopay,
                follow is not None and follow.count_toward_limit,
                None if follow is None else follow.letter,
                reason or None,
            )
            for column, value in zip(table.values(), values, strict=True):
                column.append(value)
        schema = dict(
            zip(table, (pl.String, pl.Int64, pl.String, pl.Int64, pl.Boolean, pl.Boolean), strict=False)
        )
        return pl.DataFrame(table, schema={**schema, "letter": pl.String, "code_reason": pl.String})

    def _notices(self, rows: pl.DataFrame) -> pl.DataFrame:
        import polars as pl

        code = pl.col("change_code")
        raw = pl.col("corrected_raw")

        def at(table: dict[str, int] | dict[str, tuple[int, int]], width: int | None = None) -> pl.Expr:
            out = pl.lit(None, pl.String)
            for c, where in table.items():
                start, size = where if isinstance(where, tuple) else (where, width)
                out = pl.when(code == c).then(raw.str.slice(start, size).str.strip_chars(" ")).otherwise(out)
            return out

        routing, account, tc = pl.col("corrected_routing"), pl.col("corrected_account"), pl.col("tc_text")
        meaning = code.replace_strict(CHANGE_CODES, default=None, return_dtype=pl.String)
        described = code + pl.lit(" (") + pl.col("change_reason") + pl.lit(")")
        reason = _reasons(
            pl.when(pl.col("change_reason").is_null()).then(
                pl.lit("change code ") + code + pl.lit(" is not in the NACHA rules")
            ),
            pl.when(code.is_in(list(REFUSED_NOTICES))).then(
                pl.lit("refused notification of change ") + described
            ),
            pl.when(code.is_in(list(ORIGINATOR_NOTICES))).then(
                pl.lit("change code ")
                + described
                + pl.lit(" corrects the utility's own origination, not the customer's bank details")
            ),
            pl.when(routing.is_not_null() & ~routing_ok_expr(routing)).then(
                pl.lit("the corrected routing number is not 9 digits with a valid check digit")
            ),
            pl.when(code.is_in(list(ACCOUNT_AT)) & (account.fill_null("") == "")).then(
                pl.lit("the corrected account number is blank")
            ),
            pl.when(tc.is_not_null() & ~tc.cast(pl.Int64, strict=False).is_in(list(TRANSACTION_CODES))).then(
                pl.lit("the corrected transaction code is not a NACHA transaction code")
            ),
            pl.col("missing_reason"),
            pl.col("account_reason"),
        )
        return (
            rows.with_columns(
                meaning.alias("change_reason"),
                raw.str.strip_chars_end(" ").alias("corrected_data"),
                at(ROUTING_AT, 9).alias("corrected_routing"),
                at(ACCOUNT_AT).alias("corrected_account"),
                at(TRANSACTION_CODE_AT, 2).alias("tc_text"),
            )
            .with_columns(
                reason.alias("review_reason"),
                tc.cast(pl.Int64, strict=False).alias("corrected_transaction_code"),
                pl.when(account == "").then(None).otherwise(account).alias("corrected_account"),
            )
            .with_columns(
                pl.col("review_reason").is_not_null().alias("review"),
                pl.concat_str([pl.lit("C"), pl.col("trace"), pl.col("original_trace")], separator="|").alias(
                    "idempotency_key"
                ),
                pl.col(LINE).alias("source_line"),
            )
            .select(*columns_of(AccountChangeNotice), LINE)
        )


def _lines(lines: Sequence[int], shown: int = 5) -> str:
    head = ", ".join(str(n) for n in lines[:shown])
    return head + (f" and {len(lines) - shown} more" if len(lines) > shown else "")


def _refuse_forward_entries(frame: pl.DataFrame) -> None:
    """A returns file carries returns and notifications of change only."""
    import polars as pl

    neither = pl.col("return_code").is_null() & pl.col("change_code").is_null()
    if frame.select(neither.any()).item():  # the usual file has none: no filter of every column
        lines = frame.filter(neither).get_column(LINE).to_list()
        raise MappingError(
            f"{len(lines)} entr{'y is' if len(lines) == 1 else 'ies are'} neither a return (addenda 99) "
            f"nor a notification of change (addenda 98), on line(s) {_lines(lines)}: a returns file "
            "carries only those; is this an outbound debit file dropped into the returns folder?"
        )


def _refuse_repeats(frame: pl.DataFrame) -> None:
    """The same return (same trace and original trace) twice in one file is refused: posting it
    twice would be wrong and posting it once would hide the bank's mistake."""
    import polars as pl

    trace, n = frame.get_column("trace"), frame.height
    # no trace twice, so no pair twice: rising traces (the usual file) say so at a glance, and
    # counting is cheaper than finding pairs
    if not trace.null_count() and (n < 2 or (trace.slice(1) > trace.slice(0, n - 1)).all()):
        return
    if trace.n_unique() == n:
        return
    twice = frame.filter(pl.struct("trace", "original_trace").is_duplicated())
    if twice.height:
        lines = twice.get_column(LINE).to_list()
        raise MappingError(
            f"lines {_lines(lines)} carry the same return or notice twice (same trace and original "
            "trace); a file may carry each once"
        )
