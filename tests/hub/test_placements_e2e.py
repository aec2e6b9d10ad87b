"""Placements with collection agencies through the real ``hub`` command and a real SQLite ledger:
a CIS extract of closed accounts becomes the agency's placement file (count and total in its
trailer); accounts flagged bankruptcy or deceased, or below the minimum, are reported and never
placed; a bad row is refused with its masked finding; an account placed once is never placed again,
with the same agency or another, and the same extract twice places nothing twice; no SSN or date of
birth reaches the ledger, the reports or the command's output."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import yaml
from conftest import Workdir

from formats.placement_extract import FIELDS
from hub.engine.config import DEFAULT_CONFIG

SSNS = {"1001": "123-45-6789", "1002": "234-56-7890", "1003": "345-67-8901"}


def person(account: str, **change: str) -> dict[str, str]:
    return {
        "account": account,
        "name": f"Customer {account}",
        "ssn": SSNS.get(account, "456-78-9012"),
        "date_of_birth": "1971-08-23",
        "address": "12 Main St",
        "city": "Springfield",
        "state": "IL",
        "zip": "62701",
        "phone": "217-555-0100",
        "balance": "250.10",
        "service_from": "2020-01-01",
        "service_to": "2026-05-31",
        "last_payment_date": "2026-03-01",
        "first_delinquency_date": "2026-04-15",
        "close_date": "2026-06-01",
        "flags": "",
        **change,
    }


def extract(*rows: dict[str, str]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def configure(workdir: Workdir) -> None:
    """Two agencies' placement exchanges (unencrypted in this test: OpenPGP is tested on its own) and
    the first one's acknowledgements, remittances, status updates and recalls."""
    config = yaml.safe_load(DEFAULT_CONFIG)
    for name, agency in (("placements", "ACME"), ("placements-b", "BETA")):
        config["exchanges"][name] = {
            "kind": "collection-placements",
            "source": {"type": "folder", "path": f"inbox/{name}", "pattern": "*.csv"},
            "destination": {"type": "folder", "path": f"outbox/{name}"},
            "encrypt": False,  # said explicitly: the kind encrypts by default
            "row_policy": "accept-valid-rows",
            "mapping_options": {
                "agency": {"id": agency, "name": f"{agency} Recovery"},
                "min_balance": "25.00",
            },
        }
    config["exchanges"]["remittances"] = {
        "kind": "collection-remittances",
        "source": {"type": "folder", "path": "inbox/collections/remittances"},
        "row_policy": "accept-valid-rows",
        "mapping_options": {"agency": {"id": "ACME", "name": "ACME Recovery"}},
    }
    config["exchanges"]["recalls"] = {
        "kind": "collection-recalls",
        "source": {"type": "folder", "path": "inbox/recalls", "pattern": "*.csv"},
        "destination": {"type": "folder", "path": "outbox/recalls"},
        "row_policy": "accept-valid-rows",
        "mapping_options": {"agency": {"id": "ACME", "name": "ACME Recovery"}},
    }
    config["exchanges"]["placement-acks"] = {
        "kind": "collection-acks",
        "source": {"type": "folder", "path": "inbox/collections/acks"},
        "row_policy": "accept-valid-rows",
        "mapping_options": {"agency": {"id": "ACME", "name": "ACME Recovery"}},
    }
    config["exchanges"]["collection-status"] = {
        "kind": "collection-status",
        "source": {"type": "folder", "path": "inbox/collections/status"},
        "row_policy": "accept-valid-rows",
        "mapping_options": {"agency": {"id": "ACME", "name": "ACME Recovery"}},
    }
    workdir.set_config(yaml.safe_dump(config))


def originate(
    workdir: Workdir, name: str, data: bytes, exchange: str = "placements"
) -> tuple[int, dict[str, Any]]:
    res = workdir.hub("originate", workdir.write(name, data), "-x", exchange, "--json")
    assert res.stdout, res.stderr
    return res.code, res.json()


def sent(workdir: Workdir, exchange: str = "placements") -> list[list[list[str]]]:
    files = sorted((workdir.root / "outbox" / exchange).glob("*.csv"))
    return [list(csv.reader(io.StringIO(p.read_text()))) for p in files]


def test_an_extract_becomes_the_agencys_placement_file_and_the_unplaceable_are_reported(
    workdir: Workdir,
) -> None:
    configure(workdir)
    rows = [
        person("1001"),
        person("1002", balance="$1,000.00"),
        person("1003", flags="bankruptcy"),
        person("1004", flags="deceased;attorney"),
        person("1005", balance="10.00"),  # below the minimum
        person("1006", ssn="666-12-3456"),  # an impossible SSN: refused
    ]
    code, out = originate(workdir, "closed-1.csv", extract(*rows))
    assert code == 1, out  # a row was refused
    assert (out["state"], out["rows"], out["delivered"], out["rejected"]) == ("delivered", 6, 2, 1)
    [placement] = sent(workdir)
    header, body, trailer = placement[0], placement[1:-1], placement[-1]
    assert header == list(FIELDS)
    assert [(r[0], r[2], r[9]) for r in body] == [
        ("1001", "123456789", "250.10"),
        ("1002", "234567890", "1000.00"),
    ]
    assert trailer[:3] == ["TRAILER", "2", "1250.10"]
    found = {(p["line"], p["rule"], p["severity"]) for p in out["problems"]}
    assert found == {
        (4, "not-placed", "warning"),
        (5, "not-placed", "warning"),
        (6, "not-placed", "warning"),
        (7, "ssn-impossible", "error"),
    }
    reasons = " ".join(p["message"] for p in out["problems"])
    assert (
        "flagged bankruptcy" in reasons
        and "flagged deceased" in reasons
        and "below the minimum $25.00" in reasons
    )


