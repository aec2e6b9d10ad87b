"""``hub sample --kind K`` through the real ``hub`` command, for every kind whose exchange the
default hub.yaml enables: a clean sample passes ``hub validate`` without an error and is delivered
in full (the transactions by type as the sample says); with ``--bad N`` exactly N rows are
rejected, each named on its own line; a lockbox sample and a BAI2 sample of one seed and day
reconcile (``hub reconcile`` exit 0), and ACH returns name the debits of the extract sample."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from conftest import Workdir

from hub.engine.sample_bank import deposit_day
from hub.engine.sample_kinds import SAMPLES

SEED = 5
TODAY = "2026-12-07"  # a Monday: the banking day's deposit is Friday's


@dataclass(frozen=True)
class Case:
    kind: str
    rows: int
    transactions: dict[str, int]
    command: str = "process"
    accounts: bool = False  # the exchange checks the CIS accounts extract
    today: str | None = TODAY


CASES = [
    Case("meter-reads", 40, {}, today=None),  # the reads are two days before now
    Case("ach-returns", 40, {"PaymentReversal": 35, "AccountChangeNotice": 5}),
    Case("debit-extract", 40, {}, command="originate", today=None),
    Case("lockbox", 60, {"Payment": 60, "DepositControl": 2}, accounts=True),
    Case("bai2", 60, {"BankDeposit": 1}),
    Case("consumption", 48, {"ConsumptionHistory": 48}, accounts=True),
    Case("pledges", 40, {"AssistancePledge": 40}, accounts=True, today=None),
]


def sample(workdir: Workdir, case: Case, name: str, bad: int = 0) -> dict[str, Any]:
    args = ["sample", name, "--kind", case.kind, "--rows", str(case.rows), "--seed", str(SEED)]
    args += ["--bad", str(bad), "--json"] + (["--today", case.today] if case.today else [])
    res = workdir.hub(*args)
    assert res.code == 0, res.stdout + res.stderr
    made: dict[str, Any] = res.json()
    assert (made["path"], made["kind"], made["rows"], made["bad"]) == (name, case.kind, case.rows, bad)
    assert made["exchange"] == SAMPLES[case.kind].exchange
    return made


def load_accounts(workdir: Workdir) -> None:
    assert workdir.hub("reference", "sample", "accounts", "accounts.csv", "--seed", str(SEED)).code == 0
    res = workdir.hub("reference", "load", "accounts", "accounts.csv")
    assert res.code == 0, res.stdout + res.stderr


@pytest.mark.parametrize("case", CASES, ids=[c.kind for c in CASES])
def test_a_clean_sample_is_delivered_in_full(workdir: Workdir, case: Case) -> None:
    if case.accounts:
        load_accounts(workdir)
    made = sample(workdir, case, "clean.dat")
    exchange = made["exchange"]
    checked = workdir.hub("validate", "clean.dat", "-x", exchange, "--json")
    assert checked.code == 0, checked.stdout + checked.stderr
    dry = checked.json()
    assert [p for p in dry["problems"] if p["severity"] == "error"] == []
    assert (dry["rows"], dry["rejected"]) == (case.rows + (case.kind == "bai2"), 0)

    res = workdir.hub(case.command, "clean.dat", "-x", exchange, "--json")
    assert res.code == 0, res.stdout + res.stderr
    done = res.json()
    assert (done["state"], done["rejected"]) == ("delivered", 0)
    if case.transactions:
        assert {t: n for t, n in done["transactions"].items() if n} == case.transactions
    else:
        assert sum(done["transactions"].values()) == case.rows
    if made["amount_cents"] is not None and case.kind in ("lockbox", "bai2"):
        [control] = workdir.controls()
        totals = {f["type"]: f["totals"] for f in control["files"]}
        money = totals["Payment" if case.kind == "lockbox" else "BankDeposit"]["amount_cents"]
        assert money == made["amount_cents"]


@pytest.mark.parametrize("case", CASES, ids=[c.kind for c in CASES])
def test_each_bad_row_of_a_sample_is_rejected_on_its_line(workdir: Workdir, case: Case) -> None:
    if case.accounts:
        load_accounts(workdir)
    made = sample(workdir, case, "bad.dat", bad=4)
    res = workdir.hub("validate", "bad.dat", "-x", made["exchange"], "--json")
    assert res.code == 1, res.stdout + res.stderr
    out = res.json()
    errors = [p for p in out["problems"] if p["severity"] == "error"]
    assert out["rejected"] == 4
    assert len({p["line"] for p in errors}) == 4, errors


def test_lockbox_and_bai2_samples_of_one_seed_and_day_reconcile(workdir: Workdir) -> None:
    load_accounts(workdir)
    lockbox = sample(workdir, CASES[3], "lockbox.dat")
    bai2 = sample(workdir, CASES[4], "bai2.txt")
    assert lockbox["amount_cents"] == bai2["amount_cents"] > 0
    assert workdir.hub("process", "lockbox.dat", "-x", "lockbox").code == 0
    assert workdir.hub("process", "bai2.txt", "-x", "bai2").code == 0
    day = deposit_day(__import__("datetime").date.fromisoformat(TODAY)).isoformat()
    assert day == "2026-12-04"
    res = workdir.hub("reconcile", "--date", day, "--json")
    assert res.code == 0, res.stdout
    [box] = res.json()["lockboxes"]
    assert (box["status"], box["lockbox_cents"], box["bank_cents"], box["lockbox_items"]) == (
        "matched",
        lockbox["amount_cents"],
        bai2["amount_cents"],
        60,
    )
    # another seed's bank report credits another total: the day does not reconcile
    other = workdir.hub(
        "sample", "other.txt", "--kind", "bai2", "--rows", "60", "--seed", "6", "--today", TODAY
    )
    assert other.code == 0
    assert workdir.hub("process", "other.txt", "-x", "bai2").code == 0
    assert workdir.hub("reconcile", "--date", day).code == 1


def test_ach_returns_name_the_debits_the_extract_sample_originated(workdir: Workdir) -> None:
    extract, returns = CASES[2], CASES[1]
    sample(workdir, Case("debit-extract", 400, {}, today=None), "debits.csv")
    assert workdir.hub("originate", "debits.csv", "-x", "ach-debits").code == 0
    sample(workdir, Case(returns.kind, 40, {}), "returns.ach")
    res = workdir.hub("process", "returns.ach", "-x", "ach-returns", "--json")
    assert res.code == 0 and extract.command == "originate"
    reversals = workdir.delivered_rows("PaymentReversal")
    header = (workdir.cis / next(p.name for p in workdir.cis.glob("*.PaymentReversal.csv"))).read_text()
    columns = header.splitlines()[0].split(",")
    payment = columns.index("original_payment_id")
    assert len(reversals) == 35 and all(r[payment].startswith(f"AP-{SEED}-") for r in reversals)


def test_every_exchange_kind_that_reads_a_file_has_a_sample() -> None:
    import yaml

    from hub.engine.config import DEFAULT_CONFIG
    from mappings import _BUILTIN as BUILTIN_KINDS

    exchanges = yaml.safe_load(DEFAULT_CONFIG)["exchanges"]
    sampled = {exchanges[s.exchange]["kind"] for s in SAMPLES.values()}
    assert sampled == set(BUILTIN_KINDS)  # every kind the hub ships takes a sample file


def test_an_unknown_kind_is_a_usage_error(workdir: Workdir) -> None:
    res = workdir.hub("sample", "x.dat", "--kind", "telex")
    assert res.code == 2 and "telex" in res.stdout + res.stderr and "lockbox" in res.stdout + res.stderr
    assert not (workdir.root / "x.dat").exists()
