"""The bai2 exchange end to end through the real ``hub`` command: a BAI2 report becomes a CIS batch of
BankDeposit / PaymentReversal rows with right control totals and the bank side of the deposits in the
ledger; a report resent under another name posts and records nothing twice; a wrong 49 control total
rejects the report naming its line and both numbers."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

import yaml
from conftest import Workdir

from formats.bai2_writer import Account, Bai2Spec, Group, Transaction, write_file
from hub.engine.config import DEFAULT_CONFIG
from hub.ledger import Ledger

DAY = date(2026, 11, 20)
ACCOUNT = "1234567890"
PAYMENT_KEY = "L|0099999991|0012345|2026-11-19|001|002"


def report(created: datetime = datetime(2026, 11, 20, 6, 0)) -> bytes:
    account = Account(
        ACCOUNT,
        transactions=[
            Transaction("115", 150_000, "BR1001", "", "LOCKBOX DEPOSIT"),
            Transaction("116", 150_000, "", "0000004444"),
            Transaction("118", 500, "BR1002"),
            Transaction("555", 4_200, "BR1003", "4444"),
            Transaction("555", 999, "BR1004", "9999"),
            Transaction("475", 7_000, "BR1005"),
        ],
    )
    other = Account("5550001", transactions=[Transaction("115", 3_000, "BR2001")])
    return write_file(Bai2Spec("BANK", "UTILITY", created, [Group("BANK", DAY, [account, other])]))


def configure(workdir: Workdir) -> None:
    config = yaml.safe_load(DEFAULT_CONFIG)
    config["exchanges"]["bai2"]["mapping_options"]["lockbox_accounts"] = {ACCOUNT: "0012345"}
    workdir.set_config(yaml.safe_dump(config))


def ledger(workdir: Workdir) -> Ledger:
    return Ledger.open(f"sqlite:///{workdir.root / 'var' / 'hub.db'}")


def seed_payment(workdir: Workdir) -> None:
    """A lockbox payment as the lockbox exchange records it (side lockbox, reference = check number)."""
    led = ledger(workdir)
    try:
        file_id = led.add_file(
            exchange="lockbox",
            name="lockbox-20261119.txt",
            sha256="0" * 64,
            size=1,
            source="(test)",
            state="delivered",
            landed_path=str(workdir.root / "var" / "landed" / ("0" * 64)),
        )
        row = {
            "side": "lockbox",
            "key": PAYMENT_KEY,
            "deposit_date": date(2026, 11, 19),
            "lockbox": "0012345",
        }
        with led.tx() as conn:
            led.record_deposits(
                conn,
                exchange="lockbox",
                file_id=file_id,
                rows=[{**row, "amount_cents": 4_200, "items": 1, "reference": "0000004444"}],
            )
    finally:
        led.close()


def process(workdir: Workdir, name: str, data: bytes) -> tuple[int, dict[str, Any]]:
    res = workdir.hub("process", workdir.write(name, data), "-x", "bai2", "--json")
    assert res.stdout, res.stderr
    return res.code, res.json()


def rows(workdir: Workdir, txn_type: str) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    for path in sorted(workdir.cis.glob(f"*.{txn_type}.csv")):
        found += list(csv.DictReader(io.StringIO(path.read_text())))
    return found


def test_a_report_is_delivered_and_its_bank_side_recorded(workdir: Workdir) -> None:
    configure(workdir)
    seed_payment(workdir)
    code, out = process(workdir, "BAI20261120.txt", report())
    assert code == 0, out
    assert out["state"] == "delivered" and out["delivered"] == 4
    assert out["transactions"] == {"BankDeposit": 2, "PaymentReversal": 2}
    [control] = workdir.controls()
    files = {f["type"]: f for f in control["files"]}
    assert files["BankDeposit"]["totals"] == {"amount_cents": 150_500}
    assert files["PaymentReversal"]["totals"] == {"amount_cents": 5_199, "fee_cents": 0}
    for entry in control["files"]:
        found = list(csv.DictReader(io.StringIO((workdir.cis / entry["name"]).read_text())))
        assert len(found) == entry["count"]
        for field, total in entry["totals"].items():
            assert sum(int(r[field]) for r in found) == total

    deposit = rows(workdir, "BankDeposit")[0]
    assert (deposit["lockbox"], deposit["deposit_date"], deposit["items"], deposit["type_code"]) == (
        "0012345",
        "2026-11-20",
        "1",
        "115",
    )
    matched, unmatched = rows(workdir, "PaymentReversal")
    assert (matched["tender"], matched["original_payment_id"], matched["review"]) == (
        "check",
        PAYMENT_KEY,
        "false",
    )
    assert unmatched["review"] == "true" and "9999" in unmatched["review_reason"]

    led = ledger(workdir)
    try:
        bank = [r for r in led.deposits_on(DAY) if r["side"] == "bank"]
    finally:
        led.close()
    # the ledger keeps lockbox numbers without leading zeros (a lockbox file's 0012345 is 12345)
    assert sorted((r["amount_cents"], r["items"], r["lockbox"]) for r in bank) == [
        (500, 0, "12345"),
        (150_000, 1, "12345"),
    ]


def test_the_same_report_resent_delivers_and_records_nothing_twice(workdir: Workdir) -> None:
    configure(workdir)
    first_code, first = process(workdir, "BAI20261120.txt", report())
    code, again = process(workdir, "BAI20261120-resend.txt", report(datetime(2026, 11, 20, 9, 15)))
    assert (first_code, code) == (0, 0) and again["id"] != first["id"]
    assert (again["state"], again["delivered"], again["already_delivered"]) == ("delivered", 0, 4)
    assert len(workdir.controls()) == 1 and len(rows(workdir, "BankDeposit")) == 2
    led = ledger(workdir)
    try:
        assert len(led.deposits_on(DAY)) == 2
    finally:
        led.close()


def test_a_wrong_account_control_total_rejects_the_report(workdir: Workdir) -> None:
    configure(workdir)
    lines = report().decode().splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("49,"))
    fields = lines[at].rstrip("/").split(",")
    stated = int(fields[1]) + 100
    lines[at] = ",".join(["49", str(stated), *fields[2:]]) + "/"
    code, out = process(workdir, "bad.txt", ("\n".join(lines) + "\n").encode())
    assert code == 1 and out["state"] == "rejected" and out["delivered"] == 0
    [total] = [p for p in out["problems"] if p["severity"] == "error" and p["line"] == at + 1]
    assert str(stated) in total["message"] and str(stated - 100) in total["message"]
    assert not workdir.cis.exists() or not list(workdir.cis.iterdir())


def test_details_the_exchange_does_not_post_are_reported_as_warnings(workdir: Workdir) -> None:
    configure(workdir)
    code, out = process(workdir, "report.bai", report())
    assert code == 0 and out["state"] == "delivered", out
    left = [p for p in out["problems"] if p["rule"] == "not-posted"]
    assert {p["severity"] for p in left} == {"warning"}
    # the 475 check paid on the lockbox account, and the 115 on an account that is not a lockbox's
    assert sorted(p["value"] for p in left) == ["115", "475"]
    other = next(p for p in left if p["value"] == "115")
    assert (
        "not one of this exchange's lockbox accounts" in other["message"]
        and "5550001" not in other["message"]
    )
    shown = workdir.hub("show", str(out["id"]))
    assert "not-posted" in shown.stdout


def test_a_test_only_group_is_never_posted(workdir: Workdir) -> None:
    configure(workdir)
    account = Account(ACCOUNT, transactions=[Transaction("115", 150_000, "BR1001", "", "LOCKBOX DEPOSIT")])
    group = Group("BANK", DAY, [account], status="4")
    data = write_file(Bai2Spec("BANK", "UTILITY", datetime(2026, 11, 20, 6, 0), [group]))
    code, out = process(workdir, "test-only.bai", data)
    assert code == 0 and out["delivered"] == 0, out
    (note,) = [p for p in out["problems"] if p["rule"] == "not-posted"]
    assert "status is 4 (test only)" in note["message"] and note["severity"] == "warning"
    led = ledger(workdir)
    try:
        assert led.deposits_on(DAY) == []
    finally:
        led.close()
