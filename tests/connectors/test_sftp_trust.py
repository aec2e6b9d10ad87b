"""Trust and pushing with the SFTP connector, against a real OpenSSH server.

A changed or unknown host key stops the exchange before any file is touched and shows the offered
fingerprint (checked against OpenSSH's own ``ssh-keygen -l``); a key's passphrase comes from the
environment; hostile remote names are refused; a push appears under its final name only complete.
"""

from __future__ import annotations

import io
import os
import threading
from pathlib import Path
from typing import Any

import pytest

from connectors.base import Item
from connectors.sftp import SftpDestination, SftpServer, SftpSource
from hub.kernel.errors import ConnectorFatal, HostKeyRefused, SecretMissing
from tests.conftest import SshServer, Workdir, sftp_cycle, use_sftp


def test_a_changed_host_key_stops_the_exchange_and_touches_no_file(
    workdir: Workdir, ssh_server: SshServer, outgoing: Path, upload: Any, tmp_path: Path
) -> None:
    impostor = tmp_path / "known_hosts"
    other = (
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C7okWi0dh2l9GKJl"  # a different key
    )
    impostor.write_text(f"[127.0.0.1]:{ssh_server.port} {other}\n")
    use_sftp(workdir, ssh_server, outgoing, server={"known_hosts": str(impostor)})
    (outgoing / "route-1.csv").write_bytes(upload(5))

    code, outcomes = sftp_cycle(workdir)

    assert code == 1
    (failed,) = outcomes
    assert failed["state"] == "failed"
    message = failed["problems"][0]["message"]
    assert "CHANGED" in message
    assert ssh_server.host_fingerprint in message
    assert list(outgoing.iterdir()) == [outgoing / "route-1.csv"]  # not archived, not read
    assert not (workdir.root / "var" / "landed").exists() or not list(
        (workdir.root / "var" / "landed").iterdir()
    )


def test_an_unknown_host_is_refused_with_its_fingerprint_and_how_to_pin_it(
    ssh_server: SshServer, outgoing: Path, tmp_path: Path
) -> None:
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    server = SftpServer.model_validate(ssh_server.server_config(known_hosts=str(empty)))
    with pytest.raises(HostKeyRefused) as info:
        SftpSource(server, remote_dir=str(outgoing)).list()
    text = str(info.value)
    assert f"[127.0.0.1]:{ssh_server.port} is not in {empty}" in text
    assert ssh_server.host_fingerprint in text
    assert f"ssh-keyscan -p {ssh_server.port} 127.0.0.1 >> {empty}" in text
    assert empty.read_text() == ""  # never added on its own


def test_a_push_appears_under_its_final_name_only_when_complete(
    ssh_server: SshServer, tmp_path: Path
) -> None:
    incoming = ssh_server.folder(f"in-{tmp_path.name}")
    local = tmp_path / "autopay.ach"
    local.write_bytes(os.urandom(8 * 1024 * 1024))
    dest = SftpDestination(SftpServer.model_validate(ssh_server.server_config()), remote_dir=str(incoming))
    seen: list[int] = []  # sizes of the final name whenever it was visible during the upload
    temporary: list[str] = []  # names seen that are not the final one: the upload in progress
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            for entry in os.scandir(incoming):
                if entry.name == "autopay.ach":
                    seen.append(entry.stat().st_size)
                else:
                    temporary.append(entry.name)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        with local.open("rb") as data:
            dest.put("autopay.ach", data)
    finally:
        done.set()
        watcher.join()
    assert temporary, "the upload was never seen in progress"
    assert set(temporary) == {".autopay.ach.part"}  # hidden and partial-named: no reader takes it
    assert set(seen) <= {local.stat().st_size}
    assert (incoming / "autopay.ach").read_bytes() == local.read_bytes()
    assert os.listdir(incoming) == ["autopay.ach"]  # no temporary file left

    newer = tmp_path / "newer.ach"
    newer.write_bytes(b"not collected yet")
    with pytest.raises(ConnectorFatal, match="not collected by the partner"):
        dest.put("autopay.ach", io.BytesIO(newer.read_bytes()))
    assert (incoming / "autopay.ach").read_bytes() == local.read_bytes()
    assert dest.holds("autopay.ach", local.stat().st_size, "")
    dest.put("autopay.ach", io.BytesIO(newer.read_bytes()), overwrite=True)
    assert (incoming / "autopay.ach").read_bytes() == b"not collected yet"
    dest.close()


def test_hostile_remote_names_are_refused_and_reported_and_the_rest_delivered(
    workdir: Workdir, ssh_server: SshServer, outgoing: Path, upload: Any
) -> None:
    use_sftp(workdir, ssh_server, outgoing)
    (outgoing / "route\x1b[31m-7.csv").write_bytes(upload(5, seed=7))
    (outgoing / "route-8.csv").write_bytes(upload(5, seed=8))

    code, outcomes = sftp_cycle(workdir)

    assert code == 1
    states = {o["name"]: (o["state"], o["problems"][0]["rule"] if o["problems"] else None) for o in outcomes}
    assert states == {"route\x1b[31m-7.csv": ("refused", "refused_name"), "route-8.csv": ("delivered", None)}
    assert (outgoing / "route\x1b[31m-7.csv").exists()


def test_items_are_named_safely_before_any_remote_path_is_built(
    ssh_server: SshServer, outgoing: Path
) -> None:
    source = SftpSource(SftpServer.model_validate(ssh_server.server_config()), remote_dir=str(outgoing))
    with pytest.raises(ConnectorFatal, match="refused file name"):
        source.open(Item(name="../../etc/passwd", size=1, mtime=0))


def test_an_rsa_key_with_a_passphrase_from_the_environment(
    ssh_server: SshServer, outgoing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess

    key = tmp_path / "partner_rsa"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-m", "PEM", "-N", "s3cret pass", "-f", str(key)],
        check=True,
    )
    authorized = ssh_server.client_key.parent / "authorized_keys"
    authorized.write_text(authorized.read_text() + key.with_suffix(".pub").read_text())
    (outgoing / "route-1.csv").write_bytes(b"x")

    def source(**server: Any) -> SftpSource:
        config = ssh_server.server_config(key_file=str(key), **server)
        return SftpSource(SftpServer.model_validate(config), remote_dir=str(outgoing))

    monkeypatch.setenv("HUB_TEST_KEY_PASSPHRASE", "s3cret pass")
    assert [i.name for i in source(passphrase_env="HUB_TEST_KEY_PASSPHRASE").list().items] == ["route-1.csv"]

    monkeypatch.delenv("HUB_TEST_KEY_PASSPHRASE")
    with pytest.raises(SecretMissing, match="HUB_TEST_KEY_PASSPHRASE, which is not set"):
        source(passphrase_env="HUB_TEST_KEY_PASSPHRASE").list()
    with pytest.raises(SecretMissing, match=r"encrypted; set server\.passphrase_env"):
        source().list()
    monkeypatch.setenv("HUB_TEST_KEY_PASSPHRASE", "not it")
    with pytest.raises(ConnectorFatal, match="wrong passphrase"):
        source(passphrase_env="HUB_TEST_KEY_PASSPHRASE").list()
