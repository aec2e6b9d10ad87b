"""Where the time of a ``hub cycle`` over many small files goes, per file and per stage.

Usage (in a folder holding hub.yaml, its inbox filled)::

    python bench/many_files_stages.py cycle [--exchange meter-reads]   # one Engine.cycle, timed by stage
    python bench/many_files_stages.py own DIR                           # parse + validate + map each file
    python bench/many_files_stages.py bare DIR                          # polars.read_csv of each file

Prints one JSON object. ``cycle`` runs the same ``Engine.cycle`` as ``hub cycle``, in process, with
light timers wrapped around the engine's and the ledger's own functions (in this process only; no
package file is changed). Each timer counts **exclusive** main-thread time, wall and CPU (a timed
call inside another timed call is taken out of the outer one), so the stages add up to the cycle's
wall time (and the main thread's CPU time):

- ``ledger tx``: opening (``BEGIN IMMEDIATE``) and committing every ledger transaction (counted);
- ``claim``: taking, renewing, finishing and releasing the claims on an item and on its content;
- ``land``: the landing copy (read, sha256, write, fsync of the copy and its folder);
- ``record``: the ledger's records of the file (arrival, each state reached, the run, the outcome);
- ``own work (wait)``: waiting for the file's parse + validate + map, run in a thread while it lands
  (from a folder source, while the file before it is delivered: ``hub.engine.read_ahead``);
- ``deliver: key check`` / ``deliver: stage`` / ``deliver: keys+batch`` / ``publish``: the
  delivery (keys delivered before, the CIS batch files written and synced, the keys and batch
  recorded, the files renamed into place and the batch marked published);
- ``other``: what none of the above covers (listing the source, the post-action, outcomes, logging).

``own`` times ``hub.engine.file_map.map_file`` (parse, validate, map: the file's own work, nothing
landed, recorded or delivered) on every file of DIR, one after another, after a warm-up file.
``bare`` times ``polars.read_csv`` of every file. Both report wall and CPU seconds.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

MAIN = threading.main_thread().ident


class Timers:
    """Exclusive main-thread time per stage."""

    def __init__(self) -> None:
        self.seconds: Counter[str] = Counter()
        self.cpu: Counter[str] = Counter()  # the main thread's own CPU time
        self.calls: Counter[str] = Counter()
        self.stack: list[list[float]] = []  # [start, cpu start, nested wall, nested cpu]

    @contextmanager
    def timing(self, stage: str) -> Iterator[None]:
        if threading.get_ident() != MAIN:
            yield
            return
        frame = [time.perf_counter(), time.thread_time(), 0.0, 0.0]
        self.stack.append(frame)
        try:
            yield
        finally:
            self.stack.pop()
            spent, cpu = time.perf_counter() - frame[0], time.thread_time() - frame[1]
            self.seconds[stage] += spent - frame[2]
            self.cpu[stage] += cpu - frame[3]
            self.calls[stage] += 1
            if self.stack:
                self.stack[-1][2] += spent
                self.stack[-1][3] += cpu

    def wrap(self, owner: Any, attr: str, stage: str, *, outermost: bool = False) -> None:
        """Time ``owner.attr`` as ``stage``; ``outermost``: only when no other timed call runs."""
        original: Callable[..., Any] = getattr(owner, attr)

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            if outermost and self.stack:
                return original(*args, **kwargs)
            with self.timing(stage):
                return original(*args, **kwargs)

        setattr(owner, attr, timed)

    def wrap_tx(self, owner: Any) -> None:
        """``Ledger.tx``: time its begin and its commit, not the work done inside."""
        original = owner.tx

        @contextmanager
        def tx(ledger: Any, **kwargs: Any) -> Iterator[Any]:
            manager = original(ledger, **kwargs)
            with self.timing("ledger tx"):
                conn = manager.__enter__()
            try:
                yield conn
            except BaseException:
                if not manager.__exit__(*sys.exc_info()):
                    raise
            else:
                with self.timing("ledger tx"):
                    manager.__exit__(None, None, None)

        owner.tx = tx


def instrument(timers: Timers) -> None:
    from concurrent.futures import Future

    from hub.engine import cis_batch, delivery, landing, recording
    from hub.ledger import Ledger

    timers.wrap_tx(Ledger)
    for attr in ("claim", "renew_claims", "finish_claim", "release_claim"):
        timers.wrap(Ledger, attr, "claim")
    timers.wrap(landing, "land", "land")
    for attr in ("record_arrival",):
        timers.wrap(landing, attr, "record")
    for attr in ("before", "delivered", "rejected", "finish_run"):
        timers.wrap(recording, attr, "record")
    for attr in ("update_file", "already_taken", "start_run", "finish_run"):
        timers.wrap(Ledger, attr, "record")
    timers.wrap(Future, "result", "own work (wait)", outermost=True)
    timers.wrap(delivery, "deliver_parts", "deliver: keys+batch")
    timers.wrap(delivery, "_fresh", "deliver: key check")
    for attr in ("append", "finish", "finish_later", "durable"):
        timers.wrap(cis_batch.BatchWriter, attr, "deliver: stage")
    timers.wrap(cis_batch, "publish", "publish")
    timers.wrap(Ledger, "mark_published", "publish")


def cycle(exchange: str) -> dict[str, Any]:
    import hub.cli.main  # noqa: F401  (what `hub cycle` imports)
    from hub.engine.config import load_config
    from hub.engine.pipeline import Engine

    settings = load_config(Path("hub.yaml"))
    timers = Timers()
    instrument(timers)
    engine = Engine(settings)
    cpu0, main0, start = time.process_time(), time.thread_time(), time.perf_counter()
    outcomes = engine.cycle([exchange])
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu0
    main_cpu = time.thread_time() - main0
    engine.close()
    covered = sum(timers.seconds.values())
    stages = dict(timers.seconds)
    stages["other"] = wall - covered
    cpu_stages = dict(timers.cpu)
    cpu_stages["other"] = main_cpu - sum(timers.cpu.values())
    return {
        "files": len(outcomes),
        "delivered": sum(1 for o in outcomes if o.state == "delivered"),
        "rows": sum(o.delivered for o in outcomes),
        "wall": round(wall, 4),
        "cpu": round(cpu, 4),
        "main_thread_cpu": round(main_cpu, 4),
        "stages": {k: round(v, 4) for k, v in sorted(stages.items(), key=lambda kv: -kv[1])},
        "stages_cpu": {k: round(v, 4) for k, v in cpu_stages.items()},
        "calls": dict(timers.calls),
    }


def own(folder: Path, exchange: str) -> dict[str, Any]:
    from datetime import UTC, datetime

    from hub.engine.config import load_config
    from hub.engine.file_map import map_file

    ex = load_config(Path("hub.yaml")).exchange(exchange)
    files = sorted(folder.iterdir())
    now = datetime.now(UTC)
    map_file(files[0].read_bytes(), files[0].name, ex, now=now)  # warm-up: first-use imports
    cpu0, start = time.process_time(), time.perf_counter()
    rows = 0
    for path in files:
        mapped = map_file(path.read_bytes(), path.name, ex, now=now, received=now)
        rows += sum(t.height for t in mapped.tables.values())
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu0
    return {"files": len(files), "rows": rows, "wall": round(wall, 4), "cpu": round(cpu, 4)}


def bare(folder: Path) -> dict[str, Any]:
    import polars as pl

    files = sorted(folder.iterdir())
    pl.read_csv(files[0], infer_schema=False)
    cpu0, start = time.process_time(), time.perf_counter()
    rows = sum(pl.read_csv(path, infer_schema=False).height for path in files)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu0
    return {"files": len(files), "rows": rows, "wall": round(wall, 4), "cpu": round(cpu, 4)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="time a cycle over many files by stage")
    parser.add_argument("what", choices=("cycle", "own", "bare"))
    parser.add_argument("folder", type=Path, nargs="?")
    parser.add_argument("--exchange", default="meter-reads")
    args = parser.parse_args(argv)
    if args.what == "cycle":
        result = cycle(args.exchange)
    elif args.folder is None:
        parser.error(f"{args.what} needs a folder of files")
    else:
        result = own(args.folder, args.exchange) if args.what == "own" else bare(args.folder)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
