"""The look-ups the engine answers for exchange kinds, by name (``hub.kernel.lookups``).

Each name is one question to the ledger, answered as a table (None: what it looks in is not there):

- ``accounts``: keys are CIS account numbers; columns number, name, service_address, status,
  active. None when no accounts extract was ever loaded.
- ``meters``: keys are meter numbers; columns meter, account, service_address, status, active.
  None when no meters extract was ever loaded.
- ``billing_periods``: keys are CIS account numbers; their billing periods in the current CIS
  billing-periods extract, by account and start: columns account, period_start, period_end (Date,
  the period's last day, inclusive). None when no billing-periods extract was ever loaded.
- ``originated_entries``: keys are trace numbers of debits the hub originated; columns trace,
  exchange, file_id, payment_id, account, amount_cents, transaction_code, effective_date.
- ``originated_payments``: keys are payment ids the asking exchange originated; columns as above.
- ``delivered_payments``: keys are lockbox numbers, ``where`` gives ``since`` and ``until`` (dates);
  columns key (the payment's idempotency key), deposit_date, lockbox (spelled as asked),
  amount_cents, reference (its check number).
- ``consumption_histories``: keys are CIS account numbers, ``where`` gives ``since`` and ``until``
  (dates, or None for an open end); the delivered consumption histories of those accounts whose days
  of usage [period_start, last_day] meet [since, until], by account and period start. Columns:
  account, district, premise (str), period_start, period_end (Date, as in the district's file),
  last_day (Date, the period's last day of usage), days (Int64), usage_milli (Int64: usage in the
  CIS unit x 1000, rounded half to even), unit (the CIS unit), read_type, idempotency_key. None
  only where no ledger is at hand (``NO_LOOKUPS``).
- ``consumption_accounts``: keys are ignored, ``where`` gives ``since`` and ``until`` (dates); the
  accounts (column account) whose delivered histories span days in [since, until]: candidates to
  ask ``consumption_histories`` about (a gap may leave the window without a period).
- ``cis_accounts``: keys are ignored; the active accounts (column account) of the current CIS
  accounts extract. None when no accounts extract was ever loaded.
- ``winter_averages``: keys are CIS account numbers, ``where`` gives ``season`` (int); the averages
  delivered for that season, in delivery order. Columns: account, season (Int64), average_per_day
  (String: exact decimal text, null when none was configured), days_covered (Int64),
  idempotency_key.
- ``pledges``: keys are CIS account numbers; the energy-assistance pledges delivered for them, in
  delivery order. Columns: idempotency_key, agency, pledge_id, account, program (str),
  amount_cents (Int64), pledge_date, expires (Date).
- ``placements``: keys are CIS account numbers; their placements with collection agencies, oldest
  first, open or closed. Columns: idempotency_key, account, agency, amount_cents, placed_on, status
  (open, closed), closed_on, closed_reason, exchange, file_id.
- ``collection_payments``: keys are CIS account numbers; what collection agencies remitted on them,
  oldest first. Columns: idempotency_key, agency, account, gross_cents (Int64), paid_on (Date).
- ``placement_files``: keys are names of placement files as an agency names them (an OpenPGP suffix
  ignored); the placements each carried, one row per account. Columns: placement_file (the name
  asked for), agency, account, amount_cents (Int64), sent_at (UTC).
- ``open_pledges``: keys are agency ids; the delivered pledges of those agencies that no delivered
  ``PledgePayment`` covers, by pledge date then pledge id. Columns: idempotency_key (the pledge's),
  agency, pledge_id, account, program (str), amount_cents (Int64), pledge_date, expires (Date).
- ``pledge_payments``: keys are agency ids; the delivered pledge payments of those agencies, in
  delivery order (a rest of a payment that paid no pledge has an empty pledge_id). Columns: key
  (the transaction's idempotency key), payment_key (the payment's own key), agency, pledge_id,
  account, amount_cents (Int64), source, reference (str), paid_on (Date).
- ``odfi_usage``: keys are ODFIs, ``where`` gives ``day`` (a date in the exchange's time zone);
  columns odfi, last_sequence (0: none yet), files_on_day. Answered only while an outbound kind
  writes its file, under its lock.

A kind asks only for the names it declares (``ExchangeKind.lookups``); the configuration check
refuses a kind that declares a name not listed here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from hub.kernel.errors import MappingError
from hub.kernel.lookups import Keys

if TYPE_CHECKING:
    import polars as pl
    from sqlalchemy import Connection

    from hub.ledger import Ledger

Answer = Callable[["LedgerLookups", Sequence[str], dict[str, Any]], "pl.DataFrame | None"]


class LedgerLookups:
    """Answers one exchange's look-ups from the ledger; inside a transaction when ``conn`` is given
    (an outbound kind's ``write``, under its lock), else each in a transaction of its own."""

    def __init__(
        self,
        ledger: Ledger,
        *,
        exchange: str,
        kind: str,
        declared: frozenset[str],
        timezone: str,
        conn: Connection | None = None,
    ) -> None:
        self.ledger = ledger
        self.exchange = exchange
        self.kind = kind
        self.declared = declared
        self.timezone = timezone
        self.conn = conn

    def find(self, name: str, keys: Keys, **where: object) -> pl.DataFrame | None:
        if name not in self.declared:
            raise MappingError(
                f"kind {self.kind} looked up {name!r} without declaring it "
                f"(its lookups: {', '.join(sorted(self.declared)) or 'none'})"
            )
        if not isinstance(keys, Sequence):  # a polars column: Python values only to look them up
            if name == "originated_entries" and not self.ledger.has_originated(self.conn):
                return _frame([], _originated_schema())
            keys = keys.to_list()
        return ANSWERS[name](self, keys, where)

    def inside(self, conn: Connection) -> LedgerLookups:
        """The same look-ups, read in the caller's transaction."""
        return LedgerLookups(
            self.ledger,
            exchange=self.exchange,
            kind=self.kind,
            declared=self.declared,
            timezone=self.timezone,
            conn=conn,
        )


def _frame(rows: list[dict[str, Any]], schema: dict[str, Any]) -> pl.DataFrame:
    import polars as pl

    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


def _keyed(rows: list[dict[str, Any]], schema: dict[str, Any]) -> pl.DataFrame:
    """Ledger rows whose ``key`` is the idempotency key of the transaction they belong to."""
    for row in rows:
        row["idempotency_key"] = row.pop("key")
    return _frame(rows, schema)


def _reference(kind: str, key: str, others: tuple[str, ...]) -> Answer:
    def answer(lk: LedgerLookups, keys: Sequence[str], where: dict[str, Any]) -> pl.DataFrame | None:
        import polars as pl

        found = lk.ledger.reference_lookup(kind, keys, lk.conn)
        if found is None:
            return None
        schema: dict[str, Any] = {key: pl.String, **dict.fromkeys(others, pl.String), "active": pl.Boolean}
        return _frame([{key: k, **v} for k, v in found.items()], schema)

    return answer


def _billing_periods(lk: LedgerLookups, keys: Sequence[str], where: dict[str, Any]) -> pl.DataFrame | None:
    import polars as pl

    found = lk.ledger.reference_billing_periods(keys, lk.conn)
    if found is None:
        return None
    names = ("account", "period_start", "period_end")
    table = pl.DataFrame(found, schema=dict.fromkeys(names, pl.String), orient="row")
    return table.with_columns(pl.col("period_start", "period_end").str.to_date("%Y-%m-%d"))


def _originated_schema() -> dict[str, Any]:
    import polars as pl

    return {
        "trace": pl.String,
        "exchange": pl.String,
        "file_id": pl.Int64,
        "payment_id": pl.String,
        "account": pl.String,
        "amount_cents": pl.Int64,
        "transaction_code": pl.Int64,
        "effective_date": pl.Date,
    }


def _originated_entries(lk: LedgerLookups, keys: Sequence[str], where: dict[str, Any]) -> pl.DataFrame:
    return _frame(list(lk.ledger.originated(keys, lk.conn).values()), _originated_schema())


def _originated_payments(lk: LedgerLookups, keys: Sequence[str], where: dict[str, Any]) -> pl.DataFrame:
    found = lk.ledger.originated_payments(lk.exchange, keys, lk.conn)
    return _frame(list(found.values()), _originated_schema())


def _delivered_payments(lk: LedgerLookups, keys: Sequence[str], where: dict[str, Any]) -> pl.DataFrame:
    """Lockbox payments delivered in the date window; the ledger keeps lockbox numbers without
    leading zeros, the answer spells each as it was asked."""
    import polars as pl

    from hub.ledger.deposits import lockbox_number

    since, until = where["since"], where["until"]
    found = lk.ledger.lockbox_payments(list(keys), since, until, lk.conn)
    schema = {"key": pl.String, "deposit_date": pl.Date, "lockbox": pl.String}
    schema |= {"amount_cents": pl.Int64, "reference": pl.String}
    asked = pl.DataFrame({"lockbox": list(keys), "_stored": [lockbox_number(k) for k in keys]})
    return (
        _frame(found, schema)
        .rename({"lockbox": "_stored"})
        .join(asked, on="_stored", how="inner", maintain_order="left")
        .select(list(schema))
    )


def consumption_schema() -> dict[str, Any]:
    """The columns of the ``consumption_histories`` answer (a contract: winter averages read it)."""
    import polars as pl

    return {
        "account": pl.String,
        "district": pl.String,
        "premise": pl.String,
        "period_start": pl.Date,
        "period_end": pl.Date,
        "last_day": pl.Date,
        "days": pl.Int64,
        "usage_milli": pl.Int64,
        "unit": pl.String,
        "read_type": pl.String,
        "idempotency_key": pl.String,
    }


def _consumption_histories(lk: LedgerLookups, keys: Sequence[str], where: dict[str, Any]) -> pl.DataFrame:
    import polars as pl

    found = lk.ledger.consumption_histories(list(keys), where.get("since"), where.get("until"), lk.conn)
    schema = consumption_schema()
    return found.select([pl.col(name).cast(dtype) for name, dtype in schema.items()])


def _consumption_accounts(lk: LedgerLookups, keys: Sequence[str], where: dict[str, Any]) -> pl.DataFrame:
    import polars as pl

    found = lk.ledger.consumption_accounts(where["since"], where["until"], lk.conn)
    return pl.DataFrame({"account": found}, schema={"account": pl.String})


def _cis_accounts(lk: LedgerLookups, keys: Sequence[str], where: dict[str, Any]) -> pl.DataFrame | None:
    import polars as pl

    found = lk.ledger.cis_active_accounts(lk.conn)
    return None if found is None else pl.DataFrame({"account": found}, schema={"account": pl.String})


def _winter_averages(lk: LedgerLookups, keys: Sequence[str], where: dict[str, Any]) -> pl.DataFrame:
    import polars as pl

    found = lk.ledger.winter_averages(list(keys), int(where["season"]), lk.conn)
    names = ("account", "season", "average_per_day", "days_covered", "idempotency_key")
    schema = dict(zip(names, (pl.String, pl.Int64, pl.String, pl.Int64, pl.String), strict=True))
    return pl.DataFrame(found, schema=schema, orient="row")


def _odfi_usage(lk: LedgerLookups, keys: Sequence[str], where: dict[str, Any]) -> pl.DataFrame:
    """Read in the caller's transaction only: trace sequences are handed out under the ODFI's lock."""
    import polars as pl

    if lk.conn is None:
        raise MappingError("odfi_usage is answered only while a file is written (under its lock)")
    day: date = where["day"]
    start = datetime.combine(day, time(), ZoneInfo(lk.timezone)).astimezone(UTC)  # as the ledger stores times
    rows = []
    for odfi in keys:
        last, files = lk.ledger.odfi_usage(lk.conn, odfi, start, start + timedelta(days=1))
        rows.append({"odfi": odfi, "last_sequence": last, "files_on_day": files})
    return _frame(rows, {"odfi": pl.String, "last_sequence": pl.Int64, "files_on_day": pl.Int64})


def _pledges(lk: LedgerLookups, keys: Sequence[str], where: dict[str, Any]) -> pl.DataFrame:
    import polars as pl

    schema: dict[str, Any] = {"idempotency_key": pl.String, "agency": pl.String, "pledge_id": pl.String}
    schema |= {"account": pl.String, "program": pl.String, "amount_cents": pl.Int64}
    schema |= {"pledge_date": pl.Date, "expires": pl.Date}
    return _keyed(lk.ledger.pledges_of(list(keys), lk.conn), schema)


def _placements(lk: LedgerLookups, keys: Sequence[str], where: dict[str, Any]) -> pl.DataFrame:
    import polars as pl

    schema: dict[str, Any] = {"idempotency_key": pl.String, "account": pl.String, "agency": pl.String}
    schema |= {"amount_cents": pl.Int64, "placed_on": pl.Date, "status": pl.String, "closed_on": pl.Date}
    schema |= {"closed_reason": pl.String, "exchange": pl.String, "file_id": pl.Int64}
    return _keyed(lk.ledger.placements_of(list(keys), lk.conn), schema)


def _collection_payments(lk: LedgerLookups, keys: Sequence[str], where: dict[str, Any]) -> pl.DataFrame:
    import polars as pl

    schema: dict[str, Any] = {"idempotency_key": pl.String, "agency": pl.String, "account": pl.String}
    schema |= {"gross_cents": pl.Int64, "paid_on": pl.Date}
    return _keyed(lk.ledger.collection_payments_of(list(keys), lk.conn), schema)


def _placement_files(lk: LedgerLookups, keys: Sequence[str], where: dict[str, Any]) -> pl.DataFrame:
    import polars as pl

    schema: dict[str, Any] = {"placement_file": pl.String, "agency": pl.String, "account": pl.String}
    schema |= {"amount_cents": pl.Int64, "sent_at": pl.Datetime(time_zone="UTC")}
    return _frame(lk.ledger.placement_files(list(keys), lk.conn), schema)


def _open_pledges(lk: LedgerLookups, keys: Sequence[str], where: dict[str, Any]) -> pl.DataFrame:
    import polars as pl

    schema: dict[str, Any] = {"idempotency_key": pl.String, "agency": pl.String, "pledge_id": pl.String}
    schema |= {"account": pl.String, "program": pl.String, "amount_cents": pl.Int64}
    schema |= {"pledge_date": pl.Date, "expires": pl.Date}
    return _keyed(lk.ledger.open_pledges(list(keys), lk.conn), schema)


def pledge_payments_schema() -> dict[str, Any]:
    """The columns of the ``pledge_payments`` answer."""
    import polars as pl

    names = ("key", "payment_key", "agency", "pledge_id", "account", "amount_cents", "source", "reference")
    schema: dict[str, Any] = {n: pl.String for n in names}
    return schema | {"amount_cents": pl.Int64, "paid_on": pl.Date}


def _pledge_payments(lk: LedgerLookups, keys: Sequence[str], where: dict[str, Any]) -> pl.DataFrame:
    return _frame(lk.ledger.pledge_payments_of(list(keys), lk.conn), pledge_payments_schema())


ANSWERS: dict[str, Answer] = {
    "accounts": _reference("accounts", "number", ("name", "service_address", "status")),
    "meters": _reference("meters", "meter", ("account", "service_address", "status")),
    "billing_periods": _billing_periods,
    "originated_entries": _originated_entries,
    "originated_payments": _originated_payments,
    "delivered_payments": _delivered_payments,
    "odfi_usage": _odfi_usage,
    "consumption_histories": _consumption_histories,
    "consumption_accounts": _consumption_accounts,
    "winter_averages": _winter_averages,
    "cis_accounts": _cis_accounts,
    "pledges": _pledges,
    "placements": _placements,
    "collection_payments": _collection_payments,
    "placement_files": _placement_files,
    "open_pledges": _open_pledges,
    "pledge_payments": _pledge_payments,
}
