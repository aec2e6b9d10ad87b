"""A hostile file (thousands of broken lines, garbage in a known format) gets a bounded answer from
every command: the first problems, how many more, and the rules they broke; the full list stays in
the reject report and ``--json``."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from tests.conftest import Workdir

GARBAGE = b"5 not a batch header\n" * 3_000  # each line opens a batch and breaks three rules


def by_rule(line: str) -> dict[str, int]:
    assert line.startswith("by rule: "), line
    return {rule: int(n) for rule, n in (part.rsplit(" ", 1) for part in line[9:].split(", "))}


def test_inspect_lists_fifty_problems_and_counts_the_rest(workdir: Workdir) -> None:
    garbage = workdir.write("hostile.ach", GARBAGE)
    everything = workdir.hub("inspect", garbage, "--format", "nacha", "--json")
    assert everything.code == 1
    problems = everything.json()["problems"]
    assert len(problems) > 3_000
    human = workdir.hub("inspect", garbage, "--format", "nacha")
    assert human.code == 1
    assert f"... and {len(problems) - 50} more problems (see --json)" in human.stdout
    tally = by_rule(next(line for line in human.stdout.splitlines() if line.startswith("by rule: ")))
    assert tally["record-length"] == 3_000 and sum(tally.values()) == len(problems)
    assert human.stdout.count("record-length") < 60  # 50 rows of the table and the tally
    # Each of the 3,000 lines opens a batch: the batch table is cut at 50 rows too.
    assert "… 2950 more rows (use --all)" in human.stdout
    assert len(human.stdout.splitlines()) < 150


def test_process_and_show_answer_in_one_screen_and_the_report_keeps_every_problem(workdir: Workdir) -> None:
    garbage = workdir.write("hostile.ach", GARBAGE)
    processed = workdir.hub("process", garbage, "--exchange", "ach-returns")
    assert processed.code == 1
    assert len(processed.stdout.splitlines()) < 150

    detail = workdir.hub("show", "1", "--json").json()
    assert detail["state"] == "rejected"
    total = len(detail["problems"])
    assert total > 3_000
    report_csv = next(Path(p) for p in processed.stdout.split() if p.endswith(".errors.csv"))
    with report_csv.open(newline="") as fh:
        assert sum(1 for _ in csv.DictReader(fh)) == total
    report_json = json.loads(report_csv.with_suffix(".json").read_text())
    assert len(report_json["problems"]) == total and report_json["problems"][0] == detail["problems"][0]

    shown = workdir.hub("show", "1")
    assert shown.code == 0
    assert f"... and {total - 50} more problems (every one in " in shown.stdout
    tally = by_rule(next(line for line in shown.stdout.splitlines() if line.startswith("by rule: ")))
    assert sum(tally.values()) == total and tally["record-length"] == 3_000
    assert len(shown.stdout.splitlines()) < 150
