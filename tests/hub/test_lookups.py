"""The engine answers a kind's look-ups from the real ledger, by name: each name's rows and columns,
"nothing known" (None) told apart from "not found", lockbox numbers spelled as asked, ODFI usage read
only under the writer's lock, and a name the kind did not declare refused."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from hub.engine.lookups import ANSWERS, LedgerLookups
from hub.kernel.errors import MappingError
from hub.ledger import Ledger


def opened(tmp_path: Path, url: str | None = None) -> Ledger:
    ledger = Ledger.open(url or f"sqlite:///{tmp_path / 'hub.db'}")
    file_id = ledger.add_file(
        exchange="x", name="f", sha256="0" * 64, size=1, source="s", state="delivered", landed_path="/l"
    )
    assert file_id == 1
    return ledger


def lookups(ledger: Ledger, *names: str, exchange: str = "ach-debits") -> LedgerLookups:
    declared = frozenset(names or ANSWERS)
    return LedgerLookups(ledger, exchange=exchange, kind="k", declared=declared, timezone="America/Chicago")


def test_accounts_are_none_until_loaded_then_found_or_not(tmp_path: Path) -> None:
    ledger = opened(tmp_path)
    try:
        assert lookups(ledger).find("accounts", ["1001"]) is None  # nothing known: never loaded
        rows = [("1001", "A", "1 MAIN", "active"), ("1002", "B", "2 MAIN", "closed")]
        ledger.load_reference("accounts", rows, "accounts.csv", "0" * 64)
        found = lookups(ledger).find("accounts", ["1001", "1002", "9999"])
        assert found is not None
        assert found.sort("number").rows() == [
            ("1001", "A", "1 MAIN", "active", True),
            ("1002", "B", "2 MAIN", "closed", False),
        ]
        assert found.columns == ["number", "name", "service_address", "status", "active"]
        assert lookups(ledger).find("meters", ["M1"]) is None
    finally:
        ledger.close()


def test_originated_entries_by_trace_and_payments_of_the_asking_exchange(tmp_path: Path) -> None:
    ledger = opened(tmp_path)
    entry = {"trace": "091000010000001", "payment_id": "P-1", "account": "A-1", "amount_cents": 1234}
    entry |= {"transaction_code": 27, "effective_date": date(2026, 12, 2)}
    try:
        with ledger.tx() as conn:
            ledger.record_originated(conn, exchange="ach-debits", file_id=1, entries=[entry])
        by_trace = lookups(ledger).find("originated_entries", ["091000010000001", "091000010000002"])
        assert by_trace is not None
        assert by_trace.select("trace", "payment_id", "amount_cents").rows() == [
            ("091000010000001", "P-1", 1234)
        ]
        mine = lookups(ledger).find("originated_payments", ["P-1"])
        theirs = lookups(ledger, exchange="other-debits").find("originated_payments", ["P-1"])
        assert mine is not None and mine.height == 1
        assert theirs is not None and theirs.is_empty()
    finally:
        ledger.close()


def test_delivered_payments_come_back_spelled_as_asked_within_the_window(tmp_path: Path) -> None:
    ledger = opened(tmp_path)
    row = {"side": "lockbox", "deposit_date": date(2026, 11, 19), "lockbox": "0022222", "amount_cents": 500}
    try:
        with ledger.tx() as conn:
            ledger.record_deposits(
                conn, exchange="lockbox", file_id=1, rows=[{**row, "key": "L|1", "reference": "77"}]
            )
        window = {"since": date(2026, 11, 1), "until": date(2026, 11, 20)}
        found = lookups(ledger).find("delivered_payments", ["22222"], **window)
        assert found is not None and found.rows() == [("L|1", date(2026, 11, 19), "22222", 500, "77")]
        later = lookups(ledger).find(
            "delivered_payments", ["22222"], since=date(2026, 11, 20), until=date(2026, 11, 30)
        )
        assert later is not None and later.is_empty()
    finally:
        ledger.close()


def test_odfi_usage_is_answered_only_inside_the_writers_transaction(tmp_path: Path) -> None:
    ledger = opened(tmp_path)
    entry = {"payment_id": "P-1", "account": "A-1", "amount_cents": 1, "transaction_code": 27}
    entry |= {"trace": "091000010000041", "effective_date": date(2026, 12, 2)}
    try:
        with pytest.raises(MappingError, match="only while a file is written"):
            lookups(ledger).find("odfi_usage", ["09100001"], day=date(2026, 12, 1))
        with ledger.tx() as conn:
            ledger.record_originated(conn, exchange="ach-debits", file_id=1, entries=[entry])
        today = datetime.now(UTC).astimezone().date()
        with ledger.tx() as conn:
            inside = lookups(ledger).inside(conn)
            usage = inside.find("odfi_usage", ["09100001", "02100002"], day=today)
        assert usage is not None
        by_odfi = {r["odfi"]: (r["last_sequence"], r["files_on_day"]) for r in usage.iter_rows(named=True)}
        assert by_odfi["02100002"] == (0, 0)
        assert by_odfi["09100001"][0] == 41
    finally:
        ledger.close()


def test_a_name_the_kind_did_not_declare_is_refused(tmp_path: Path) -> None:
    ledger = opened(tmp_path)
    try:
        with pytest.raises(MappingError, match="looked up 'accounts' without declaring it"):
            lookups(ledger, "meters").find("accounts", ["1"])
    finally:
        ledger.close()


def test_consumption_histories_meet_the_window_with_the_contracted_columns(
    tmp_path: Path, ledger_url: str
) -> None:
    """On every backend: the histories are packed per account and delivery, so both must unpack them."""
    import polars as pl

    ledger = opened(tmp_path, ledger_url)

    def history(account: str, start: date, end: date, last: date) -> dict[str, object]:
        return {
            "idempotency_key": f"CH|NW|{account}|{start}|{end}",
            "account": account,
            "district": "NW",
            "premise": "P" + account,
            "period_start": start,
            "period_end": end,
            "last_day": last,
            "days": (last - start).days + 1,
            "usage_milli": 12_500,
            "unit": "CCF",
            "read_type": "actual",
        }

    jan = history("1001", date(2026, 1, 1), date(2026, 2, 1), date(2026, 1, 31))  # exclusive end
    feb = history("1001", date(2026, 2, 1), date(2026, 2, 28), date(2026, 2, 28))
    other = history("2002", date(2026, 1, 1), date(2026, 1, 31), date(2026, 1, 31))
    try:
        assert lookups(ledger).find("consumption_histories", ["1001"], since=None, until=None).is_empty()  # type: ignore[union-attr]
        with ledger.tx() as conn:
            table = pl.DataFrame([jan, feb, other])
            assert ledger.record_consumption(conn, exchange="consumption", file_id=1, table=table) == 3
        ask = lookups(ledger, "consumption_histories")
        found = ask.find("consumption_histories", ["1001"], since=None, until=None)
        assert found is not None
        assert found.schema == pl.Schema(
            {
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
        )
        assert found.select("idempotency_key", "period_end", "last_day", "days").rows() == [
            ("CH|NW|1001|2026-01-01|2026-02-01", date(2026, 2, 1), date(2026, 1, 31), 31),
            ("CH|NW|1001|2026-02-01|2026-02-28", date(2026, 2, 28), date(2026, 2, 28), 28),
        ]
        # the window meets days of usage: Feb 1 is January's period_end but not one of its days
        since_feb = ask.find("consumption_histories", ["1001"], since=date(2026, 2, 1), until=None)
        assert since_feb is not None and since_feb.get_column("period_start").to_list() == [date(2026, 2, 1)]
        until_jan = ask.find("consumption_histories", ["1001", "2002"], since=None, until=date(2026, 1, 31))
        assert until_jan is not None and until_jan.get_column("account").to_list() == ["1001", "2002"]
        assert ask.find("consumption_histories", ["9"], since=None, until=None).height == 0  # type: ignore[union-attr]
    finally:
        ledger.close()


def test_no_ledger_answers_consumption_histories_with_none() -> None:
    from hub.kernel.lookups import NO_LOOKUPS

    assert NO_LOOKUPS.find("consumption_histories", ["1001"], since=None, until=None) is None