def test_an_account_is_placed_once_with_one_agency_whatever_extract_brings_it_again(workdir: Workdir) -> None:
    configure(workdir)
    assert originate(workdir, "closed-1.csv", extract(person("1001"), person("1002")))[0] == 0
    # the same accounts in a later extract, with a new one: only the new one is placed
    code, out = originate(workdir, "closed-2.csv", extract(person("1001"), person("1002"), person("1007")))
    assert code == 0, out
    assert [[r[0] for r in f[1:-1]] for f in sent(workdir)] == [["1001", "1002"], ["1007"]]
    held = [p["message"] for p in out["problems"] if p["rule"] == "not-placed"]
    assert len(held) == 2 and all("placed with ACME on" in m for m in held)
    # another agency's exchange does not take an account ACME holds
    code, out = originate(workdir, "beta-1.csv", extract(person("1001"), person("1008")), "placements-b")
    assert [[r[0] for r in f[1:-1]] for f in sent(workdir, "placements-b")] == [["1008"]]
    assert any("placed with ACME" in p["message"] for p in out["problems"])
    # the very same extract again: a duplicate, nothing placed
    code, out = originate(
        workdir, "closed-2-again.csv", extract(person("1001"), person("1002"), person("1007"))
    )
    assert out["state"] == "duplicate" and len(sent(workdir)) == 2


def test_no_ssn_or_date_of_birth_reaches_the_ledger_reports_or_output(workdir: Workdir) -> None:
    configure(workdir)
    rows = [person("1001"), person("1002", ssn="000-56-7890"), person("1003", date_of_birth="2020-01-01")]
    code, out = originate(workdir, "closed-1.csv", extract(*rows))
    assert code == 1 and out["delivered"] == 1 and out["rejected"] == 2
    shown = workdir.hub("show", str(out["id"])).stdout + workdir.hub("show", str(out["id"]), "--json").stdout
    secrets = [
        s.encode()
        for s in ("123-45-6789", "123456789", "000-56-7890", "000567890", "1971-08-23", "2020-01-01")
    ]
    detail = workdir.hub("show", str(out["id"]), "--json").json()
    landed = Path(detail["landed_path"])  # the CIS extract as the hub was given it
    [kept] = [Path(b["control"]) for b in detail["batches"]]  # the placement (encrypted when configured)
    written = [p for p in (workdir.root / "var").rglob("*") if p.is_file() and p not in (landed, kept)]
    assert any(p.name.endswith(".errors.csv") for p in written) and any(p.name == "hub.db" for p in written)
    for path in written:  # the ledger, the error reports, anything else the hub wrote
        data = path.read_bytes()
        assert not any(s in data for s in secrets), path
    assert any(s in kept.read_bytes() for s in secrets)  # the check above can see an SSN
    assert not any(s.decode() in shown for s in secrets)
    assert "****6789" not in shown  # the refused SSN shows its last four only
    assert "*******7890" in shown or "*****7890" in shown


def test_the_sample_extract_places_all_but_its_bad_and_flagged_rows(workdir: Workdir) -> None:
    configure(workdir)
    path = workdir.root / "closed-sample.csv"
    assert workdir.hub("sample", path, "--kind", "placements", "--rows", "60", "--bad", "6").code == 0
    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    res = workdir.hub("originate", path, "-x", "placements", "--json")
    out = res.json()
    rules = sorted(p["rule"] for p in out["problems"] if p["severity"] == "error")
    assert rules == sorted(["ssn-impossible", "date", "bad-amount", "state", "zip", "duplicate-account"])
    flagged = [r for r in rows if r["flags"]]
    assert flagged and sum(p["rule"] == "not-placed" for p in out["problems"]) == len(flagged)
    assert out["delivered"] == 60 - 6 - len(flagged)
    [placement] = sent(workdir)
    body, trailer = placement[1:-1], placement[-1]
    assert len(body) == out["delivered"] and trailer[1] == str(len(body))
    total = sum(int(r[9].replace(".", "")) for r in body)
    assert trailer[2] == f"{total // 100}.{total % 100:02d}"


def test_an_agency_with_a_fixed_width_layout_gets_its_records(workdir: Workdir) -> None:
    configure(workdir)
    config = yaml.safe_load((workdir.root / "hub.yaml").read_text())
    layout = {
        "type": "fixed-width",
        "record_length": 50,
        "fields": {"account": [2, 11], "ssn": [12, 20], "balance": [21, 30], "close_date": [31, 38]},
        "trailer": {"count": [2, 7], "total": [8, 19]},
    }
    config["exchanges"]["placements-b"]["mapping_options"]["layout"] = layout
    workdir.set_config(yaml.safe_dump(config))
    code, out = originate(workdir, "beta.csv", extract(person("1001"), person("1002")), "placements-b")
    assert code == 0, out
    [path] = (workdir.root / "outbox" / "placements-b").glob("*")
    assert path.read_text().splitlines() == [
        "D1001      1234567890000025010" + "20260601" + " " * 12,
        "D1002      2345678900000025010" + "20260601" + " " * 12,
        "T000002000000050020" + " " * 31,
    ]
    # a layout that cannot work: a configuration error naming the key
    layout["fields"]["ssn"] = [10, 20]
    workdir.set_config(yaml.safe_dump(config))
    res = workdir.hub("status")
    assert (
        res.code == 2
        and "exchanges.placements-b.mapping_options.layout" in res.stderr
        and "overlaps" in res.stderr
    )
