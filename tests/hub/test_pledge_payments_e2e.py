"""Agency payments of pledges end to end through the real ``hub`` command and a real SQLite ledger:
pledges accepted, then a lockbox file holding a customer's check and two agency checks (one with a
remittance list, one paying by total) posts PledgePayment rows and no customer Payment for them;
``hub pledges --agency CAA01 --open`` then lists only the unpaid pledge; the same checks resent post
nothing twice; a BAI2 ACH credit of the agency pays the last pledge by total, and the deposit
holding the agency checks still reconciles against the bank's report; a later check naming a paid
pledge posts nothing for it and goes to suspense with the reason."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from typing import Any

import yaml
from conftest import Workdir

from formats.bai2_writer import Account, Bai2Spec, Group, Transaction
from formats.bai2_writer import write_file as write_bai2
from formats.lockbox_accounts import with_check_digit
from formats.lockbox_writer import Batch, Item, Lockbox, LockboxSpec, write_file
from hub.engine.config import DEFAULT_CONFIG

TODAY = date.today()
DEPOSIT = date(2026, 11, 20)
LOCKBOX = "0022222"
BANK_ACCOUNT = "1234567890"
AGENCY_ACCOUNT = "0770012345"  # the account the agency's checks are drawn on
CUSTOMER = with_check_digit("luhn", "500000001")
HEADER = "agency_id,pledge_id,account,customer_name,service_address,program,amount,pledge_date,expires"
ACCOUNTS = f"""account,name,service_address,status
1001,Ana Garcia,12 Main St,active
1002,"O'BRIEN, PATRICK",40 Oak Ave,active
1004,Maria Lopez,9 Pine Rd,active
{CUSTOMER},CUSTOMER ONE,1 MAIN ST,active
""".encode()


def pledge(pid: str, account: str, name: str, amount: str, age: int, program: str = "LIHEAP") -> str:
    pledged = (TODAY - timedelta(days=age)).isoformat()
    expires = (TODAY + timedelta(days=60)).isoformat()
    return f'CAA01,{pid},{account},"{name}",,{program},{amount},{pledged},{expires}'


PLEDGES = [
    pledge("P-101", "1001", "Ana Garcia", "250.00", 20),
    pledge("P-102", "1002", "Patrick O'Brien", "100.00", 10),
    pledge("P-103", "1004", "Maria Lopez", "75.00", 5, "CRISIS"),
    pledge("P-104", "1001", "Ana Garcia", "120.00", 3),
]


def configure(workdir: Workdir) -> None:
    config = yaml.safe_load(DEFAULT_CONFIG)
    lockbox = config["exchanges"]["lockbox"]["mapping_options"]
    lockbox["agency_payers"] = {
        "CAA01": {"remitter_accounts": ["770012345"], "remitter_names": ["County Community Action"]}
    }
    bai2 = config["exchanges"]["bai2"]["mapping_options"]
    bai2["lockbox_accounts"] = {BANK_ACCOUNT: LOCKBOX}
    bai2["agency_payers"] = {"CAA01": {"texts": ["caa01 liheap"]}}
    workdir.set_config(yaml.safe_dump(config))


def hub_json(workdir: Workdir, *args: str) -> tuple[int, Any]:
    res = workdir.hub(*args, "--json")
    assert res.stdout, res.stderr
    return res.code, res.json()


def rows(workdir: Workdir, txn_type: str) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    for path in sorted(workdir.cis.glob(f"*.{txn_type}.csv")):
        found += list(csv.DictReader(io.StringIO(path.read_text())))
    return found


CHECKS = [
    Item(12_345, check_number="2001", remitter_name="CUSTOMER ONE", free_data=f"{CUSTOMER} 00012345"),
    # drawn on the agency's account, listing the pledges it pays (in an overflow record)
    Item(
        35_000,
        remitter_account=AGENCY_ACCOUNT,
        check_number="9001",
        remitter_name="CAA",
        overflow=["LIHEAP PLEDGES P-101 250.00", "P-102 100.00"],
    ),
    # signed with the agency's name, no list: paid by total (the oldest open pledge, exactly)
    Item(7_500, check_number="9002", remitter_name="COUNTY COMMUNITY ACTION."),
]


def lockbox_file(items: list[Item], created: datetime = datetime(2026, 11, 20, 6, 5)) -> bytes:
    return write_file(LockboxSpec(created=created, lockboxes=[Lockbox(LOCKBOX, DEPOSIT, [Batch(items)])]))


def bai2_report(deposit_cents: int) -> bytes:
    account = Account(
        BANK_ACCOUNT,
        transactions=[
            Transaction("115", deposit_cents, "BR1001", "", "LOCKBOX DEPOSIT"),
            Transaction("165", 12_000, "ACH7001", "", "CAA01 LIHEAP PMT CCD"),
            Transaction("165", 5_000, "ACH7002", "", "OTHER COMPANY CCD"),
        ],
    )
    return write_bai2(
        Bai2Spec("BANK", "UTILITY", datetime(2026, 11, 20, 7), [Group("BANK", DEPOSIT, [account])])
    )


def open_pledges(workdir: Workdir) -> dict[str, Any]:
    code, out = hub_json(workdir, "pledges", "--agency", "CAA01", "--open")
    assert code == 0, out
    return dict(out)


def test_agency_checks_and_credits_pay_pledges_once_and_the_deposit_reconciles(workdir: Workdir) -> None:
    configure(workdir)
    assert workdir.hub("reference", "load", "accounts", workdir.write("accounts.csv", ACCOUNTS)).code == 0
    pledge_file = ("\n".join([HEADER, *PLEDGES]) + "\n").encode()
    code, out = hub_json(workdir, "process", str(workdir.write("caa01.csv", pledge_file)), "-x", "pledges")
    assert (code, out["delivered"]) == (0, 4), out
    listed = open_pledges(workdir)
    assert [(p["pledge_id"], p["age_days"]) for p in listed["pledges"]] == [
        ("P-101", 20),
        ("P-102", 10),
        ("P-103", 5),
        ("P-104", 3),
    ]
    assert (listed["count"], listed["total_cents"]) == (4, 54_500)

    code, out = hub_json(
        workdir, "process", str(workdir.write("LBX1.dat", lockbox_file(CHECKS))), "-x", "lockbox"
    )
    assert code == 0, out
    assert not [p for p in out["problems"] if p["rule"] == "agency-payment"]  # nothing to look at
    assert out["transactions"] == {"Payment": 1, "DepositControl": 1, "PledgePayment": 3}, out
    [customer] = rows(workdir, "Payment")
    assert (customer["account"], customer["amount_cents"]) == (
        CUSTOMER,
        "12345",
    )  # agency checks are not customers'
    [control] = rows(workdir, "DepositControl")
    assert (control["count"], control["amount_cents"]) == ("1", "12345")  # the batch's Payment rows
    paid = rows(workdir, "PledgePayment")
    assert [
        (p["idempotency_key"], p["account"], p["amount_cents"], p["reference"], p["matched_by"], p["review"])
        for p in paid
    ] == [
        ("PP|CAA01|P-101", "1001", "25000", "0000009001", "remittance", "false"),
        ("PP|CAA01|P-102", "1002", "10000", "0000009001", "remittance", "false"),
        ("PP|CAA01|P-103", "1004", "7500", "0000009002", "total", "false"),
    ]
    assert {(p["agency"], p["source"], p["paid_on"]) for p in paid} == {("CAA01", "lockbox", "2026-11-20")}
    totals = {f["type"]: f["totals"] for f in workdir.controls()[0]["files"]}
    assert totals["PledgePayment"] == {"amount_cents": 42_500}

    listed = open_pledges(workdir)
    assert [(p["pledge_id"], p["account"], p["amount_cents"], p["age_days"]) for p in listed["pledges"]] == [
        ("P-104", "1001", 12_000, 3)
    ]
    assert listed["total_cents"] == 12_000
    text = workdir.hub("pledges", "--agency", "CAA01", "--open")
    assert (
        text.code == 0 and "P-104" in text.stdout and "P-101" not in text.stdout and "120.00" in text.stdout
    )

    # the same file again, and the same checks in a transmission made later: nothing posts twice
    code, again = hub_json(
        workdir, "process", str(workdir.write("LBX1-again.dat", lockbox_file(CHECKS))), "-x", "lockbox"
    )
    assert (code, again["state"]) == (0, "duplicate")
    later = lockbox_file(CHECKS, datetime(2026, 11, 20, 9, 0))
    code, again = hub_json(workdir, "process", str(workdir.write("LBX1-later.dat", later)), "-x", "lockbox")
    assert code == 0 and again["delivered"] == 0 and again["already_delivered"] == 5, again
    assert len(rows(workdir, "PledgePayment")) == 3 and len(rows(workdir, "Payment")) == 1

    # the bank's report: the whole deposit (agency checks included) and the agency's ACH credit
    deposit = 12_345 + 35_000 + 7_500
    code, out = hub_json(
        workdir, "process", str(workdir.write("BAI1.txt", bai2_report(deposit))), "-x", "bai2"
    )
    assert code == 0, out
    assert {t: n for t, n in out["transactions"].items() if n} == {"BankDeposit": 1, "PledgePayment": 1}, out
    [credit] = [p for p in rows(workdir, "PledgePayment") if p["source"] == "bai2"]
    assert (credit["idempotency_key"], credit["amount_cents"], credit["source"], credit["reference"]) == (
        "PP|CAA01|P-104",
        "12000",
        "bai2",
        "ACH7001",
    )
    assert (credit["matched_by"], credit["review"]) == ("total", "false")
    assert open_pledges(workdir)["pledges"] == []
    code, result = hub_json(workdir, "reconcile", "--date", DEPOSIT.isoformat())
    assert code == 0 and result["matched"], result
    [box] = result["lockboxes"]
    assert (box["lockbox_cents"], box["bank_cents"], box["lockbox_items"]) == (deposit, deposit, 3)

    # a later check naming a paid pledge: nothing posts for it; the money waits in suspense, named
    again_check = Item(
        25_000, remitter_account=AGENCY_ACCOUNT, check_number="9003", overflow=["P-101 250.00"]
    )
    later = write_file(
        LockboxSpec(
            created=datetime(2026, 11, 21, 6, 5),
            lockboxes=[Lockbox(LOCKBOX, DEPOSIT + timedelta(days=1), [Batch([again_check])])],
        )
    )
    code, out = hub_json(workdir, "process", str(workdir.write("LBX2.dat", later)), "-x", "lockbox")
    assert code == 0 and {t: n for t, n in out["transactions"].items() if n} == {
        "Payment": 1,
        "DepositControl": 1,
    }
    [suspense] = [p for p in rows(workdir, "Payment") if p["check_number"] == "0000009003"]
    assert (suspense["suspense"], suspense["amount_cents"], suspense["account"]) == ("true", "25000", "")
    assert "pledge P-101 was paid already (lockbox 0000009001 of 2026-11-20)" in suspense["suspense_reason"]
    assert "payment $250.00, pledges $0.00, difference $250.00" in suspense["suspense_reason"]
    assert len(rows(workdir, "PledgePayment")) == 4
    [note] = [p for p in out["problems"] if p["rule"] == "agency-payment"]
    assert (note["line"], note["severity"]) == (4, "warning")
    assert note["message"].startswith(
        "check of agency CAA01 for $250.00 pays no pledge; $250.00 to suspense: "
    )


def test_an_unknown_agency_is_a_clear_error(workdir: Workdir) -> None:
    configure(workdir)
    res = workdir.hub("pledges", "--agency", "NOPE", "--open")
    assert res.code == 2
    assert "unknown agency 'NOPE'" in res.stderr and "CAA01" in res.stderr
    code, out = hub_json(workdir, "pledges", "--agency", "UWAY", "--open")  # configured, nothing pledged yet
    assert code == 0 and (out["count"], out["total_cents"]) == (0, 0)
