"""The ledger's reference data on every backend: bulk loads, chunked lookups, atomic replacement
(readers see the old load or the new one, never half), pruning of old loads."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import event, func, select

from hub.kernel.errors import LedgerError
from hub.ledger import Ledger
from hub.ledger import schema as t
from hub.ledger.reference import KEEP_LOADS, LOOKUP_CHUNK

SHA = "0" * 64


def accounts(n: int, *, status: str = "active", start: int = 0) -> list[tuple[str, str, str, str]]:
    return [(f"{i:010d}", f"CUSTOMER {i}", f"{i} MAIN ST", status) for i in range(start, start + n)]


@pytest.fixture
def ledger(ledger_url: str) -> Any:
    opened = Ledger.open(ledger_url)
    yield opened
    opened.close()


def test_a_bulk_load_of_200000_accounts_is_looked_up_in_chunks(ledger: Ledger) -> None:
    assert not ledger.reference_loaded("accounts")
    assert ledger.reference_accounts(["0000000001"]) == {}  # no data: {} and reference_loaded says why
    rows = accounts(200_000)
    rows[7] = (rows[7][0], rows[7][1], rows[7][2], "closed")
    statements: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.startswith("SELECT number"):
            statements.append((statement, parameters))

    load_id = ledger.load_reference("accounts", reversed(rows), "accounts.csv", SHA)
    assert ledger.reference_loaded("accounts") and not ledger.reference_loaded("meters")
    event.listen(ledger.engine, "before_cursor_execute", record)
    wanted = [r[0] for r in rows] + ["9999999999", "0000000001"]  # an unknown one, a repeat
    found = ledger.reference_accounts(wanted)
    event.remove(ledger.engine, "before_cursor_execute", record)
    assert len(found) == 200_000
    assert found["0000000042"] == {
        "name": "CUSTOMER 42",
        "service_address": "42 MAIN ST",
        "status": "active",
        "active": True,
    }
    assert found["0000000007"]["active"] is False and "9999999999" not in found
    assert len(statements) == -(-200_001 // LOOKUP_CHUNK)  # the distinct numbers, 2,000 at a time
    # bound: the load id, then the chunk's numbers (SQLite) or one array of them (PostgreSQL)
    assert all(len(p[1] if isinstance(p[1], list) else p[1:]) <= LOOKUP_CHUNK for _, p in statements)
    [status] = [s for s in ledger.reference_status() if s["kind"] == "accounts"]
    assert (status["load_id"], status["rows"], status["file"], status["replaces"]) == (
        load_id,
        200_000,
        "accounts.csv",
        None,
    )


def test_meters_are_their_own_kind(ledger: Ledger) -> None:
    ledger.load_reference(
        "meters",
        [("M1", "0001", "1 OAK ST", "active"), ("M2", None, None, "removed")],
        "meters.csv",
        SHA,
    )
    assert ledger.reference_meters(["M2", "M3"]) == {
        "M2": {"account": None, "service_address": None, "status": "removed", "active": False}
    }
    assert ledger.reference_loaded("meters") and not ledger.reference_loaded("accounts")
    assert ledger.reference_accounts(["M1"]) == {}
    with pytest.raises(ValueError, match="unknown reference kind"):
        ledger.reference_loaded("premises")
    with pytest.raises(ValueError, match="at least one row"):
        ledger.load_reference("meters", [], "empty.csv", SHA)


def test_billing_periods_are_many_per_account_and_replaced_whole(ledger: Ledger) -> None:
    assert ledger.reference_billing_periods(["0001"]) is None  # never loaded: nothing known
    many = [(f"{a:04d}", f"2026-{m:02d}-01", f"2026-{m:02d}-28") for a in range(3000) for m in (2, 1)]
    ledger.load_reference("billing-periods", many, "bp.csv", SHA)
    found = ledger.reference_billing_periods([f"{a:04d}" for a in range(2999, -1, -1)] + ["9999"])
    assert found is not None and len(found) == 6000  # asked in chunks, beyond one IN list
    assert found[:2] == [("0000", "2026-01-01", "2026-01-28"), ("0000", "2026-02-01", "2026-02-28")]
    ledger.load_reference("billing-periods", [("0001", "2026-03-01", "2026-03-31")], "bp2.csv", SHA)
    assert ledger.reference_billing_periods(["0000", "0001"]) == [("0001", "2026-03-01", "2026-03-31")]
    assert ledger.reference_accounts(["0001"]) == {} and not ledger.reference_loaded("accounts")


def test_a_load_that_fails_midway_leaves_the_current_one(ledger: Ledger) -> None:
    first = ledger.load_reference("accounts", accounts(1_000), "a.csv", SHA)
    rows = accounts(30_000, status="closed")
    rows.append(rows[25_000])  # the same number twice: the database refuses it in the third batch
    with pytest.raises(LedgerError):
        ledger.load_reference("accounts", rows, "b.csv", SHA)
    assert [h["load_id"] for h in ledger.reference_history("accounts")] == [first]
    assert ledger.reference_accounts(["0000000005"])["0000000005"]["status"] == "active"
    with ledger.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.reference_accounts)).scalar() == 1_000


def test_readers_see_the_old_load_or_the_new_one_never_half(ledger: Ledger) -> None:
    numbers = [r[0] for r in accounts(3_000)]
    ledger.load_reference("accounts", accounts(2_000), "old.csv", SHA)
    old = ledger.reference_accounts(numbers)
    paused, release = threading.Event(), threading.Event()

    def hold(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        # every new row is written; the pointer to the current load is about to switch
        if threading.current_thread() is loader and "reference_current" in statement and not paused.is_set():
            paused.set()
            release.wait(60)

    event.listen(ledger.engine, "before_cursor_execute", hold)
    loader = threading.Thread(
        target=ledger.load_reference, args=("accounts", accounts(3_000, status="final"), "new.csv", SHA)
    )
    loader.start()
    seen: list[dict[str, Any]] = []
    try:
        assert paused.wait(60)
        reader = threading.Thread(target=lambda: seen.append(ledger.reference_accounts(numbers)))
        reader.start()
        postgres = ledger.engine.dialect.name == "postgresql"
        reader.join(timeout=20 if postgres else 2)
        if postgres:
            assert seen == [old]  # answered at once, from the committed load
        else:
            assert seen == []  # SQLite: the reader waits for the writer's commit
    finally:
        release.set()
        loader.join()
        event.remove(ledger.engine, "before_cursor_execute", hold)
    reader.join()
    new = ledger.reference_accounts(numbers)
    assert len(new) == 3_000 and {v["status"] for v in new.values()} == {"final"}
    assert seen[0] in (old, new)


def test_old_loads_are_pruned_but_remembered(ledger: Ledger) -> None:
    ids = [ledger.load_reference("accounts", accounts(100, start=k), f"a{k}.csv", SHA) for k in range(4)]
    history = ledger.reference_history("accounts")
    assert [h["load_id"] for h in history] == ids[::-1]
    assert [h["current"] for h in history] == [True, False, False, False]
    assert [h["replaces"] for h in history] == [ids[2], ids[1], ids[0], None]
    kept = [h["load_id"] for h in history if h["pruned_at"] is None]
    assert kept == ids[::-1][:KEEP_LOADS]
    with ledger.engine.connect() as conn:
        stored = conn.execute(select(t.reference_accounts.c.load_id).distinct()).scalars().all()
    assert sorted(stored) == sorted(kept)
    assert ledger.reference_accounts(["0000000000", "0000000102"]).keys() == {"0000000102"}
