"""OpenPGP through the real ``hub`` command and the real gpg: the hub's keyring (``hub keys``),
outbound files encrypted to the partner and signed by the utility before they are kept or sent
(the plaintext never on disk), expired or missing keys refusing the file until fixed, expiring
keys alerted by ``hub status``, and inbound files decrypted and their signer verified before they
are read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from conftest import PgpKeys, PgpParty, Workdir

from tests.hub.debit_extracts import extract, originated_rows, row

PASSPHRASE = "correct horse battery staple"
ENV = {"HUB_PGP_PASSPHRASE": PASSPHRASE}


def configure(workdir: Workdir, utility: PgpParty, **exchanges: dict[str, Any]) -> None:
    """The default configuration with the utility's key and the given exchanges' changes."""
    config = yaml.safe_load((workdir.root / "hub.yaml").read_text())
    config["openpgp"] = {"signing_key": utility.fingerprint, "passphrase_env": "HUB_PGP_PASSPHRASE"}
    for name, changes in exchanges.items():
        config["exchanges"][name].update(changes)
    workdir.set_config(yaml.safe_dump(config))


def import_key(workdir: Workdir, party: PgpParty, *, secret: bool = False) -> dict[str, Any]:
    path = workdir.write(
        f"keys/{party.home.name}{'-secret' if secret else ''}.gpg", party.export(secret=secret)
    )
    res = workdir.hub("keys", "import", path, "--json")
    assert res.code == 0, res.stderr
    result: dict[str, Any] = res.json()
    return result


def originate(workdir: Workdir, name: str, data: bytes, **env: str) -> tuple[int, dict[str, Any]]:
    res = workdir.hub(
        "originate", workdir.write(name, data), "-x", "ach-debits", "--json", env={**ENV, **env}
    )
    assert res.stdout, res.stderr
    return res.code, res.json()


def every_file(*folders: Path) -> list[Path]:
    return [p for folder in folders if folder.exists() for p in folder.rglob("*") if p.is_file()]


def records(nacha: bytes) -> list[bytes]:
    """A NACHA file's 94-character records (with or without line breaks)."""
    flat = nacha.replace(b"\r", b"").replace(b"\n", b"")
    return [flat[i : i + 94] for i in range(0, len(flat), 94)]


def setup_parties(workdir: Workdir, pgp: PgpKeys) -> tuple[PgpParty, PgpParty]:
    """The agency (public key imported) and the utility (secret key, with a passphrase)."""
    agency = pgp.party("agency")
    utility = pgp.party("utility", passphrase=PASSPHRASE)
    agency.learn(utility)
    import_key(workdir, agency)
    import_key(workdir, utility, secret=True)
    return agency, utility


def test_keys_import_and_list_in_the_hubs_own_keyring(workdir: Workdir, pgp: PgpKeys) -> None:
    agency = pgp.party("agency", expire="400d")
    utility = pgp.party("utility", passphrase=PASSPHRASE)
    old = pgp.party("old", expire="1y", since="20200101T000000")

    imported = import_key(workdir, agency)["imported"]
    assert [k["fingerprint"] for k in imported] == [agency.fingerprint]
    assert imported[0]["secret"] is False and imported[0]["user_id"] == "agency <agency@example.net>"
    assert import_key(workdir, utility, secret=True)["imported"][0]["secret"] is True
    import_key(workdir, old)

    res = workdir.hub("keys", "list", "--json")
    assert res.code == 0, res.stderr
    keys = {k["fingerprint"]: k for k in res.json()}
    assert set(keys) == {agency.fingerprint, utility.fingerprint, old.fingerprint}
    assert (keys[utility.fingerprint]["secret"], keys[utility.fingerprint]["expires"]) == (True, None)
    assert keys[agency.fingerprint]["expires"] is not None and not keys[agency.fingerprint]["expired"]
    assert keys[old.fingerprint]["expired"] is True
    assert keys[old.fingerprint]["expires"].startswith("2020-12-30") or keys[old.fingerprint][
        "expires"
    ].startswith("2020-12-31")
    assert keys[old.fingerprint]["created"].startswith("2020-01-01")

    text = workdir.hub("keys", "list")
    assert old.fingerprint in text.stdout and "EXPIRED" in text.stdout and "secret" in text.stdout
    home = workdir.root / "var" / "gnupg"
    assert home.stat().st_mode & 0o777 == 0o700

    not_a_key = workdir.hub("keys", "import", workdir.write("notes.txt", b"hello\n"))
    assert not_a_key.code == 1 and "no key imported" in not_a_key.stdout


