"""Benchmark: how soon a running ``hub run`` delivers a 1,000,000-row upload renamed into its inbox.

Usage (from the project root)::

    .venv/bin/python bench/service.py [--rows N] [--files K] [--gap S] [--keep]

Makes a fresh folder under ``bench/out/``, ``hub init`` (the default ``hub.yaml``: ``meter-reads``
watches ``inbox/meter-reads/``, completion rule ``rename``), ``hub sample upload.csv --rows N``, and
K variants of it that share no key (the meters renumbered: ``M5...`` becomes ``M1...``, ``M2...``),
so every file is a first delivery of all N rows. Starts ``hub run --log-format json`` and waits for
its ``started`` event, then for each variant in turn:

1. copies it into the inbox under a partial name (``upload-k.csv.part``, which the rule never takes),
   waits ``--gap`` seconds (the sweep the copy's folder events caused is over), reads the service's
   CPU time (``/proc/PID/stat``), and renames it to ``upload-k.csv`` (atomic);
2. waits for the CIS control file (``outbox/cis/*.control.json``, published last, by rename) with
   **inotify** (``IN_MOVED_TO | IN_CREATE`` on ``outbox/cis``, through ctypes; a 1 ms ``os.scandir``
   loop where inotify is missing): the latency is from just before the rename to the event;
3. waits until the upload has left the inbox (archived after its run is recorded) and the service's
   CPU time stops moving, and reads its CPU time and minor page faults (fresh memory pages) again
   and its peak RSS so far (``VmHWM``);
4. runs ``python bench/bare_read.py --timed`` on the same file: a separate process that imports
   polars first and then times only ``polars.read_csv(FILE, infer_schema=False)``.

Prints each file's latency, the service's CPU seconds for it, the bare read beside it, the ratio,
and PASS/FAIL against the issue's targets (latency <= 1.0 s, latency / bare read <= 4.5), the load
average before and after, the service's peak memory (``ru_maxrss`` from ``os.wait4`` after SIGINT),
and writes ``bench/out/service-results.json``. Standard library only, like ``bench/run.py``.

Exit code: 0 when every file was delivered (a missed target is a result); 1 when the service failed
to start, a file was not delivered in time, or a control file does not count N transactions.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import json
import os
import platform
import select
import shlex
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from run import HUB, OUT, PYTHON, ROOT, BenchError, _fail, _git_state, _verdict, _warm, run_child

BENCH = Path(__file__).resolve().parent

# The targets.
MAX_LATENCY = 1.0  # seconds from the rename to the control file
MAX_OVER_BARE = 4.5  # latency / bare in-process read_csv

IN_CREATE = 0x100
IN_MOVED_TO = 0x80
CONTROL_SUFFIX = ".control.json"
TICK = os.sysconf("SC_CLK_TCK")


class ControlWatch:
    """New ``*.control.json`` names in one folder: inotify through ctypes on Linux, else polling."""

    def __init__(self, folder: Path, *, poll: bool = False) -> None:
        self.folder = folder
        self.fd = -1
        self.seen = {p.name for p in folder.iterdir()}
        libc_name = None if poll else ctypes.util.find_library("c")
        if libc_name and sys.platform.startswith("linux"):
            libc = ctypes.CDLL(libc_name, use_errno=True)
            fd = libc.inotify_init1(os.O_CLOEXEC)
            if fd >= 0 and libc.inotify_add_watch(fd, str(folder).encode(), IN_CREATE | IN_MOVED_TO) >= 0:
                self.fd = fd
        self.method = "inotify" if self.fd >= 0 else "poll 1 ms"

    def wait(self, timeout: float) -> tuple[str, float] | None:
        """The next new control file's name and the ``perf_counter`` when it was seen, or None."""
        deadline = time.perf_counter() + timeout
        while (left := deadline - time.perf_counter()) > 0:
            if self.fd >= 0:
                ready, _, _ = select.select([self.fd], [], [], left)
                if not ready:
                    return None
                data = os.read(self.fd, 65536)
                now = time.perf_counter()
                at = 0
                while at < len(data):
                    _wd, _mask, _cookie, size = struct.unpack_from("iIII", data, at)
                    name = data[at + 16 : at + 16 + size].rstrip(b"\0").decode()
                    at += 16 + size
                    if name.endswith(CONTROL_SUFFIX) and name not in self.seen:
                        self.seen.add(name)
                        return name, now
            else:
                with os.scandir(self.folder) as entries:
                    new = [e.name for e in entries if e.name.endswith(CONTROL_SUFFIX)]
                now = time.perf_counter()
                for name in new:
                    if name not in self.seen:
                        self.seen.add(name)
                        return name, now
                time.sleep(0.001)
        return None

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process, all its threads (``/proc/PID/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime (fields 14 and 15)


def page_faults(pid: int) -> int:
    """Minor page faults of a running process so far (``/proc/PID/stat`` field 10): fresh memory
    pages it touched, a figure a busy machine does not change."""
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[7])


