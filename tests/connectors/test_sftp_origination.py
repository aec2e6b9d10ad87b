"""The autopay debit file pushed to the bank's SFTP server (a real OpenSSH sshd): the partner sees
only the complete file under its final name and reads back what the extract holds; a host key that
is not pinned sends nothing, and once pinned the same file goes out (never a second origination)."""

from __future__ import annotations

import os
import threading
from contextlib import suppress
from pathlib import Path
from typing import Any

import yaml

from formats.nacha import read_nacha
from hub.engine.config import DEFAULT_CONFIG
from tests.conftest import PgpKeys, SshServer, Workdir
from tests.hub.debit_extracts import extract, originated_rows, row


def push_to(workdir: Workdir, ssh: SshServer, incoming: Path, **server: Any) -> None:
    config = yaml.safe_load(DEFAULT_CONFIG)
    config["exchanges"]["ach-debits"]["destination"] = {
        "type": "sftp",
        "server": ssh.server_config(**server),
        "remote_dir": str(incoming),
    }
    workdir.set_config(yaml.safe_dump(config))


def test_the_bank_sees_only_the_complete_debit_file(
    workdir: Workdir, ssh_server: SshServer, tmp_path: Path
) -> None:
    incoming = ssh_server.folder(f"ach-in-{tmp_path.name}")
    push_to(workdir, ssh_server, incoming)
    rows = [row(n) for n in range(1, 20_001)]  # ~2 MB of NACHA records: the upload takes a while
    seen: list[tuple[str, int]] = []  # (name, size) of every file visible while the hub pushes
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            for entry in os.scandir(incoming):
                with suppress(FileNotFoundError):  # the temporary name, renamed between list and stat
                    seen.append((entry.name, entry.stat().st_size))

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        res = workdir.hub(
            "originate", workdir.write("autopay.csv", extract(rows)), "-x", "ach-debits", "--json"
        )
    finally:
        done.set()
        watcher.join()

    assert res.code == 0, res.stderr
    out = res.json()
    name = out["batch_id"]
    kept = workdir.root / "var" / "outbound" / "ach-debits" / "f1" / name
    size = kept.stat().st_size
    assert {n for n, _ in seen} <= {name, f".{name}.part"}  # hidden and partial while uploading
    assert {s for n, s in seen if n == name} <= {size}  # under its final name only when complete
    assert (name, size) in seen

    listing = ssh_server.partner(f"ls -1a {incoming}").stdout
    names = [line.rsplit("/", 1)[-1] for line in listing.splitlines() if not line.startswith("sftp>")]
    assert [n for n in names if n not in (".", "..")] == [name]  # the partner sees the file alone
    got = tmp_path / "from-the-bank" / name
    got.parent.mkdir()
    ssh_server.partner(f"get {incoming}/{name} {got}")
    assert got.read_bytes() == kept.read_bytes()
    summary = read_nacha(got.read_bytes(), name).summary()
    assert summary["problems"] == []
    assert summary["entries"] == len(rows) == out["delivered"]
    assert summary["debit_cents"] == sum(r["amount_cents"] for r in rows)


def test_an_unpinned_host_key_sends_nothing_and_the_same_file_goes_once_pinned(
    workdir: Workdir, ssh_server: SshServer, tmp_path: Path
) -> None:
    incoming = ssh_server.folder(f"ach-in-{tmp_path.name}")
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    push_to(workdir, ssh_server, incoming, known_hosts=str(empty))
    data = extract([row(1), row(2)])

    refused = workdir.hub("originate", workdir.write("autopay.csv", data), "-x", "ach-debits", "--json")
    assert refused.code == 1  # a key to pin is not a reason that passes by waiting
    [problem] = refused.json()["problems"]
    assert "is not in" in problem["message"] and ssh_server.host_fingerprint in problem["message"]
    assert list(incoming.iterdir()) == []
    assert [f["state"] for f in workdir.hub("files", "--json").json()["files"]] == ["mapped"]
    first = originated_rows(workdir.root)

    push_to(workdir, ssh_server, incoming)  # the operator pins the bank's key
    res = workdir.hub("originate", workdir.root / "autopay.csv", "-x", "ach-debits", "--json")
    assert res.code == 0, res.stderr
    assert (res.json()["state"], res.json()["delivered"]) == ("delivered", 2)
    assert originated_rows(workdir.root) == first
    [pushed] = incoming.iterdir()
    kept = workdir.root / "var" / "outbound" / "ach-debits" / "f1" / pushed.name
    assert pushed.read_bytes() == kept.read_bytes()


def test_an_encrypted_debit_file_reaches_the_bank_as_ciphertext_only(
    workdir: Workdir, ssh_server: SshServer, tmp_path: Path, pgp: PgpKeys
) -> None:
    bank, utility = pgp.party("bank"), pgp.party("utility")
    bank.learn(utility)
    for party, secret in ((bank, False), (utility, True)):
        key = workdir.write(f"{party.home.name}.key", party.export(secret=secret))
        assert workdir.hub("keys", "import", key).code == 0
    incoming = ssh_server.folder(f"ach-pgp-{tmp_path.name}")
    push_to(workdir, ssh_server, incoming)
    config = yaml.safe_load((workdir.root / "hub.yaml").read_text())
    config["openpgp"] = {"signing_key": utility.fingerprint}
    config["exchanges"]["ach-debits"]["encryption"] = {"recipient": bank.fingerprint}
    workdir.set_config(yaml.safe_dump(config))
    rows = [row(n) for n in range(1, 6)]

    res = workdir.hub("originate", workdir.write("autopay.csv", extract(rows)), "-x", "ach-debits", "--json")

    assert res.code == 0, res.stdout + res.stderr
    name = res.json()["batch_id"]
    assert name.endswith(".ach.pgp")
    got = tmp_path / "from-the-bank" / name
    got.parent.mkdir()
    ssh_server.partner(f"get {incoming}/{name} {got}")
    kept = workdir.root / "var" / "outbound" / "ach-debits" / "f1" / name
    assert got.read_bytes() == kept.read_bytes()
    plain, signer = bank.open(got.read_bytes())
    assert signer == utility.fingerprint
    summary = read_nacha(plain, name.removesuffix(".pgp")).summary()
    assert summary["problems"] == [] and summary["entries"] == len(rows)
    assert summary["debit_cents"] == sum(r["amount_cents"] for r in rows)
    assert plain[:94] not in got.read_bytes()