def test_an_encrypted_debit_file_decrypts_to_what_the_plain_one_would_be_and_is_signed(
    workdir: Workdir, pgp: PgpKeys, tmp_path: Path
) -> None:
    agency, utility = setup_parties(workdir, pgp)
    configure(workdir, utility, **{"ach-debits": {"encryption": {"recipient": agency.fingerprint}}})
    rows = [row(1), row(2), row(3)]

    code, out = originate(workdir, "autopay.csv", extract(rows))
    assert code == 0, out
    assert (out["state"], out["delivered"]) == ("delivered", 3)
    [sent] = every_file(workdir.root / "outbox" / "ach")
    assert sent.name.endswith(".ach.pgp") and out["batch_id"] == sent.name
    [kept] = every_file(workdir.root / "var" / "outbound")
    assert kept.name == sent.name and kept.read_bytes() == sent.read_bytes()
    plain, signer = agency.open(sent.read_bytes())
    assert signer == utility.fingerprint

    # the same extract without encryption, in a hub of its own
    other = Workdir(tmp_path / "plain")
    other.root.mkdir()
    other.set_config((workdir.root / "hub.yaml").read_text())
    configure(other, utility, **{"ach-debits": {"encryption": None}})
    res = other.hub("originate", other.write("autopay.csv", extract(rows)), "-x", "ach-debits", "--json")
    assert res.code == 0, res.stdout + res.stderr
    [expected] = every_file(other.root / "outbox" / "ach")
    assert expected.name + ".pgp" == sent.name
    mine, theirs = records(plain), records(expected.read_bytes())
    assert len(mine) == len(theirs) > 4
    # equal but for the file header's creation date and time (the two runs may straddle a minute)
    assert mine[0][:23] + mine[0][33:] == theirs[0][:23] + theirs[0][33:]
    assert mine[1:] == theirs[1:]

    # the partner file's plaintext (its header, its entries) is nowhere the hub wrote
    entries = [r for r in mine if r.startswith(b"6")]
    assert len(entries) == 3
    for path in every_file(workdir.root / "var", workdir.root / "outbox"):
        data = path.read_bytes()
        assert not any(e in data for e in entries), path
        assert mine[0][:23] not in data, path
    assert PASSPHRASE.encode() not in b"".join(p.read_bytes() for p in every_file(workdir.root / "var"))


def test_an_expired_recipient_key_refuses_the_file_until_a_renewed_key_is_imported(
    workdir: Workdir, pgp: PgpKeys
) -> None:
    agency = pgp.party("agency", expire="1y", since="20200101T000000")
    utility = pgp.party("utility", passphrase=PASSPHRASE)
    agency.learn(utility)
    import_key(workdir, agency)
    import_key(workdir, utility, secret=True)
    configure(workdir, utility, **{"ach-debits": {"encryption": {"recipient": agency.fingerprint}}})

    code, out = originate(workdir, "autopay.csv", extract([row(1), row(2)]))
    assert (code, out["state"]) == (1, "rejected"), out
    [problem] = out["problems"]
    assert problem["rule"] == "openpgp"
    assert f"recipient key {agency.fingerprint}" in problem["message"]
    assert "expired on 2020-12-3" in problem["message"] and "hub keys import" in problem["message"]
    assert every_file(workdir.root / "outbox" / "ach", workdir.root / "var" / "outbound") == []
    assert originated_rows(workdir.root) == []
    dry = workdir.hub("validate", workdir.root / "autopay.csv", "-x", "ach-debits", "--json", env=ENV)
    assert dry.code == 1 and agency.fingerprint in dry.stdout and "expired on" in dry.stdout, dry.stdout

    # the agency renews its key; imported, the extract goes out once
    agency.gpg("--quick-set-expire", agency.fingerprint, "2y")
    import_key(workdir, agency)
    again = workdir.hub("reprocess", str(out["id"]), "--json", env=ENV)
    assert again.code == 0, again.stdout + again.stderr
    assert again.json()["state"] == "delivered"
    [sent] = every_file(workdir.root / "outbox" / "ach")
    assert agency.open(sent.read_bytes())[1] == utility.fingerprint
    assert len(originated_rows(workdir.root)) == 2
    once_more = workdir.hub("reprocess", str(out["id"]), "--json", env=ENV)
    assert len(every_file(workdir.root / "outbox" / "ach")) == 1, once_more.stdout


