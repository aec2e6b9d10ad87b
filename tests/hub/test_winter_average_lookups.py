"""The look-ups winter averages read, answered from a real ledger (SQLite and PostgreSQL): the
delivered averages of a season in delivery order (other seasons and accounts left out), the
accounts whose histories span the window, and the CIS's active accounts ("nothing known" before an
extract is loaded)."""

from __future__ import annotations

from datetime import date

import polars as pl

from hub.engine.lookups import LedgerLookups
from hub.ledger import Ledger

NAMES = frozenset({"winter_averages", "consumption_accounts", "cis_accounts"})


def test_delivered_averages_of_a_season_in_delivery_order(ledger_url: str) -> None:
    ledger = Ledger.open(ledger_url)
    try:
        file_id = ledger.add_file(
            exchange="w", name="f", sha256="0" * 64, size=1, source="s", state="delivered", landed_path="/l"
        )
        ask = LedgerLookups(ledger, exchange="w", kind="winter-average", declared=NAMES, timezone="UTC")
        rows = [
            ("WA|2026|B2|r1|none|0", "B2", 2026, None, 0),
            ("WA|2026|A1|r1|1.000|121", "A1", 2026, "1.000", 121),
            ("WA|2025|A1|r1|0.500|120", "A1", 2025, "0.500", 120),
            ("WA|2026|A1|r2|0.900|121", "A1", 2026, "0.900", 121),
            ("WA|2026|C3|r1|2.000|90", "C3", 2026, "2.000", 90),
        ]
        names = ("idempotency_key", "account", "season", "average", "days_covered")
        table = pl.DataFrame(rows, schema=list(names), orient="row")
        with ledger.tx() as conn:
            assert ledger.record_winter_averages(conn, exchange="w", file_id=file_id, table=table) == 5
        found = ask.find("winter_averages", ["A1", "B2"], season=2026)
        assert found is not None
        assert found.columns == ["account", "season", "average_per_day", "days_covered", "idempotency_key"]
        assert found.get_column("idempotency_key").to_list() == [
            "WA|2026|B2|r1|none|0",
            "WA|2026|A1|r1|1.000|121",
            "WA|2026|A1|r2|0.900|121",
        ]
        assert found.get_column("average_per_day").to_list()[0] is None
        assert ask.find("cis_accounts", []) is None  # no extract loaded: nothing known
        accounts = ask.find("consumption_accounts", [], since=date(2025, 12, 1), until=date(2026, 3, 31))
        assert accounts is not None and accounts.height == 0
    finally:
        ledger.close()
