"""CIS reference extracts (accounts, meters, billing periods): read and check the CSV, then load it
into the ledger.

An extract is a UTF-8 CSV whose header names at least the kind's columns (any order and case; other
columns are ignored). Every row is checked before anything is loaded: one bad row and nothing is
loaded, so the ledger's current load stays as it was. Problems name the line, field, rule and value,
account numbers masked as everywhere else (``hub.kernel.problems``).
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hub.kernel.problems import Problem
from hub.ledger.reference import ACTIVE

if TYPE_CHECKING:
    from hub.ledger import Ledger

# The header of each kind, in the order the ledger stores its columns (the key first).
HEADERS: dict[str, tuple[str, ...]] = {
    "accounts": ("account", "name", "service_address", "status"),
    "meters": ("meter", "account", "service_address", "status"),
    "billing-periods": ("account", "period_start", "period_end"),
}
# Columns every row must fill; the others may be empty (a meter in stock has no account).
REQUIRED: dict[str, frozenset[str]] = {
    "accounts": frozenset({"account", "status"}),
    "meters": frozenset({"meter", "status"}),
    "billing-periods": frozenset({"account", "period_start", "period_end"}),
}
# Known statuses (compared case-insensitively, stored lower-case). Only ``active`` counts as active.
STATUSES: dict[str, tuple[str, ...]] = {
    "accounts": (ACTIVE, "inactive", "pending", "final", "closed"),
    "meters": (ACTIVE, "inactive", "removed", "retired"),
}
MAX_ID_LENGTH = 64  # account and meter numbers (the ledger's column width)
MAX_EXTRACT_BYTES = 1 << 30  # a utility's 500,000 accounts take ~50 MB
MAX_PROBLEMS = 1000  # kept and shown; the rest are counted


@dataclass
class Extract:
    """A checked extract: its rows (tuples in ``HEADERS[kind]`` order) when it has no problems."""

    kind: str
    file_name: str
    sha256: str
    rows: list[tuple[str | None, ...]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    data_rows: int = 0

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def records(self, reader: Any, width: int) -> Iterator[tuple[int, list[str]]]:
        """The data records of a ``csv.reader`` after its header, each with the line it starts on;
        blank lines skipped, a record of the wrong field count named (``field_count``) and left out."""
        line = reader.line_num + 1
        for record in reader:
            start, line = line, reader.line_num + 1
            if not record:
                continue  # a blank line
            self.data_rows += 1
            if len(record) != width:
                message = f"{len(record)} fields; the header has {width}"
                self.add(Problem.of("field_count", message, line=start))
                continue
            yield start, record

    def add(self, problem: Problem) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)

    def by_status(self) -> dict[str, int]:
        if self.kind not in STATUSES:
            return {}
        return dict(sorted(Counter(str(r[-1]) for r in self.rows).items()))


def check_extract(kind: str, data: bytes, file_name: str) -> Extract:
    """Parse and check an extract's bytes; ``Extract.ok`` says whether it may be loaded."""
    extract = Extract(kind, file_name, hashlib.sha256(data).hexdigest())
    header_names = HEADERS[kind]
    if len(data) > MAX_EXTRACT_BYTES:
        extract.add(_file_problem("too_large", f"{len(data)} bytes; an extract may have {MAX_EXTRACT_BYTES}"))
        return extract
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        extract.add(_file_problem("encoding", f"not UTF-8: byte 0x{data[exc.start]:02x}", line=line))
        return extract
    if not text.strip():
        extract.add(_file_problem("empty_file", f"the {kind} extract is empty"))
        return extract
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
        where = _columns(extract, header, header_names)
        if where is not None and extract.kind == "billing-periods":
            from hub.engine.billing_periods import check_periods

            check_periods(extract, reader, where, len(header))
        elif where is not None:
            _check_rows(extract, reader, where, len(header))
    except csv.Error as exc:
        extract.add(_file_problem("csv", f"not a readable CSV: {exc}", line=reader.line_num))
    if extract.ok and extract.data_rows == 0:
        extract.add(_file_problem("empty_file", "no data rows after the header", line=1))
    if not extract.ok:
        extract.rows = []
    return extract


def _columns(extract: Extract, header: list[str], names: tuple[str, ...]) -> list[int] | None:
    """The position of each of the kind's columns in the header, or None (problems added)."""
    for name, count in Counter(header).items():
        if name in names and count > 1:
            extract.add(_file_problem("duplicate_column", f"column {name!r} appears {count} times", line=1))
    missing = [n for n in names if n not in header]
    for name in missing:
        extract.add(
            Problem.of(
                "missing_column",
                f"the header has no {name!r} column (needs: {', '.join(names)})",
                line=1,
                field=name,
                level="file",
            )
        )
    if missing or not extract.ok:
        return None
    return [header.index(n) for n in names]


