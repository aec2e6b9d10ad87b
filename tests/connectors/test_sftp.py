"""The SFTP connector against a real OpenSSH server; the partner side is the real ``sftp`` client.

What a billing operator relies on: a partner's files are pulled, delivered once and archived on
the partner's server; an upload still in progress (or killed) is never taken; a changed host key
stops the exchange before any file is touched; a push appears under its final name only complete;
a dropped connection is retried and the file delivered once.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from connectors.base import Item
from connectors.sftp import SftpDestination, SftpSource, fingerprint
from hub.config import DEFAULT_CONFIG, Completion, SftpServer, load_config
from hub.errors import ConnectorFatal, HostKeyRefused, SecretMissing, StillChanging
from tests.conftest import SshServer, Workdir


def server_config(ssh: SshServer, **overrides: Any) -> dict[str, Any]:
    return {
        "host": "127.0.0.1",
        "port": ssh.port,
        "user": ssh.user,
        "key_file": str(ssh.client_key),
        "known_hosts": str(ssh.known_hosts),
        "timeout_seconds": 10,
        "retry": {"attempts": 3, "backoff_seconds": 0.05, "backoff_max_seconds": 0.2},
        **overrides,
    }


def use_sftp(workdir: Workdir, ssh: SshServer, remote: Path, **source: Any) -> None:
    """Point the default meter-reads exchange at the partner's folder on the SFTP server."""
    config = yaml.safe_load(DEFAULT_CONFIG)
    config["exchanges"]["meter-reads"]["watch"] = False  # watching is for folders; SFTP is scheduled
    config["exchanges"]["meter-reads"]["source"] = {
        "type": "sftp",
        "server": server_config(ssh, **source.pop("server", {})),
        "remote_dir": str(remote),
        "pattern": "*.csv",
        "completion": {"rule": "size-stable", "stable_seconds": 0.3},
        **source,
    }
    workdir.set_config(yaml.safe_dump(config))


@pytest.fixture
def outgoing(ssh_server: SshServer, tmp_path: Path) -> Path:
    """A fresh folder on the server where the partner drops files for the utility."""
    folder = ssh_server.home / f"out-{tmp_path.name}"
    folder.mkdir()
    return folder


def cycle(workdir: Workdir) -> tuple[int, list[dict[str, Any]]]:
    result = workdir.hub("cycle", "--json")
    assert result.stdout, result.stderr
    return result.code, result.json()


def test_a_scheduled_pull_delivers_archives_remotely_and_never_takes_a_file_twice(
    workdir: Workdir, ssh_server: SshServer, outgoing: Path, upload: Any
) -> None:
    use_sftp(workdir, ssh_server, outgoing)
    one = workdir.write("local/route-1.csv", upload(20, seed=1))
    two = workdir.write("local/route-2.csv", upload(30, seed=2))
    ssh_server.partner(f"put {one} {outgoing}/route-1.csv", f"put {two} {outgoing}/route-2.csv")

    code, outcomes = cycle(workdir)

    assert code == 0
    assert [(o["name"], o["state"], o["delivered"]) for o in outcomes] == [
        ("route-1.csv", "delivered", 20),
        ("route-2.csv", "delivered", 30),
    ]
    assert sorted(p.name for p in outgoing.iterdir()) == ["archive"]
    archived = sorted(p.name for p in (outgoing / "archive").iterdir())
    assert [n.split("-", 1)[1] for n in archived] == ["route-1.csv", "route-2.csv"]
    assert len(workdir.delivered_rows("MeterRead")) + len(workdir.delivered_rows("ReadException")) == 50
    shown = workdir.hub("show", str(outcomes[0]["id"]), "--json").json()
    assert shown["source"] == f"sftp://{ssh_server.user}@127.0.0.1:{ssh_server.port}{outgoing}/route-1.csv"

    # the same run again (a new process: a restart of the service) takes nothing
    code, outcomes = cycle(workdir)
    assert (code, outcomes) == (0, [])
    # the partner sends the same content again under a new name: a duplicate, nothing posted twice
    ssh_server.partner(f"put {one} {outgoing}/route-1-resent.csv")
    code, outcomes = cycle(workdir)
    assert [(o["name"], o["state"], o["delivered"]) for o in outcomes] == [
        ("route-1-resent.csv", "duplicate", 0)
    ]
    assert len(workdir.controls()) == 2


def test_a_file_still_growing_is_not_taken_until_its_size_is_stable(
    ssh_server: SshServer, outgoing: Path
) -> None:
    source = SftpSource(
        SftpServer.model_validate(server_config(ssh_server)),
        remote_dir=str(outgoing),
        completion=Completion(rule="size-stable", stable_seconds=0.5),
    )
    growing = outgoing / "route-9.csv"
    growing.write_bytes(b"route,sequence\n")
    stop = threading.Event()

    def keep_writing() -> None:
        while not stop.is_set():
            with growing.open("ab") as fh:
                fh.write(b"R0001,10\n")
            time.sleep(0.05)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        assert source.list().items == []
    finally:
        stop.set()
        writer.join()
    assert [i.name for i in source.list().items] == ["route-9.csv"]
    source.close()