def peak_mb(pid: int) -> float:
    """The process's peak resident memory so far (``VmHWM``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def settle_cpu(pid: int, quiet: float = 0.3, timeout: float = 30) -> float:
    """Wait until the service's CPU time stops moving for ``quiet`` seconds; that time."""
    deadline = time.monotonic() + timeout
    last = cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(quiet)
        now = cpu_seconds(pid)
        if now == last:
            return now
        last = now
    return last


def variants(upload: Path, files: int) -> list[Path]:
    """``files`` copies of the upload that share no key: the meters renumbered (``,M5`` -> ``,Mk``,
    same length), line by line so this process never holds the file."""
    made = []
    for k in range(1, files + 1):
        path = upload.with_name(f"upload-{k}.csv")
        new = f",M{k}".encode()
        with upload.open("rb") as src, path.open("wb") as dst:
            dst.writelines(line.replace(b",M5", new, 1) for line in src)
        made.append(path)
    return made


def _setup(rows: int, files: int) -> tuple[Path, list[Path]]:
    OUT.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    work = Path(tempfile.mkdtemp(prefix=f"service-{stamp}-", dir=OUT))
    for cmd in ([str(HUB), "init"], [str(HUB), "sample", "upload.csv", "--rows", str(rows)]):
        child = run_child(cmd, work)
        if child.returncode != 0:
            raise _fail(cmd[1], cmd, child, "setup step failed")
    upload = work / "upload.csv"
    made = variants(upload, files)
    upload.unlink()
    print(f"uploads: {files} x {rows:,} rows, {made[0].stat().st_size / 1e6:.1f} MB, in {work}", flush=True)
    (work / "outbox" / "cis").mkdir(parents=True, exist_ok=True)
    return work, made


def _log_tail(log: Path) -> str:
    return "\n".join(log.read_text(errors="replace").strip().splitlines()[-15:])


def start_service(
    work: Path, log: Path, cmd: list[str], timeout: float = 120
) -> tuple[subprocess.Popen[bytes], float]:
    """The service (``hub run --log-format json``) with its log in ``log``; returns once it logged
    ``started`` (and how long that took from the spawn)."""
    start = time.perf_counter()
    with log.open("wb") as sink:
        proc = subprocess.Popen(cmd, cwd=work, stdin=subprocess.DEVNULL, stdout=sink, stderr=sink)
    deadline = time.monotonic() + timeout
    while '"event": "started"' not in log.read_text(errors="replace"):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise BenchError(f"hub run did not start (exit {proc.poll()}):\n{_log_tail(log)}")
        time.sleep(0.02)
    return proc, time.perf_counter() - start


def stop_service(proc: subprocess.Popen[bytes], log: Path) -> float:
    """SIGINT (finish, exit 0); the service's peak RSS from ``os.wait4`` in MB."""
    proc.send_signal(signal.SIGINT)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise BenchError(f"hub run exited {proc.returncode} after SIGINT:\n{_log_tail(log)}")
    return usage.ru_maxrss / (1024 * 1024) if sys.platform == "darwin" else usage.ru_maxrss / 1024


def one_file(
    work: Path, upload: Path, proc: subprocess.Popen[bytes], watch: ControlWatch, rows: int, gap: float
) -> dict[str, Any]:
    """Drop one upload (partial name, then rename) and measure its delivery."""
    inbox = work / "inbox" / "meter-reads"
    partial = inbox / f"{upload.name}.part"
    final = inbox / upload.name
    shutil.copyfile(upload, partial)
    time.sleep(gap)
    cpu_before = settle_cpu(proc.pid)
    faults_before = page_faults(proc.pid)
    start = time.perf_counter()
    os.rename(partial, final)
    seen = watch.wait(timeout=300)
    if seen is None:
        tail = _log_tail(work / "service.log")
        raise BenchError(f"{upload.name}: no control file 300 s after the rename:\n{tail}")
    name, at = seen
    latency = at - start
    deadline = time.monotonic() + 60
    while final.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    cpu = settle_cpu(proc.pid) - cpu_before
    faults = page_faults(proc.pid) - faults_before
    control = json.loads((work / "outbox" / "cis" / name).read_text())
    if control.get("transactions") != rows or control.get("source", {}).get("name") != upload.name:
        raise BenchError(
            f"{upload.name}: control file {name} counts {control.get('transactions')} transactions "
            f"of {control.get('source', {}).get('name')!r}, expected {rows} of {upload.name!r}"
        )
    cmd = [str(PYTHON), str(BENCH / "bare_read.py"), "--timed", str(upload)]
    bare = run_child(cmd, work)
    if bare.returncode != 0:
        raise _fail("bare_read", cmd, bare, "non-zero exit")
    read = json.loads(bare.stdout.strip().splitlines()[-1])
    if read["rows"] != rows:
        raise _fail("bare_read", cmd, bare, f"expected {rows} rows")
    ratio = latency / read["seconds"]
    return {
        "file": upload.name,
        "latency": round(latency, 4),
        "service_cpu": round(cpu, 3),
        "service_page_faults": faults,
        "bare_read": read["seconds"],
        "bare_read_cpu": read["cpu_seconds"],
        "ratio": round(ratio, 3),
        "service_peak_mb_so_far": round(peak_mb(proc.pid), 1),
        "latency_pass": latency <= MAX_LATENCY,
        "ratio_pass": ratio <= MAX_OVER_BARE,
    }


