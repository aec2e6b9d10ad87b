"""What the ``hub`` command shows at a terminal and nowhere else: progress on stderr while it reads
and checks a file (inspect, validate, reference load), and a long ``hub inspect`` listing through
the pager. Run under a real pseudo-terminal; ``--json``, a piped stdout and a piped stderr never
get either."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import struct
import subprocess
import termios
from pathlib import Path

import pytest

from hub.engine.sample import meter_reads_csv
from hub.engine.sample_common import accounts_csv
from tests.conftest import HUB, Workdir

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
PAGER = "sed 's/^/PAGED:/'"  # the pager the tests set: marks each line it shows


def terminal_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "PAGER", "MANPAGER")}
    return {**env, "TERM": "xterm-256color", "PAGER": PAGER, "COLUMNS": "160", "LINES": "30"}


def at_terminal(workdir: Workdir, *args: str | Path, stderr_piped: bool = False) -> tuple[int, str, str]:
    """Run ``hub`` with stdin, stdout (and stderr, unless ``stderr_piped``) on a pseudo-terminal;
    what the terminal received (escapes removed, line ends as \\n), and the piped stderr."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 160, 0, 0))
    proc = subprocess.Popen(
        [str(HUB), *map(str, args)],
        cwd=workdir.root,
        stdin=slave,
        stdout=slave,
        stderr=subprocess.PIPE if stderr_piped else slave,
        env=terminal_env(),
        close_fds=True,
    )
    os.close(slave)
    received = bytearray()
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the terminal closed: every process on it exited
            break
        if not chunk:
            break
        received += chunk
    os.close(master)
    piped = proc.stderr.read().decode() if proc.stderr else ""
    code = proc.wait(timeout=300)
    text = ANSI.sub("", received.decode(errors="replace")).replace("\r\n", "\n")
    return code, text, piped


@pytest.fixture
def upload(workdir: Workdir) -> Path:
    return workdir.write("route.csv", meter_reads_csv(200, bad=2, seed=4))


def test_inspect_at_a_terminal_shows_progress_and_pages_a_long_listing(
    workdir: Workdir, upload: Path
) -> None:
    code, text, _ = at_terminal(workdir, "inspect", upload, "-f", "meter-reads")
    assert code == 1  # two bad rows
    assert "reading route.csv" in text and "checking route.csv" in text  # the progress, on stderr
    paged = [line for line in text.splitlines() if line.startswith("PAGED:")]
    assert paged[0] == "PAGED:route.csv: meter-reads, 200 records"
    assert any("… 150 more rows (use --all)" in line for line in paged)
    assert any("read_at" in line and "datetime" in line for line in paged)  # the problems, paged too


def test_a_listing_that_fits_the_screen_is_printed_without_the_pager(workdir: Workdir, upload: Path) -> None:
    code, text, _ = at_terminal(workdir, "inspect", upload, "-f", "meter-reads", "--limit", "3")
    assert code == 1 and "PAGED:" not in text
    assert "route.csv: meter-reads, 200 records" in text and "… 197 more rows (use --all)" in text


def test_json_at_a_terminal_has_neither_progress_nor_pager(workdir: Workdir, upload: Path) -> None:
    code, text, _ = at_terminal(workdir, "inspect", upload, "-f", "meter-reads", "--json")
    assert code == 1
    summary = json.loads(text)  # nothing but the JSON reached the terminal
    assert summary["rows"] == 200 and len(summary["problems"]) == 2
    code, text, _ = at_terminal(workdir, "validate", upload, "-x", "meter-reads", "--json")
    assert code == 1 and json.loads(text)["rejected"] == 2


def test_piped_output_has_neither_progress_nor_pager(workdir: Workdir, upload: Path) -> None:
    res = workdir.hub("inspect", upload, "-f", "meter-reads", env={"PAGER": PAGER})
    assert res.code == 1 and res.stderr == ""
    assert res.stdout.startswith("route.csv: meter-reads, 200 records") and "PAGED:" not in res.stdout
    # stdout at a terminal, stderr piped: the listing is for people, the progress is not shown
    code, text, stderr = at_terminal(workdir, "inspect", upload, "-f", "meter-reads", stderr_piped=True)
    assert code == 1 and stderr == "" and "PAGED:route.csv" in text and "checking" not in text


def test_validate_and_reference_load_show_their_stages_at_a_terminal(workdir: Workdir, upload: Path) -> None:
    code, text, _ = at_terminal(workdir, "validate", upload, "-x", "meter-reads")
    assert code == 1
    assert "validating route.csv" in text  # the pipeline's stage, while it runs
    assert "rows 200, would deliver 0, rejected 2" in text
    piped = workdir.hub("validate", upload, "-x", "meter-reads")
    assert piped.code == 1 and "validating" not in piped.stdout + piped.stderr

    extract = workdir.write("accounts.csv", accounts_csv(300, seed=4))
    code, text, _ = at_terminal(workdir, "reference", "load", "accounts", extract)
    assert code == 0
    assert "reading accounts.csv" in text and "loading 300 rows of accounts.csv into the ledger" in text
    assert "300/300 rows" in text  # rows written, reported per chunk
    assert "loaded 300 accounts from accounts.csv as load 1" in text
    piped = workdir.hub("reference", "load", "accounts", extract)
    assert piped.code == 0 and piped.stderr == "" and "loading" not in piped.stdout