def test_a_missing_key_or_passphrase_refuses_the_file_with_what_to_do(workdir: Workdir, pgp: PgpKeys) -> None:
    agency = pgp.party("agency")
    utility = pgp.party("utility", passphrase=PASSPHRASE)
    import_key(workdir, utility, secret=True)
    configure(workdir, utility, **{"ach-debits": {"encryption": {"recipient": agency.fingerprint}}})

    code, out = originate(workdir, "autopay.csv", extract([row(1)]))
    assert (code, out["state"]) == (1, "rejected")
    assert f"recipient key {agency.fingerprint} is not in the hub's keyring" in out["problems"][0]["message"]
    assert "hub keys import" in out["problems"][0]["message"]

    import_key(workdir, agency)
    res = workdir.hub("reprocess", str(out["id"]), "--json", env={"HUB_PGP_PASSPHRASE": "not it"})
    assert res.json()["state"] == "rejected"
    assert "refused the passphrase" in res.json()["problems"][0]["message"]
    assert "not it" not in res.stdout + res.stderr
    assert every_file(workdir.root / "outbox" / "ach") == []

    done = workdir.hub("reprocess", str(out["id"]), "--json", env=ENV)
    assert done.json()["state"] == "delivered", done.stdout
    assert len(every_file(workdir.root / "outbox" / "ach")) == 1


def test_a_revoked_recipient_key_refuses_the_file(workdir: Workdir, pgp: PgpKeys) -> None:
    agency, utility = setup_parties(workdir, pgp)
    agency.revoke()
    import_key(workdir, agency)
    configure(workdir, utility, **{"ach-debits": {"encryption": {"recipient": agency.fingerprint}}})

    code, out = originate(workdir, "autopay.csv", extract([row(1)]))
    assert (code, out["state"]) == (1, "rejected"), out
    assert (
        f"recipient key {agency.fingerprint} (agency <agency@example.net>) is revoked"
        in out["problems"][0]["message"]
    )
    assert every_file(workdir.root / "outbox" / "ach") == []
    listed = {k["fingerprint"]: k for k in workdir.hub("keys", "list", "--json").json()}
    assert listed[agency.fingerprint]["revoked"] is True
    status = workdir.hub("status")
    assert (
        status.code == 1
        and "ALERT ach-debits: recipient key" in status.stdout
        and "is revoked" in status.stdout
    )


def test_hub_status_alerts_a_key_expiring_soon(workdir: Workdir, pgp: PgpKeys) -> None:
    agency, utility = setup_parties(workdir, pgp)
    soon = pgp.party("soon", expire="10d")
    import_key(workdir, soon)
    configure(workdir, utility, **{"ach-debits": {"encryption": {"recipient": agency.fingerprint}}})
    assert workdir.hub("status").code == 0  # keys good for years: no alert

    configure(workdir, utility, **{"ach-debits": {"encryption": {"recipient": soon.fingerprint}}})
    res = workdir.hub("status", "--json")
    assert res.code == 1
    row_ = next(r for r in res.json() if r["exchange"] == "ach-debits")
    [alert] = row_["key_alerts"]
    assert (alert["role"], alert["fingerprint"]) == ("recipient", soon.fingerprint)
    assert alert["days_left"] in (9, 10) and alert["expires"] is not None
    text = workdir.hub("status")
    assert "ALERT" in text.stdout and soon.fingerprint in text.stdout and "expires on" in text.stdout


