"""Benchmark: a Green Button file of N interval readings, read by the hub and by greenbutton-objects.

Usage (from the project root, with the ``bench`` extra installed: ``pip install -e '.[bench]'``)::

    .venv/bin/python bench/greenbutton.py                          # 1,000,000 and 5,000,000 readings
    .venv/bin/python bench/greenbutton.py --readings 1000000 --repeat 3

Generates (once, cached in ``bench/out/``) a feed like the NIST sample files: one usage point, one
meter reading of hourly Wh with cost and quality, IntervalBlocks of a day (24 readings) each, one
element per line. Then, per size, times two whole processes on the same file (best of K):

- ``hub inspect``: ``.venv/bin/hub inspect FILE --format greenbutton --json`` -- the hardened,
  streaming reader, the links resolved, every reading checked, the summary printed;
- ``greenbutton-objects``: ``bench/greenbutton_objects_read.py FILE`` -- the PyPI package's
  ``parse_feed`` and a walk of its objects counting readings and summing values.

Both must report N readings and the same value sum, or the bench fails. Peak memory is each child's
own ``ru_maxrss`` (``os.wait4``). Only the standard library is imported here.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"
PYTHON = Path(sys.executable)
HUB = PYTHON.with_name("hub")
START = 1_293_868_800  # 2011-01-01T08:00:00Z
HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:espi="http://naesb.org/espi">
<id>urn:uuid:bench</id>
<title>Green Button bench feed</title>
<entry>
<link rel="self" href="https://x.example/espi/1_1/resource/RetailCustomer/1/UsagePoint/1"/>
<link rel="up" href="https://x.example/espi/1_1/resource/RetailCustomer/1/UsagePoint"/>
<link rel="related" href="https://x.example/espi/1_1/resource/RetailCustomer/1/UsagePoint/1/MeterReading"/>
<link rel="related" href="https://x.example/espi/1_1/resource/LocalTimeParameters/01"/>
<content><espi:UsagePoint><espi:ServiceCategory><espi:kind>0</espi:kind></espi:ServiceCategory></espi:UsagePoint></content>
</entry>
<entry>
<link rel="self" href="https://x.example/espi/1_1/resource/LocalTimeParameters/01"/>
<content><espi:LocalTimeParameters><espi:dstOffset>3600</espi:dstOffset><espi:tzOffset>-28800</espi:tzOffset></espi:LocalTimeParameters></content>
</entry>
<entry>
<link rel="self" href="https://x.example/espi/1_1/resource/RetailCustomer/1/UsagePoint/1/MeterReading/01"/>
<link rel="up" href="https://x.example/espi/1_1/resource/RetailCustomer/1/UsagePoint/1/MeterReading"/>
<link rel="related" href="https://x.example/espi/1_1/resource/RetailCustomer/1/UsagePoint/1/MeterReading/01/IntervalBlock"/>
<link rel="related" href="https://x.example/espi/1_1/resource/ReadingType/07"/>
<content><espi:MeterReading/></content>
</entry>
<entry>
<link rel="self" href="https://x.example/espi/1_1/resource/ReadingType/07"/>
<content><espi:ReadingType><espi:commodity>1</espi:commodity><espi:currency>840</espi:currency>\
<espi:intervalLength>3600</espi:intervalLength><espi:powerOfTenMultiplier>0</espi:powerOfTenMultiplier>\
<espi:uom>72</espi:uom></espi:ReadingType></content>
</entry>
"""
BLOCK = 24


