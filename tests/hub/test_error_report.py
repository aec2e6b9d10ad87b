"""The error report's CSV (hub/engine/report.py): every problem, one row each, read back by any CSV
reader exactly as found, whatever its message or value holds."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from hub.engine.report import COLUMNS, write_reports
from hub.kernel.problems import Problem

AWKWARD = ["", "a,b", 'say "hi"', "two\nlines", "cr\rhere", " padded ", "…", None, '}, {"rule": "x"}']
AWKWARD += ["ls\u2028ps\u2029nel\x85", "ctl\x00\x0b\x0c\x1c\x1f", "back\\slash", "\U0001f600"]


def test_awkward_problems_read_back_as_found(tmp_path: Path) -> None:
    landed = tmp_path / "upload.csv"
    problems = [
        Problem.of("rule-x", f"message {text!r}", line=i + 2 if i % 2 else None, field="f", value=text)
        for i, text in enumerate(AWKWARD)
    ] + [Problem.of("trace", "odd trace", line=9, field="dfi_account", value="123456789", severity="warning")]
    csv_path, json_path = write_reports(landed, 7, {"file_id": 1}, problems)
    assert csv_path.name == "upload.csv.run-7.errors.csv"
    raw = csv_path.read_bytes()
    assert raw.startswith(b"severity,level,line,positions,field,value,rule,message\r\n")
    with open(csv_path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [tuple(r) for r in rows] == [COLUMNS] * len(problems)
    for row, p in zip(rows, problems, strict=True):
        assert row["value"] == (p.value or "") and row["message"] == p.message
        assert row["line"] == ("" if p.line is None else str(p.line))
    assert rows[-1]["value"] == "*****6789", "a sensitive value stays masked"
    assert [p["value"] for p in json.loads(json_path.read_text())["problems"]] == [p.value for p in problems]
    # one problem a line, whatever its texts hold
    lines = json_path.read_text().splitlines()
    listed = lines[lines.index('  "problems": [') + 1 : -2]
    assert [json.loads(line.strip().removesuffix(",")) for line in listed] == [p.to_dict() for p in problems]


def test_a_report_without_rows_still_names_its_columns(tmp_path: Path) -> None:
    [csv_path, _] = write_reports(tmp_path / "f.csv", 1, {}, [])
    assert csv_path.read_bytes() == b"severity,level,line,positions,field,value,rule,message\r\n"