def test_inbound_files_are_decrypted_and_their_signer_verified_before_they_are_read(
    workdir: Workdir, pgp: PgpKeys, upload: Any
) -> None:
    agency, utility = setup_parties(workdir, pgp)  # the agency here: the meter-reading system
    stranger = pgp.party("stranger")
    other = pgp.party("other")  # a key the hub knows, but not the pinned signer
    for party in (stranger, other):
        party.learn(utility)
    agency.learn(other)
    import_key(workdir, other)
    configure(workdir, utility, **{"meter-reads": {"decryption": {"signer": agency.fingerprint}}})

    def process(name: str, data: bytes) -> tuple[int, dict[str, Any]]:
        res = workdir.hub("process", workdir.write(name, data), "-x", "meter-reads", "--json", env=ENV)
        assert res.stdout, res.stderr
        return res.code, res.json()

    content = upload(20, seed=7)
    sealed = agency.seal(content, utility.fingerprint, armor=True)
    code, out = process("route-1.csv.asc", sealed)
    assert (code, out["state"], out["delivered"]) == (0, "delivered", 20), out
    landed = workdir.hub("show", str(out["id"]), "--json").json()["landed_path"]
    assert Path(landed).read_bytes() == sealed  # kept as received

    cases = {
        "unsigned": (agency.seal(upload(5, seed=8), utility.fingerprint, sign=False), "is not signed"),
        "stranger": (stranger.seal(upload(5, seed=9), utility.fingerprint), "signed by an unknown key"),
        "other": (other.seal(upload(5, seed=10), utility.fingerprint), "not by the pinned signer"),
        "plain": (upload(5, seed=11), "not OpenPGP-signed"),
        "not-to-us": (agency.seal(upload(5, seed=14), other.fingerprint), "a key the hub does not hold"),
    }
    for name, (data, why) in cases.items():
        code, out = process(f"{name}.csv", data)
        assert (code, out["state"], out["delivered"]) == (1, "rejected", 0), out
        [problem] = out["problems"]
        assert problem["rule"] == "openpgp" and why in problem["message"], problem
        assert agency.fingerprint in problem["message"] or name == "not-to-us"

    # a signed (not encrypted) file whose content was changed after signing
    body = upload(5, seed=13)
    signed = agency.sign(body)  # uncompressed: the upload is in it as it is
    # the first character of the upload's second line (the first newline of the signed bytes may
    # come before the upload: in the signer's key id or the literal packet's date, which a flip
    # there leaves verifiable)
    at = signed.index(body) + body.index(b"\n") + 1
    tampered = signed[:at] + bytes([signed[at] ^ 1]) + signed[at + 1 :]
    code, out = process("tampered.csv", tampered)
    assert (code, out["state"]) == (1, "rejected"), out
    assert "bad signature" in out["problems"][0]["message"]

    # a binary, signed file is read too
    code, out = process("route-2.csv.pgp", agency.seal(upload(7, seed=12), utility.fingerprint))
    assert (code, out["state"], out["delivered"]) == (0, "delivered", 7), out


def test_without_require_signature_plain_and_unsigned_files_are_read(
    workdir: Workdir, pgp: PgpKeys, upload: Any
) -> None:
    agency, utility = setup_parties(workdir, pgp)
    decryption = {"signer": agency.fingerprint, "require_signature": False}
    configure(workdir, utility, **{"meter-reads": {"decryption": decryption}})
    for name, data in (
        ("plain.csv", upload(6, seed=21)),
        ("unsigned.csv.pgp", agency.seal(upload(4, seed=22), utility.fingerprint, sign=False)),
    ):
        res = workdir.hub("process", workdir.write(name, data), "-x", "meter-reads", "--json", env=ENV)
        assert (res.code, res.json()["state"]) == (0, "delivered"), res.stdout
    assert len(workdir.delivered_rows("MeterRead")) + len(workdir.delivered_rows("ReadException")) == 10


def test_without_the_gpg_program_the_keyring_is_a_configuration_error(
    workdir: Workdir, tmp_path: Path
) -> None:
    empty = tmp_path / "no-gpg-here"
    empty.mkdir()
    res = workdir.hub("keys", "list", env={"PATH": str(empty)})
    assert res.code == 2, res.stdout + res.stderr
    assert "install the gpg program" in res.stderr and "Traceback" not in res.stderr
