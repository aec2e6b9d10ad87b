"""Benchmark: a 200,000-entry ACH return file parsed, validated and mapped.

Usage (from the project root)::

    .venv/bin/python bench/nacha.py [--entries N] [--repeat K]

Generates (once, cached in ``bench/out/``) a return file of N entries, each with its addenda 99
(R01, R02, R03, R09, R10, R97 in turn) and one notification of change in ten, written by the
hub's own NACHA writer. Then, in this process, best of K (CPU time and wall time each):

- ``hub``: ``read_nacha`` (records, order, every field, entries/addenda, batch and file controls)
  + ``NachaFormat.validate`` + the ``ach-returns`` mapping -> PaymentReversal/AccountChangeNotice;
- ``reference``: the same through the reader's reference path (``read_nacha(fast=False)``), the
  path every file took before the fast path and any file the fast path declines still takes;
- ``split``: the floor -- read the bytes and split them into lines, nothing checked;
- ``per_record``: the per-record pydantic baseline -- a Python loop over the lines, one pydantic
  model per entry and per addenda, control totals summed in the loop (no order, digit or date
  checks);

and ``hub process FILE --exchange ach-returns --json`` as a whole process (landing, ledger,
delivery included), best of K too, its CPU time the child's user + system time, with the project's
bytecode compiled first (as an installed hub has it). Prints entries/s,
the ratios to the baselines and PASS/FAIL against the targets (issue 16: 1,000,000 entries/s in
process, 400,000 entries/s through ``hub process``), judged on CPU time (a shared machine inflates
wall time) and on wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"
sys.path.insert(0, str(ROOT))

CODES = ("R01", "R02", "R03", "R09", "R10", "R97")


def generate(entries: int) -> Path:
    """A return file of ``entries`` entries in batches of 10,000 (cached by size)."""
    from formats.nacha_writer import Batch, Entry, NachaSpec, write_file

    path = OUT / f"returns-{entries}.ach"
    if path.exists():
        return path
    batches = []
    for start in range(0, entries, 10_000):
        rows = []
        for i in range(start, min(start + 10_000, entries)):
            if i % 10 == 9:
                addenda = {
                    "addenda_type": "98",
                    "change_code": "C01",
                    "original_trace": f"09100001{i:07d}",
                    "original_rdfi": "12104288",
                    "corrected_data": f"{9_000_000_000 + i}",
                }
                rows.append(
                    Entry(
                        21, "121042882", f"{1_000_000 + i}", 0, f"ACCT{i:08d}", "CUSTOMER", addenda=[addenda]
                    )
                )
                continue
            addenda = {
                "addenda_type": "99",
                "return_code": CODES[i % len(CODES)],
                "original_trace": f"09100001{i:07d}",
                "original_rdfi": "12104288",
            }
            rows.append(
                Entry(
                    26,
                    "121042882",
                    f"{1_000_000 + i}",
                    1_000 + i % 50_000,
                    f"ACCT{i:08d}",
                    "CUSTOMER",
                    addenda=[addenda],
                )
            )
        batches.append(
            Batch("CITY UTILITIES", "1234567890", "PPD", "AUTOPAY", date(2026, 11, 20), "12104288", rows)
        )
    spec = NachaSpec(
        "091000019", "1210428822", "FIRST BANK", "CITY UTILITIES", datetime(2026, 11, 20, 6), batches
    )
    OUT.mkdir(exist_ok=True)
    path.write_bytes(write_file(spec))
    return path


TARGET_IN_PROCESS = 1_000_000  # entries/s, issue 16
TARGET_PROCESS = 400_000


def hub_in_process(data: bytes, *, fast: bool = True) -> int:
    """Parse, validate and map as the pipeline does; returns the transactions mapped."""
    from formats.base import Parsed, ReadContext
    from formats.nacha import NachaFormat, NachaOptions, read_nacha
    from mappings import get_kind
    from mappings.base import MapContext

    fmt = NachaFormat(NachaOptions())
    ctx = ReadContext(file="returns.ach", now=datetime.now(UTC))
    found = read_nacha(data, ctx.file, fmt.options, fast=fast)
    parsed = Parsed(found.entries, found.problems, facts={"nacha": found}, count=found.entries.height)
    validated = fmt.validate(parsed, ctx)
    mapping_cls = get_kind("ach-returns")
    mapping = mapping_cls(mapping_cls.options_model())  # type: ignore[arg-type]
    tables = mapping.map(validated.table, MapContext(source_file="returns.ach"))
    return sum(t.height for t in tables.values())


def reference(data: bytes) -> int:
    return hub_in_process(data, fast=False)


def split_only(data: bytes) -> int:
    return sum(1 for line in data.split(b"\n") if line[:1] == b"6")


def per_record(data: bytes) -> int:
    """One pydantic model per entry and addenda; totals summed in the loop."""
    from pydantic import BaseModel

    class EntryModel(BaseModel):
        transaction_code: int
        routing: str
        account: str
        amount_cents: int
        individual_id: str
        trace: str

    class AddendaModel(BaseModel):
        addenda_type: str
        code: str
        original_trace: str
        trace: str

    entries = []
    debit = credit = 0
    for line in data.decode("ascii").split("\n"):
        if line[:1] == "6":
            e = EntryModel(
                transaction_code=int(line[1:3]),
                routing=line[3:12],
                account=line[12:29].strip(),
                amount_cents=int(line[29:39]),
                individual_id=line[39:54].strip(),
                trace=line[79:94],
            )
            entries.append(e)
            if e.transaction_code % 10 >= 5:
                debit += e.amount_cents
            else:
                credit += e.amount_cents
        elif line[:1] == "7":
            AddendaModel(addenda_type=line[1:3], code=line[3:6], original_trace=line[6:21], trace=line[79:94])
    return len(entries)


def best(fn: Callable[[bytes], int], data: bytes, repeat: int) -> tuple[float, float, int]:
    """The best wall and the best CPU time (this process, every thread) of ``repeat`` runs."""
    walls, cpus, result = [], [], 0
    for _ in range(repeat):
        cpu, start = time.process_time(), time.perf_counter()
        result = fn(data)
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus), result


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def compile_sources() -> None:
    """The project's bytecode, as an installed hub has it (``pip install`` compiles what it
    installs). An editable checkout run with ``PYTHONDONTWRITEBYTECODE`` set would otherwise compile
    every module of the hub in every ``hub process``: ~0.15 s CPU, none of it the hub's work."""
    import compileall

    for package in ("hub", "formats", "mappings", "connectors"):
        compileall.compile_dir(ROOT / package, quiet=1)


