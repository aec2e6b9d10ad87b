"""One banking day through both exchanges, as the bank sends it: the lockbox transmission posts
payments, the BAI2 report posts the bank's deposit and a returned check; the returned check names
the payment it reverses, and ``hub reconcile`` finds the lockbox total equal to the bank's credit."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import yaml
from conftest import Workdir

from formats.bai2_writer import Account, Bai2Spec, Group, Transaction
from formats.bai2_writer import write_file as write_bai2
from hub.engine.config import DEFAULT_CONFIG
from tests.hub.test_lockbox_e2e import BATCHES, DEPOSIT, LOCKBOX, TOTAL, load_accounts, transmission

BANK_ACCOUNT = "1234567890"


def bank_report(returned_check: str, returned_cents: int) -> bytes:
    account = Account(
        BANK_ACCOUNT,
        transactions=[
            Transaction("115", TOTAL, "BR1001", "", "LOCKBOX DEPOSIT"),
            Transaction("555", returned_cents, "BR1002", returned_check),
        ],
    )
    created = datetime(2026, 11, 21, 6, 0)
    return write_bai2(Bai2Spec("BANK", "UTILITY", created, [Group("BANK", DEPOSIT, [account])]))


def rows(workdir: Workdir, txn_type: str) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    for path in sorted(workdir.cis.glob(f"*.{txn_type}.csv")):
        found += list(csv.DictReader(io.StringIO(path.read_text())))
    return found


def test_a_banking_day_reconciles_and_a_returned_check_names_its_payment(workdir: Workdir) -> None:
    config = yaml.safe_load(DEFAULT_CONFIG)
    config["exchanges"]["bai2"]["mapping_options"]["lockbox_accounts"] = {BANK_ACCOUNT: LOCKBOX.lstrip("0")}
    workdir.set_config(yaml.safe_dump(config))
    load_accounts(workdir)

    lockbox = workdir.hub("process", workdir.write("LBX.dat", transmission()), "-x", "lockbox", "--json")
    assert lockbox.code == 0, lockbox.stdout + lockbox.stderr
    returned = BATCHES[0][1]  # the second check of the first batch bounced
    bank = bank_report(returned.check_number, returned.amount_cents)
    report = workdir.hub("process", workdir.write("BAI.txt", bank), "-x", "bai2", "--json")
    assert report.code == 0, report.stdout + report.stderr
    assert report.json()["transactions"] == {"BankDeposit": 1, "PaymentReversal": 1}

    payment = next(
        p for p in rows(workdir, "Payment") if p["check_number"].lstrip("0") == returned.check_number
    )
    (reversal,) = rows(workdir, "PaymentReversal")
    assert reversal["original_payment_id"] == payment["idempotency_key"]
    assert reversal["review"] == "false" and int(reversal["amount_cents"]) == returned.amount_cents

    day = DEPOSIT.isoformat()
    res = workdir.hub("reconcile", "--date", day, "--json")
    assert res.code == 0, res.stdout
    (box,) = res.json()["lockboxes"]
    assert (box["status"], box["lockbox_cents"], box["bank_cents"]) == ("matched", TOTAL, TOTAL)
    assert workdir.hub("status").code == 0


def test_the_bank_crediting_less_than_the_lockbox_file_is_a_difference_on_status(workdir: Workdir) -> None:
    config = yaml.safe_load(DEFAULT_CONFIG)
    config["exchanges"]["bai2"]["mapping_options"]["lockbox_accounts"] = {BANK_ACCOUNT: LOCKBOX}
    workdir.set_config(yaml.safe_dump(config))
    load_accounts(workdir)
    assert workdir.hub("process", workdir.write("LBX.dat", transmission()), "-x", "lockbox").code == 0
    short = Account(BANK_ACCOUNT, transactions=[Transaction("115", TOTAL - 100, "BR9", "", "LOCKBOX")])
    data = write_bai2(
        Bai2Spec("BANK", "UTILITY", datetime(2026, 11, 21, 6), [Group("BANK", DEPOSIT, [short])])
    )
    assert workdir.hub("process", workdir.write("BAI.txt", data), "-x", "bai2").code == 0
    res = workdir.hub("reconcile", "--date", date(2026, 11, 20).isoformat(), "--json")
    assert res.code == 1
    (box,) = res.json()["lockboxes"]
    assert (box["status"], box["difference_cents"]) == ("different", 100)
    status = workdir.hub("status")
    assert status.code == 1 and "ALERT" in status.stdout
