"""The guide's examples (docs/adding-an-exchange.md), built as a site's own plug-ins (tests/plugins)
and run through the real ``hub`` command: a new format, an inbound kind producing a new transaction
type and an outbound kind, each added by its module, a registration line and configuration only.
The guide's code is the plug-ins' code, so the guide cannot drift from what is tested here."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import yaml
from conftest import Workdir

ROOT = Path(__file__).parents[1]
GUIDE = ROOT / "docs" / "adding-an-exchange.md"
PLUGINS = """
formats:
  simple-csv: tests.plugins.simple_csv:SimpleCsvFormat
kinds:
  paperless-enrollments: tests.plugins.paperless:PaperlessEnrollments
  bill-notices: tests.plugins.bill_notices:BillNotices
"""
EXCHANGES = """
  paperless:
    kind: paperless-enrollments
    format_options:
      required: [account, email, action, effective_date]
    mapping_options:
      vendor: ebill-co
  notices:
    kind: bill-notices
    format_options:
      required: [account, name, address, amount_cents, due_date]
    destination:
      type: folder
      path: outbox/print
"""
ENV = {"PYTHONPATH": str(ROOT)}  # a site's plug-in package is on the hub's path


def configure(workdir: Workdir) -> None:
    config = yaml.safe_load(workdir.root.joinpath("hub.yaml").read_text())
    config.update(yaml.safe_load(PLUGINS))
    config["exchanges"].update(yaml.safe_load("exchanges:" + EXCHANGES)["exchanges"])
    workdir.set_config(yaml.safe_dump(config))


def hub(workdir: Workdir, *args: str | Path) -> Any:
    res = workdir.hub(*args, "--json", env=ENV)
    assert res.stdout, res.stderr
    return res.code, res.json()


def test_an_inbound_kind_of_the_sites_own_delivers_its_new_transaction_type_once(workdir: Workdir) -> None:
    configure(workdir)
    accounts = "account,name,service_address,status\n1001,A,1 MAIN,active\n1002,B,2 MAIN,closed\n"
    extract = workdir.write("accounts.csv", accounts.encode())
    loaded = workdir.hub("reference", "load", "accounts", extract, env=ENV)
    assert loaded.code == 0, loaded.stderr
    upload = (
        "account,email,action,effective_date\n"
        "1001,a@example.com,ENROLL,2026-12-01\n"
        "1002,b@example.com,cancel,2026-12-01\n"
        "1003,c@example.com,enroll,2026-12-02\n"
        ",d@example.com,enroll,2026-12-02\n"
    )
    path = workdir.write("enrollments-1.csv", upload.encode())

    code, out = hub(workdir, "process", path, "-x", "paperless")

    assert code == 1, out  # the row without an account is rejected, named by line and field
    assert (out["state"], out["rows"], out["rejected"]) == ("rejected", 4, 1)
    assert [(p["line"], p["field"], p["rule"]) for p in out["problems"]] == [(5, "account", "required")]
    code, out = hub(workdir, "reprocess", str(out["id"]), "--accept-valid-rows")
    assert (code, out["state"], out["delivered"]) == (1, "delivered", 3)
    assert out["transactions"] == {"PaperlessEnrollment": 3}
    [data] = workdir.cis.glob("*.PaperlessEnrollment.csv")
    rows = list(csv.DictReader(io.StringIO(data.read_text())))
    assert [(r["account"], r["action"], r["review"], r["review_reason"]) for r in rows] == [
        ("1001", "enroll", "false", ""),
        ("1002", "cancel", "true", "account is not active in the CIS (status closed)"),
        ("1003", "enroll", "true", "account not found in the CIS"),
    ]
    assert rows[0]["idempotency_key"] == "P|ebill-co|1001|enroll|2026-12-01"
    [control] = workdir.controls()
    assert control["files"][0]["count"] == 3

    resent = workdir.write("enrollments-again.csv", upload.replace("\n,d@", "\n9,d@").encode())
    code, out = hub(workdir, "process", resent, "-x", "paperless")
    assert (code, out["delivered"], out["already_delivered"]) == (0, 1, 3)  # only the new row posts


def test_an_outbound_kind_of_the_sites_own_writes_and_sends_its_file_once(workdir: Workdir) -> None:
    configure(workdir)
    extract = (
        "account,name,address,amount_cents,due_date\n"
        "1001,ANN SMITH,1 MAIN ST,12345,2026-12-20\n"
        "1002,BOB JONES,2 MAIN ST,500,2026-12-20\n"
    )
    code, out = hub(workdir, "originate", workdir.write("bills-1.csv", extract.encode()), "-x", "notices")

    assert code == 0, out
    assert (out["state"], out["delivered"], out["transactions"]) == ("delivered", 2, {"BillNotice": 2})
    [sent] = (workdir.root / "outbox" / "print").iterdir()
    assert sent.name == out["batch_id"] and re.fullmatch(r"notices-\d{12}-f1\.txt", sent.name)
    lines = sent.read_text().splitlines()
    assert lines[1:] == [
        "D|1001|ANN SMITH|1 MAIN ST|12345|2026-12-20",
        "D|1002|BOB JONES|2 MAIN ST|500|2026-12-20",
        "T|2|12845",
    ]
    assert re.fullmatch(r"H\|\d{12}\|2", lines[0])

    again = extract + "1003,CY YOUNG,3 MAIN ST,700,2026-12-20\n"
    code, out = hub(workdir, "originate", workdir.write("bills-2.csv", again.encode()), "-x", "notices")
    assert (code, out["delivered"], out["already_delivered"]) == (0, 1, 2)  # printed once, ever
    second = (workdir.root / "outbox" / "print" / out["batch_id"]).read_text().splitlines()
    assert second[1:] == ["D|1003|CY YOUNG|3 MAIN ST|700|2026-12-20", "T|1|700"]

    bad = workdir.write(
        "bills-3.csv", b"account,name,address,amount_cents,due_date\n1004,D,4 MAIN,12.50,2026-12-20\n"
    )
    code, out = hub(workdir, "originate", bad, "-x", "notices")
    assert (code, out["state"]) == (1, "rejected")
    assert "not a whole number of cents on line(s) 2" in out["problems"][-1]["message"]
    assert len(list((workdir.root / "outbox" / "print").iterdir())) == 2  # nothing printed from it


def test_a_registration_that_names_nothing_loadable_is_a_configuration_error(workdir: Workdir) -> None:
    configure(workdir)
    text = workdir.root.joinpath("hub.yaml").read_text()
    workdir.set_config(text.replace("tests.plugins.bill_notices:BillNotices", "tests.plugins.gone:Gone"))
    res = workdir.hub("files", env=ENV)
    assert res.code == 2
    assert (
        "exchanges.notices.kind: exchange kind 'bill-notices' cannot be loaded from tests.plugins.gone:Gone"
        in res.stderr
    )


def test_the_guide_shows_the_code_that_is_tested() -> None:
    """Every code block of the guide titled with a file holds that file's text, word for word."""
    guide = GUIDE.read_text()
    blocks = re.findall(r"```(?:python|yaml) title=\"([^\"]+)\"\n(.*?)```", guide, re.S)
    assert len(blocks) >= 4, "the guide shows the format, both kinds and their configuration"
    for name, body in blocks:
        shown = body.strip("\n")
        if name == "hub.yaml":
            assert shown in PLUGINS + "exchanges:" + EXCHANGES, shown
        else:
            assert shown in (ROOT / name).read_text(), f"{name}: the guide's code differs from the file"
