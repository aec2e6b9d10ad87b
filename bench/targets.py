"""How often the speed issue's targets hold: every bench run several times, each target counted.

Usage (from the project root, on a quiet machine)::

    .venv/bin/python bench/targets.py [--times N] [--only service run nacha many_files memory]

Runs each bench N times (default 3) one after another as its own process, with its default
arguments, reads the results file it writes under ``bench/out/`` after each run, and prints one
line per target: the value of every run, how many runs met it, and the verdict ("holds" when most
runs met it). Writes ``bench/out/targets.json``. Standard library only, like the benches.

A bench that fails (exit code != 0, no results file) counts as a run that met none of its targets,
and its output tail is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PYTHON = sys.executable

# One measured target: its name, the value and whether it was met.
Found = list[tuple[str, float, bool]]


def _service(r: dict[str, Any]) -> Found:
    found: Found = []
    for k, m in enumerate(r["measures"], 1):
        found.append((f"service latency file {k} (<= 1.0 s)", m["latency"], m["latency_pass"]))
        found.append((f"service latency / bare read file {k} (<= 4.5x)", m["ratio"], m["ratio_pass"]))
    peak = r["service_peak_mb"]
    found.append(("service peak MB over its uploads (< 1024)", peak, peak < 1024))
    return found


def _run(r: dict[str, Any]) -> Found:
    t = r["targets"]
    return [
        (
            "hub process / bare read (<= 5x)",
            t["hub_over_bare_read"]["value"],
            t["hub_over_bare_read"]["pass"],
        ),
        ("per_row / hub process (>= 3x)", t["per_row_over_hub"]["value"], t["per_row_over_hub"]["pass"]),
        ("hub process peak MB, 1M rows (< 1536)", t["hub_peak_mb"]["value"], t["hub_peak_mb"]["pass"]),
    ]


def _nacha(r: dict[str, Any]) -> Found:
    n, wall = r["entries"], r["wall"]
    inside, whole = n / wall["hub"], n / wall["hub process"]
    return [
        ("NACHA in process entries/s (>= 1,000,000)", round(inside), inside >= 1_000_000),
        ("NACHA hub process entries/s (>= 400,000)", round(whole), whole >= 400_000),
    ]


def _many_files(r: dict[str, Any]) -> Found:
    t = r["target"]
    return [("many files overhead ms/file (< 20)", t["overhead_ms_per_file"], t["pass"])]


def _memory(r: list[dict[str, Any]]) -> Found:
    return [
        (f"peak MB at {m['rows']:,} rows (< {m['target_mb']:.0f})", m["peak_mb"], m["pass"] and m["ok"])
        for m in r
    ]


# bench name -> (script, its results file, what to read from it)
BENCHES: dict[str, tuple[str, str, Callable[[Any], Found]]] = {
    "service": ("service.py", "service-results.json", _service),
    "run": ("run.py", "results.json", _run),
    "nacha": ("nacha.py", "nacha-results.json", _nacha),
    "many_files": ("many_files.py", "many_files.json", _many_files),
    "memory": ("memory.py", "memory/memory-results.json", _memory),
}


def once(name: str) -> Found | None:
    """One run of bench ``name``; its targets, or None when it failed."""
    script, results, read = BENCHES[name]
    path = OUT / results
    path.unlink(missing_ok=True)
    started = time.monotonic()
    child = subprocess.run(
        [PYTHON, str(ROOT / "bench" / script)], cwd=ROOT, capture_output=True, text=True, check=False
    )
    seconds = time.monotonic() - started
    if child.returncode != 0 or not path.exists():
        tail = "\n".join((child.stdout + child.stderr).splitlines()[-15:])
        print(f"  {name}: FAILED (exit {child.returncode}, {seconds:.0f} s)\n{tail}", flush=True)
        return None
    found = read(json.loads(path.read_text(encoding="utf-8")))
    said = ", ".join(f"{label.split(' (')[0]} {value:,}" for label, value, _ in found)
    print(f"  {name}: {seconds:.0f} s: {said}", flush=True)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--times", type=int, default=3, help="runs of each bench")
    parser.add_argument("--only", nargs="+", choices=sorted(BENCHES), default=list(BENCHES))
    args = parser.parse_args()
    runs: dict[str, list[Found | None]] = {}
    load = os.getloadavg()
    for k in range(1, args.times + 1):
        print(f"round {k}/{args.times} (load {os.getloadavg()[0]:.2f})", flush=True)
        for name in args.only:
            runs.setdefault(name, []).append(once(name))
    table: dict[str, dict[str, Any]] = {}
    for found in runs.values():
        labels = next((f for f in found if f is not None), [])
        for i, (label, _, _) in enumerate(labels):
            got = [f[i] if f is not None and i < len(f) else None for f in found]
            values = [g[1] if g else None for g in got]
            met = sum(1 for g in got if g and g[2])
            table[label] = {"values": values, "met": met, "runs": len(found), "holds": met * 2 > len(found)}
    print()
    print(f"{'target':<52}{'met':>8}  values, run by run")
    for label, row in table.items():
        values = "  ".join("failed" if v is None else f"{v:,}" for v in row["values"])
        verdict = "holds" if row["holds"] else "MISSED"
        print(f"{label:<52}{row['met']:>3} of {row['runs']}  {values}  {verdict}")
    held = sum(r["holds"] for r in table.values())
    print(
        f"\n{held} of {len(table)} targets hold in most runs "
        f"(load {load[0]:.2f} before, {os.getloadavg()[0]:.2f} after)"
    )
    doc = {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "times": args.times,
        "targets": table,
    }
    (OUT / "targets.json").write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
