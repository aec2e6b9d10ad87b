"""Benchmark: ``hub process`` against a bare polars read and a per-row pydantic pipeline.

Usage (from the project root)::

    .venv/bin/python bench/run.py [--rows N] [--repeat K]

Generates one N-row meter-reader upload (default 1,000,000) with ``hub sample`` in a fresh folder
under ``bench/out/``, then times three whole processes on that same file -- start-up included:

1. ``hub process FILE --exchange meter-reads --json`` (landing, ledger, validation, mapping and CIS
   delivery), with a fresh ledger, landing area and outbox for every repeat;
2. ``python bench/bare_read.py FILE`` -- ``polars.read_csv(FILE, infer_schema=False)``;
3. ``python bench/per_row.py FILE OUT`` -- ``csv.DictReader`` + one pydantic model per row +
   ``csv.writer``.

Wall time is measured around each child; peak memory is the child's own ``ru_maxrss`` from
``os.wait4``. With ``--repeat K`` the best (minimum) time of K runs is kept (with that run's peak
memory; the reported peak is the maximum over the runs). Prints a table and the two ratios against
the issue's targets, and writes ``bench/out/results.json``. This script imports only the standard
library, so a child's ``ru_maxrss`` is not inflated by the parent's memory (Linux carries the
parent's high-water mark into a vforked child until it execs).

Exit code: 0 when every measurement ran (a missed target is a result, not an error); 1 when a child
failed or produced a wrong row count.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"
PYTHON = Path(sys.executable)
HUB = PYTHON.parent / "hub"

# The targets.
MIN_SPEEDUP_VS_PER_ROW = 3.0  # per_row / hub >= 3
MAX_SLOWDOWN_VS_BARE = 5.0  # hub / bare_read <= 5
MAX_PEAK_MB = 1536.0  # peak RSS of `hub process` < 1.5 GB

OUTCOME_KEYS = ("state", "rows", "delivered", "rejected", "transactions")


class BenchError(Exception):
    """A child failed or its output is not what the benchmark expects."""


@dataclass
class Child:
    """One finished child process."""

    seconds: float
    peak_mb: float
    stdout: str
    stderr: str
    returncode: int
    cpu_seconds: float = 0.0  # user + system time of the child (and its reaped children)


@dataclass
class Measure:
    """The kept (fastest) run of one contender, and every run's time."""

    name: str
    command: list[str]
    seconds: float = float("inf")
    peak_mb: float = 0.0
    runs: list[float] = field(default_factory=list)
    peaks: list[float] = field(default_factory=list)

    def add(self, child: Child) -> None:
        self.runs.append(round(child.seconds, 4))
        self.peaks.append(round(child.peak_mb, 1))
        self.seconds = min(self.seconds, child.seconds)
        self.peak_mb = max(self.peak_mb, child.peak_mb)

    def rows_per_s(self, rows: int) -> float:
        return rows / self.seconds if self.seconds > 0 else float("inf")


