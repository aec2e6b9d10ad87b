"""Recalls through the real ``hub`` command: ``hub recall ACCOUNT --agency A --reason R`` (and a CIS
recall extract) writes the agency's recall file for an account placed with it, once per placement;
an account not placed with the agency is refused; an unknown agency is a usage error; the placement
closes when the agency's status file confirms the recall, and only then may another agency have it."""

from __future__ import annotations

import csv
import io

from conftest import Workdir

from tests.hub.test_placements_e2e import configure, extract, originate, person, sent


def recalls(workdir: Workdir) -> list[list[list[str]]]:
    files = sorted((workdir.root / "outbox" / "recalls").glob("*.csv"))
    return [list(csv.reader(io.StringIO(p.read_text()))) for p in files]


def test_a_recall_goes_to_the_agency_once_and_the_confirmation_closes_the_placement(workdir: Workdir) -> None:
    configure(workdir)
    assert originate(workdir, "closed.csv", extract(person("1001"), person("1002", balance="99.99")))[0] == 0
    res = workdir.hub("recall", "1001", "--agency", "ACME", "--reason", "paid at office", "--json")
    assert res.code == 0, res.stdout + res.stderr
    [recall] = recalls(workdir)
    assert recall[0] == ["account", "agency", "reason", "note", "placed_on", "placed_amount"]
    assert recall[1][:3] == ["1001", "ACME", "paid-at-office"] and recall[1][5] == "250.10"
    assert recall[2][:2] == ["TRAILER", "1"]
    # asked again: the placement was recalled already, nothing goes out twice
    again = workdir.hub("recall", "1001", "--agency", "ACME", "--reason", "paid-at-office", "--json")
    assert again.json()["delivered"] == 0 and len(recalls(workdir)) == 1
    # not placed with ACME: refused, naming why; an agency without a recall exchange: usage error
    missing = workdir.hub("recall", "1005", "--agency", "ACME", "--reason", "other", "--json")
    assert missing.code == 1 and missing.json()["problems"][0]["rule"] == "not-placed"
    unknown = workdir.hub("recall", "1001", "--agency", "NOPE", "--reason", "other")
    assert unknown.code == 2 and "no recall exchange for agency 'NOPE' (agencies: ACME)" in unknown.stderr
    # until ACME confirms, BETA cannot have 1001; after the confirmation it can
    _, before = originate(workdir, "beta-1.csv", extract(person("1001")), "placements-b")
    assert sent(workdir, "placements-b") == [] and before["delivered"] == 0
    status = b"agency_id,account,status,effective_date,case_number,chapter,note\n"
    status += b"ACME,1001,recalled,2026-11-30,,,\n"
    done = workdir.hub(
        "process", workdir.write("acme-status.csv", status), "-x", "collection-status", "--json"
    )
    assert done.json()["delivered"] == 1
    code, _ = originate(workdir, "beta-2.csv", extract(person("1001", phone="2175550199")), "placements-b")
    assert code == 0 and [[r[0] for r in f[1:-1]] for f in sent(workdir, "placements-b")] == [["1001"]]


def test_a_cis_recall_extract_recalls_its_placed_accounts(workdir: Workdir) -> None:
    configure(workdir)
    assert originate(workdir, "closed.csv", extract(person("1001"), person("1002")))[0] == 0
    data = b"account,reason,note\n1001,bankruptcy,case 26-1\n1002,billing_error,\n1003,other,\n"
    res = workdir.hub("originate", workdir.write("recalls.csv", data), "-x", "recalls", "--json")
    out = res.json()
    assert (out["delivered"], out["rejected"]) == (2, 1)
    [recall] = recalls(workdir)
    assert [(r[0], r[2], r[3]) for r in recall[1:-1]] == [
        ("1001", "bankruptcy", "case 26-1"),
        ("1002", "billing-error", ""),
    ]
