"""Benchmark: a cycle over many small files spends its time on the files, not on per-file overhead.

Usage (from the project root)::

    .venv/bin/python bench/many_files.py [--files 1000] [--rows 1400] [--keep] [--no-sftp]

In a fresh folder under ``bench/out/``: ``hub init``, then N route uploads of the meter reader
(``bench/uploads.py routes``: the hub's own generator, each file its own meters, ~100 KB at 1,400
rows), and in the same run:

1. ``hub cycle --json`` (a whole process) over the files dropped in the watched ``inbox/meter-reads``;
2. ``hub cycle --json`` over the same files on a real OpenSSH ``sshd`` on 127.0.0.1 (the exchange's
   source switched to ``type: sftp``, host key pinned), beside OpenSSH's ``sftp -b`` fetching them
   (``get``; the floor of moving the bytes);
3. ``bench/many_files_stages.py``: the same cycle in process, every stage timed (open/commit ledger
   transaction, claim, land, record, deliver, publish), the file's own work (parse + validate + map of
   every file in process, nothing landed or delivered) and a bare ``polars.read_csv`` of every file.

Per-file overhead = the cycle's time per file minus the file's own work per file, both measured
here; target < 20 ms. Writes ``bench/out/many_files.json``. Exit code 0 when everything ran (a
missed target is a result), 1 when a child failed or delivered the wrong count.
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
from ledger_growth import _folder, _make
from run import HUB, OUT, PYTHON, BenchError, Child, _fail, _git_state, _verdict, run_child

BENCH = Path(__file__).resolve().parent
STAGES = BENCH / "many_files_stages.py"
MAX_OVERHEAD_MS = 20.0


def _delivered(cmd: list[str], child: Child, files: int, rows: int) -> None:
    try:
        outcomes = json.loads(child.stdout)
    except ValueError:
        raise _fail("hub cycle", cmd, child, "--json output is not JSON") from None
    ok = [o for o in outcomes if o.get("state") == "delivered" and o.get("delivered") == rows]
    if child.returncode != 0 or len(ok) != files:
        raise _fail("hub cycle", cmd, child, f"expected {files} files delivered, {rows} rows each")


def _fill(folder: Path, files: list[Path]) -> None:
    inbox = folder / "inbox" / "meter-reads"
    inbox.mkdir(parents=True, exist_ok=True)
    for path in files:
        shutil.copyfile(path, inbox / path.name)


def _timed(cmd: list[str], cwd: Path) -> tuple[Child, dict[str, Any]]:
    child = run_child(cmd, cwd)
    if child.returncode != 0:
        raise _fail(cmd[2], cmd, child, "non-zero exit")
    return child, json.loads(child.stdout.strip().splitlines()[-1])


def _figures(child: Child, files: int) -> dict[str, Any]:
    return {
        "seconds": round(child.seconds, 3),
        "cpu_seconds": round(child.cpu_seconds, 3),
        "files_per_s": round(files / child.seconds, 1),
        "ms_per_file": round(child.seconds / files * 1e3, 2),
        "cpu_ms_per_file": round(child.cpu_seconds / files * 1e3, 2),
        "peak_mb": round(child.peak_mb),
    }


def local_cycle(work: Path, files: list[Path], rows: int) -> dict[str, Any]:
    folder = _folder(work, "cycle-local")
    _fill(folder, files)
    cmd = [str(HUB), "cycle", "--json"]
    child = run_child(cmd, folder)
    _delivered(cmd, child, len(files), rows)
    return _figures(child, len(files))


def sftp_side(work: Path, routes: Path, files: list[Path], rows: int) -> dict[str, Any]:
    """``hub cycle`` with an SFTP source and OpenSSH's ``sftp`` fetching the same files."""
    import yaml  # the bench runs with the project's virtualenv

    if (why := sshd.missing()) is not None:
        return {"skipped": why}
    with sshd.running(work / "sshd") as server:
        fetched = work / "fetched"
        fetched.mkdir()
        start = time.perf_counter()
        done = subprocess.run(
            server.sftp_command(), input=f"get {routes}/* {fetched}/\n", capture_output=True, text=True
        )
        client_s = time.perf_counter() - start
        got = len(list(fetched.iterdir()))
        if done.returncode != 0 or got != len(files):
            raise BenchError(f"sftp failed ({done.returncode}, {got} of {len(files)}): {done.stderr[-300:]}")
        remote = work / "remote"
        remote.mkdir()
        for path in files:
            shutil.copyfile(path, remote / path.name)
        folder = _folder(work, "cycle-sftp")
        config = yaml.safe_load((folder / "hub.yaml").read_text())
        config["exchanges"]["meter-reads"]["watch"] = False
        config["exchanges"]["meter-reads"]["source"] = {
            "type": "sftp",
            "server": {
                "host": "127.0.0.1",
                "port": server.port,
                "user": server.user,
                "key_file": str(server.client_key),
                "known_hosts": str(server.known_hosts),
            },
            "remote_dir": str(remote),
            "pattern": "*.csv",
            "post_action": "archive",
            "completion": {"rule": "rename"},
        }
        (folder / "hub.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
        cmd = [str(HUB), "cycle", "--json"]
        child = run_child(cmd, folder)
        _delivered(cmd, child, len(files), rows)
    result = _figures(child, len(files))
    result["sftp_client_seconds"] = round(client_s, 3)
    result["sftp_client_ms_per_file"] = round(client_s / len(files) * 1e3, 2)
    return result


def in_process(work: Path, routes: Path, files: list[Path]) -> dict[str, Any]:
    folder = _folder(work, "cycle-stages")
    _fill(folder, files)
    _, stages = _timed([str(PYTHON), str(STAGES), "cycle"], folder)
    _, own = _timed([str(PYTHON), str(STAGES), "own", str(routes)], folder)
    _, bare = _timed([str(PYTHON), str(STAGES), "bare", str(routes)], folder)
    return {"stages": stages, "own": own, "bare": bare}


def verdict(results: dict[str, Any]) -> dict[str, Any]:
    n = results["files"]
    own_ms = results["in_process"]["own"]["wall"] / n * 1e3
    overhead = results["local"]["ms_per_file"] - own_ms
    inproc = results["in_process"]["stages"]["wall"] / n * 1e3 - own_ms
    return {
        "own_ms_per_file": round(own_ms, 2),
        "overhead_ms_per_file": round(overhead, 2),
        "overhead_in_process_ms_per_file": round(inproc, 2),
        "overhead_cpu_ms_per_file": round(
            results["local"]["cpu_ms_per_file"] - results["in_process"]["own"]["cpu"] / n * 1e3, 2
        ),
        "target": f"< {MAX_OVERHEAD_MS} ms",
        "pass": overhead < MAX_OVERHEAD_MS,
    }


def report(results: dict[str, Any]) -> None:
    n, local, check = results["files"], results["local"], results["target"]
    inproc = results["in_process"]
    stages, own, bare = inproc["stages"], inproc["own"], inproc["bare"]
    size_kb = results["bytes"] / n / 1e3
    print()
    print(f"{n:,} route uploads of {results['rows']:,} rows ({size_kb:.0f} KB each), one cycle")
    print(f"{'':34}{'seconds':>9}{'files/s':>9}{'ms/file':>9}{'cpu ms/file':>12}")

    def row(name: str, seconds: float, cpu: float | None) -> None:
        cpu_text = f"{cpu / n * 1e3:12.1f}" if cpu is not None else f"{'':12}"
        print(f"{name:34}{seconds:9.2f}{n / seconds:9.1f}{seconds / n * 1e3:9.1f}{cpu_text}")

    row("hub cycle (folder source)", local["seconds"], local["cpu_seconds"])
    sftp = results["sftp"]
    if "skipped" in sftp:
        print(f"hub cycle (sftp source): skipped: {sftp['skipped']}")
    else:
        row("hub cycle (sftp source, sshd)", sftp["seconds"], sftp["cpu_seconds"])
        row("OpenSSH sftp -b get, same files", sftp["sftp_client_seconds"], None)
    row("in process: cycle, timed stages", stages["wall"], stages["cpu"])
    row("in process: own work (parse+map)", own["wall"], own["cpu"])
    row("in process: bare polars.read_csv", bare["wall"], bare["cpu"])
    print("where a file's time goes in the cycle (ms/file, main thread, exclusive): wall   cpu")
    for name, seconds in stages["stages"].items():
        cpu = stages["stages_cpu"].get(name, 0.0)
        print(f"  {name:40}{seconds / n * 1e3:8.2f}{cpu / n * 1e3:7.2f}")
    tx = stages["calls"].get("ledger tx", 0) // 2
    print(f"  ledger transactions: {tx / n:.1f} a file")
    print(
        f"per-file overhead = {local['ms_per_file']:.1f} - {check['own_ms_per_file']:.1f} own = "
        f"{check['overhead_ms_per_file']:.1f} ms (target < {MAX_OVERHEAD_MS:.0f})  {_verdict(check['pass'])}"
    )
    print(f"  in process (no start-up): {check['overhead_in_process_ms_per_file']:.1f} ms")
    print(
        f"  in CPU time: {local['cpu_ms_per_file']:.1f} - {own['cpu'] / n * 1e3:.1f} own = "
        f"{check['overhead_cpu_ms_per_file']:.1f} ms (what a quiet machine would approach)"
    )
    if "skipped" not in sftp:
        ratio = sftp["seconds"] / sftp["sftp_client_seconds"]
        print(f"hub cycle over sftp / OpenSSH sftp = {ratio:.1f}x")
    print(f"hub cycle / bare read = {local['seconds'] / bare['wall']:.1f}x")
    before, after = results["loadavg_before"], results["loadavg_after"]
    print(f"load average = {before[0]:.2f} before, {after[0]:.2f} after (2 cores; judge by cpu ms)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--files", type=int, default=1_000, help="route uploads in the cycle")
    parser.add_argument("--rows", type=int, default=1_400, help="rows of each (1,400: ~100 KB)")
    parser.add_argument("--no-sftp", action="store_true", help="skip the sshd side")
    parser.add_argument("--keep", action="store_true", help="keep the working folder under bench/out/")
    args = parser.parse_args(argv)
    if args.files < 1 or args.rows < 1:
        parser.error("--files and --rows must be at least 1")
    if not HUB.exists():
        parser.error(f"{HUB} not found: run with the project's virtualenv python (.venv/bin/python)")
    OUT.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"many-{datetime.now(UTC):%Y%m%dT%H%M%S}-", dir=OUT))
    load_before = os.getloadavg()
    try:
        print(f"making {args.files} route uploads of {args.rows:,} rows ...", flush=True)
        routes = work / "routes"
        files = _make("routes", routes, args.files, args.rows)
        results: dict[str, Any] = {"files": args.files, "rows": args.rows}
        results["bytes"] = sum(p.stat().st_size for p in files)
        print("hub cycle, folder source ...", flush=True)
        results["local"] = local_cycle(work, files, args.rows)
        print("hub cycle, sftp source; OpenSSH sftp ...", flush=True)
        results["sftp"] = (
            {"skipped": "--no-sftp"} if args.no_sftp else sftp_side(work, routes, files, args.rows)
        )
        print("in process: stages, own work, bare read ...", flush=True)
        results["in_process"] = in_process(work, routes, files)
    except BenchError as exc:
        print(f"\nBENCHMARK ERROR: {exc}", file=sys.stderr)
        return 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    results["target"] = verdict(results)
    results["loadavg_before"] = [round(x, 2) for x in load_before]
    results["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    results["created_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    results["git"] = _git_state()
    report(results)
    path = OUT / "many_files.json"
    path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"results: {path.relative_to(BENCH.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
