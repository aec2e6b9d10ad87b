"""The facts the engine keeps for exchange kinds, by name: tables a kind returns beside its
transactions (``ExchangeKind.persists``), kept in the delivery's own ledger transaction, so a fact
is there exactly when the transaction it belongs to was delivered.

=======================  ==========================================================================
name                     columns (each row also carries the ``idempotency_key`` of its transaction)
=======================  ==========================================================================
``deposits``             side (``lockbox`` or ``bank``), deposit_date, lockbox, amount_cents, items,
                         reference (for ``hub reconcile`` and the ``delivered_payments`` look-up)
``originated_entries``   trace, payment_id, account, amount_cents, transaction_code, effective_date
                         (for the ``originated_entries``, ``originated_payments`` and ``odfi_usage``
                         look-ups)
``consumption_histories`` account, district, premise, period_start, period_end, last_day, days,
                         usage_milli, unit, read_type (for the ``consumption_histories`` look-up)
``winter_averages``      account, season, average (exact decimal text or null), days_covered (for
                         the ``winter_averages`` look-up: a recompute delivers only what changed)
``pledges``              agency, pledge_id, account, program, amount_cents, pledge_date, expires
                         (for the ``pledges`` look-up)
``placements``           account, agency, amount_cents, placed_on: accounts placed with a
                         collection agency, kept open (for the ``placements`` look-up)
``collection_payments``  agency, account, gross_cents, paid_on: what an agency remitted (for the
                         ``collection_payments`` look-up)
``placement_closures``   account, agency, closed_on, reason: closes the account's open placement
                         with the agency (a return, paid in full, settled, a recall acknowledged)
``placement_acks``       agency, placement_file: a placement file the agency acknowledged (for
                         ``hub status``: files not acknowledged in time)
``pledge_payments``      payment_key, agency, pledge_id (empty: a rest that paid no pledge), account,
                         amount_cents, source, reference, paid_on (for the ``open_pledges`` and
                         ``pledge_payments`` look-ups and ``hub pledges``)
=======================  ==========================================================================

A new fact is a table in ``hub.ledger.schema`` with its migration, and a line here: the engine owns
every schema change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from hub.kernel.errors import MappingError

if TYPE_CHECKING:
    import polars as pl
    from sqlalchemy import Connection

    from hub.ledger import Ledger

# (ledger, the delivery's connection, the fact's rows delivered now, exchange, file id)
Keep = Callable[["Ledger", "Connection", "pl.DataFrame", str, int], None]


def _deposits(ledger: Ledger, conn: Connection, table: pl.DataFrame, exchange: str, file_id: int) -> None:
    rows = table.to_dicts()
    for r in rows:
        r["key"] = r.pop("idempotency_key")
    ledger.record_deposits(conn, exchange=exchange, file_id=file_id, rows=rows)


def _originated(ledger: Ledger, conn: Connection, table: pl.DataFrame, exchange: str, file_id: int) -> None:
    ledger.record_originated(conn, exchange=exchange, file_id=file_id, entries=table.to_dicts())


def _consumption(ledger: Ledger, conn: Connection, table: pl.DataFrame, exchange: str, file_id: int) -> None:
    """A district file holds a million histories: the rows go to the ledger as a table."""
    ledger.record_consumption(conn, exchange=exchange, file_id=file_id, table=table)


def _winter(ledger: Ledger, conn: Connection, table: pl.DataFrame, exchange: str, file_id: int) -> None:
    ledger.record_winter_averages(conn, exchange=exchange, file_id=file_id, table=table)


def _pledges(ledger: Ledger, conn: Connection, table: pl.DataFrame, exchange: str, file_id: int) -> None:
    ledger.record_pledges(conn, exchange=exchange, file_id=file_id, table=table)


def _placements(ledger: Ledger, conn: Connection, table: pl.DataFrame, exchange: str, file_id: int) -> None:
    ledger.record_placements(conn, exchange=exchange, file_id=file_id, table=table)


def _collected(ledger: Ledger, conn: Connection, table: pl.DataFrame, exchange: str, file_id: int) -> None:
    ledger.record_collection_payments(conn, exchange=exchange, file_id=file_id, table=table)


def _closures(ledger: Ledger, conn: Connection, table: pl.DataFrame, exchange: str, file_id: int) -> None:
    ledger.close_placements(conn, table=table)


def _acks(ledger: Ledger, conn: Connection, table: pl.DataFrame, exchange: str, file_id: int) -> None:
    ledger.record_placement_acks(conn, exchange=exchange, file_id=file_id, table=table)


def _pledge_payments(
    ledger: Ledger, conn: Connection, table: pl.DataFrame, exchange: str, file_id: int
) -> None:
    ledger.record_pledge_payments(conn, exchange=exchange, file_id=file_id, table=table)


FACTS: dict[str, tuple[tuple[str, ...], Keep]] = {
    "deposits": (("side", "deposit_date", "lockbox", "amount_cents", "items", "reference"), _deposits),
    "originated_entries": (
        ("trace", "payment_id", "account", "amount_cents", "transaction_code", "effective_date"),
        _originated,
    ),
    "consumption_histories": (
        (
            "account",
            "district",
            "premise",
            "period_start",
            "period_end",
            "last_day",
            "days",
            "usage_milli",
            "unit",
            "read_type",
        ),
        _consumption,
    ),
    "winter_averages": (("account", "season", "average", "days_covered"), _winter),
    "pledges": (
        ("agency", "pledge_id", "account", "program", "amount_cents", "pledge_date", "expires"),
        _pledges,
    ),
    "placements": (("account", "agency", "amount_cents", "placed_on"), _placements),
    "collection_payments": (("agency", "account", "gross_cents", "paid_on"), _collected),
    "placement_closures": (("account", "agency", "closed_on", "reason"), _closures),
    "placement_acks": (("agency", "placement_file"), _acks),
    "pledge_payments": (
        ("payment_key", "agency", "pledge_id", "account", "amount_cents", "source", "reference", "paid_on"),
        _pledge_payments,
    ),
}


def check_facts(kind: str, facts: dict[str, pl.DataFrame]) -> None:
    """Every fact table a kind returned is one the engine keeps, with the columns it needs."""
    for name, table in facts.items():
        needed = ("idempotency_key", *FACTS[name][0])
        missing = [c for c in needed if c not in table.columns]
        if missing:
            raise MappingError(f"kind {kind} returned fact {name!r} without column(s) {', '.join(missing)}")


def keep_facts(
    ledger: Ledger,
    conn: Connection,
    facts: dict[str, pl.DataFrame],
    *,
    delivered: pl.Series,
    exchange: str,
    file_id: int,
) -> None:
    """Keep the facts of the transactions delivered now (their keys in ``delivered``), in the
    caller's transaction; those of transactions delivered before were kept then."""
    import polars as pl

    for name, table in facts.items():
        columns, keep = FACTS[name]
        fresh = table.filter(pl.col("idempotency_key").is_in(delivered.implode()))
        if fresh.height:
            keep(ledger, conn, fresh.select("idempotency_key", *columns), exchange, file_id)