def run_child(cmd: list[str], cwd: Path) -> Child:
    """Run ``cmd`` to completion; wall time around spawn..reap, peak RSS from ``os.wait4``."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here; keep Popen consistent
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    # ru_maxrss is in KiB on Linux, bytes on macOS.
    peak = usage.ru_maxrss / (1024 * 1024) if sys.platform == "darwin" else usage.ru_maxrss / 1024
    cpu = usage.ru_utime + usage.ru_stime
    return Child(seconds, peak, stdout, stderr, proc.returncode, cpu)


def _fail(what: str, cmd: list[str], child: Child, why: str) -> BenchError:
    tail = "\n".join(child.stderr.strip().splitlines()[-15:])
    return BenchError(
        f"{what} FAILED: {why}\n  command: {' '.join(cmd)}\n  exit code: {child.returncode}\n"
        f"  stdout: {child.stdout.strip()[:2000]}\n  stderr (tail):\n{tail}"
    )


def _check_count(what: str, cmd: list[str], child: Child, rows: int) -> None:
    if child.returncode != 0:
        raise _fail(what, cmd, child, "non-zero exit")
    lines = child.stdout.strip().splitlines()
    if not lines or lines[-1].strip() != str(rows):
        raise _fail(what, cmd, child, f"expected it to print {rows} rows")


def _check_hub(cmd: list[str], child: Child, rows: int) -> dict[str, Any]:
    if child.returncode != 0:
        raise _fail("hub process", cmd, child, "non-zero exit")
    try:
        outcome: dict[str, Any] = json.loads(child.stdout)
    except ValueError as exc:
        raise _fail("hub process", cmd, child, f"--json output is not JSON ({exc})") from None
    if outcome.get("state") != "delivered" or outcome.get("delivered") != rows:
        raise _fail(
            "hub process",
            cmd,
            child,
            f"expected state delivered and delivered == {rows}, got state {outcome.get('state')!r}, "
            f"delivered {outcome.get('delivered')!r}, rejected {outcome.get('rejected')!r}",
        )
    return outcome


def _fresh_hub_state(work: Path) -> None:
    """Remove the ledger, landed copies, reports and CIS batches of an earlier repeat."""
    for name in ("var", "outbox"):
        shutil.rmtree(work / name, ignore_errors=True)


def _setup(rows: int) -> tuple[Path, Path]:
    OUT.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    work = Path(tempfile.mkdtemp(prefix=f"run-{stamp}-", dir=OUT))
    for cmd in ([str(HUB), "init"], [str(HUB), "sample", "upload.csv", "--rows", str(rows)]):
        child = run_child(cmd, work)
        if child.returncode != 0:
            raise _fail(cmd[1], cmd, child, "setup step failed")
    upload = work / "upload.csv"
    print(f"upload: {upload} ({rows:,} rows, {upload.stat().st_size / 1e6:.1f} MB)", flush=True)
    return work, upload


def _warm(path: Path) -> None:
    """Read the file once so the first contender does not pay alone for cold reads. In small chunks:
    a child's ``ru_maxrss`` starts from this process's high-water mark."""
    with path.open("rb") as fh:
        while fh.read(1 << 20):
            pass


def _git_state() -> dict[str, Any]:
    """The commit measured and the files changed in the working tree (others may be editing)."""

    def git(*args: str) -> str:
        try:
            done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True)
        except (OSError, subprocess.CalledProcessError):
            return ""
        return done.stdout.rstrip()

    changed = [line[3:] for line in git("status", "--porcelain").splitlines() if line[3:]]
    return {"commit": git("rev-parse", "HEAD") or None, "changed": changed}


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def benchmark(rows: int, repeat: int, *, keep: bool, stages: bool) -> dict[str, Any]:
    load_before = os.getloadavg()
    work, upload = _setup(rows)
    _warm(upload)
    hub_cmd = [str(HUB), "process", str(upload), "--exchange", "meter-reads", "--json"]
    bare_cmd = [str(PYTHON), str(BENCH / "bare_read.py"), str(upload)]
    per_row_out = work / "per_row.out.csv"
    per_row_cmd = [str(PYTHON), str(BENCH / "per_row.py"), str(upload), str(per_row_out)]
    hub = Measure("hub process", hub_cmd)
    bare = Measure("bare_read", bare_cmd)
    per_row = Measure("per_row", per_row_cmd)
    outcome: dict[str, Any] = {}
    for k in range(1, repeat + 1):
        _fresh_hub_state(work)
        child = run_child(hub_cmd, work)
        outcome = _check_hub(hub_cmd, child, rows)
        hub.add(child)
        print(f"[{k}/{repeat}] hub process  {child.seconds:8.2f} s  {child.peak_mb:8.0f} MB", flush=True)

        child = run_child(bare_cmd, work)
        _check_count("bare_read", bare_cmd, child, rows)
        bare.add(child)
        print(f"[{k}/{repeat}] bare_read    {child.seconds:8.2f} s  {child.peak_mb:8.0f} MB", flush=True)

        child = run_child(per_row_cmd, work)
        _check_count("per_row", per_row_cmd, child, rows)
        per_row.add(child)
        print(f"[{k}/{repeat}] per_row      {child.seconds:8.2f} s  {child.peak_mb:8.0f} MB", flush=True)
        per_row_out.unlink(missing_ok=True)

    speedup = per_row.seconds / hub.seconds
    slowdown = hub.seconds / bare.seconds
    targets = {
        "per_row_over_hub": {
            "value": round(speedup, 3),
            "target": f">= {MIN_SPEEDUP_VS_PER_ROW}",
            "pass": speedup >= MIN_SPEEDUP_VS_PER_ROW,
        },
        "hub_over_bare_read": {
            "value": round(slowdown, 3),
            "target": f"<= {MAX_SLOWDOWN_VS_BARE}",
            "pass": slowdown <= MAX_SLOWDOWN_VS_BARE,
        },
        "hub_peak_mb": {
            "value": round(hub.peak_mb, 1),
            "target": f"< {MAX_PEAK_MB:.0f}",
            "pass": hub.peak_mb < MAX_PEAK_MB,
        },
    }
    results = {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "rows": rows,
        "repeat": repeat,
        "file": str(upload),
        "file_bytes": upload.stat().st_size,
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "loadavg_before": [round(x, 2) for x in load_before],
            "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        },
        "measures": {
            m.name: {
                **{k: v for k, v in asdict(m).items() if k != "name"},
                "seconds": round(m.seconds, 4),
                "peak_mb": round(m.peak_mb, 1),
                "rows_per_s": round(m.rows_per_s(rows)),
            }
            for m in (hub, bare, per_row)
        },
        "git": _git_state(),
        "hub_outcome": {k: outcome.get(k) for k in OUTCOME_KEYS},
        "targets": targets,
        "all_pass": all(t["pass"] for t in targets.values()),
    }
    _print(results, (hub, bare, per_row), rows)
    if stages:
        results["hub_stages"] = _stages(work, upload, rows)
    if not keep:
        shutil.rmtree(work, ignore_errors=True)
        results["file"] = None
    return results


def _stages(work: Path, upload: Path, rows: int) -> dict[str, Any]:
    """One extra, untimed-by-the-table run of bench/stages.py (fresh ledger): seconds per stage."""
    _fresh_hub_state(work)
    cmd = [str(PYTHON), str(BENCH / "stages.py"), str(upload)]
    child = run_child(cmd, work)
    if child.returncode != 0:
        raise _fail("stages", cmd, child, "non-zero exit")
    found: dict[str, Any] = json.loads(child.stdout)
    if found.get("delivered") != rows:
        raise _fail("stages", cmd, child, f"expected {rows} rows delivered")
    print(f"\nhub process by stage (bench/stages.py, one extra run, {child.seconds:.2f} s as a process):")
    for name, seconds in found["stages"].items():
        print(f"  {name:<12}{seconds:>8.2f} s")
    print(f"  {'in-process':<12}{found['total']:>8.2f} s (the rest: interpreter start-up and shutdown)")
    found["process_seconds"] = round(child.seconds, 3)
    found["process_peak_mb"] = round(child.peak_mb, 1)
    return found


def _print(results: dict[str, Any], measures: tuple[Measure, ...], rows: int) -> None:
    t = results["targets"]
    best = f"best of {results['repeat']}" if results["repeat"] > 1 else "1 run"
    print()
    print(f"{rows:,} rows, {results['file_bytes'] / 1e6:.1f} MB, whole processes, {best}")
    print(f"{'name':<14}{'seconds':>10}{'rows/s':>14}{'peak MB':>10}")
    for m in measures:
        print(f"{m.name:<14}{m.seconds:>10.2f}{m.rows_per_s(rows):>14,.0f}{m.peak_mb:>10.0f}")
    print()
    r1, r2, r3 = t["per_row_over_hub"], t["hub_over_bare_read"], t["hub_peak_mb"]
    print(f"per_row / hub    = {r1['value']:6.2f}x  (target >= 3)    {_verdict(r1['pass'])}")
    print(f"hub / bare_read  = {r2['value']:6.2f}x  (target <= 5)    {_verdict(r2['pass'])}")
    print(f"hub peak memory  = {r3['value']:6.0f} MB (target < 1536) {_verdict(r3['pass'])}")
    print(f"overall: {'PASS' if results['all_pass'] else 'FAIL'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=1_000_000, help="data rows in the upload")
    parser.add_argument("--repeat", type=int, default=1, help="runs per contender; the best time is kept")
    parser.add_argument("--keep", action="store_true", help="keep the working folder under bench/out/")
    parser.add_argument(
        "--stages", action="store_true", help="also time each stage of `hub process` (bench/stages.py)"
    )
    args = parser.parse_args(argv)
    if args.rows < 1 or args.repeat < 1:
        parser.error("--rows and --repeat must be at least 1")
    if not HUB.exists():
        parser.error(f"{HUB} not found: run with the project's virtualenv python (.venv/bin/python)")
    try:
        results = benchmark(args.rows, args.repeat, keep=args.keep, stages=args.stages)
    except BenchError as exc:
        print(f"\nBENCHMARK ERROR: {exc}", file=sys.stderr)
        return 1
    path = OUT / "results.json"
    path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"results: {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
