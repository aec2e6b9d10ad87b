"""Benchmark: a 200,000-entry ACH return file parsed, validated and mapped.

Usage (from the project root)::

    .venv/bin/python bench/nacha.py [--entries N] [--repeat K]

Generates (once, cached in ``bench/out/``) a return file of N entries, each with its addenda 99
(R01, R02, R03, R09, R10, R97 in turn) and one notification of change in ten, written by the
hub's own NACHA writer. Then, in this process, best of K:

- ``hub``: ``read_nacha`` (records, order, every field, entries/addenda, batch and file controls)
  + ``NachaFormat.validate`` + the ``ach-returns`` mapping -> PaymentReversal/AccountChangeNotice;
- ``split``: the floor -- read the bytes and split them into lines, nothing checked;
- ``per_record``: the straightforward way -- a Python loop over the lines, one pydantic model per
  entry and per addenda, control totals summed in the loop (no order, digit or date checks).

and, once, ``hub process FILE --exchange ach-returns --json`` as a whole process (landing,
ledger, delivery included). Prints entries/s and the ratios to the two baselines.
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


def hub_in_process(data: bytes) -> int:
    """Parse, validate and map as the pipeline does; returns the transactions mapped."""
    from formats.base import ReadContext
    from formats.nacha import NachaFormat, NachaOptions
    from mappings import get_kind
    from mappings.base import MapContext

    fmt = NachaFormat(NachaOptions())
    ctx = ReadContext(file="returns.ach", now=datetime.now(UTC))
    validated = fmt.validate(fmt.read(data, ctx), ctx)
    mapping_cls = get_kind("ach-returns")
    mapping = mapping_cls(mapping_cls.options_model())  # type: ignore[arg-type]
    tables = mapping.map(validated.table, MapContext(source_file="returns.ach"))
    return sum(t.height for t in tables.values())


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


def best(fn: Callable[[bytes], int], data: bytes, repeat: int) -> tuple[float, int]:
    times, result = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn(data)
        times.append(time.perf_counter() - start)
    return min(times), result


def whole_process(path: Path) -> tuple[float, dict[str, Any]]:
    hub = Path(sys.executable).with_name("hub")
    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        work = Path(tmp)
        subprocess.run([str(hub), "init"], cwd=work, check=True, capture_output=True)
        shutil.copy(path, work / "returns.ach")
        start = time.perf_counter()
        proc = subprocess.run(
            [str(hub), "process", "returns.ach", "--exchange", "ach-returns", "--json"],
            cwd=work,
            capture_output=True,
            text=True,
            env={**os.environ},
        )
        seconds = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"hub process failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return seconds, json.loads(proc.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    path = generate(args.entries)
    data = path.read_bytes()
    print(f"{args.entries:,} entries + addenda, {len(data) / 1e6:.1f} MB: {path}")
    results = {}
    for name, fn in (("hub", hub_in_process), ("split", split_only), ("per_record", per_record)):
        seconds, count = best(fn, data, args.repeat)
        results[name] = seconds
        print(f"{name:<12} {seconds:7.2f} s  {args.entries / seconds:>12,.0f} entries/s  ({count:,} out)")
    seconds, outcome = whole_process(path)
    print(
        f"{'hub process':<12} {seconds:7.2f} s  {args.entries / seconds:>12,.0f} entries/s  "
        f"(whole process: {outcome['state']}, delivered {outcome['delivered']:,}, "
        f"{sum(p['severity'] == 'warning' for p in outcome['problems']):,} warnings)"
    )
    print(
        f"\nper_record / hub = {results['per_record'] / results['hub']:5.2f}x   "
        f"hub / split = {results['hub'] / results['split']:5.2f}x"
    )
    (OUT / "nacha-results.json").write_text(json.dumps({**results, "hub_process": seconds}, indent=2) + "\n")


if __name__ == "__main__":
    main()
