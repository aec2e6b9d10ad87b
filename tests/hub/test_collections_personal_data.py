"""Personal data after a whole collections cycle through the real ``hub`` command (placement with bad
rows, acknowledgement, remittance, status update, recall, ``hub show``/``files``/``status``): SSNs
and dates of birth appear only in the placement file and in the CIS extract the hub was given
(its landed copy), nowhere else the hub wrote -- ledger, reports, CIS batches, recall file, output."""

from __future__ import annotations

from pathlib import Path

from conftest import Workdir

from tests.hub.test_placements_e2e import configure, extract, originate, person

SSNS = ("123-45-6789", "234-56-7890", "345-67-8901", "000-11-2222")
BIRTHS = ("1971-08-23", "1965-02-14")


def forms(ssn: str) -> list[bytes]:
    digits = ssn.replace("-", "")
    return [ssn.encode(), digits.encode()]


def test_ssns_and_births_stay_in_the_placement_and_the_given_extract(workdir: Workdir) -> None:
    configure(workdir)
    rows = [
        person("1001"),
        person("1002", date_of_birth=BIRTHS[1]),
        person("1003"),
        person("1004", ssn=SSNS[3]),  # impossible: refused, its finding masked
    ]
    outputs: list[str] = []
    code, out = originate(workdir, "closed.csv", extract(*rows))
    assert code == 1 and out["delivered"] == 3
    detail = workdir.hub("show", str(out["id"]), "--json").json()
    allowed = {Path(detail["landed_path"]), Path(detail["batches"][0]["control"])}
    placement = next((workdir.root / "outbox" / "placements").glob("*.csv"))
    allowed.add(placement)
    name = placement.name
    steps = [
        (
            "placement-acks",
            "ack.csv",
            f"agency_id,placement_file,count,total,account,amount\nACME,{name},3,750.30,,\n",
        ),
        (
            "remittances",
            "rem.csv",
            "agency_id,reference,account,gross,commission,net,paid_on\n"
            "ACME,R1,1001,50.00,10.00,40.00,2026-11-20\nTRAILER,1,,50.00,10.00,40.00,\n",
        ),
        (
            "collection-status",
            "st.csv",
            "agency_id,account,status,effective_date,case_number,chapter,note\nACME,1002,deceased,2026-11-21,,,\n",
        ),
    ]
    for exchange, file, text in steps:
        res = workdir.hub("process", workdir.write(file, text.encode()), "-x", exchange, "--json")
        assert res.code == 0, res.stdout + res.stderr
        outputs += [res.stdout, res.stderr]
    res = workdir.hub("recall", "1003", "--agency", "ACME", "--reason", "paid-at-office")
    assert res.code == 0, res.stderr
    outputs += [res.stdout, res.stderr]
    for args in (
        ["files"],
        ["status", "--json"],
        ["show", str(out["id"])],
        ["show", str(out["id"]), "--json"],
    ):
        res = workdir.hub(*args)
        outputs += [res.stdout, res.stderr]
    secrets = [f for s in SSNS for f in forms(s)] + [b.encode() for b in BIRTHS]
    written = [
        p
        for p in workdir.root.rglob("*")
        if p.is_file() and p not in allowed and p.name not in ("closed.csv", "hub.yaml")
    ]
    assert any(p.name == "hub.db" for p in written) and any("recalls" in p.parts for p in written)
    leaks = [str(p) for p in written if any(s in p.read_bytes() for s in secrets)]
    assert leaks == []
    assert not any(s.decode() in text for s in secrets for text in outputs)
    assert any(s in placement.read_bytes() for s in secrets)  # the check can see one where it is
