"""Benchmark: 1,000,000 district consumption rows through `hub process` against a per-row `csv` +
pydantic pipeline doing the same checks and conversion (``bench/consumption_per_row.py``).

Usage: ``.venv/bin/python bench/consumption.py [--rows N] [--repeat K] [--keep]``. Standard library
only: makes a fresh folder under ``bench/out/``, ``hub init``, ``hub sample district.csv --kind
consumption --rows N``, warms the page cache, then times both whole processes (spawn to reap, peak
RSS from ``os.wait4``) K times each, keeping the best; before each hub run ``var/`` and ``outbox/`` are
removed (a first delivery of all N rows). Fails loudly when the hub does not deliver N rows or the
baseline does not print N. Prints both times and the ratio (target >= 5x).
"""

from __future__ import annotations

import argparse
import json
import secrets
import shutil
import sys
import time
from pathlib import Path

from run import run_child

PYTHON = Path(sys.executable)
HUB = PYTHON.parent / "hub"
BENCH = Path(__file__).resolve().parent
TARGET = 5.0


def run(cmd: list[str], cwd: Path) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (MB) and stdout of ``cmd`` run to completion; exits on failure."""
    child = run_child(cmd, cwd)
    if child.returncode != 0:
        sys.exit(
            f"FAILED ({child.returncode}): {' '.join(cmd)}\n{child.stdout[-2000:]}\n{child.stderr[-2000:]}"
        )
    return child.seconds, int(child.peak_mb), child.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    if not HUB.exists():
        parser.error(f"{HUB} not found: run with the project's virtualenv python (.venv/bin/python)")
    rows = args.rows // 12 * 12  # whole years of monthly periods
    work = BENCH / "out" / f"consumption-{time.strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(3)}"
    work.mkdir(parents=True)
    run([str(HUB), "init"], work)
    run([str(HUB), "sample", "district.csv", "--kind", "consumption", "--rows", str(rows)], work)
    data = work / "district.csv"
    with data.open("rb") as fh:  # warm the page cache
        while fh.read(1 << 20):
            pass
    hub_cmd = [str(HUB), "process", str(data), "--exchange", "consumption", "--json"]
    base_cmd = [str(PYTHON), str(BENCH / "consumption_per_row.py"), str(data), str(work / "per_row.csv")]
    best: dict[str, tuple[float, int]] = {}
    for _ in range(args.repeat):
        for what in ("var", "outbox"):
            shutil.rmtree(work / what, ignore_errors=True)
        wall, peak, text = run(hub_cmd, work)
        outcome = json.loads(text)
        if outcome.get("state") != "delivered" or outcome.get("delivered") != rows:
            sys.exit(f"FAILED: hub did not deliver {rows} rows: {text[:2000]}")
        best["hub process"] = min(best.get("hub process", (wall, peak)), (wall, peak))
        print(f"hub process   {wall:8.2f} s", flush=True)
        wall, peak, text = run(base_cmd, work)
        if text.strip() != str(rows):
            sys.exit(f"FAILED: the per-row baseline printed {text.strip()!r}, not {rows}")
        best["per_row"] = min(best.get("per_row", (wall, peak)), (wall, peak))
        print(f"per_row       {wall:8.2f} s", flush=True)
    size = data.stat().st_size / 1e6
    print(f"\n{rows:,} district rows, {size:.1f} MB, whole processes, best of {args.repeat}")
    print(f"{'name':<14}{'seconds':>9}{'rows/s':>14}{'peak MB':>10}")
    for name, (wall, peak) in best.items():
        print(f"{name:<14}{wall:9.2f}{rows / wall:14,.0f}{peak:10}")
    ratio = best["per_row"][0] / best["hub process"][0]
    verdict = "PASS" if ratio >= TARGET else "FAIL"
    print(f"\nper_row / hub = {ratio:6.2f}x  (target >= {TARGET:g})  {verdict}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