def _check_rows(extract: Extract, reader: Any, where: list[int], width: int) -> None:
    names = HEADERS[extract.kind]
    required = REQUIRED[extract.kind]
    must = [k for k, n in enumerate(names) if n in required]
    ids = [k for k, n in enumerate(names) if n in ("account", "meter")]
    statuses = STATUSES[extract.kind]
    known = frozenset(statuses)
    key_name = names[0]
    seen: dict[str, int] = {}
    for start, record in extract.records(reader, width):
        values: list[str | None] = [record[i].strip() or None for i in where]
        status = (values[-1] or "").lower()
        if (
            status not in known
            or any(values[k] is None for k in must)
            or not all(_id_ok(values[k]) for k in ids)
        ):  # the slow path, naming every problem of the row
            for name, value in zip(names, values, strict=True):
                problem = _check_value(name, value, required, statuses, start)
                if problem is not None:
                    extract.add(problem)
            continue
        key = str(values[0])
        if key in seen:
            message = f"same {key_name} as line {seen[key]}; each {key_name} appears once"
            extract.add(Problem.of("duplicate", message, line=start, field=key_name, value=key))
            continue
        seen[key] = start
        if extract.ok:
            values[-1] = status
            extract.rows.append(tuple(values))


def _id_ok(value: str | None) -> bool:
    return value is None or (len(value) <= MAX_ID_LENGTH and value.isprintable())


def _check_value(
    name: str, value: str | None, required: frozenset[str], statuses: tuple[str, ...], line: int
) -> Problem | None:
    if value is None:
        return Problem.of("required", f"{name} is empty", line=line, field=name) if name in required else None
    if name == "status":
        if value.lower() not in statuses:
            message = f"status {value!r} is not one of {', '.join(statuses)}"
            return Problem.of("unknown_status", message, line=line, field=name, value=value)
    elif name in ("account", "meter"):
        if len(value) > MAX_ID_LENGTH:
            message = f"{name} is {len(value)} characters; at most {MAX_ID_LENGTH}"
            return Problem.of("too_long", message, line=line, field=name, value=value)
        if not value.isprintable():
            return Problem.of(
                "invalid", f"{name} holds control characters", line=line, field=name, value=value
            )
    return None


def _file_problem(rule: str, message: str, *, line: int | None = None) -> Problem:
    return Problem.of(rule, message, line=line, level="file")


def read_extract(kind: str, path: Path) -> Extract:
    """Read and check an extract file (``OSError`` when it cannot be read)."""
    if path.stat().st_size > MAX_EXTRACT_BYTES:
        extract = Extract(kind, path.name, "")
        extract.add(_file_problem("too_large", f"more than {MAX_EXTRACT_BYTES} bytes"))
        return extract
    return check_extract(kind, path.read_bytes(), path.name)


def load_extract(
    ledger: Ledger,
    extract: Extract,
    done: Callable[[int], None] | None = None,
    *,
    min_ratio: float = 0.0,
) -> dict[str, Any]:
    """Load a checked extract (when it has no problems) and say what happened: the ``--json`` of
    ``hub reference load``. ``done(n)``: n more rows written (per chunk, for a progress display).
    An extract with fewer rows than ``min_ratio`` of the current load's is not loaded: the
    result's ``shrunk`` says both counts (``--force`` passes 0)."""
    before = {s["kind"]: s for s in ledger.reference_status()}[extract.kind]
    result: dict[str, Any] = {
        "kind": extract.kind,
        "file": extract.file_name,
        "sha256": extract.sha256,
        "loaded": False,
        "load_id": None,
        "replaced": None,
        "current_load": before["load_id"],
        "rows": extract.data_rows,
        "by_status": {},
        "problem_count": extract.problem_count,
        "problems": [p.to_dict() for p in extract.problems],
    }
    if not extract.ok:
        return result
    current = before["rows"]
    if before["loaded"] and current and len(extract.rows) < current * min_ratio:
        result["shrunk"] = {"rows": len(extract.rows), "current_rows": current, "min_ratio": min_ratio}
        return result
    load_id = ledger.load_reference(extract.kind, extract.rows, extract.file_name, extract.sha256, done=done)
    loaded = next(h for h in ledger.reference_history(extract.kind) if h["load_id"] == load_id)
    result.update(
        loaded=True,
        load_id=load_id,
        replaced=loaded["replaces"],
        current_load=load_id,
        rows=len(extract.rows),
        by_status=extract.by_status(),
        loaded_at=loaded["loaded_at"],
    )
    return result
