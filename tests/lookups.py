"""A kind's look-ups answered from rows a test gives, the way the engine answers them from the ledger
(the same names, keys and columns: ``hub.engine.lookups``), and every question asked recorded: for
unit tests of mappings without a ledger. The engine's own answers are tested in
tests/hub/test_lookups.py against a real ledger."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from hub.kernel.lookups import Keys

KEYS = {
    "accounts": "number",
    "meters": "meter",
    "originated_entries": "trace",
    "originated_payments": "payment_id",
    "delivered_payments": "lockbox",
    "consumption_histories": "account",
    "billing_periods": "account",
    "pledges": "account",
    "open_pledges": "agency",
    "pledge_payments": "agency",
}
SCHEMAS: dict[str, dict[str, Any]] = {
    "accounts": {"number": pl.String, "name": pl.String, "service_address": pl.String}
    | {"status": pl.String, "active": pl.Boolean},
    "originated_entries": {"trace": pl.String, "exchange": pl.String, "file_id": pl.Int64}
    | {"payment_id": pl.String, "account": pl.String, "amount_cents": pl.Int64},
    "delivered_payments": {"key": pl.String, "deposit_date": pl.Date, "lockbox": pl.String}
    | {"amount_cents": pl.Int64, "reference": pl.String},
}
SCHEMAS["originated_payments"] = SCHEMAS["originated_entries"]
SCHEMAS["pledges"] = {"idempotency_key": pl.String, "agency": pl.String, "pledge_id": pl.String} | {
    "account": pl.String,
    "program": pl.String,
    "amount_cents": pl.Int64,
    "pledge_date": pl.Date,
    "expires": pl.Date,
}
SCHEMAS["open_pledges"] = SCHEMAS["pledges"]
SCHEMAS["pledge_payments"] = {
    "key": pl.String,
    "payment_key": pl.String,
    "agency": pl.String,
    "pledge_id": pl.String,
    "account": pl.String,
    "amount_cents": pl.Int64,
    "source": pl.String,
    "reference": pl.String,
    "paid_on": pl.Date,
}
SCHEMAS["billing_periods"] = {"account": pl.String, "period_start": pl.Date, "period_end": pl.Date}
SCHEMAS["consumption_histories"] = {
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


class Answers:
    """``Answers(accounts=[{...}, ...])``: the rows of each look-up; a name given as None answers
    None ("nothing known", e.g. no accounts ever loaded), a name not given is refused."""

    def __init__(self, **rows: list[dict[str, Any]] | None) -> None:
        self.rows = rows
        self.asked: list[tuple[str, list[str], dict[str, object]]] = []

    def find(self, name: str, keys: Keys, **where: object) -> pl.DataFrame | None:
        self.asked.append((name, sorted(keys), where))
        if name not in self.rows:
            raise AssertionError(f"look-up {name!r} was not expected")
        rows = self.rows[name]
        if rows is None:
            return None
        table = pl.DataFrame(rows, schema=SCHEMAS.get(name)) if rows else pl.DataFrame(schema=SCHEMAS[name])
        found = table.filter(pl.col(KEYS[name]).is_in(list(keys)))
        since, until = where.get("since"), where.get("until")
        if name == "consumption_histories":  # periods whose days meet [since, until]
            if isinstance(since, date):
                found = found.filter(pl.col("last_day") >= since)
            if isinstance(until, date):
                found = found.filter(pl.col("period_start") <= until)
            return found
        if isinstance(since, date) and isinstance(until, date):
            found = found.filter(pl.col("deposit_date").is_between(since, until))
        return found
