"""Benchmark: ``hub process`` of a meter-read upload as partners really send it.

Usage (from the project root)::

    .venv/bin/python bench/awkward_uploads.py [--rows 1000000] [--repeat K] [--keep]

In a fresh folder under ``bench/out/``: ``hub init``, ``hub sample upload.csv --rows N`` (the clean
upload), and three variants of it written here, line by line:

- ``broken``: every 100,000th data line with a field too many, and one blank line;
- ``quoted``: every field in double quotes (as some billing and meter systems export);
- ``crlf``: Windows line ends.

Each is run through ``hub process FILE --exchange meter-reads --json`` as a whole process (a fresh
ledger each time, best of K; the exchange's ``row_policy`` set to ``accept-valid-rows``, so a
file's good rows are delivered and its broken ones reported), beside two floors on the same machine
in the same run: a bare ``polars.read_csv`` of the clean upload (``bench/bare_read.py``) and the
csv module reading each file row by row (what every such file cost before,
``formats.csv_table._exact``). Prints seconds,
rows/s and the ratios to the clean upload and to the bare read; writes
``bench/out/awkward-results.json``. Checks every outcome (delivered rows, the broken rows rejected
with their lines) and fails loudly otherwise. Standard library only, like ``bench/run.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from run import HUB, OUT, PYTHON, BenchError, Child, _fail, _fresh_hub_state, _git_state, _warm, run_child

BROKEN_EVERY = 100_000
CSV_MODULE = (
    "import csv, sys\n"
    "with open(sys.argv[1], newline='', encoding='utf-8') as fh:\n"
    "    print(sum(1 for _ in csv.reader(fh)) - 1)\n"
)


Variant = tuple[Path, int, list[int], int]  # file, rows delivered, lines of broken rows, csv records


def _variants(clean: Path) -> dict[str, Variant]:
    """The clean upload and its variants (``Variant``), written line by line."""
    lines = clean.read_text(encoding="utf-8").splitlines()
    header, rows = lines[0], lines[1:]
    broken: list[str] = []
    bad: list[int] = []
    for n, row in enumerate(rows):
        if n == len(rows) // 2:
            broken.append("")  # a blank line
        if n % BROKEN_EVERY == BROKEN_EVERY - 1:
            bad.append(len(broken) + 2)  # its line in the file (the header is line 1)
            row += ",extra"
        broken.append(row)
    quoted = [",".join(f'"{cell}"' for cell in row.split(",")) for row in rows]
    out: dict[str, Variant] = {"clean": (clean, len(rows), [], len(rows))}
    for name, body, eol, wrong in (
        ("broken", broken, "\n", bad),
        ("quoted", quoted, "\n", []),
        ("crlf", rows, "\r\n", []),
    ):
        path = clean.with_name(f"upload-{name}.csv")
        path.write_text(eol.join([header, *body]) + eol, encoding="utf-8", newline="")
        out[name] = (path, len(rows) - len(wrong), wrong, len(body))
    return out


def _hub(work: Path, path: Path, rows: int, wrong: list[int]) -> Child:
    cmd = [str(HUB), "process", str(path), "--exchange", "meter-reads", "--json"]
    _fresh_hub_state(work)
    child = run_child(cmd, work)
    try:
        outcome = json.loads(child.stdout)
    except ValueError as exc:
        raise _fail("hub process", cmd, child, f"--json output is not JSON ({exc})") from None
    lines = sorted(p.get("line") for p in outcome.get("problems", []) if p.get("rule") == "field_count")
    if outcome.get("state") != "delivered" or outcome.get("delivered") != rows or lines != wrong:
        raise _fail(
            "hub process",
            cmd,
            child,
            f"expected {rows} delivered and field_count problems at lines {wrong}, got state "
            f"{outcome.get('state')!r}, delivered {outcome.get('delivered')!r}, lines {lines}",
        )
    return child


def _floor(work: Path, cmd: list[str], rows: int) -> Child:
    child = run_child(cmd, work)
    if child.returncode != 0 or child.stdout.strip().splitlines()[-1:] != [str(rows)]:
        raise _fail(cmd[1], cmd, child, f"expected it to print {rows}")
    return child


def benchmark(rows: int, repeat: int, *, keep: bool) -> dict[str, Any]:
    load = os.getloadavg()
    OUT.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"awkward-{datetime.now(UTC):%Y%m%dT%H%M%S}-", dir=OUT))
    try:
        for cmd in ([str(HUB), "init"], [str(HUB), "sample", "upload.csv", "--rows", str(rows)]):
            child = run_child(cmd, work)
            if child.returncode != 0:
                raise _fail(cmd[1], cmd, child, "setup step failed")
        config = work / "hub.yaml"  # meter-reads delivers a file's good rows, reports the broken
        config.write_text(
            config.read_text().replace("row_policy: reject-file\n", "row_policy: accept-valid-rows\n", 1)
        )
        variants = _variants(work / "upload.csv")
        bare = min(
            _floor(
                work, [str(PYTHON), str(Path(__file__).with_name("bare_read.py")), "upload.csv"], rows
            ).seconds
            for _ in range(repeat)
        )
        found: dict[str, Any] = {}
        for name, (path, delivered, wrong, records) in variants.items():
            _warm(path)
            runs = [_hub(work, path, delivered, wrong) for _ in range(repeat)]
            best = min(runs, key=lambda c: c.seconds)
            module = _floor(work, [str(PYTHON), "-c", CSV_MODULE, str(path)], records)
            found[name] = {
                "seconds": round(best.seconds, 3),
                "cpu_seconds": round(best.cpu_seconds, 3),
                "peak_mb": round(best.peak_mb),
                "runs": [round(c.seconds, 3) for c in runs],
                "csv_module_seconds": round(module.seconds, 3),
                "bytes": path.stat().st_size,
            }
            print(
                f"{name:7s} hub process {best.seconds:6.2f} s (csv module alone {module.seconds:5.2f} s)",
                flush=True,
            )
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    return {
        "rows": rows,
        "repeat": repeat,
        "bare_read_seconds": round(bare, 3),
        "variants": found,
        "load_before": load,
        "load_after": os.getloadavg(),
        **_git_state(),
    }


def _print(results: dict[str, Any]) -> None:
    rows, bare = results["rows"], results["bare_read_seconds"]
    clean = results["variants"]["clean"]["seconds"]
    print(f"\n{rows:,} rows, `hub process` whole process, best of {results['repeat']}")
    print(
        f"{'upload':8s} {'seconds':>8s} {'rows/s':>10s} {'cpu s':>6s} {'peak MB':>8s} {'/ clean':>8s} "
        f"{'/ bare':>7s} {'csv module s':>13s}"
    )
    for name, r in results["variants"].items():
        print(
            f"{name:8s} {r['seconds']:8.2f} {rows / r['seconds']:10,.0f} {r['cpu_seconds']:6.2f} "
            f"{r['peak_mb']:8d} {r['seconds'] / clean:7.2f}x {r['seconds'] / bare:6.2f}x "
            f"{r['csv_module_seconds']:13.2f}"
        )
    print(f"bare polars.read_csv of the clean upload: {bare:.2f} s")
    print(f"load average = {results['load_before'][0]:.2f} before, {results['load_after'][0]:.2f} after")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="hub process of awkward uploads")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    try:
        results = benchmark(args.rows, args.repeat, keep=args.keep)
    except BenchError as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    _print(results)
    out = OUT / "awkward-results.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"results: {out.relative_to(OUT.parent.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