def benchmark(
    rows: int, files: int, gap: float, *, keep: bool, poll: bool, command: list[str]
) -> dict[str, Any]:
    load_before = os.getloadavg()
    work, uploads = _setup(rows, files)
    log = work / "service.log"
    proc, ready = start_service(work, log, command)
    print(f"hub run ready {ready:.2f} s after its spawn (pid {proc.pid}); cpu {cpu_seconds(proc.pid):.2f} s")
    watch = ControlWatch(work / "outbox" / "cis", poll=poll)
    measured: list[dict[str, Any]] = []
    try:
        for k, upload in enumerate(uploads, 1):
            _warm(upload)
            m = one_file(work, upload, proc, watch, rows, gap)
            measured.append(m)
            print(
                f"[{k}/{files}] latency {m['latency']:6.2f} s  service cpu {m['service_cpu']:6.2f} s  "
                f"faults {m['service_page_faults']:7,}  "
                f"bare read {m['bare_read']:5.2f} s (cpu {m['bare_read_cpu']:5.2f})  "
                f"ratio {m['ratio']:5.2f}x  {_verdict(m['latency_pass'] and m['ratio_pass'])}",
                flush=True,
            )
    finally:
        watch.close()
        if proc.poll() is None:
            peak = stop_service(proc, log)
    met = sum(1 for m in measured if m["latency_pass"] and m["ratio_pass"])
    results = {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "rows": rows,
        "files": files,
        "gap_seconds": gap,
        "file_bytes": uploads[0].stat().st_size,
        "detection": watch.method,
        "service_command": command,
        "service_ready_seconds": round(ready, 3),
        "service_peak_mb": round(peak, 1),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "loadavg_before": [round(x, 2) for x in load_before],
            "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        },
        "measures": measured,
        "targets": {"latency_seconds": f"<= {MAX_LATENCY}", "latency_over_bare_read": f"<= {MAX_OVER_BARE}"},
        "met": met,
        "git": _git_state(),
    }
    _print(results)
    if not keep:
        shutil.rmtree(work, ignore_errors=True)
    return results


def _print(results: dict[str, Any]) -> None:
    m = results["measures"]
    best = min(m, key=lambda x: x["latency"])
    bare = min(x["bare_read"] for x in m)
    median = sorted(x["latency"] for x in m)[len(m) // 2]
    print()
    print(
        f"{results['rows']:,} rows, {results['file_bytes'] / 1e6:.1f} MB, {results['files']} files into a "
        f"running `hub run` (control file seen by {results['detection']})"
    )
    print(f"{'file':<16}{'latency s':>10}{'cpu s':>8}{'bare s':>8}{'ratio':>8}  verdict")
    for x in m:
        ok = x["latency_pass"] and x["ratio_pass"]
        print(
            f"{x['file']:<16}{x['latency']:>10.2f}{x['service_cpu']:>8.2f}{x['bare_read']:>8.2f}"
            f"{x['ratio']:>7.2f}x  {_verdict(ok)}"
        )
    print()
    print(f"best latency     = {best['latency']:6.2f} s  (target <= {MAX_LATENCY})")
    print(f"median latency   = {median:6.2f} s")
    print(f"best / best bare = {best['latency'] / bare:6.2f}x  (target <= {MAX_OVER_BARE})")
    print(f"service peak     = {results['service_peak_mb']:6.0f} MB (ru_maxrss)")
    print(f"targets met      = {results['met']} of {results['files']} files")
    before, after = results["machine"]["loadavg_before"][0], results["machine"]["loadavg_after"][0]
    print(f"load average     = {before:.2f} before, {after:.2f} after")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=1_000_000, help="data rows in each upload")
    parser.add_argument("--files", type=int, default=3, help="uploads dropped one after another (1-9)")
    parser.add_argument("--gap", type=float, default=3.0, help="seconds between the copy and the rename")
    parser.add_argument("--poll", action="store_true", help="poll outbox/cis every 1 ms instead of inotify")
    parser.add_argument("--keep", action="store_true", help="keep the working folder under bench/out/")
    parser.add_argument(
        "--service-cmd",
        help="the service to start instead of `hub run --log-format json` (run in the working folder; "
        "it must log the JSON 'started' event), e.g. an instrumented copy",
    )
    args = parser.parse_args(argv)
    command = shlex.split(args.service_cmd) if args.service_cmd else [str(HUB), "run", "--log-format", "json"]
    if args.rows < 1 or not 1 <= args.files <= 9 or args.gap < 0:
        parser.error("--rows must be at least 1, --files 1 to 9, --gap at least 0")
    if not HUB.exists():
        parser.error(f"{HUB} not found: run with the project's virtualenv python (.venv/bin/python)")
    try:
        results = benchmark(args.rows, args.files, args.gap, keep=args.keep, poll=args.poll, command=command)
    except BenchError as exc:
        print(f"\nBENCHMARK ERROR: {exc}", file=sys.stderr)
        return 1
    path = OUT / "service-results.json"
    path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"results: {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
