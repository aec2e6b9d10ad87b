"""Benchmark: history does not slow a file down.

Usage (from the project root)::

    .venv/bin/python bench/ledger_growth.py [--uploads N] [--rows N] [--small N] [--small-rows N]

1. Nightly uploads: N distinct uploads (default 30 of 1,000,000 rows, one a night up to today) go
   one after another into ONE ledger, each by ``hub process FILE --exchange meter-reads --json`` as
   a whole process. Prints each file's time, peak memory and the ledger's size after it; target:
   the last file within 10% of the first, and its peak memory too (flat).
2. Small files: one ``hub cycle`` over the first 50 of tonight's route uploads (``--small-rows``,
   default 1,400 rows, ~100 KB each) and one over all of them (``--small``, default 1,000), each in
   a fresh folder and ledger; target: the second at most 22x the first (linear: 20x the files).
3. Beside it, OpenSSH's ``sftp`` fetching the same files from a local ``sshd`` on 127.0.0.1 (the
   floor: moving the bytes); skipped, saying why, when OpenSSH is not installed.

Uploads are made by ``bench/uploads.py`` before anything is timed. Times are wall times of whole
processes, peaks their own ``ru_maxrss`` (``bench/run.py``'s ``run_child``); this script imports
only the standard library. Writes ``bench/out/ledger_growth.json``. Exit code 0 when everything ran
(a missed target is a result), 1 when a child failed or delivered the wrong count.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sshd
from run import HUB, OUT, PYTHON, BenchError, Child, _check_hub, _fail, _git_state, _verdict, _warm, run_child

BENCH = Path(__file__).resolve().parent

MAX_GROWTH = 1.10  # the last nightly file within 10% of the first, in time and in peak memory
MAX_CYCLE_RATIO = 22.0  # a cycle over 1,000 small files at most 22x one over 50
FEW = 50


def _folder(work: Path, name: str) -> Path:
    """A fresh hub folder with the default configuration (``hub init``)."""
    folder = work / name
    folder.mkdir()
    child = run_child([str(HUB), "init"], folder)
    if child.returncode != 0:
        raise _fail("hub init", [str(HUB), "init"], child, "setup step failed")
    return folder


def _make(what: str, folder: Path, count: int, rows: int) -> list[Path]:
    cmd = [str(PYTHON), str(BENCH / "uploads.py"), what, str(folder), str(count), str(rows)]
    child = run_child(cmd, BENCH.parent)
    if child.returncode != 0 or child.stdout.strip() != str(count):
        raise _fail("uploads", cmd, child, f"expected {count} files")
    return sorted(folder.iterdir())


def _ledger_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in (folder / "var").glob("hub.db*")) / 1e6


def nightly(work: Path, uploads: int, rows: int) -> dict[str, Any]:
    """N distinct uploads into one ledger, one whole ``hub process`` each."""
    folder = _folder(work, "nightly")
    print(f"making {uploads} nightly uploads of {rows:,} rows ...", flush=True)
    files = _make("nightly", work / "nightly-uploads", uploads, rows)
    runs = []
    for n, upload in enumerate(files, 1):
        _warm(upload)
        cmd = [str(HUB), "process", str(upload), "--exchange", "meter-reads", "--json"]
        child = run_child(cmd, folder)
        _check_hub(cmd, child, rows)
        upload.unlink()
        runs.append({"seconds": round(child.seconds, 3), "peak_mb": round(child.peak_mb, 1)})
        runs[-1]["ledger_mb"] = round(_ledger_mb(folder), 1)
        print(
            f"[{n}/{uploads}] hub process {child.seconds:7.2f} s {child.peak_mb:7.0f} MB"
            f"   ledger {runs[-1]['ledger_mb']:8.1f} MB",
            flush=True,
        )
    return {"uploads": uploads, "rows": rows, "runs": runs}


def _cycle(work: Path, name: str, files: list[Path], rows: int) -> Child:
    """One ``hub cycle`` over ``files`` dropped in a fresh folder's inbox; every one delivered."""
    folder = _folder(work, name)
    inbox = folder / "inbox" / "meter-reads"
    inbox.mkdir(parents=True, exist_ok=True)
    for path in files:
        shutil.copyfile(path, inbox / path.name)
    cmd = [str(HUB), "cycle", "--json"]
    child = run_child(cmd, folder)
    try:
        outcomes = json.loads(child.stdout)
    except ValueError:
        raise _fail("hub cycle", cmd, child, "--json output is not JSON") from None
    delivered = [o for o in outcomes if o.get("state") == "delivered" and o.get("delivered") == rows]
    if child.returncode != 0 or len(delivered) != len(files):
        raise _fail("hub cycle", cmd, child, f"expected {len(files)} files delivered, {rows} rows each")
    return child


def small_files(work: Path, count: int, rows: int) -> dict[str, Any]:
    """A cycle over the first 50 route uploads and one over all of them, then sftp fetching them."""
    print(f"making {count} route uploads of {rows:,} rows ...", flush=True)
    files = _make("routes", work / "routes", count, rows)
    result: dict[str, Any] = {"count": count, "rows": rows, "bytes": sum(p.stat().st_size for p in files)}
    for label, chosen in (("few", files[:FEW]), ("all", files)):
        child = _cycle(work, f"cycle-{label}", chosen, rows)
        result[label] = {
            "files": len(chosen),
            "seconds": round(child.seconds, 3),
            "peak_mb": round(child.peak_mb),
        }
        print(
            f"hub cycle over {len(chosen):>5} files {child.seconds:8.2f} s {child.peak_mb:7.0f} MB",
            flush=True,
        )
    result["sftp"] = sftp_fetch(work, work / "routes", len(files))
    return result


