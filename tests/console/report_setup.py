"""A hub folder with one banking day run through the real ``hub`` command: a lockbox
transmission (lockbox 22222, one payment to an unknown account, so in suspense) and a BAI2 report
crediting lockbox 22222 one dollar short and a lockbox 33333 the lockbox files never mention; a
rejected meter-reads file; users of every role."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import yaml
from conftest import Workdir
from console_setup import USERS, Hub

from formats.bai2_writer import Account, Bai2Spec, Group, Transaction
from formats.bai2_writer import write_file as write_bai2
from hub.engine.config import DEFAULT_CONFIG
from hub.engine.sample import meter_reads_csv
from tests.hub.test_lockbox_e2e import DEPOSIT, LOCKBOX, TOTAL, load_accounts, transmission

BANK_ACCOUNT = "1234567890"
OTHER_ACCOUNT = "5550001111"
OTHER_CENTS = 77_001
SHORT_CENTS = 100


def bank_report() -> bytes:
    accounts = [
        Account(BANK_ACCOUNT, transactions=[Transaction("115", TOTAL - SHORT_CENTS, "BR1", "", "LOCKBOX")]),
        Account(OTHER_ACCOUNT, transactions=[Transaction("115", OTHER_CENTS, "BR2", "", "LOCKBOX")]),
    ]
    created = datetime(2026, 11, 21, 6, 0)
    return write_bai2(Bai2Spec("BANK", "UTILITY", created, [Group("BANK", DEPOSIT, accounts)]))


def make_bank_day(root: Path) -> Hub:
    config = yaml.safe_load(DEFAULT_CONFIG)
    config["exchanges"]["bai2"]["mapping_options"]["lockbox_accounts"] = {
        BANK_ACCOUNT: LOCKBOX,
        OTHER_ACCOUNT: "0033333",
    }
    (root / "hub.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    work = Workdir(root)
    load_accounts(work)
    lockbox = work.hub("process", work.write("LBX.dat", transmission()), "-x", "lockbox", "--json")
    assert lockbox.code == 0, lockbox.stdout + lockbox.stderr
    bank = work.hub("process", work.write("BAI.txt", bank_report()), "-x", "bai2", "--json")
    assert bank.code == 0, bank.stdout + bank.stderr
    bad = work.write("route-south.csv", meter_reads_csv(50, bad=3, seed=3))
    rejected = work.hub("process", bad, "--exchange", "meter-reads", "--json")
    assert rejected.code == 1, rejected.stderr
    first = min(rejected.json()["problems"], key=lambda p: p["line"])
    hub = Hub(work, rejected.json()["id"], lockbox.json()["id"], first)
    for name, role in USERS.items():
        hub.add_user(name, role)
    return hub
