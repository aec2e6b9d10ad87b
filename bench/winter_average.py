"""Benchmark: ``hub winter-average`` over 100,000 accounts x 12 monthly histories against a
straightforward per-row Python computation of the same averages (``bench/winter_average_per_row.py``).

Usage: ``.venv/bin/python bench/winter_average.py [--accounts N] [--repeat K] [--keep]``. Standard
library only: a fresh folder under ``bench/out/``, ``hub init`` with the winter window set to Dec 15
- Mar 15 (so March is prorated), ``hub sample district.csv --kind consumption --rows 12N`` (a 2026
year of calendar months per account) delivered once through ``hub process`` (not timed); a copy of
that ledger is put back before each timed run, so every ``hub winter-average --season 2026 --json``
is a first delivery of N averages. Then K rounds of both whole processes (spawn to reap, peak RSS
from ``os.wait4``), best time kept. The baseline reads the delivered ``ConsumptionHistory`` CIS files
(the same histories, in the CIS unit). Fails loudly unless the hub delivers N averages and both give
the same average, days covered, periods used and method for every account.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

PYTHON = Path(sys.executable)
HUB = PYTHON.parent / "hub"
BENCH = Path(__file__).resolve().parent
SEASON = 2026
WINDOW = ("12-15", "03-15")  # first and last day: March is cut at the 15th (prorated)
FIELDS = ("average_per_day", "days_covered", "periods_used", "method")


def run(cmd: list[str], cwd: Path) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (MB) and stdout of ``cmd`` run to completion; exits on failure."""
    out, err = cwd / "child.out", cwd / "child.err"
    with out.open("wb") as o, err.open("wb") as e:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=o, stderr=e)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    text = out.read_text()
    if code != 0:
        sys.exit(f"FAILED ({code}): {' '.join(cmd)}\n{text[-2000:]}\n{err.read_text()[-2000:]}")
    return wall, usage.ru_maxrss // 1024, text


def configure(work: Path) -> None:
    """The default hub.yaml with the winter-averages window set to WINDOW."""
    config = work / "hub.yaml"
    text = config.read_text()
    (sm, sd), (em, ed) = ((int(p) for p in d.split("-")) for d in WINDOW)
    lines = {
        "      start_month: 12": f"      start_month: {sm}",
        "      start_day: 1": f"      start_day: {sd}",
        "      end_month: 3": f"      end_month: {em}",
        "      end_day: 31": f"      end_day: {ed}",
    }
    for old, new in lines.items():
        if text.count(old + " ") + text.count(old + "\n") != 1:
            sys.exit(f"FAILED: the default configuration no longer holds one {old.strip()!r} line")
        text = text.replace(old + " ", new + " ").replace(old + "\n", new + "\n")
    config.write_text(text)


def read_rows(paths: list[Path]) -> dict[str, tuple[str, ...]]:
    found: dict[str, tuple[str, ...]] = {}
    for path in paths:
        with path.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                found[row["account"]] = tuple(row[f] for f in FIELDS)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    if not HUB.exists():
        parser.error(f"{HUB} not found: run with the project's virtualenv python (.venv/bin/python)")
    n, rows = args.accounts, args.accounts * 12
    work = BENCH / "out" / f"winter-average-{time.strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(3)}"
    work.mkdir(parents=True)
    run([str(HUB), "init"], work)
    configure(work)
    run([str(HUB), "sample", "district.csv", "--kind", "consumption", "--rows", str(rows)], work)
    wall, _, text = run([str(HUB), "process", "district.csv", "--exchange", "consumption", "--json"], work)
    if json.loads(text).get("delivered") != rows:
        sys.exit(f"FAILED: the histories did not deliver {rows} rows: {text[:2000]}")
    print(f"histories     {wall:8.2f} s  ({rows:,} rows delivered, not part of the comparison)", flush=True)
    histories = sorted((work / "outbox" / "cis").glob("*.ConsumptionHistory.csv"))
    shutil.copytree(work / "var", work / "var.histories")
    for path in histories:  # warm the page cache
        with path.open("rb") as fh:
            while fh.read(1 << 20):
                pass
    hub_cmd = [str(HUB), "winter-average", "--season", str(SEASON), "--json"]
    base_out = work / "per_row.csv"
    base_cmd = [
        str(PYTHON),
        str(BENCH / "winter_average_per_row.py"),
        str(SEASON),
        str(base_out),
        ":".join(WINDOW),
        *map(str, histories),
    ]
    best: dict[str, tuple[float, int]] = {}
    hub_rows: dict[str, tuple[str, ...]] = {}
    for _ in range(args.repeat):
        shutil.rmtree(work / "var")
        shutil.copytree(work / "var.histories", work / "var")  # no average delivered yet
        for path in (work / "outbox" / "cis").glob("winter-averages-*"):
            path.unlink()
        wall, peak, text = run(hub_cmd, work)
        outcome = json.loads(text)
        if outcome.get("state") != "delivered" or outcome.get("delivered") != n:
            sys.exit(f"FAILED: hub did not deliver {n} averages: {text[:2000]}")
        best["hub winter-average"] = min(best.get("hub winter-average", (wall, peak)), (wall, peak))
        print(f"hub winter-average {wall:8.2f} s", flush=True)
        hub_rows = read_rows(sorted((work / "outbox" / "cis").glob("winter-averages-*.WinterAverage.csv")))
        wall, peak, text = run(base_cmd, work)
        if text.strip() != str(n):
            sys.exit(f"FAILED: the per-row baseline printed {text.strip()!r}, not {n}")
        best["per_row"] = min(best.get("per_row", (wall, peak)), (wall, peak))
        print(f"per_row            {wall:8.2f} s", flush=True)
    base_rows = read_rows([base_out])
    differ = [a for a in sorted(set(hub_rows) | set(base_rows)) if hub_rows.get(a) != base_rows.get(a)]
    if differ:
        a = differ[0]
        sys.exit(
            f"FAILED: {len(differ)} accounts differ, e.g. {a}: "
            f"hub {hub_rows.get(a)}, per_row {base_rows.get(a)}"
        )
    prorated = sum(1 for r in hub_rows.values() if r[3] == "prorated")
    print(
        f"\n{n:,} accounts x 12 histories, season {SEASON} "
        f"(window {WINDOW[0]}..{WINDOW[1]}), best of {args.repeat}"
    )
    print(f"results agree: {len(hub_rows):,} averages ({prorated:,} prorated), {FIELDS}")
    print(f"{'name':<20}{'seconds':>9}{'accounts/s':>14}{'peak MB':>10}")
    for name, (wall, peak) in best.items():
        print(f"{name:<20}{wall:9.2f}{n / wall:14,.0f}{peak:10}")
    ratio = best["per_row"][0] / best["hub winter-average"][0]
    print(f"\nper_row / hub = {ratio:6.2f}x")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
