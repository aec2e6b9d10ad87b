"""``hub demo`` (``make demo``) end to end in an empty folder through the real ``hub`` command: it
drops the nightly sample files and a banking day (lockbox and BAI2) into the inbox, runs one cycle,
reconciles the deposit day and prints the summary; ``hub demo --clean`` (``make clean-demo``)
removes only what the demo made, and refuses where hub.yaml was not written by the demo."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from conftest import HUB, Result, Workdir

from hub.engine.config import DEFAULT_CONFIG


def hub(root: Path, *args: str) -> Result:
    return Workdir(root).hub(*args)


def tree(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


def test_the_demo_shows_a_nightly_cycle_and_a_reconciled_banking_day(tmp_path: Path) -> None:
    res = hub(tmp_path, "demo", "--rows", "40")
    assert res.code == 0, res.stdout + res.stderr
    text = " ".join(res.stdout.split())
    assert "wrote the default configuration to hub.yaml" in text
    for exchange in ("meter-reads", "ach-returns", "lockbox", "bai2", "pledges", "consumption"):
        assert re.search(rf"│\s+\d+ │ {exchange}\s.*│ delivered\s+│", res.stdout), exchange
    day = re.search(
        r"Banking day (\d{4}-\d\d-\d\d): lockbox files against the bank's BAI2 deposits: matched", text
    )
    assert day, res.stdout
    assert "all matched" in text and "rejected" in text

    files = hub(tmp_path, "files", "--json").json()["files"]
    states = {(f["exchange"], f["state"]) for f in files}
    assert {("lockbox", "delivered"), ("bai2", "delivered"), ("meter-reads", "rejected")} <= states
    lockbox = next(f for f in files if f["exchange"] == "lockbox")
    assert (lockbox["rejected"], lockbox["rows"]) == (0, 10)  # 10 checks, all posted (none in suspense)
    reconciled = hub(tmp_path, "reconcile", "--date", day.group(1), "--json")
    assert reconciled.code == 0 and reconciled.json()["matched"] is True


def test_clean_demo_removes_only_what_the_demo_made(tmp_path: Path) -> None:
    # a checkout: the inbox and outbox folders exist with their placeholders; files of the user's
    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox" / ".gitkeep").write_text("")
    (tmp_path / "outbox").mkdir()
    (tmp_path / "outbox" / ".gitkeep").write_text("")
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "inbox" / "meter-reads").mkdir()
    (tmp_path / "inbox" / "meter-reads" / "my-route.part").write_text("not complete: the demo leaves it")
    before = tree(tmp_path)

    assert hub(tmp_path, "demo", "--rows", "20").code == 0
    assert (tmp_path / "hub.yaml").read_text().startswith("# Written by `hub demo`")
    assert {"var", "outbox/cis", "inbox/lockbox", "inbox/bai2"} <= tree(tmp_path)
    assert hub(tmp_path, "files").code == 0  # what an operator tries next leaves files behind too
    again = hub(tmp_path, "demo", "--rows", "20")  # a second banking day's files on the same deposit day
    assert again.code == 0 and "BAI2 deposits: matched" in " ".join(again.stdout.split()), again.stdout

    res = hub(tmp_path, "demo", "--clean")
    assert res.code == 0, res.stdout + res.stderr
    assert tree(tmp_path) == before  # hub.yaml, var, the demo's inbox files and batches gone; the rest kept
    assert (tmp_path / "inbox" / "meter-reads" / "my-route.part").read_text().startswith("not complete")

    again = hub(tmp_path, "demo", "--clean")  # nothing left to clean: refused, nothing touched
    assert again.code == 2 and "hub.yaml does not exist" in again.stdout + again.stderr
    assert tree(tmp_path) == before


def test_clean_demo_refuses_where_hub_yaml_was_written_by_hand(tmp_path: Path) -> None:
    (tmp_path / "hub.yaml").write_text(DEFAULT_CONFIG)
    (tmp_path / "cis-accounts.csv").write_text(
        "account,name,service_address,status\n0000000017,DOE JANE,1 OAK ST,active\n"
    )
    assert hub(tmp_path, "reference", "load", "accounts", "cis-accounts.csv").code == 0
    res = hub(tmp_path, "demo", "--rows", "20")  # the demo runs on the operator's configuration...
    assert res.code == 0 and "not the demo's" in res.stdout
    assert "kept the CIS accounts extract loaded" in res.stdout  # ...never replacing their accounts
    [accounts] = [r for r in hub(tmp_path, "reference", "status", "--json").json() if r["kind"] == "accounts"]
    assert (accounts["file"], accounts["rows"]) == ("cis-accounts.csv", 1)
    before = tree(tmp_path)
    assert "var/hub.db" in before

    refused = hub(tmp_path, "demo", "--clean")  # ...but never cleans it up
    assert refused.code == 2
    assert "hub.yaml was not written by `hub demo`: nothing removed" in " ".join(
        (refused.stdout + refused.stderr).split()
    )
    assert tree(tmp_path) == before and (tmp_path / "hub.yaml").read_text() == DEFAULT_CONFIG


def test_make_clean_demo_runs_the_hub_demo_clean(tmp_path: Path) -> None:
    makefile = Path(__file__).resolve().parents[2] / "Makefile"
    (tmp_path / "hub.yaml").write_text("# mine\n" + DEFAULT_CONFIG)
    bin_dir = HUB.parent
    (tmp_path / ".venv").symlink_to(bin_dir.parent)
    proc = subprocess.run(
        ["make", "-f", str(makefile), "-o", ".venv/bin/.installed", "clean-demo"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode != 0 and "was not written by `hub demo`" in " ".join(
        (proc.stdout + proc.stderr).split()
    )
    assert (tmp_path / "hub.yaml").exists()
