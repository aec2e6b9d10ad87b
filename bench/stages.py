"""Where the time of ``hub process`` goes: the same work as the CLI, timed stage by stage.

Usage (in a folder holding hub.yaml): ``python bench/stages.py FILE [--exchange meter-reads]``.
Prints one JSON object: seconds per stage and the outcome. The stages follow the pipeline's own
progress callback (``Engine(progress=...)``), so no package code is patched:

- ``import``: importing ``hub.cli.main`` and ``hub.engine.pipeline`` (typer, rich, pydantic);
- ``config``: loading and validating hub.yaml;
- ``open``: importing and opening the ledger (SQLAlchemy; migrations on a fresh ledger: alembic) and
  crash recovery;
- ``landing``: landing copy + sha256 + fsync, the ledger's file record, reading the landed bytes;
- ``parsing`` / ``validating`` / ``mapping``: the format's read, its validation (pandera is imported
  here), the mapping to CIS transactions;
- ``delivering``: the key store's check of the file's keys, staging the CIS batch files, recording the keys,
  publishing, the ledger's final file update and closing the run;
- ``finish``: closing the ledger.

Interpreter start-up and shutdown are not included; compare ``total`` with the whole-process time.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

T0 = time.perf_counter()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="time each stage of `hub process`")
    parser.add_argument("file", type=Path)
    parser.add_argument("--exchange", default="meter-reads")
    parser.add_argument("--config", type=Path, default=Path("hub.yaml"))
    args = parser.parse_args(argv)

    import hub.cli.main  # noqa: F401  (the CLI's own import cost)
    from hub.engine.config import load_config
    from hub.engine.pipeline import Engine

    marks: list[tuple[str, float]] = [("import", time.perf_counter())]
    settings = load_config(args.config)
    marks.append(("config", time.perf_counter()))

    def progress(_name: str, stage: str) -> None:
        marks.append(("@" + stage, time.perf_counter()))

    runner = Engine(settings, progress=progress)
    marks.append(("open", time.perf_counter()))
    outcome = runner.process_path(args.file, args.exchange)
    marks.append(("@finish", time.perf_counter()))
    runner.close()
    marks.append(("end", time.perf_counter()))

    # A plain mark ends the stage of its name; "@stage" starts a stage and ends the running one (a gap
    # after a plain mark counts toward the next stage).
    stages: dict[str, float] = {}
    start, current = T0, ""
    for name, at in marks:
        if name.startswith("@"):
            if current:
                stages[current] = stages.get(current, 0.0) + at - start
                start = at
            current = name[1:]
        elif name == "end":
            stages[current] = stages.get(current, 0.0) + at - start
        else:
            stages[name] = at - start
            start, current = at, ""
    result = {
        "stages": {k: round(v, 3) for k, v in stages.items()},
        "total": round(marks[-1][1] - T0, 3),
        "state": outcome.state,
        "rows": outcome.rows,
        "delivered": outcome.delivered,
    }
    print(json.dumps(result))
    return 0 if outcome.state == "delivered" else 1


if __name__ == "__main__":
    sys.exit(main())
