"""Pulling with the SFTP connector from a real OpenSSH server; the partner is the real ``sftp`` client.

What a billing operator relies on: a partner's files are pulled, delivered once and archived (or
deleted, or left) on the partner's server; an upload still in progress (or killed) is never taken; a
dropped connection is retried and the file delivered once. Trust (host keys, keys, hostile names)
and pushing are in test_sftp_trust.py.
"""

from __future__ import annotations

import io
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from connectors.base import Completion
from connectors.sftp import SftpServer, SftpSource
from hub.engine.config import load_config
from hub.engine.landing import land
from hub.kernel.errors import StillChanging
from tests.conftest import SshServer, Workdir, sftp_cycle, use_sftp


def test_a_scheduled_pull_delivers_archives_remotely_and_never_takes_a_file_twice(
    workdir: Workdir, ssh_server: SshServer, outgoing: Path, upload: Any
) -> None:
    use_sftp(workdir, ssh_server, outgoing)
    one = workdir.write("local/route-1.csv", upload(20, seed=1))
    two = workdir.write("local/route-2.csv", upload(30, seed=2))
    ssh_server.partner(f"put {one} {outgoing}/route-1.csv", f"put {two} {outgoing}/route-2.csv")

    code, outcomes = sftp_cycle(workdir)

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
    code, outcomes = sftp_cycle(workdir)
    assert (code, outcomes) == (0, [])
    # the partner sends the same content again under a new name: a duplicate, nothing posted twice
    ssh_server.partner(f"put {one} {outgoing}/route-1-resent.csv")
    code, outcomes = sftp_cycle(workdir)
    assert [(o["name"], o["state"], o["delivered"]) for o in outcomes] == [
        ("route-1-resent.csv", "duplicate", 0)
    ]
    assert len(workdir.controls()) == 2


def test_a_file_still_growing_is_not_taken_until_its_size_is_stable(
    ssh_server: SshServer, outgoing: Path
) -> None:
    source = SftpSource(
        SftpServer.model_validate(ssh_server.server_config()),
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

    code, outcomes = sftp_cycle(workdir)
    assert (code, outcomes) == (0, [])
    assert workdir.hub("files", "--json").json()["files"] == []
    assert (outgoing / "route-3.csv").exists()  # left for the partner to finish

    ssh_server.partner(f"put {data} {outgoing}/route-3.csv", f"put {marker} {outgoing}/route-3.csv.done")
    code, outcomes = sftp_cycle(workdir)
    assert [(o["name"], o["state"], o["rows"]) for o in outcomes] == [("route-3.csv", "delivered", 30_000)]
    assert sorted(n.split("-", 1)[1] for n in os.listdir(outgoing / "archive")) == [
        "route-3.csv",
        "route-3.csv.done",
    ]


# paramiko reads a window with a prefetch thread, which dies with the session (it is the point)
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_connection_dropped_mid_download_is_retried_and_the_file_delivered_once(
    workdir: Workdir, ssh_server: SshServer, outgoing: Path, upload: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hub.engine import landing
    from hub.engine.pipeline import Engine

    use_sftp(workdir, ssh_server, outgoing)
    data = upload(80_000, seed=4)  # more than one download window (connectors.sftp.WINDOW)
    assert len(data) > 4 * 1024 * 1024
    (outgoing / "route-4.csv").write_bytes(data)
    real_land = landing.land
    drops = []

    class HeadThenRest(io.RawIOBase):
        """The first megabyte already read, then whatever the stream still gives."""

        def __init__(self, head: bytes, rest: Any) -> None:
            self.head, self.rest = head, rest

        def read(self, size: int = -1) -> bytes:
            head, self.head = self.head, b""
            return head + self.rest.read(size)

    def land_and_drop(stream: Any, landed_dir: Path, **options: Any) -> Any:
        head = stream.read(1024 * 1024)
        if not drops:
            drops.append(ssh_server.sessions())
            for pid in drops[0]:
                os.kill(pid, signal.SIGKILL)  # the server side of the session dies mid-transfer
        return real_land(HeadThenRest(head, stream), landed_dir, **options)

    monkeypatch.setattr(landing, "land", land_and_drop)
    engine = Engine(load_config(workdir.root / "hub.yaml"))
    try:
        outcomes = engine.cycle()
    finally:
        engine.close()

    assert drops and drops[0], "no session was dropped"
    taken = [(o.name, o.state, o.rows) for o in outcomes if o.state != "skipped"]
    assert taken == [("route-4.csv", "delivered", 80_000)]
    assert len(workdir.controls()) == 1
    landed = workdir.root / "var" / "landed"
    assert [p.name for p in landed.iterdir() if p.name.startswith(".landing-")] == []  # the cut copy is gone


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
    code, outcomes = sftp_cycle(workdir)
    assert code == 1
    (failed,) = outcomes
    assert failed["state"] == "failed"
    assert "gave up after 2 attempts" in failed["problems"][0]["message"]
    assert "cannot connect" in failed["problems"][0]["message"]


def test_a_file_that_changes_after_it_was_listed_is_left_for_a_later_look(
    ssh_server: SshServer, outgoing: Path, tmp_path: Path
) -> None:
    source = SftpSource(
        SftpServer.model_validate(ssh_server.server_config()),
        remote_dir=str(outgoing),
        completion=Completion(rule="rename"),
    )
    (outgoing / "route-5.csv").write_bytes(b"route,sequence\nR0001,10\n")
    (item,) = source.list().items
    with (outgoing / "route-5.csv").open("ab") as fh:
        fh.write(b"R0001,20\n")
    with pytest.raises(StillChanging, match="still changing"), source.open(item) as stream:
        land(stream, tmp_path / "landed", size=item.size)
    assert [p.name for p in (tmp_path / "landed").iterdir()] == []  # nothing half-landed
    (again,) = source.list().items
    with source.open(again) as stream:
        assert land(stream, tmp_path / "landed", size=again.size).size == again.size
    source.close()


@pytest.mark.parametrize("action", ["delete", "leave"])
def test_delete_and_leave_post_actions_on_the_partner_server(
    workdir: Workdir, ssh_server: SshServer, outgoing: Path, upload: Any, action: str
) -> None:
    use_sftp(workdir, ssh_server, outgoing, post_action=action)
    (outgoing / "route-1.csv").write_bytes(upload(12, seed=11))

    code, outcomes = sftp_cycle(workdir)
    assert (code, [o["state"] for o in outcomes]) == (0, ["delivered"])
    assert [p.name for p in outgoing.iterdir()] == ([] if action == "delete" else ["route-1.csv"])

    # a file left in place is not taken again, nor recorded as a duplicate every run
    code, outcomes = sftp_cycle(workdir)
    assert (code, outcomes) == (0, [])
    assert len(workdir.hub("files", "--json").json()["files"]) == 1
