"""``hub validate`` of a CIS extract for an outbound exchange writes the partner's file in memory
(the kind's ``write``, its look-ups read from the ledger) and reports a refusal as ``hub originate``
would, through the real ``hub`` command: nothing is recorded, kept or sent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from conftest import Workdir

ROOT = Path(__file__).parents[2]
ENV = {"PYTHONPATH": str(ROOT)}
HEADER = "account,name,address,amount_cents,due_date"


def configure(workdir: Workdir) -> None:
    config = yaml.safe_load(workdir.root.joinpath("hub.yaml").read_text())
    config["formats"] = {"simple-csv": "tests.plugins.simple_csv:SimpleCsvFormat"}
    config["kinds"] = {"capped-notices": "tests.plugins.capped_notices:CappedNotices"}
    config["exchanges"]["notices"] = {
        "kind": "capped-notices",
        "format_options": {"required": HEADER.split(",")},
        "destination": {"type": "folder", "path": "outbox/print"},
    }
    workdir.set_config(yaml.safe_dump(config))


def hub(workdir: Workdir, *args: str | Path) -> tuple[int, dict[str, Any]]:
    res = workdir.hub(*args, "-x", "notices", "--json", env=ENV)
    assert res.stdout, res.stderr
    return res.code, res.json()


def test_validate_reports_the_file_the_kind_would_refuse_to_write(workdir: Workdir) -> None:
    configure(workdir)
    big = (
        f"{HEADER}\n1001,ANN SMITH,1 MAIN ST,600000,2026-12-20\n1002,BOB JONES,2 MAIN ST,500000,2026-12-20\n"
    )
    path = workdir.write("bills.csv", big.encode())
    code, dry = hub(workdir, "validate", path)
    assert (code, dry["state"]) == (1, "rejected")
    [problem] = dry["problems"]
    assert (problem["rule"], problem["level"]) == ("partner_file", "file")
    assert problem["message"] == "the notices total 1100000 cents; the vendor takes at most 1000000 a file"
    assert workdir.hub("files", "--json", env=ENV).json()["files"] == []
    assert not (workdir.root / "outbox" / "print").exists() or not list(
        (workdir.root / "outbox" / "print").iterdir()
    )

    code, real = hub(workdir, "originate", path)
    assert (code, real["state"]) == (1, "rejected")
    assert [(p["rule"], p["message"]) for p in real["problems"]] == [(problem["rule"], problem["message"])]


def test_validate_of_a_file_the_kind_writes_counts_what_would_go_out(workdir: Workdir) -> None:
    configure(workdir)
    small = f"{HEADER}\n1001,ANN SMITH,1 MAIN ST,600000,2026-12-20\n"
    path = workdir.write("bills.csv", small.encode())
    code, dry = hub(workdir, "validate", path)
    assert (code, dry["state"], dry["problems"], dry["transactions"]) == (
        0,
        "validated",
        [],
        {"BillNotice": 1},
    )
    code, real = hub(workdir, "originate", path)
    assert (code, real["state"], real["delivered"]) == (0, "delivered", 1)
    # the notice sent before is left out of the file, as originate leaves it out: no refusal
    more = (
        f"{HEADER}\n1001,ANN SMITH,1 MAIN ST,600000,2026-12-20\n1002,BOB JONES,2 MAIN ST,500000,2026-12-20\n"
    )
    code, dry = hub(workdir, "validate", workdir.write("bills-2.csv", more.encode()))
    assert (code, dry["already_delivered"], dry["transactions"]) == (0, 1, {"BillNotice": 1})
