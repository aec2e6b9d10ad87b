"""Placements travel encrypted and signed, through the real ``hub`` command and real gpg: the agency's
key decrypts the placement file to the expected rows, count and total, signed by the utility; the
plaintext (SSNs) is nowhere on disk but in the CIS extract the hub was given; a placement exchange
without a key is a configuration error unless it says ``encrypt: false``; an expired agency key
refuses the placement (nothing recorded, nothing placed) and a key expiring soon is alerted."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import yaml
from conftest import PgpKeys, Workdir

from tests.hub.test_openpgp import ENV, PASSPHRASE, import_key
from tests.hub.test_placements_e2e import configure, extract, person


def encrypt_to(workdir: Workdir, agency: str, utility: str) -> None:
    config = yaml.safe_load((workdir.root / "hub.yaml").read_text())
    config["openpgp"] = {"signing_key": utility, "passphrase_env": "HUB_PGP_PASSPHRASE"}
    ex = config["exchanges"]["placements"]
    ex.pop("encrypt", None)
    ex["encryption"] = {"recipient": agency, "sign": True}
    workdir.set_config(yaml.safe_dump(config))


def test_the_agency_decrypts_its_signed_placement_file(workdir: Workdir, pgp: PgpKeys) -> None:
    configure(workdir)
    agency, utility = pgp.party("agency"), pgp.party("utility", passphrase=PASSPHRASE)
    agency.learn(utility)
    import_key(workdir, agency)
    import_key(workdir, utility, secret=True)
    encrypt_to(workdir, agency.fingerprint, utility.fingerprint)
    rows = [person("1001"), person("1002", balance="1000.00"), person("1003", flags="deceased")]
    res = workdir.hub(
        "originate", workdir.write("closed.csv", extract(*rows)), "-x", "placements", "--json", env=ENV
    )
    out = res.json()
    assert res.code == 0 and out["delivered"] == 2, out
    [sealed] = list((workdir.root / "outbox" / "placements").iterdir())
    assert sealed.name.endswith(".csv.pgp") and b"123456789" not in sealed.read_bytes()
    opened = agency.gpg("--decrypt", data=sealed.read_bytes())
    assert f"VALIDSIG {utility.fingerprint}".encode() in opened.stderr
    lines = list(csv.reader(io.StringIO(opened.stdout.decode())))
    assert [(r[0], r[2], r[9]) for r in lines[1:-1]] == [
        ("1001", "123456789", "250.10"),
        ("1002", "234567890", "1000.00"),
    ]
    assert lines[-1][:3] == ["TRAILER", "2", "1250.10"]
    landed = Path(workdir.hub("show", str(out["id"]), "--json").json()["landed_path"])
    written = [
        p
        for folder in ("var", "outbox")
        for p in (workdir.root / folder).rglob("*")
        if p.is_file() and p != landed and "gnupg" not in p.parts
    ]
    secrets = (b"123-45-6789", b"123456789,", b"1971-08-23")
    leaks = [p for p in written if any(s in p.read_bytes() for s in secrets)]
    assert leaks == []


def test_without_a_key_the_exchange_must_say_encrypt_false(workdir: Workdir) -> None:
    configure(workdir)
    config = yaml.safe_load((workdir.root / "hub.yaml").read_text())
    config["exchanges"]["placements"].pop("encrypt")
    workdir.set_config(yaml.safe_dump(config))
    res = workdir.hub("status")
    assert res.code == 2 and "exchanges.placements" in res.stderr and "encrypt" in res.stderr


def test_an_expired_agency_key_refuses_the_placement_and_a_soon_expiring_one_is_alerted(
    workdir: Workdir, pgp: PgpKeys
) -> None:
    configure(workdir)
    old = pgp.party("old-agency", expire="1y", since="20200101T000000")
    utility = pgp.party("utility", passphrase=PASSPHRASE)
    import_key(workdir, old)
    import_key(workdir, utility, secret=True)
    encrypt_to(workdir, old.fingerprint, utility.fingerprint)
    res = workdir.hub(
        "originate",
        workdir.write("closed.csv", extract(person("1001"))),
        "-x",
        "placements",
        "--json",
        env=ENV,
    )
    out = res.json()
    assert res.code == 1 and out["state"] == "rejected" and out["delivered"] == 0
    assert any(old.fingerprint in p["message"] and "expired" in p["message"] for p in out["problems"])
    assert list((workdir.root / "outbox" / "placements").glob("*")) == []
    # nothing was placed: once a good key is pinned, the same accounts go out
    soon = pgp.party("agency", expire="10d")
    import_key(workdir, soon)
    encrypt_to(workdir, soon.fingerprint, utility.fingerprint)
    res = workdir.hub(
        "originate",
        workdir.write("closed-2.csv", extract(person("1001", phone="2175550111"))),
        "-x",
        "placements",
        "--json",
        env=ENV,
    )
    assert res.json()["delivered"] == 1, res.stdout
    status = workdir.hub("status", "--json", env=ENV)
    alerts = [a for r in status.json() for a in r.get("key_alerts", [])]
    assert status.code == 1 and any(soon.fingerprint in str(a) for a in alerts)


def test_the_agencys_encrypted_signed_remittance_is_read_and_an_unsigned_one_refused(
    workdir: Workdir, pgp: PgpKeys
) -> None:
    configure(workdir)
    agency, utility = pgp.party("agency"), pgp.party("utility", passphrase=PASSPHRASE)
    agency.learn(utility)
    import_key(workdir, agency)
    import_key(workdir, utility, secret=True)
    config = yaml.safe_load((workdir.root / "hub.yaml").read_text())
    config["openpgp"] = {"signing_key": utility.fingerprint, "passphrase_env": "HUB_PGP_PASSPHRASE"}
    config["exchanges"]["remittances"]["decryption"] = {"signer": agency.fingerprint}
    workdir.set_config(yaml.safe_dump(config))
    assert (
        workdir.hub("originate", workdir.write("c.csv", extract(person("1001"))), "-x", "placements").code
        == 0
    )
    plain = (
        b"agency_id,reference,account,gross,commission,net,paid_on\n"
        b"ACME,R1,1001,50.00,10.00,40.00,2026-11-20\nTRAILER,1,,50.00,10.00,40.00,\n"
    )
    sealed = agency.seal(plain, utility.fingerprint)
    res = workdir.hub("process", workdir.write("rem.csv.pgp", sealed), "-x", "remittances", "--json", env=ENV)
    assert res.json()["delivered"] == 2, res.stdout
    unsigned = agency.seal(plain.replace(b"R1", b"R2"), utility.fingerprint, sign=False)
    res = workdir.hub(
        "process", workdir.write("rem2.csv.pgp", unsigned), "-x", "remittances", "--json", env=ENV
    )
    out = res.json()
    assert res.code == 1 and out["state"] == "rejected" and out["delivered"] == 0
    assert "sign" in out["problems"][0]["message"]
