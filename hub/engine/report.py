"""Error reports: every problem of a run as CSV and JSON, published beside the landed copy
(``hub.kernel.files``: an operator never opens half a report). Named by what they hold:
``<landed>.run-<id>.errors.csv`` when the run found an error, ``.warnings.csv`` when it found
warnings only (nothing rejected)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hub.kernel.files import publish_bytes
from hub.kernel.problems import Problem

COLUMNS = ("severity", "level", "line", "positions", "field", "value", "rule", "message")
CONTENTS = ("errors", "warnings")  # what a report holds, as its name says


def report_content(problems: Sequence[Problem]) -> str:
    """``errors`` when any problem is one, else ``warnings``."""
    return "errors" if any(p.severity == "error" for p in problems) else "warnings"


def reports_of(landed: Path, run_id: int | None) -> list[Path]:
    """The report files a run left beside the landed copy (CSV first, then JSON), if any."""
    if run_id is None or not landed.name:
        return []
    names = (f"{landed.name}.run-{run_id}.{what}{ext}" for what in CONTENTS for ext in (".csv", ".json"))
    return [path for path in (landed.with_name(n) for n in names) if path.is_file()]


def write_reports(landed: Path, run_id: int, meta: dict[str, Any], problems: Sequence[Problem]) -> list[Path]:
    """Write ``<landed>.run-<id>.errors.csv`` and ``.json`` (``.warnings.*`` when no problem is an
    error); values are already masked."""
    base = landed.with_name(f"{landed.name}.run-{run_id}.{report_content(problems)}")
    paths = []
    for suffix, text in ((".csv", _csv(problems)), (".json", _json(meta, problems))):
        paths.append(publish_bytes(base.with_name(base.name + suffix), text.encode()))
    return paths


def _csv(problems: Sequence[Problem]) -> str:
    """The report as CSV, written by polars from one list per column: byte for byte what
    ``csv.writer`` writes (minimal quoting, CRLF, a missing value empty) at a quarter of its cost."""
    import polars as pl

    schema = {c: pl.Int64 if c == "line" else pl.String for c in COLUMNS}
    table = pl.DataFrame({c: [getattr(p, c) for p in problems] for c in COLUMNS}, schema=schema)
    # an empty text is written bare, as a missing one is (polars would quote it)
    table = table.with_columns(pl.col(pl.String).replace("", None))
    return table.write_csv(null_value="", line_terminator="\r\n")


def _json(meta: dict[str, Any], problems: Sequence[Problem]) -> str:
    """The report as JSON, one problem per line: readable, greppable, and written by the C
    encoder (an indented dump goes through the pure-Python one, ~40 s for 300,000 problems), all
    problems in one call: where one ends and the next begins (``}, {"rule": ``: a quote inside a
    text is escaped, so no text holds it) the line break is put in."""
    listed = json.dumps([p.to_dict() for p in problems])
    lines = listed[1:-1].replace('}, {"rule": ', '},\n    {"rule": ')
    items = [f"  {json.dumps(k)}: {json.dumps(v, default=str)}" for k, v in meta.items()]
    items.append(f'  "problems": [\n    {lines}\n  ]' if problems else '  "problems": []')
    return "{\n" + ",\n".join(items) + "\n}\n"