def test_a_killed_upload_is_never_delivered_and_the_complete_one_is(
    workdir: Workdir, ssh_server: SshServer, outgoing: Path, upload: Any
) -> None:
    """The partner's protocol is a marker file after the data (``route-3.csv.done``)."""
    use_sftp(workdir, ssh_server, outgoing, completion={"rule": "marker", "marker_suffix": ".done"})
    data = workdir.write("local/route-3.csv", upload(30_000, seed=3))  # ~2 MB at 25 kB/s: killed early
    marker = workdir.write("local/done", b"")
    slow = ssh_server.partner_process(
        f"put {data} {outgoing}/route-3.csv", f"put {marker} {outgoing}/route-3.csv.done", limit_kbit=200
    )
    deadline = time.monotonic() + 30
    while not (outgoing / "route-3.csv").exists() or (outgoing / "route-3.csv").stat().st_size == 0:
        assert time.monotonic() < deadline, "the upload did not start"
        time.sleep(0.05)
    slow.kill()
    slow.wait()
    assert 0 < (outgoing / "route-3.csv").stat().st_size < len(data.read_bytes())

    code, outcomes = cycle(workdir)
    assert (code, outcomes) == (0, [])
    assert workdir.hub("files", "--json").json() == []
    assert (outgoing / "route-3.csv").exists()  # left for the partner to finish

    ssh_server.partner(f"put {data} {outgoing}/route-3.csv", f"put {marker} {outgoing}/route-3.csv.done")
    code, outcomes = cycle(workdir)
    assert [(o["name"], o["state"], o["rows"]) for o in outcomes] == [("route-3.csv", "delivered", 30_000)]
    assert sorted(n.split("-", 1)[1] for n in os.listdir(outgoing / "archive")) == [
        "route-3.csv",
        "route-3.csv.done",
    ]


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

    code, outcomes = cycle(workdir)

    assert code == 1
    (failed,) = outcomes
    assert failed["state"] == "failed"
    message = failed["problems"][0]["message"]
    assert "CHANGED" in message
    real = SftpServer.model_validate(server_config(ssh_server))
    offered = _offered_fingerprint(real)
    assert offered in message
    assert list(outgoing.iterdir()) == [outgoing / "route-1.csv"]  # not archived, not read
    assert not (workdir.root / "var" / "landed").exists() or not list(
        (workdir.root / "var" / "landed").iterdir()
    )


def test_an_unknown_host_is_refused_with_its_fingerprint_and_how_to_pin_it(
    ssh_server: SshServer, outgoing: Path, tmp_path: Path
) -> None:
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    server = SftpServer.model_validate(server_config(ssh_server, known_hosts=str(empty)))
    with pytest.raises(HostKeyRefused) as info:
        SftpSource(server, remote_dir=str(outgoing)).list()
    text = str(info.value)
    assert f"[127.0.0.1]:{ssh_server.port} is not in {empty}" in text
    assert _offered_fingerprint(SftpServer.model_validate(server_config(ssh_server))) in text
    assert f"ssh-keyscan -p {ssh_server.port} 127.0.0.1 >> {empty}" in text
    assert empty.read_text() == ""  # never added on its own


def _offered_fingerprint(server: SftpServer) -> str:
    import paramiko

    key = paramiko.PKey.from_type_string(*_host_key_parts(server))
    return fingerprint(key)


def _host_key_parts(server: SftpServer) -> tuple[str, bytes]:
    import base64

    line = Path(server.known_hosts).read_text().split()
    return line[1], base64.b64decode(line[2])


def test_a_push_appears_under_its_final_name_only_when_complete(
    ssh_server: SshServer, tmp_path: Path
) -> None:
    incoming = ssh_server.home / f"in-{tmp_path.name}"
    incoming.mkdir()
    local = tmp_path / "autopay.ach"
    local.write_bytes(os.urandom(8 * 1024 * 1024))
    dest = SftpDestination(SftpServer.model_validate(server_config(ssh_server)), remote_dir=str(incoming))
    seen: list[int] = []
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            final = incoming / "autopay.ach"
            with contextlib.suppress(FileNotFoundError):
                seen.append(final.stat().st_size)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        dest.put(local, "autopay.ach")
    finally:
        done.set()
        watcher.join()
    assert set(seen) <= {local.stat().st_size}
    assert (incoming / "autopay.ach").read_bytes() == local.read_bytes()
    assert os.listdir(incoming) == ["autopay.ach"]  # no temporary file left

    newer = tmp_path / "newer.ach"
    newer.write_bytes(b"not collected yet")
    with pytest.raises(ConnectorFatal, match="not collected by the partner"):
        dest.put(newer, "autopay.ach")
    assert (incoming / "autopay.ach").read_bytes() == local.read_bytes()
    dest.put(newer, "autopay.ach", overwrite=True)
    assert (incoming / "autopay.ach").read_bytes() == b"not collected yet"
    dest.close()


