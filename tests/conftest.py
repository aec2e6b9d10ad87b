"""Shared fixtures: a working folder with the default configuration, the real ``hub`` command,
sample partner files, a throwaway PostgreSQL cluster and a real OpenSSH server."""

from __future__ import annotations

import getpass
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import settings

from hub.engine.config import DEFAULT_CONFIG
from hub.engine.sample import meter_reads_csv

HUB = Path(sys.executable).with_name("hub")

# Property tests assert behaviour, never time: a loaded CI machine must not fail them for slowness.
settings.register_profile("hub", deadline=None)
settings.load_profile("hub")


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


@dataclass
class Workdir:
    """A folder laid out like a fresh hub installation, driven through the real ``hub`` command."""

    root: Path

    def hub(
        self, *args: str | Path, env: dict[str, str] | None = None, input_text: str | None = None
    ) -> Result:
        proc = subprocess.run(
            [str(HUB), *map(str, args)],
            input=input_text,
            cwd=self.root,
            capture_output=True,
            text=True,
            env={**os.environ, "COLUMNS": "200", **(env or {})},
            timeout=300,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def write(self, name: str, data: bytes) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path

    def set_config(self, text: str) -> None:
        (self.root / "hub.yaml").write_text(text, encoding="utf-8")

    @property
    def cis(self) -> Path:
        return self.root / "outbox" / "cis"

    def controls(self) -> list[dict[str, Any]]:
        return [json.loads(p.read_text()) for p in sorted(self.cis.glob("*.control.json"))]

    def delivered_rows(self, txn_type: str) -> list[list[str]]:
        """Every data row of every published batch file of ``txn_type``, header dropped."""
        import csv

        rows: list[list[str]] = []
        for path in sorted(self.cis.glob(f"*.{txn_type}.csv")):
            with path.open(newline="") as fh:
                rows += list(csv.reader(fh))[1:]
        return rows


@pytest.fixture(autouse=True)
def _plugin_registries() -> Iterator[None]:
    """A site's kinds and formats registered by one test's hub.yaml are gone for the next test."""
    import formats
    import mappings

    kept = [(reg, dict(reg._targets)) for reg in (formats.REGISTRY, mappings.REGISTRY)]
    yield
    for reg, targets in kept:
        reg._targets = targets


@pytest.fixture
def workdir(tmp_path: Path) -> Iterator[Workdir]:
    (tmp_path / "hub.yaml").write_text(DEFAULT_CONFIG, encoding="utf-8")
    yield Workdir(tmp_path)


@pytest.fixture
def upload() -> Callable[..., bytes]:
    """A generated meter-reader upload: ``upload(rows, bad=0, seed=1)``."""

    def make(rows: int, bad: int = 0, seed: int = 1) -> bytes:
        return meter_reads_csv(rows, bad=bad, seed=seed)

    return make


def with_policy(config: str, policy: str) -> str:
    """The default configuration with another row policy for meter-reads."""
    return config.replace("row_policy: reject-file", f"row_policy: {policy}")


# -- PostgreSQL: a throwaway cluster on 127.0.0.1 for the ledger's multi-node backend -----------------


def _pg_bindir() -> Path | None:
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists():
            return candidate
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """Start a PostgreSQL cluster (as user postgres when running as root); yield its base URL."""
    bindir = _pg_bindir()
    if bindir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL server binaries are missing; .ci/run installs the postgresql package")
        pytest.skip("PostgreSQL server binaries are not installed (apt-get install postgresql)")
    base = Path(tempfile.mkdtemp(prefix="hub-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
        run_as = ["runuser", "-u", "postgres", "--"]
    data, port = base / "data", _free_port()
    subprocess.run(
        [*run_as, str(bindir / "initdb"), "-D", str(data), "-U", "hub", "--auth=trust", "-E", "UTF8"],
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50"
    subprocess.run(
        [
            *run_as,
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(base / "log"),
            "-o",
            options,
            "-w",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://hub@127.0.0.1:{port}"
    finally:
        subprocess.run(
            [*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], capture_output=True
        )
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The ledger contract runs against every backend: a SQLite file and a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hub.db'}"
    return new_postgres_database(request.getfixturevalue("postgres_server"))


def new_postgres_database(server: str) -> str:
    """A fresh, empty database on the test cluster ``server``; its SQLAlchemy URL."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    plain = server.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(f"{plain}/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return f"{server}/{name}"


# -- OpenSSH: a real sshd on 127.0.0.1 for the SFTP connector; the partner is the real sftp client --


def _sshd() -> str | None:
    found = shutil.which("sshd") or next((p for p in ("/usr/sbin/sshd",) if Path(p).exists()), None)
    return found


@dataclass
class SshServer:
    """A running OpenSSH server. ``home`` is a folder the tests serve files from (by absolute path);
    the partner reaches it with the real ``sftp`` client, the hub with its connector."""

    port: int
    user: str
    home: Path
    client_key: Path
    known_hosts: Path
    host_public_key: str
    process: subprocess.Popen[bytes]
    log: Path

    def _sftp(self, limit_kbit: int | None) -> list[str]:
        """The partner's ``sftp`` command line: batch mode, host key pinned, key authentication."""
        limit = ["-l", str(limit_kbit)] if limit_kbit else []
        return [
            "sftp",
            "-b",
            "-",
            *limit,
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

    def partner(self, *commands: str, check: bool = True, limit_kbit: int | None = None) -> Result:
        """Run an ``sftp`` batch as the partner and wait for it."""
        proc = subprocess.run(
            self._sftp(limit_kbit),
            input="\n".join(commands) + "\n",
            capture_output=True,
            text=True,
            timeout=120,
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"sftp failed ({proc.returncode}): {proc.stderr}")
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def partner_process(self, *commands: str, limit_kbit: int) -> subprocess.Popen[str]:
        """An ``sftp`` batch left running (a slow upload a test may kill)."""
        pipe = subprocess.PIPE
        proc = subprocess.Popen(self._sftp(limit_kbit), stdin=pipe, stdout=pipe, stderr=pipe, text=True)
        assert proc.stdin is not None
        proc.stdin.write("\n".join(commands) + "\n")
        proc.stdin.close()
        return proc

    def server_config(self, **overrides: Any) -> dict[str, Any]:
        """The hub's ``source.server`` settings for this server (short timeouts and retries)."""
        return {
            "host": "127.0.0.1",
            "port": self.port,
            "user": self.user,
            "key_file": str(self.client_key),
            "known_hosts": str(self.known_hosts),
            "timeout_seconds": 10,
            "retry": {"attempts": 3, "backoff_seconds": 0.05, "backoff_max_seconds": 0.2},
            **overrides,
        }

    def folder(self, name: str) -> Path:
        """A fresh folder on the server (the partner's outgoing or incoming folder)."""
        path = self.home / name
        path.mkdir()
        return path

    @property
    def host_fingerprint(self) -> str:
        """The host key's fingerprint as OpenSSH's own ``ssh-keygen -l`` prints it."""
        listed = subprocess.run(
            ["ssh-keygen", "-l", "-E", "sha256", "-f", str(self.client_key.with_name("host.pub"))],
            capture_output=True,
            text=True,
            check=True,
        )
        return listed.stdout.split()[1]

    def sessions(self) -> list[int]:
        """Process ids of the per-connection sshd processes (children of the listener)."""
        out = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True)
        return [int(p) for p in out.stdout.split()]


@pytest.fixture(scope="session")
def ssh_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshServer]:
    """Start sshd with a generated host key and client key (ed25519, mode 0600) on a free port."""
    sshd = _sshd()
    if sshd is None or shutil.which("sftp") is None:
        if os.environ.get("CI"):
            pytest.fail("OpenSSH is missing; .ci/run installs openssh-server and openssh-client")
        pytest.skip("OpenSSH server or client is not installed (apt-get install openssh-server)")
    base = tmp_path_factory.mktemp("sshd")
    os.chmod(base, 0o755)
    for key in ("host", "client"):
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", key, "-f", str(base / key)],
            check=True,
            capture_output=True,
        )
    (base / "authorized_keys").write_text((base / "client.pub").read_text())
    home = base / "files"
    home.mkdir()
    port = _free_port()
    root = os.geteuid() == 0
    if root:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # privilege separation
    config = base / "sshd_config"
    config.write_text(
        "\n".join(
            [
                f"Port {port}",
                "ListenAddress 127.0.0.1",
                f"HostKey {base / 'host'}",
                f"PidFile {base / 'sshd.pid'}",
                f"AuthorizedKeysFile {base / 'authorized_keys'}",
                "PubkeyAuthentication yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                f"UsePAM {'no' if root else 'yes'}",
                "PermitRootLogin prohibit-password",
                "StrictModes no",
                "Subsystem sftp internal-sftp",
                "LogLevel VERBOSE",
                "MaxStartups 50",
                "",
            ]
        )
    )
    log = base / "sshd.log"
    with log.open("wb") as log_fh:
        process = subprocess.Popen([sshd, "-D", "-e", "-f", str(config)], stderr=log_fh, stdout=log_fh)
    host_public = (base / "host.pub").read_text().split()
    known_hosts = base / "known_hosts"
    known_hosts.write_text(f"[127.0.0.1]:{port} {host_public[0]} {host_public[1]}\n")
    server = SshServer(
        port=port,
        user=getpass.getuser(),
        home=home,
        client_key=base / "client",
        known_hosts=known_hosts,
        host_public_key=f"{host_public[0]} {host_public[1]}",
        process=process,
        log=log,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            if process.poll() is not None:
                pytest.fail(f"sshd exited: {log.read_text()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"sshd did not listen on {port}: {log.read_text()}")
                time.sleep(0.05)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()


def use_sftp(workdir: Workdir, ssh: SshServer, remote: Path, **source: Any) -> None:
    """Point the default meter-reads exchange at the partner's folder on the SFTP server."""
    config = yaml.safe_load(DEFAULT_CONFIG)
    config["exchanges"]["meter-reads"]["watch"] = False  # watching is for folders; SFTP is scheduled
    config["exchanges"]["meter-reads"]["source"] = {
        "type": "sftp",
        "server": ssh.server_config(**source.pop("server", {})),
        "remote_dir": str(remote),
        "pattern": "*.csv",
        "completion": {"rule": "size-stable", "stable_seconds": 0.3},
        **source,
    }
    workdir.set_config(yaml.safe_dump(config))


@pytest.fixture
def outgoing(ssh_server: SshServer, tmp_path: Path) -> Path:
    """A fresh folder on the server where the partner drops files for the utility."""
    return ssh_server.folder(f"out-{tmp_path.name}")


def sftp_cycle(workdir: Workdir) -> tuple[int, list[dict[str, Any]]]:
    """``hub cycle --json``: its exit code and the outcomes of the files it took (the exchanges it
    did not take, disabled ones, left out)."""
    result = workdir.hub("cycle", "--json")
    assert result.stdout, result.stderr
    return result.code, [o for o in result.json() if o["state"] != "skipped"]


# -- OpenPGP: throwaway GnuPG homes and keys, made with the real gpg -------------------------------


@dataclass
class PgpParty:
    """One key holder: its own GnuPG home and key (ed25519 signing, cv25519 encryption)."""

    home: Path
    fingerprint: str
    passphrase: str = ""

    def gpg(
        self, *args: str, data: bytes | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[bytes]:
        loopback = ["--pinentry-mode", "loopback", "--passphrase", self.passphrase]
        cmd = ["gpg", "--homedir", str(self.home), "--batch", "--yes", *loopback, "--status-fd", "2", *args]
        return subprocess.run(cmd, input=data, capture_output=True, check=check, timeout=60)

    def export(self, *, secret: bool = False) -> bytes:
        return self.gpg("--export-secret-keys" if secret else "--export", self.fingerprint).stdout

    def learn(self, other: PgpParty) -> None:
        """Import another party's public key (to encrypt to it or verify its signatures)."""
        self.gpg("--import", data=other.export())

    def seal(self, data: bytes, to: str, *, sign: bool = True, armor: bool = False) -> bytes:
        """``data`` encrypted to key ``to``, signed by this party unless ``sign`` is False."""
        args = ["--trust-model", "always", "--encrypt", "--recipient", to]
        args += ["--local-user", self.fingerprint, "--sign"] if sign else []
        return self.gpg(*args, *(["--armor"] if armor else []), data=data).stdout

    def revoke(self) -> None:
        """Revoke the key with the certificate gpg made with it."""
        cert = (self.home / "openpgp-revocs.d" / f"{self.fingerprint}.rev").read_bytes()
        self.gpg("--import", data=cert.replace(b":-----BEGIN", b"-----BEGIN"))

    def sign(self, data: bytes) -> bytes:
        """``data`` signed (not encrypted, not compressed: the content is visible in it)."""
        return self.gpg(
            "--compress-algo", "none", "--local-user", self.fingerprint, "--sign", data=data
        ).stdout

    def open(self, data: bytes) -> tuple[bytes, str | None]:
        """Decrypt with this party's key: the content and the primary fingerprint of a good
        signature (None when unsigned or not verifiable)."""
        done = self.gpg("--trust-model", "always", "--decrypt", data=data)
        valid = [ln.split() for ln in done.stderr.decode().splitlines() if ln.startswith("[GNUPG:] VALIDSIG")]
        return done.stdout, (valid[0][11] if valid else None)


class PgpKeys:
    """Key holders made on demand under ``tmp_path``; their gpg-agents are stopped afterwards."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.homes: list[Path] = []

    def party(
        self, name: str, *, expire: str = "0", passphrase: str = "", since: str | None = None
    ) -> PgpParty:
        """A new key holder. ``expire``: gpg's expiry (0 never, 10d, 1y); ``since``: the key is
        made as of that time (gpg's --faked-system-time, e.g. 20200101T000000) so that a short
        expiry is already past."""
        home = self.root / "pgp" / name
        home.mkdir(parents=True, mode=0o700)
        self.homes.append(home)
        party = PgpParty(home, "", passphrase)
        faked = ["--faked-system-time", since] if since else []
        uid = f"{name} <{name}@example.net>"
        party.gpg(*faked, "--quick-gen-key", uid, "future-default", "default", expire)
        listing = party.gpg("--with-colons", "--list-keys", uid).stdout.decode()
        party.fingerprint = next(ln.split(":")[9] for ln in listing.splitlines() if ln.startswith("fpr"))
        return party

    def close(self) -> None:
        for home in [*self.homes, self.root / "var" / "gnupg"]:
            if home.is_dir():
                subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "all"], capture_output=True)


@pytest.fixture
def pgp(tmp_path: Path) -> Iterator[PgpKeys]:
    """Throwaway GnuPG homes under tmp_path (the agents of the hub's own var/gnupg there too are
    stopped at the end)."""
    if shutil.which("gpg") is None:
        pytest.skip("the gpg program is not installed (.ci/run installs gnupg)")
    keys = PgpKeys(tmp_path)
    yield keys
    keys.close()
