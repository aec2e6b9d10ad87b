"""Suspense is visible: a lockbox file's outcome says how many checks (and how much) went to
suspense and why, in text and JSON (``hub process``, ``hub validate``, ``hub cycle``), and
``hub suspense`` lists those payments with masked accounts and their total."""

from __future__ import annotations

from datetime import datetime

from tests.conftest import Workdir
from tests.hub.test_lockbox_e2e import DEPOSIT, account, load_accounts, transmission


def test_a_lockbox_outcome_counts_its_checks_to_suspense_by_reason(workdir: Workdir) -> None:
    load_accounts(workdir)
    path = workdir.write("LBX20261120.dat", transmission())
    dry = workdir.hub("validate", path, "-x", "lockbox")
    assert dry.code == 0, dry.stdout + dry.stderr
    assert "1 check ($41.50) would go to suspense: account not found in the CIS 1" in dry.stdout

    res = workdir.hub("process", path, "-x", "lockbox", "--json")
    assert res.code == 0, res.stdout + res.stderr
    held = res.json()["suspense"]
    assert held == {"count": 1, "amount_cents": 4_150, "reasons": {"account not found in the CIS": 1}}

    again = workdir.write("LBX-resent.dat", transmission(created=datetime(2026, 11, 20, 9, 30)))
    text = workdir.hub("process", again, "-x", "lockbox")
    assert "already delivered before 6" in text.stdout, text.stdout
    assert "to suspense" not in text.stdout, "nothing new was delivered, nothing new in suspense"


def test_hub_suspense_lists_the_suspense_payments_masked_with_totals(workdir: Workdir) -> None:
    load_accounts(workdir)
    workdir.write("inbox/lockbox/LBX20261120.dat", transmission())
    cycle = workdir.hub("cycle", "-x", "lockbox")
    assert cycle.code == 0, cycle.stdout + cycle.stderr
    assert "LBX20261120.dat: 1 check ($41.50) to suspense: account not found in the CIS 1" in cycle.stdout

    res = workdir.hub("suspense", "--date", DEPOSIT.isoformat(), "--json")
    assert res.code == 0, res.stderr
    out = res.json()
    assert (out["count"], out["total_cents"], out["unreadable"]) == (1, 4_150, [])
    [payment] = out["payments"]
    assert payment["account"] != account(99) and payment["account"].endswith(account(99)[-4:])
    assert (payment["deposit_date"], payment["lockbox"], payment["amount_cents"]) == (
        DEPOSIT.isoformat(),
        "0022222",
        4_150,
    )
    assert payment["reason"] == "account not found in the CIS" and payment["file_id"] == 1

    text = workdir.hub("suspense", "--date", DEPOSIT.isoformat(), "-x", "lockbox")
    assert text.code == 0 and "1 payments, $41.50 in suspense" in text.stdout
    assert account(99) not in text.stdout and "account not found in the CIS" in text.stdout
    other = workdir.hub("suspense", "--date", "2026-11-21")
    assert other.code == 0 and "no payments in suspense (2026-11-21)" in other.stdout
    assert workdir.hub("suspense", "--date", "20-11-2026").code == 2
