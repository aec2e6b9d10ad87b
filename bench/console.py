"""Benchmark: the operator console's files list, Today, the report pages (volumes, reconciliation,
suspense) over 100,000 files and a file's page with 50,000 problems, answered through the real
application (Starlette's TestClient, a logged-in session) on a SQLite ledger of that size.

    .venv/bin/python bench/console.py [--files 100000] [--problems 50000] [--repeat 5]

Prints, for each page, the median and worst time of ``--repeat`` requests, and the ledger's size.
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert
from starlette.testclient import TestClient

from hub.console.app import create_app
from hub.engine.config import DEFAULT_CONFIG, load_config
from hub.engine.users import add_user
from hub.kernel.problems import Problem
from hub.ledger import Ledger
from hub.ledger import schema as t

PASSWORD = "benchmark password"
STATES = ("delivered", "delivered", "delivered", "rejected", "duplicate")
EXCHANGES = ("meter-reads", "lockbox", "bai2", "ach-returns")
RULES = ("datetime", "integer", "code_list", "reading_required", "not_in_future")


def fill(root: Path, files: int, problems: int) -> int:
    """A ledger of ``files`` files over 60 days and one rejected file with ``problems`` problems;
    that file's id."""
    settings = load_config(root / "hub.yaml")
    ledger = Ledger.open(settings.ledger_url())
    base = datetime.now(UTC) - timedelta(days=60)
    rows = [
        {
            "exchange": EXCHANGES[i % 4],
            "name": f"partner-{i:07d}.csv",
            "sha256": f"{i:064x}",
            "size": 1000,
            "source": "bench",
            "state": STATES[i % 5],
            "landed_path": "",
            "rows": 500,
            "delivered": 500,
            "rejected": 0,
            "already_delivered": 0,
            "landed_at": base + timedelta(seconds=i * 60 * 60 * 24 * 60 // files),
            "updated_at": base,
        }
        for i in range(files)
    ]
    with ledger.tx() as conn:
        conn.execute(insert(t.files), rows)
    file_id = ledger.add_file(
        exchange="meter-reads",
        name="big-rejected.csv",
        sha256="f" * 64,
        size=1,
        source="bench",
        state="rejected",
        landed_path="",
    )
    run_id = ledger.start_run("meter-reads", "manual")
    found = [
        Problem.of(
            RULES[n % 5], f"line {n + 2} breaks {RULES[n % 5]}", line=n + 2, field="reading", value=str(n)
        )
        for n in range(problems)
    ]
    ledger.add_problems(file_id, run_id, found)
    ledger.update_file(file_id, last_run_id=run_id, rejected=problems)
    ledger.close()
    add_user(settings, "bench", "viewer", PASSWORD)
    return file_id


def timed(client: TestClient, path: str, repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        res = client.get(path)
        times.append(time.perf_counter() - start)
        assert res.status_code == 200, (path, res.status_code)
    return statistics.median(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--problems", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="console-bench-") as tmp:
        root = Path(tmp)
        (root / "hub.yaml").write_text(DEFAULT_CONFIG, encoding="utf-8")
        started = time.perf_counter()
        big = fill(root, args.files, args.problems)
        size = (root / "var" / "hub.db").stat().st_size
        print(
            f"ledger: {args.files + 1:,} files, {args.problems:,} problems on file {big}, "
            f"{size / 1e6:.1f} MB (filled in {time.perf_counter() - started:.1f} s)"
        )
        client = TestClient(create_app(load_config(root / "hub.yaml")))
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
        assert token
        client.post("/login", data={"name": "bench", "password": PASSWORD, "csrf_token": token.group(1)})
        last = -(-(args.files + 1) // 50)
        month_ago = datetime.now(UTC).date() - timedelta(days=30)
        pages = {
            "Today": "/",
            "files, first page": "/files",
            f"files, last page ({last})": f"/files?page={last}",
            "files, state=rejected": "/files?state=rejected",
            "files, exchange+state+day": f"/files?exchange=lockbox&state=delivered&day={month_ago}",
            "files, name contains": "/files?name=0099",
            "file page, first 100 problems": f"/files/{big}",
            "file page, problems page 500": f"/files/{big}?page=500",
            "file page, search": f"/files/{big}?q=code_list&page=50",
            "volumes (60 days, SVG + tables)": "/volumes",
            "reconciliation of a date": f"/reconcile?date={month_ago}",
            "suspense, last 7 days": "/suspense",
        }
        print(f"{'page':34} {'median ms':>10} {'worst ms':>9}")
        for name, path in pages.items():
            median, worst = timed(client, path, args.repeat)
            print(f"{name:34} {median * 1000:10.1f} {worst * 1000:9.1f}")


if __name__ == "__main__":
    main()
