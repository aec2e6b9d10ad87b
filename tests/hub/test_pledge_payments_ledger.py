"""The ledger's pledge payments on SQLite and PostgreSQL: ``open_pledges`` leaves out the pledges a
delivered payment covers (a rest that paid no pledge covers none), oldest first; ``agency_pledges``
tells what was paid of each."""

from __future__ import annotations

from datetime import date

import polars as pl

from hub.ledger import Ledger


def test_open_pledges_are_those_no_delivered_payment_covers(ledger_url: str) -> None:
    ledger = Ledger.open(ledger_url)
    try:
        file_id = ledger.add_file(
            exchange="pledges",
            name="p.csv",
            sha256="1" * 64,
            size=1,
            source="(test)",
            state="delivered",
            landed_path="/dev/null",
        )
        pledges = pl.DataFrame(
            {
                "idempotency_key": ["AP|A|P2", "AP|A|P1", "AP|A|P3", "AP|B|P1"],
                "agency": ["A", "A", "A", "B"],
                "pledge_id": ["P2", "P1", "P3", "P1"],
                "account": ["1", "2", "3", "4"],
                "program": ["LIHEAP"] * 4,
                "amount_cents": [100, 200, 300, 400],
                "pledge_date": [date(2026, 11, 5), date(2026, 11, 1), date(2026, 11, 5), date(2026, 11, 1)],
                "expires": [date(2027, 1, 1)] * 4,
            }
        )
        paid = pl.DataFrame(
            {
                "idempotency_key": ["PP|A|P1", "L|x"],
                "payment_key": ["L|x", "L|x"],
                "agency": ["A", "A"],
                "pledge_id": ["P1", ""],
                "account": ["2", ""],
                "amount_cents": [200, 50],
                "source": ["lockbox", "lockbox"],
                "reference": ["9001", "9001"],
                "paid_on": [date(2026, 11, 20)] * 2,
            }
        )
        with ledger.tx() as conn:
            ledger.record_pledges(conn, exchange="pledges", file_id=file_id, table=pledges)
            ledger.record_pledge_payments(conn, exchange="lockbox", file_id=file_id, table=paid)
        assert [(r["agency"], r["pledge_id"]) for r in ledger.open_pledges(["A", "B"])] == [
            ("B", "P1"),  # the other agency's P1 is still open
            ("A", "P2"),
            ("A", "P3"),
        ]
        assert [r["pledge_id"] for r in ledger.open_pledges(["A"])] == ["P2", "P3"]
        assert [(r["key"], r["amount_cents"]) for r in ledger.pledge_payments_of(["A"])] == [
            ("PP|A|P1", 200),
            ("L|x", 50),
        ]
        listed = [(r["pledge_id"], r["paid_cents"], r["paid_on"]) for r in ledger.agency_pledges("A")]
        assert listed == [("P1", 200, date(2026, 11, 20)), ("P2", 0, None), ("P3", 0, None)]
    finally:
        ledger.close()