def test_a_connection_dropped_mid_download_is_retried_and_the_file_delivered_once(
    workdir: Workdir, ssh_server: SshServer, outgoing: Path, upload: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from connectors import sftp
    from hub.pipeline import Hub

    use_sftp(workdir, ssh_server, outgoing)
    data = upload(20_000, seed=4)
    (outgoing / "route-4.csv").write_bytes(data)
    real_land = sftp.land_stream
    drops = []

    def land_and_drop(read: Any, landed_dir: Path) -> Any:
        def read_then_drop(size: int) -> bytes:
            chunk = read(size)
            if not drops:
                drops.append(ssh_server.sessions())
                for pid in drops[0]:
                    os.kill(pid, signal.SIGKILL)  # the server side of the session dies mid-transfer
            return chunk

        return real_land(read_then_drop, landed_dir)

    monkeypatch.setattr(sftp, "land_stream", land_and_drop)
    hub = Hub(load_config(workdir.root / "hub.yaml"))
    try:
        outcomes = hub.cycle()
    finally:
        hub.close()

    assert drops and drops[0], "no session was dropped"
    assert [(o.name, o.state, o.rows) for o in outcomes] == [("route-4.csv", "delivered", 20_000)]
    assert len(workdir.controls()) == 1
    landed = workdir.root / "var" / "landed"
    assert [p.name for p in landed.iterdir() if p.name.startswith(".landing-")] == []  # the cut copy is gone


def test_hostile_remote_names_are_refused_and_reported_and_the_rest_delivered(
    workdir: Workdir, ssh_server: SshServer, outgoing: Path, upload: Any
) -> None:
    use_sftp(workdir, ssh_server, outgoing)
    (outgoing / "route\x1b[31m-7.csv").write_bytes(upload(5, seed=7))
    (outgoing / "route-8.csv").write_bytes(upload(5, seed=8))

    code, outcomes = cycle(workdir)

    assert code == 1
    states = {o["name"]: (o["state"], o["problems"][0]["rule"] if o["problems"] else None) for o in outcomes}
    assert states == {"route\x1b[31m-7.csv": ("failed", "refused_name"), "route-8.csv": ("delivered", None)}
    assert (outgoing / "route\x1b[31m-7.csv").exists()


def test_a_server_that_stays_down_fails_the_run_after_the_configured_retries(
    workdir: Workdir, ssh_server: SshServer, outgoing: Path
) -> None:
    from tests.conftest import _free_port

    use_sftp(
        workdir,
        ssh_server,
        outgoing,
        server={"port": _free_port(), "retry": {"attempts": 2, "backoff_seconds": 0.01}},
    )
    code, outcomes = cycle(workdir)
    assert code == 1
    (failed,) = outcomes
    assert failed["state"] == "failed"
    assert "gave up after 2 attempts" in failed["problems"][0]["message"]
    assert "cannot connect" in failed["problems"][0]["message"]


def test_items_are_named_safely_before_any_remote_path_is_built(
    ssh_server: SshServer, outgoing: Path
) -> None:
    source = SftpSource(SftpServer.model_validate(server_config(ssh_server)), remote_dir=str(outgoing))
    with pytest.raises(ConnectorFatal, match="refused file name"):
        source.fetch(Item(name="../../etc/passwd", size=1, mtime=0), outgoing)


def test_a_file_that_changes_after_it_was_listed_is_left_for_a_later_look(
    ssh_server: SshServer, outgoing: Path, tmp_path: Path
) -> None:
    source = SftpSource(
        SftpServer.model_validate(server_config(ssh_server)),
        remote_dir=str(outgoing),
        completion=Completion(rule="rename"),
    )
    (outgoing / "route-5.csv").write_bytes(b"route,sequence\nR0001,10\n")
    (item,) = source.list().items
    with (outgoing / "route-5.csv").open("ab") as fh:
        fh.write(b"R0001,20\n")
    with pytest.raises(StillChanging, match="still changing"):
        source.fetch(item, tmp_path / "landed")
    assert [p.name for p in (tmp_path / "landed").iterdir()] == []  # nothing half-landed
    (again,) = source.list().items
    assert source.fetch(again, tmp_path / "landed").size == again.size
    source.close()


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
        config = server_config(ssh_server, key_file=str(key), **server)
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


@pytest.mark.parametrize("action", ["delete", "leave"])
def test_delete_and_leave_post_actions_on_the_partner_server(
    workdir: Workdir, ssh_server: SshServer, outgoing: Path, upload: Any, action: str
) -> None:
    use_sftp(workdir, ssh_server, outgoing, post_action=action)
    (outgoing / "route-1.csv").write_bytes(upload(12, seed=11))

    code, outcomes = cycle(workdir)
    assert (code, [o["state"] for o in outcomes]) == (0, ["delivered"])
    assert [p.name for p in outgoing.iterdir()] == ([] if action == "delete" else ["route-1.csv"])

    # a file left in place is not taken again, nor recorded as a duplicate every run
    code, outcomes = cycle(workdir)
    assert (code, outcomes) == (0, [])
    assert len(workdir.hub("files", "--json").json()) == 1