def generate(readings: int) -> tuple[Path, int]:
    """The feed of ``readings`` readings (cached by size) and the sum of its values."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"greenbutton-{readings}.xml"
    value_sum = sum(100 + i % 900 for i in range(readings))
    if path.exists():
        return path, value_sum
    tmp = path.with_suffix(".part")
    base = "https://x.example/espi/1_1/resource/RetailCustomer/1/UsagePoint/1/MeterReading/01/IntervalBlock"
    with tmp.open("w", encoding="utf-8") as out:
        out.write(HEAD)
        for first in range(0, readings, BLOCK):
            n = min(BLOCK, readings - first)
            start = START + 3600 * first
            out.write(
                f'<entry>\n<link rel="self" href="{base}/{first // BLOCK}"/>\n'
                f'<link rel="up" href="{base}"/>\n'
                f"<content><espi:IntervalBlock>\n<espi:interval><espi:duration>{3600 * n}</espi:duration>"
                f"<espi:start>{start}</espi:start></espi:interval>\n"
            )
            out.write(
                "".join(
                    f"<espi:IntervalReading><espi:cost>{(100 + i % 900) * 11}</espi:cost>"
                    "<espi:ReadingQuality><espi:quality>0</espi:quality></espi:ReadingQuality>"
                    f"<espi:timePeriod><espi:duration>3600</espi:duration><espi:start>{START + 3600 * i}"
                    f"</espi:start></espi:timePeriod><espi:value>{100 + i % 900}</espi:value>"
                    "</espi:IntervalReading>\n"
                    for i in range(first, first + n)
                )
            )
            out.write("</espi:IntervalBlock></content>\n</entry>\n")
        out.write("</feed>\n")
    tmp.rename(path)
    return path, value_sum


def run(cmd: list[str]) -> tuple[float, float, float, str]:
    """Wall seconds, peak MB and CPU seconds (user + system, its processes included) of one whole
    process, and its stdout. Peak MB is the larger of the child's ``ru_maxrss`` and the highest sum
    of the resident memory of the child and all its descendants, sampled every 10 ms (a file read
    in parts runs several processes at once: their sum is what the machine must hold)."""
    out = OUT / "child.out"
    with out.open("wb") as sink:
        began = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=sink, stderr=subprocess.PIPE, cwd=ROOT)
        tree_peak = [0]
        sampler = threading.Thread(target=_sample, args=(proc.pid, tree_peak), daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - began
        sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    text = out.read_text()
    if proc.returncode not in (0, 1):
        sys.exit(f"FAILED: {' '.join(cmd)} exited {proc.returncode}\n{err[-2000:]}")
    peak = max(usage.ru_maxrss * 1024, tree_peak[0]) / 2**20
    return seconds, peak, usage.ru_utime + usage.ru_stime, text


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (Linux ``/proc/PID/task/TID/children``)."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except OSError:
            continue
    return found


def _sample(pid: int, peak: list[int]) -> None:
    page = os.sysconf("SC_PAGE_SIZE")
    while True:
        total = 0
        for p in _tree(pid):
            try:
                with open(f"/proc/{p}/statm") as f:
                    total += int(f.read().split()[1]) * page
            except (OSError, IndexError, ValueError):
                continue
        peak[0] = max(peak[0], total)
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return  # exited, waiting to be reaped
        except OSError:
            return
        time.sleep(0.01)


def bench(readings: int, repeat: int, baseline: bool) -> dict[str, object]:
    path, value_sum = generate(readings)
    size = path.stat().st_size / 1e6
    with path.open("rb") as warm:  # the page cache, for both
        while warm.read(1 << 24):
            pass
    hub_cmd = [str(HUB), "inspect", str(path), "--format", "greenbutton", "--json"]
    gbo_cmd = [str(PYTHON), str(BENCH / "greenbutton_objects_read.py"), str(path)]
    results: dict[str, tuple[float, float, float]] = {}
    for _ in range(repeat):
        for name, cmd in (("hub inspect", hub_cmd), ("greenbutton-objects", gbo_cmd)):
            if name == "greenbutton-objects" and not baseline:
                continue
            seconds, peak, cpu, text = run(cmd)
            got = json.loads(text)
            if (got["readings"], got["value_sum"]) != (readings, value_sum):
                sys.exit(f"FAILED: {name} read {got['readings']} readings, sum {got['value_sum']}")
            if name == "hub inspect" and got["problems"]:
                sys.exit(f"FAILED: hub inspect found problems: {got['problems'][:3]}")
            print(f"  {name:<20} {seconds:8.2f} s {peak:8.0f} MB {cpu:8.2f} s CPU", flush=True)
            best = results.get(name)
            results[name] = (
                (min(seconds, best[0]), max(peak, best[1]), min(cpu, best[2]))
                if best
                else (seconds, peak, cpu)
            )
    print(f"\n{readings:,} readings, {size:,.1f} MB, whole processes, best of {repeat}")
    print(f"{'name':<20} {'seconds':>8} {'readings/s':>12} {'peak MB':>8} {'CPU s':>8}")
    for name, (seconds, peak, cpu) in results.items():
        print(f"{name:<20} {seconds:8.2f} {readings / seconds:12,.0f} {peak:8.0f} {cpu:8.2f}")
    hub_s, hub_mb, hub_cpu = results["hub inspect"]
    verdict: dict[str, object] = {"readings": readings, "mb": size, "hub_s": hub_s, "hub_peak_mb": hub_mb}
    verdict["hub_cpu_s"] = hub_cpu
    if "greenbutton-objects" in results:
        ratio = results["greenbutton-objects"][0] / hub_s
        verdict |= {
            "baseline_s": results["greenbutton-objects"][0],
            "baseline_peak_mb": results["greenbutton-objects"][1],
            "baseline_cpu_s": results["greenbutton-objects"][2],
        }
        print(
            f"greenbutton-objects / hub = {ratio:6.2f}x  (target >= 10)   {'PASS' if ratio >= 10 else 'FAIL'}"
        )
        verdict["ratio"] = ratio
    print(
        f"hub peak memory          = {hub_mb:6.0f} MB (target < 400) {'PASS' if hub_mb < 400 else 'FAIL'}\n"
    )
    return verdict


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--readings", type=int, action="append", help="file sizes (default 1M and 5M)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--no-baseline", action="store_true", help="time the hub only")
    args = parser.parse_args(argv)
    verdicts = [bench(n, args.repeat, not args.no_baseline) for n in args.readings or [1_000_000, 5_000_000]]
    (OUT / "greenbutton-results.json").write_text(json.dumps(verdicts, indent=2))
    ok = all(v["hub_peak_mb"] < 400 and v.get("ratio", 10) >= 10 for v in verdicts)  # type: ignore[operator]
    print(f"overall: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