def sftp_fetch(work: Path, remote: Path, count: int) -> dict[str, Any]:
    """OpenSSH's ``sftp`` (batch mode, key auth, pinned host key) fetching every file of ``remote``
    from an ``sshd`` started here on 127.0.0.1, as the tests start it (``bench/sshd.py``)."""
    if (why := sshd.missing()) is not None:
        return {"skipped": why}
    fetched = work / "fetched"
    fetched.mkdir()
    with sshd.running(work / "sshd") as server:
        start = time.perf_counter()
        done = subprocess.run(
            server.sftp_command(), input=f"get {remote}/* {fetched}/\n", capture_output=True, text=True
        )
        seconds = time.perf_counter() - start
    got = len(list(fetched.iterdir()))
    if done.returncode != 0 or got != count:
        return {"skipped": f"sftp failed ({done.returncode}, {got} of {count} files): {done.stderr[-300:]}"}
    print(f"sftp fetching the same {count} files {seconds:6.2f} s", flush=True)
    return {"seconds": round(seconds, 3), "files": count}


def verdicts(night: dict[str, Any], small: dict[str, Any]) -> dict[str, Any]:
    first, last = night["runs"][0], night["runs"][-1]
    growth = last["seconds"] / first["seconds"]
    memory = last["peak_mb"] / first["peak_mb"]
    ratio = small["all"]["seconds"] / small["few"]["seconds"]
    return {
        "last_over_first": {
            "value": round(growth, 3),
            "target": f"<= {MAX_GROWTH}",
            "pass": growth <= MAX_GROWTH,
        },
        "peak_last_over_first": {
            "value": round(memory, 3),
            "target": f"<= {MAX_GROWTH}",
            "pass": memory <= MAX_GROWTH,
        },
        "cycle_ratio": {
            "value": round(ratio, 2),
            "target": f"<= {MAX_CYCLE_RATIO}",
            "pass": ratio <= MAX_CYCLE_RATIO,
        },
    }


def report(night: dict[str, Any], small: dict[str, Any], checks: dict[str, Any]) -> None:
    runs = night["runs"]
    first, last = runs[0], runs[-1]
    n = len(runs)
    g, m, c = checks["last_over_first"], checks["peak_last_over_first"], checks["cycle_ratio"]
    print()
    print(f"{n} distinct uploads of {night['rows']:,} rows into one ledger (whole `hub process` each)")
    print(f"  first file  {first['seconds']:7.2f} s  {first['peak_mb']:6.0f} MB peak")
    print(f"  file {n:<6} {last['seconds']:7.2f} s  {last['peak_mb']:6.0f} MB peak")
    print(f"  last / first time   = {g['value']:5.2f}x (target <= {MAX_GROWTH})  {_verdict(g['pass'])}")
    print(f"  last / first peak   = {m['value']:5.2f}x (target <= {MAX_GROWTH})  {_verdict(m['pass'])}")
    times, peaks = [r["seconds"] for r in runs], [r["peak_mb"] for r in runs]
    print(f"  every file: {min(times):.2f}-{max(times):.2f} s; peak memory up to {max(peaks):.0f} MB")
    print(f"  ledger: {last['ledger_mb']:.1f} MB after {n} files ({last['ledger_mb'] / n:.1f} MB a file)")
    few, every = small["few"], small["all"]
    size_kb = small["bytes"] / small["count"] / 1e3
    print(f"one `hub cycle` over route uploads of {small['rows']:,} rows ({size_kb:.0f} KB each)")
    for cycle in (few, every):
        each_ms = cycle["seconds"] / cycle["files"] * 1e3
        print(f"  {cycle['files']:>5} files {cycle['seconds']:8.2f} s   ({each_ms:.0f} ms a file)")
    more = every["files"] / few["files"]
    verdict = _verdict(c["pass"])
    print(f"  ratio = {c['value']:.2f}x for {more:.1f}x the files (target <= {MAX_CYCLE_RATIO})  {verdict}")
    sftp = small["sftp"]
    if "seconds" in sftp:
        print(f"  OpenSSH sftp fetching the same {sftp['files']} files: {sftp['seconds']:.2f} s")
    else:
        print(f"  OpenSSH sftp: skipped: {sftp['skipped']}")
    print(f"overall: {'PASS' if all(x['pass'] for x in checks.values()) else 'FAIL'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--uploads", type=int, default=30, help="nightly uploads into one ledger")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of each nightly upload")
    parser.add_argument("--small", type=int, default=1_000, help="route uploads in the large cycle")
    parser.add_argument("--small-rows", type=int, default=1_400, help="rows of each route upload")
    parser.add_argument("--keep", action="store_true", help="keep the working folder under bench/out/")
    args = parser.parse_args(argv)
    if args.uploads < 2 or args.rows < 1 or args.small < FEW or args.small_rows < 1:
        parser.error(f"--uploads must be at least 2, --small at least {FEW}, the rows at least 1")
    if not HUB.exists():
        parser.error(f"{HUB} not found: run with the project's virtualenv python (.venv/bin/python)")
    OUT.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"growth-{datetime.now(UTC):%Y%m%dT%H%M%S}-", dir=OUT))
    load_before = os.getloadavg()
    try:
        night = nightly(work, args.uploads, args.rows)
        small = small_files(work, args.small, args.small_rows)
    except BenchError as exc:
        print(f"\nBENCHMARK ERROR: {exc}", file=sys.stderr)
        return 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    checks = verdicts(night, small)
    report(night, small, checks)
    results = {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "nightly": night,
        "small_files": small,
        "targets": checks,
        "all_pass": all(x["pass"] for x in checks.values()),
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        "git": _git_state(),
    }
    path = OUT / "ledger_growth.json"
    path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"results: {path.relative_to(BENCH.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
