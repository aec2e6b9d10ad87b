"""A machine prepared for partners who drop files over SFTP, for the tests: a root-owned base
folder under /srv (sshd refuses a chroot below a folder others can write, such as /tmp), a hub
folder whose meter-reads exchange watches a partner's drop folder, the partners' keys, and a real
OpenSSH server that includes the fragment ``hub partner`` writes. Users made by the tests are
removed afterwards. Needs root: making users and chrooting are root's."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from hub.engine.config import DEFAULT_CONFIG
from tests.conftest import Result, Workdir, _free_port, _sshd


def needs_root() -> None:
    if os.geteuid() != 0:
        pytest.skip("hub partner add makes system users and a chroot sshd accepts: needs root")
    if _sshd() is None or shutil.which("sftp") is None or shutil.which("useradd") is None:
        pytest.skip("OpenSSH server/client or useradd is not installed")


@dataclass
class PartnerSite:
    """The hub's folder (``workdir``), the partners' base and the sshd files, one partner name."""

    workdir: Workdir
    base: Path
    name: str
    users: list[str] = field(default_factory=list)
    process: subprocess.Popen[bytes] | None = None
    port: int = 0

    @property
    def chroots(self) -> Path:
        return self.base / "chroots"

    @property
    def upload(self) -> Path:
        return self.chroots / self.name / "upload"

    @property
    def fragment(self) -> Path:
        return self.base / "sshd" / "hub-partners.conf"

    @property
    def keys_dir(self) -> Path:
        return self.base / "keys"

    def key(self, label: str) -> Path:
        """A fresh ed25519 key pair of the partner's; the public half's path."""
        private = self.base / "client-keys" / label
        private.parent.mkdir(exist_ok=True)
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", label, "-f", str(private)],
            check=True,
            capture_output=True,
        )
        return private.with_suffix(".pub")

    def hub(self, *args: str | Path) -> Result:
        return self.workdir.hub(*args)

    def add(self, key: Path, name: str | None = None) -> Result:
        name = name or self.name
        self.users.append(name)
        return self.hub("partner", "add", name, "--exchange", "meter-reads", "--key", key)

    def main_config(self) -> Path:
        return self.base / "sshd" / "sshd_config"

    def start_sshd(self) -> None:
        """The server: key authentication only, the fragment included (its Match blocks chroot)."""
        folder = self.base / "sshd"
        host = folder / "host"
        if not host.exists():
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(host)], check=True)
        self.port = _free_port()
        self.main_config().write_text(
            "\n".join(
                [
                    f"Port {self.port}",
                    "ListenAddress 127.0.0.1",
                    f"HostKey {host}",
                    f"PidFile {folder / 'sshd.pid'}",
                    "AuthorizedKeysFile none",
                    "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no",
                    "UsePAM no",
                    "Subsystem sftp internal-sftp",
                    "LogLevel VERBOSE",
                    f"Include {self.fragment}",
                    "",
                ]
            )
        )
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        log = folder / "sshd.log"
        with log.open("wb") as fh:
            self.process = subprocess.Popen(
                [str(_sshd()), "-D", "-e", "-f", str(self.main_config())], stderr=fh
            )
        host_pub = host.with_suffix(".pub").read_text().split()
        (folder / "known_hosts").write_text(f"[127.0.0.1]:{self.port} {host_pub[0]} {host_pub[1]}\n")
        deadline = time.monotonic() + 15
        while True:
            if self.process.poll() is not None:
                pytest.fail(f"sshd exited: {log.read_text()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"sshd did not listen: {log.read_text()}")
                time.sleep(0.05)

    def sftp(self, key: Path, *commands: str, user: str | None = None) -> Result:
        """The partner's real ``sftp`` client, in batch mode, with the private half of ``key``."""
        known = self.base / "sshd" / "known_hosts"
        cmd = ["sftp", "-b", "-", "-i", str(key.with_suffix("")), "-P", str(self.port)]
        cmd += ["-o", f"UserKnownHostsFile={known}", "-o", "StrictHostKeyChecking=yes"]
        cmd += ["-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", f"{user or self.name}@127.0.0.1"]
        proc = subprocess.run(
            cmd, input="\n".join(commands) + "\n", capture_output=True, text=True, timeout=60
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def ssh(self, key: Path, command: str) -> Result:
        """The partner trying a shell command with ``ssh`` (stdin closed)."""
        known = self.base / "sshd" / "known_hosts"
        cmd = [
            "ssh",
            "-i",
            str(key.with_suffix("")),
            "-p",
            str(self.port),
            "-o",
            f"UserKnownHostsFile={known}",
        ]
        cmd += ["-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", f"{self.name}@127.0.0.1", command]
        proc = subprocess.run(cmd, input="", capture_output=True, text=True, timeout=60)
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def close(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
        for user in self.users:
            try:
                pwd.getpwnam(user)
            except KeyError:
                continue
            subprocess.run(["userdel", user], capture_output=True, check=False)
        shutil.rmtree(self.base, ignore_errors=True)


def site_config(base: Path, name: str, **source: object) -> str:
    """The default configuration with meter-reads watching partner ``name``'s drop folder (no
    completion rule of its own: the partners' default applies) and the partners' paths under ``base``."""
    config = yaml.safe_load(DEFAULT_CONFIG)
    ex = config["exchanges"]["meter-reads"]
    ex["source"] = {"type": "folder", "path": str(base / "chroots" / name / "upload"), "pattern": "*.csv"}
    ex["source"].update(source)
    ex["allow_outside_root"] = True
    config["partners"] = {
        "base": str(base / "chroots"),
        "keys_dir": str(base / "keys"),
        "sshd_fragment": str(base / "sshd" / "hub-partners.conf"),
        "sshd_config": str(base / "sshd" / "sshd_config"),
    }
    return yaml.safe_dump(config)


def partner_site(tmp_path: Path, **source: object) -> Iterator[PartnerSite]:
    """A fresh site (root-owned base under /srv, the hub in ``tmp_path``), torn down afterwards."""
    needs_root()
    base = Path(tempfile.mkdtemp(prefix="hub-partners-test-", dir="/srv"))
    os.chmod(base, 0o755)
    (base / "sshd").mkdir(mode=0o755)
    name = f"hubt{uuid.uuid4().hex[:8]}"
    workdir = Workdir(tmp_path)
    workdir.set_config(site_config(base, name, **source))
    site = PartnerSite(workdir=workdir, base=base, name=name)
    try:
        yield site
    finally:
        site.close()
