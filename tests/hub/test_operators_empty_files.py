"""A header-only upload is not delivered silently: a file with no data rows is rejected (rule
``empty-file``) unless its exchange says ``allow_empty: true`` (a lockbox with no deposits)."""

from __future__ import annotations

from datetime import datetime

import yaml

from formats.lockbox_writer import Lockbox, LockboxSpec, write_file
from hub.engine.config import DEFAULT_CONFIG
from tests.conftest import Workdir
from tests.hub.test_lockbox_e2e import DEPOSIT, LOCKBOX, load_accounts

HEADER = (
    b"route,sequence,account,meter,register,read_at,reading,prior_reading,read_code,reader_id,trouble_code\n"
)


def no_deposits() -> bytes:
    """A lockbox transmission with its lockbox's header and trailer and not one check."""
    return write_file(
        LockboxSpec(created=datetime(2026, 11, 20, 6, 5), lockboxes=[Lockbox(LOCKBOX, DEPOSIT, [])])
    )


def test_a_header_only_upload_is_rejected_as_an_empty_file(workdir: Workdir) -> None:
    path = workdir.write("route-empty.csv", HEADER)
    dry = workdir.hub("validate", path, "-x", "meter-reads", "--json")
    assert dry.code == 1 and dry.json()["state"] == "rejected"
    assert [p["rule"] for p in dry.json()["problems"]] == ["empty-file"]

    res = workdir.hub("process", path, "-x", "meter-reads")
    assert res.code == 1, res.stdout + res.stderr
    assert "rejected" in res.stdout and "empty-file" in res.stdout
    assert "the file holds no data rows" in res.stdout and "allow_empty: true" in res.stdout
    record = workdir.hub("show", "1", "--json").json()
    assert (record["name"], record["state"], record["delivered"]) == ("route-empty.csv", "rejected", 0)
    assert not list(workdir.cis.glob("*.control.json"))


def test_an_exchange_may_allow_empty_files(workdir: Workdir) -> None:
    load_accounts(workdir)
    path = workdir.write("LBX-none.dat", no_deposits())
    res = workdir.hub("process", path, "-x", "lockbox", "--json")
    assert res.code == 1 and res.json()["problems"][0]["rule"] == "empty-file", res.stdout

    config = yaml.safe_load(DEFAULT_CONFIG)
    config["exchanges"]["lockbox"]["allow_empty"] = True
    workdir.set_config(yaml.safe_dump(config, sort_keys=False))
    again = workdir.hub("reprocess", str(res.json()["id"]), "--json")
    out = again.json()
    assert again.code == 0, again.stdout + again.stderr
    assert (out["state"], out["rows"], out["delivered"], out["problems"]) == ("delivered", 0, 0, [])
