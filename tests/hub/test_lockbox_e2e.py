"""The lockbox exchange end to end through the real ``hub`` command: with the CIS accounts loaded, a
bank's lockbox transmission becomes a CIS batch of Payment and DepositControl rows with right control
totals, an unknown account goes to suspense; a batch total one cent off rejects the file naming the
batch and both amounts; a resent file posts nothing twice; ``hub reconcile`` and ``hub status`` tell
a deposit the bank has not reported from one that matches."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

from conftest import Workdir

from formats.lockbox_accounts import with_check_digit
from formats.lockbox_writer import Batch, Item, Lockbox, LockboxSpec, write_file
from hub.ledger import Ledger

DEPOSIT = date(2026, 11, 20)
LOCKBOX = "0022222"


def account(n: int) -> str:
    return with_check_digit("luhn", f"{500_000_000 + n:09d}")


def accounts_extract() -> bytes:
    lines = ["account,name,service_address,status"]
    lines += [f"{account(n)},CUSTOMER {n},{n} MAIN ST,active" for n in range(1, 6)]
    lines.append(f"{account(6)},CUSTOMER 6,6 MAIN ST,closed")
    return ("\n".join(lines) + "\n").encode()


def check(n: int, cents: int, acct: str | None = None) -> Item:
    return Item(
        cents,
        check_number=f"{2000 + n}",
        remitter_name=f"CUSTOMER {n}",
        free_data=f"{acct or account(n)} {cents:08d}",
    )


BATCHES = [[check(1, 12_345), check(2, 8_000), check(3, 4_150, account(99))], [check(4, 100_000)]]
TOTAL = 12_345 + 8_000 + 4_150 + 100_000


def transmission(created: datetime = datetime(2026, 11, 20, 6, 5)) -> bytes:
    batches = [Batch(list(items)) for items in BATCHES]
    return write_file(LockboxSpec(created=created, lockboxes=[Lockbox(LOCKBOX, DEPOSIT, batches)]))


def rows(workdir: Workdir, txn_type: str) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    for path in sorted(workdir.cis.glob(f"*.{txn_type}.csv")):
        found += list(csv.DictReader(io.StringIO(path.read_text())))
    return found


def process(workdir: Workdir, name: str, data: bytes) -> tuple[int, dict[str, Any]]:
    res = workdir.hub("process", workdir.write(name, data), "-x", "lockbox", "--json")
    assert res.stdout, res.stderr
    return res.code, res.json()


def load_accounts(workdir: Workdir) -> None:
    res = workdir.hub("reference", "load", "accounts", workdir.write("accounts.csv", accounts_extract()))
    assert res.code == 0, res.stdout + res.stderr


def test_a_lockbox_file_becomes_payments_with_deposit_controls_and_reconciles(workdir: Workdir) -> None:
    load_accounts(workdir)
    code, out = process(workdir, "LBX20261120.dat", transmission())
    assert code == 0, out
    assert out["state"] == "delivered" and out["transactions"] == {"Payment": 4, "DepositControl": 2}

    payments = rows(workdir, "Payment")
    assert [p["amount_cents"] for p in payments] == ["12345", "8000", "4150", "100000"]
    assert payments[0]["account"] == account(1) and payments[0]["suspense"] == "false"
    unknown = payments[2]
    assert (unknown["account"], unknown["remitted_account"], unknown["suspense"]) == ("", account(99), "true")
    assert unknown["suspense_reason"] == "account not found in the CIS"
    assert payments[0]["idempotency_key"] == "L|0099999991|0022222|2026-11-20|001|001"
    controls = rows(workdir, "DepositControl")
    assert [(c["batch"], c["count"], c["amount_cents"]) for c in controls] == [
        ("001", "3", str(12_345 + 8_000 + 4_150)),
        ("002", "1", "100000"),
    ]
    [control] = workdir.controls()
    totals = {f["type"]: f["totals"] for f in control["files"]}
    assert totals["Payment"]["amount_cents"] == TOTAL
    assert totals["DepositControl"] == {"count": 4, "amount_cents": TOTAL}

    # the same file under a new name, and the same checks in a transmission made later: nothing twice
    code, again = process(workdir, "LBX20261120-resent.dat", transmission())
    assert (code, again["state"]) == (0, "duplicate")
    code, later = process(workdir, "LBX20261120-later.dat", transmission(datetime(2026, 11, 20, 9, 0)))
    assert code == 0 and later["already_delivered"] == 6, later
    assert len(rows(workdir, "Payment")) == 4

    # the bank has not reported the deposit yet
    res = workdir.hub("reconcile", "--date", "2026-11-20", "--json")
    assert res.code == 1
    [box] = res.json()["lockboxes"]
    assert (box["lockbox"], box["status"], box["lockbox_cents"], box["bank_cents"]) == (
        LOCKBOX,  # as the file wrote it, leading zeros kept (compared without them)
        "missing-bank",
        TOTAL,
        0,
    )
    assert box["lockbox_items"] == 4
    status = workdir.hub("status")
    assert status.code == 1 and "ALERT" in status.stdout and "2026-11-20" in status.stdout
    lockbox_row = {r["exchange"]: r for r in workdir.hub("status", "--json").json()}["lockbox"]
    assert lockbox_row["unreconciled"] == ["2026-11-20"]

    # the bank reports a deposit one cent short, then the rest: a difference, then matched
    ledger = Ledger.open(f"sqlite:///{workdir.root / 'var' / 'hub.db'}")
    try:
        bank = {"side": "bank", "deposit_date": DEPOSIT, "lockbox": "22222", "items": 4}
        with ledger.tx() as conn:
            ledger.record_deposits(
                conn, exchange="bai2", file_id=1, rows=[{**bank, "key": "B1", "amount_cents": TOTAL - 1}]
            )
        res = workdir.hub("reconcile", "--date", "2026-11-20", "--json")
        assert res.code == 1 and res.json()["lockboxes"][0]["difference_cents"] == 1
        human = workdir.hub("reconcile", "--date", "2026-11-20")
        assert human.code == 1 and "DIFFERENT" in human.stdout and "0.01" in human.stdout
        with ledger.tx() as conn:
            ledger.record_deposits(
                conn, exchange="bai2", file_id=1, rows=[{**bank, "key": "B2", "amount_cents": 1}]
            )
    finally:
        ledger.close()
    res = workdir.hub("reconcile", "--date", "2026-11-20", "--json")
    assert res.code == 0, res.stdout
    assert res.json()["matched"] is True and res.json()["lockboxes"][0]["status"] == "matched"
    cleared = workdir.hub("status")
    assert cleared.code == 0 and "ALERT" not in cleared.stdout


def test_a_batch_total_one_cent_off_rejects_the_file_and_delivers_nothing(workdir: Workdir) -> None:
    load_accounts(workdir)
    lines = transmission().decode().splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("7"))
    stated = int(lines[at][23:33])
    lines[at] = lines[at][:23] + f"{stated + 1:010d}" + lines[at][33:]
    code, out = process(workdir, "LBX-off.dat", ("\n".join(lines) + "\n").encode())
    assert (code, out["state"]) == (1, "rejected"), out
    problem = next(p for p in out["problems"] if p["severity"] == "error")
    assert problem["rule"] == "batch-total" and problem["line"] == at + 1
    assert str(stated) in problem["message"] and str(stated + 1) in problem["message"]
    assert not list(workdir.cis.glob("*.csv"))
    assert workdir.hub("reconcile", "--date", "2026-11-20").code == 1  # nothing recorded


def test_without_an_accounts_extract_the_file_is_rejected_with_the_way_out(workdir: Workdir) -> None:
    code, out = process(workdir, "LBX20261120.dat", transmission())
    assert (code, out["state"]) == (1, "rejected")
    assert any("hub reference load accounts" in p["message"] for p in out["problems"])
    assert not list(workdir.cis.glob("*.csv"))