def whole_process(path: Path, repeat: int) -> tuple[float, float, dict[str, Any]]:
    """``hub process`` of the file in a fresh folder each time: the best wall and CPU time."""
    compile_sources()
    hub = Path(sys.executable).with_name("hub")
    walls, cpus, outcome = [], [], {}
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(dir=OUT) as tmp:
            work = Path(tmp)
            subprocess.run([str(hub), "init"], cwd=work, check=True, capture_output=True)
            shutil.copy(path, work / "returns.ach")
            cpu, start = _children_cpu(), time.perf_counter()
            proc = subprocess.run(
                [str(hub), "process", "returns.ach", "--exchange", "ach-returns", "--json"],
                cwd=work,
                capture_output=True,
                text=True,
                env={**os.environ},
            )
            walls.append(time.perf_counter() - start)
            cpus.append(_children_cpu() - cpu)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"hub process failed ({proc.returncode}): {proc.stderr[-2000:]}")
        outcome = json.loads(proc.stdout)
    return min(walls), min(cpus), outcome


def _verdict(rate: float, target: int) -> str:
    return f"{'PASS' if rate >= target else 'FAIL'} ({rate / target:4.2f}x the target)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    path = generate(args.entries)
    data = path.read_bytes()
    n = args.entries
    print(f"{n:,} entries + addenda, {len(data) / 1e6:.1f} MB: {path}")
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"{'':<12} {'cpu s':>7} {'entries/s (cpu)':>16} {'wall s':>8} {'entries/s (wall)':>17}")
    cpu: dict[str, float] = {}
    wall: dict[str, float] = {}

    def show(name: str, w: float, c: float, note: str) -> None:
        wall[name], cpu[name] = w, c
        print(f"{name:<12} {c:7.3f} {n / c:>16,.0f} {w:8.3f} {n / w:>17,.0f}  {note}")

    for name, fn in (
        ("hub", hub_in_process),
        ("reference", reference),
        ("split", split_only),
        ("per_record", per_record),
    ):
        w, c, count = best(fn, data, args.repeat)
        show(name, w, c, f"({count:,} out)")
    w, c, outcome = whole_process(path, args.repeat)
    warned = outcome["problem_count"]
    show(
        "hub process",
        w,
        c,
        f"(whole process: {outcome['state']}, delivered {outcome['delivered']:,}, {warned:,} problems)",
    )
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print()
    for basis, t in (("cpu", cpu), ("wall", wall)):
        print(
            f"{basis:<4}  per_record / hub = {t['per_record'] / t['hub']:5.2f}x   "
            f"reference / hub = {t['reference'] / t['hub']:5.2f}x   "
            f"hub / split = {t['hub'] / t['split']:5.2f}x   "
            f"hub process / hub = {t['hub process'] / t['hub']:5.2f}x"
        )
    print()
    for basis, t in (("cpu", cpu), ("wall", wall)):
        inside, whole = (
            _verdict(n / t["hub"], TARGET_IN_PROCESS),
            _verdict(n / t["hub process"], TARGET_PROCESS),
        )
        print(f"{basis:<4}  in process  >= {TARGET_IN_PROCESS:,}/s: {inside}")
        print(f"{basis:<4}  hub process >= {TARGET_PROCESS:,}/s:   {whole}")
    results = {"entries": n, "cpu": cpu, "wall": wall, "load": os.getloadavg()}
    (OUT / "nacha-results.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
