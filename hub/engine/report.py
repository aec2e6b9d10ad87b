"""Error reports: every problem of a run as CSV and JSON, published beside the landed copy
(``hub.kernel.files``: an operator never opens half a report). Named by what they hold:
``<landed>.run-<id>.errors.csv`` when the run found an error, ``.warnings.csv`` when it found
warnings only (nothing rejected)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hub.kernel.files import publish_bytes
from hub.kernel.problems import Problem

if TYPE_CHECKING:
    import polars as pl

COLUMNS = ("severity", "level", "line", "positions", "field", "value", "rule", "message")
FIELDS = ("rule", "message", "line", "field", "value", "level", "positions", "severity")  # the JSON's
_SPLITTERS = (("\x85", "\\u0085"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))
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
    error); values are already masked. Both are written by polars from one table of the problems."""
    base = landed.with_name(f"{landed.name}.run-{run_id}.{report_content(problems)}")
    table = _table(problems)
    paths = []
    for suffix, text in ((".csv", _csv(table)), (".json", _json(meta, table))):
        paths.append(publish_bytes(base.with_name(base.name + suffix), text.encode()))
    return paths


def _table(problems: Sequence[Problem]) -> pl.DataFrame:
    """The problems as a table, one list per column, in ``Problem.to_dict``'s order."""
    import polars as pl

    schema = {c: pl.Int64 if c == "line" else pl.String for c in FIELDS}
    return pl.DataFrame({c: [getattr(p, c) for p in problems] for c in FIELDS}, schema=schema)


def _csv(table: pl.DataFrame) -> str:
    """The report as CSV: byte for byte what ``csv.writer`` writes (minimal quoting, CRLF, a missing
    value empty) at a quarter of its cost."""
    import polars as pl

    # an empty text is written bare, as a missing one is (polars would quote it)
    table = table.select(COLUMNS).with_columns(pl.col(pl.String).replace("", None))
    return table.write_csv(null_value="", line_terminator="\r\n")


def _json(meta: dict[str, Any], table: pl.DataFrame) -> str:
    """The report as JSON, one problem per line: readable and greppable. The problems are polars'
    JSON lines (a fifth of the cost of the json module's encoder, which needs a dict a problem),
    joined into the list; a line break inside a text is escaped, so every problem is one line.
    Unlike the json module, polars writes other characters as they are: the three that
    ``str.splitlines`` also breaks at are escaped, so a reader of lines still sees one a line."""
    lines = table.write_ndjson().rstrip("\n")
    for char, escaped in _SPLITTERS:
        if char in lines:
            lines = lines.replace(char, escaped)
    listed = lines.replace("\n", ",\n    ")
    items = [f"  {json.dumps(k)}: {json.dumps(v, default=str)}" for k, v in meta.items()]
    items.append(f'  "problems": [\n    {listed}\n  ]' if table.height else '  "problems": []')
    return "{\n" + ",\n".join(items) + "\n}\n"
