"""Shared fixtures: a working folder with the default configuration, the real ``hub`` command, and
sample partner files."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hub.config import DEFAULT_CONFIG
from hub.sample import meter_reads_csv

HUB = Path(sys.executable).with_name("hub")


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

    def hub(self, *args: str | Path, env: dict[str, str] | None = None) -> Result:
        proc = subprocess.run(
            [str(HUB), *map(str, args)],
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
    import psycopg

    server: str = request.getfixturevalue("postgres_server")
    name = f"t_{uuid.uuid4().hex[:12]}"
    plain = server.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(f"{plain}/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return f"{server}/{name}"
