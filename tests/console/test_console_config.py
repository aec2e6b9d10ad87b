"""hub.yaml's ``console:`` section: the lock-out, the upload limit, the session's length and the
address take effect in the console; ``hub console`` and ``hub run --console`` options win over it;
a mistaken key is a configuration error naming its key path."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
import yaml
from conftest import HUB
from console_setup import Hub, log_in, make_hub, preview

from hub.engine.config import DEFAULT_CONFIG, load_config, parse_config
from hub.engine.config_console import ConsoleConfig
from hub.engine.sample import meter_reads_csv
from hub.kernel.errors import ConfigError


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Hub:
    return make_hub(tmp_path_factory.mktemp("console-config"))


def _set_console(hub: Hub, **section: Any) -> None:
    path = hub.work.root / "hub.yaml"
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    config["console"] = section
    path.write_text(yaml.safe_dump(config), encoding="utf-8")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_default_hub_yaml_has_a_console_section_with_every_default() -> None:
    raw = yaml.safe_load(DEFAULT_CONFIG)
    assert ConsoleConfig.model_validate(raw["console"]) == ConsoleConfig()
    assert "console:" in DEFAULT_CONFIG and "# tls_cert:" in DEFAULT_CONFIG
    settings = parse_config(raw, root=Path("/srv/hub"))
    assert settings.config.console.unmasked_roles == ["admin"]


def test_a_mistaken_console_key_is_a_config_error_naming_its_path(tmp_path: Path) -> None:
    raw = yaml.safe_load(DEFAULT_CONFIG)
    raw["console"] = {"lock_afterr": 2, "port": 70000, "unmasked_roles": ["root"], "tls_cert": "c.pem"}
    with pytest.raises(ConfigError) as err:
        parse_config(raw, root=tmp_path)
    said = str(err.value)
    assert "hub.yaml: console.lock_afterr: Extra inputs are not permitted" in said
    assert "hub.yaml: console.port: Input should be less than or equal to 65535 (got 70000)" in said
    assert "hub.yaml: console.unmasked_roles.0:" in said and "'root'" in said
    raw["console"] = {"tls_cert": "c.pem"}
    with pytest.raises(ConfigError, match="console: tls_cert and tls_key go together"):
        parse_config(raw, root=tmp_path)
    (tmp_path / "hub.yaml").write_text(DEFAULT_CONFIG.replace("  port: 8470\n", "  prot: 8470\n"))
    res = subprocess.run([str(HUB), "status"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert res.returncode != 0 and "console.prot: Extra inputs are not permitted" in res.stderr + res.stdout


def test_the_console_section_sets_the_lock_out_upload_limit_and_session(hub: Hub) -> None:
    _set_console(hub, lock_after=2, lock_minutes=30, upload_limit_mb=1, session_hours=2)
    client = hub.client()
    assert log_in(client, "vic", "wrong").status_code == 401
    locked = log_in(client, "vic", "wrong")
    assert locked.status_code == 423 and "locked after too many failed log-ins" in locked.text
    assert log_in(client, "vic").status_code == 423, "locked: even the right password is refused"

    otto = hub.client()
    res = log_in(otto, "otto")
    assert res.status_code == 303
    assert "Max-Age=7200" in res.headers["set-cookie"], "a session lasts session_hours"
    big = meter_reads_csv(20000, seed=8)
    assert 1_000_000 < len(big) < 2_000_000
    refused = preview(otto, hub.rejected_id, "corrected", upload=("route-south.csv", big))
    assert refused.status_code == 413 and "larger than the console takes (1 MB)" in refused.text
    _set_console(hub)


def test_options_given_win_over_the_section(hub: Hub) -> None:
    _set_console(hub, lock_after=1, upload_limit_mb=1)
    client = hub.client(lock_after=3, upload_limit=3 * 10**6)
    assert log_in(client, "otto", "wrong").status_code == 401
    assert log_in(client, "otto", "wrong").status_code == 401, "the option's 3, not the file's 1"
    assert log_in(client, "otto").status_code == 303
    _set_console(hub)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Hub, list[subprocess.Popen[bytes]]]]:
    hub = make_hub(tmp_path)
    procs: list[subprocess.Popen[bytes]] = []
    yield hub, procs
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=30)


def _listening(proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(log.read_text()) from None
            time.sleep(0.1)


def test_hub_console_options_win_over_the_file_and_the_file_sets_the_rest(
    served: tuple[Hub, list[subprocess.Popen[bytes]]],
) -> None:
    hub, procs = served
    configured, given = _free_port(), _free_port()
    _set_console(hub, port=configured, lock_after=1)
    log = hub.work.root / "console.log"
    command = [str(HUB), "console", "--port", str(given), "--lock-after", "2"]
    procs.append(
        subprocess.Popen(command, cwd=hub.work.root, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    )
    _listening(procs[0], given, log)
    assert f"operator console on http://127.0.0.1:{given}/" in log.read_text()
    with httpx.Client(base_url=f"http://127.0.0.1:{given}") as client:
        assert log_in(client, "vic", "wrong").status_code == 401
        assert log_in(client, "vic", "wrong").status_code == 423, "--lock-after 2, not the file's 1"
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", configured), timeout=1).close()


def test_hub_run_serves_the_console_on_the_files_port_unless_told_another(
    served: tuple[Hub, list[subprocess.Popen[bytes]]],
) -> None:
    hub, procs = served
    configured, given = _free_port(), _free_port()
    _set_console(hub, port=configured)
    for n, extra in enumerate(([], ["--console-port", str(given)])):
        log = hub.work.root / f"service-{n}.log"
        command = [str(HUB), "run", "--console", *extra]
        proc = subprocess.Popen(command, cwd=hub.work.root, stdout=log.open("wb"), stderr=subprocess.STDOUT)
        procs.append(proc)
        port = given if extra else configured
        _listening(proc, port, log)
        assert httpx.get(f"http://127.0.0.1:{port}/login").status_code == 200
        proc.terminate()
        assert proc.wait(timeout=30) == 0
    assert load_config(hub.work.root / "hub.yaml").config.console.port == configured
