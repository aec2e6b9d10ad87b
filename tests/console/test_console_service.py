"""``hub run --console``: the console answers while the service runs, on the same ledger, and
stops with it at SIGTERM."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from conftest import HUB
from console_setup import make_hub


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as res:
        return int(res.status), res.read().decode()


def test_the_console_answers_while_hub_run_runs_and_stops_with_it(tmp_path: Path) -> None:
    hub = make_hub(tmp_path)
    port = _free_port()
    log = (tmp_path / "service.log").open("wb")
    proc = subprocess.Popen(
        [str(HUB), "run", "--console", "--console-port", str(port)],
        cwd=hub.work.root,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError((tmp_path / "service.log").read_text()) from None
                time.sleep(0.1)
        while "hub run: started" not in (tmp_path / "service.log").read_text():
            assert proc.poll() is None and time.monotonic() < deadline, "the service did not start"
            time.sleep(0.1)
        status, page = _get(f"http://127.0.0.1:{port}/login")
        assert status == 200 and "<h1>Log in</h1>" in page
        assert f"operator console on http://127.0.0.1:{port}/" in (tmp_path / "service.log").read_text()
        assert proc.poll() is None, "the service runs on"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            raise AssertionError("the console still answers after the service stopped")
        except OSError:
            pass
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()


def test_a_console_port_in_use_stops_hub_run_with_a_clear_message(tmp_path: Path) -> None:
    hub = make_hub(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        res = hub.work.hub("run", "--console", "--console-port", str(port))
    assert res.code == 2
    assert f"could not listen on http://127.0.0.1:{port}/" in res.stderr
