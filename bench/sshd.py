"""A real OpenSSH ``sshd`` on 127.0.0.1 for the benches, started as ``tests/conftest.py`` starts it:
generated ed25519 host and client keys, the host key pinned in a ``known_hosts``, key authentication
only, ``internal-sftp``. Standard library only (the benches that use it measure memory)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from run import BenchError


@dataclass(frozen=True)
class Server:
    """A running sshd: how a client reaches it."""

    port: int
    user: str
    client_key: Path
    known_hosts: Path

    def sftp_command(self) -> list[str]:
        """OpenSSH's ``sftp`` in batch mode (commands on stdin), host key pinned, key auth."""
        return [
            "sftp",
            "-b",
            "-",
            "-i",
            str(self.client_key),
            "-P",
            str(self.port),
            "-o",
            f"UserKnownHostsFile={self.known_hosts}",
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            "BatchMode=yes",
            f"{self.user}@127.0.0.1",
        ]


def missing() -> str | None:
    """Why no sshd can be started here, or None."""
    if _sshd() is None or shutil.which("sftp") is None:
        return "OpenSSH server or client is not installed (apt-get install openssh-server)"
    return None


def _sshd() -> str | None:
    return shutil.which("sshd") or ("/usr/sbin/sshd" if Path("/usr/sbin/sshd").exists() else None)


@contextmanager
def running(base: Path) -> Iterator[Server]:
    """Start sshd with its keys and config under ``base`` (a fresh folder); stop it on exit."""
    sshd = _sshd()
    if sshd is None:
        raise BenchError(missing() or "no sshd")
    base.mkdir(parents=True, exist_ok=True)
    for key in ("host", "client"):
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", key, "-f", str(base / key)], check=True
        )
    (base / "authorized_keys").write_text((base / "client.pub").read_text())
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    root = os.geteuid() == 0
    if root:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # privilege separation
    config = [
        f"Port {port}",
        "ListenAddress 127.0.0.1",
        f"HostKey {base / 'host'}",
        f"PidFile {base / 'sshd.pid'}",
        f"AuthorizedKeysFile {base / 'authorized_keys'}",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        f"UsePAM {'no' if root else 'yes'}",
        "PermitRootLogin prohibit-password",
        "StrictModes no",
        "Subsystem sftp internal-sftp",
    ]
    (base / "sshd_config").write_text("\n".join(config) + "\n")
    host = (base / "host.pub").read_text().split()
    (base / "known_hosts").write_text(f"[127.0.0.1]:{port} {host[0]} {host[1]}\n")
    with (base / "sshd.log").open("wb") as log:
        server = subprocess.Popen([sshd, "-D", "-e", "-f", str(base / "sshd_config")], stdout=log, stderr=log)
    try:
        _wait_listening(port, server, base / "sshd.log")
        user = os.environ.get("USER") or "root"
        yield Server(port, user, base / "client", base / "known_hosts")
    finally:
        server.terminate()
        server.wait(timeout=10)


def _wait_listening(port: int, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 15
    while True:
        if server.poll() is not None:
            raise BenchError(f"sshd exited: {log.read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise BenchError(f"sshd did not listen on {port}: {log.read_text()}") from None
            time.sleep(0.05)
