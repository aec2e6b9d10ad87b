"""Resolving a Green Button file's links: UsagePoint -> MeterReading -> ReadingType / IntervalBlock.

An entry names itself (``rel=self``), its collection (``rel=up``) and what belongs to it
(``rel=related``). A MeterReading belongs to the UsagePoint whose related links name it or its
collection; a ReadingType is the one a MeterReading's related links name; an IntervalBlock belongs
to the MeterReading whose related links name it or its collection. Each IntervalBlock entry gets
one row of what its readings inherit; a block that resolves to no MeterReading, or a MeterReading
with no UsagePoint or ReadingType, is an ``unresolved-link`` problem and its readings are rejected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from formats.greenbutton_xml import Entry, Scan
from hub.kernel.problems import Problem

if TYPE_CHECKING:
    import polars as pl

_HOST = re.compile(r"^[a-z][a-z0-9+.-]*://[^/]*", re.IGNORECASE)
ENTRY_SCHEMA = {
    "_entry": "Int32",
    "usage_point": "String",
    "service_kind": "Int64",
    "meter_reading": "String",
    "reading_type": "String",
    "commodity": "Int64",
    "uom": "Int64",
    "power_of_ten_multiplier": "Int64",
    "interval_length": "Int64",
    "local_offset": "Int64",
    "_linked": "Boolean",
    "_blocks": "Int64",
}


def resource_id(href: str | None) -> str | None:
    """An href as an id: without scheme and host, and without the path up to ``/resource/``."""
    if href is None:
        return None
    path = _HOST.sub("", href)
    if "/resource/" in path:
        path = path.split("/resource/", 1)[1]
    return path.strip("/") or None


@dataclass
class Linked:
    """Per IntervalBlock entry, what its readings inherit; and the usage points in file order."""

    blocks: pl.DataFrame
    usage_points: list[dict[str, Any]]
    problems: list[Problem]


def _int(entry: Entry, name: str, problems: list[Problem]) -> int | None:
    if name not in entry.fields:
        return None
    text = entry.fields[name]
    if text is None:
        problems.append(
            Problem.of(
                "empty-element",
                f"{entry.resource} {name} is empty",
                line=entry.line,
                field=name,
                severity="warning",
            )
        )
        return None
    try:
        return int(text)
    except ValueError:
        problems.append(
            Problem.of(
                "not-integer",
                f"{entry.resource} {name} is not a whole number",
                line=entry.line,
                field=name,
                value=text,
            )
        )
        return None


def _owner(child: Entry, parents: list[Entry]) -> Entry | None:
    """The parent whose related links name ``child`` or its collection, else whose self link the
    child's self link extends."""
    names = {child.self_href, child.up_href} - {None}
    for parent in parents:
        if names & set(parent.related):
            return parent
    for parent in parents:
        if parent.self_href and child.self_href and child.self_href.startswith(parent.self_href + "/"):
            return parent
    return None


def resolve(scan: Scan) -> Linked:
    import polars as pl

    problems: list[Problem] = []
    by_kind: dict[str, list[Entry]] = {}
    for e in scan.entries:
        if e.resource is not None:
            by_kind.setdefault(e.resource, []).append(e)
    points = by_kind.get("UsagePoint", [])
    readings = by_kind.get("MeterReading", [])
    types = {e.self_href: e for e in by_kind.get("ReadingType", []) if e.self_href}
    times = by_kind.get("LocalTimeParameters", [])
    kinds = {id(p): _int(p, "kind", problems) for p in points}
    meter_of: dict[int, tuple[Entry | None, Entry | None]] = {}
    for m in readings:
        meter_of[id(m)] = (_owner(m, points), next((types[h] for h in m.related if h in types), None))
    type_fields = {
        id(t): {
            n: _int(t, n, problems) for n in ("commodity", "uom", "powerOfTenMultiplier", "intervalLength")
        }
        for t in types.values()
    }
    up: Entry | None
    rt: Entry | None
    mr: Entry | None
    rows: list[list[Any]] = [[] for _ in ENTRY_SCHEMA]  # columns: one list per field (memory)
    ids = lru_cache(maxsize=None)(resource_id)  # a block's owners' ids made once, shared by every row
    shown: dict[int, dict[str, Any]] = {}
    # every entry holding readings gets its row, so no reading goes unplaced without a finding
    for block in [e for e in scan.entries if e.resource == "IntervalBlock" or e.readings]:
        mr = _owner(block, readings) if block.resource == "IntervalBlock" else None
        up, rt = meter_of[id(mr)] if mr is not None else (None, None)
        missing = (
            "MeterReading"
            if mr is None
            else "UsagePoint"
            if up is None
            else "ReadingType"
            if rt is None
            else None
        )
        if missing is not None:
            problems.append(
                Problem.of(
                    "unresolved-link",
                    f"the IntervalBlock's links lead to no {missing}; the readings of its "
                    f"{block.blocks} block(s) cannot be placed",
                    line=block.line,
                    field="link",
                    value=block.self_href or block.up_href,
                )
            )
        f = type_fields.get(id(rt), {}) if rt is not None else {}
        if missing is None and f.get("uom") is None:
            missing = "uom"
            problems.append(
                Problem.of(
                    "missing-element",
                    "the ReadingType of the IntervalBlock gives no uom; its readings have no unit",
                    line=rt.line if rt else block.line,
                    field="uom",
                    value=resource_id(rt.self_href) if rt else None,
                )
            )
        offset = _local_offset(up, times)
        row = (
            block.index,
            ids(up.self_href) if up else None,
            kinds.get(id(up)) if up else None,
            ids(mr.self_href) if mr else None,
            ids(rt.self_href) if rt else None,
            f.get("commodity"),
            f.get("uom"),
            f.get("powerOfTenMultiplier") or 0,
            f.get("intervalLength"),
            offset,
            missing is None,
            block.blocks,
        )
        for column, value in zip(rows, row, strict=True):
            column.append(value)
    for point in points:
        shown[id(point)] = {
            "id": resource_id(point.self_href),
            "kind": kinds[id(point)],
            "meter_readings": [],
        }
    for meter in readings:
        up, rt = meter_of[id(meter)]
        if up is None:
            continue
        f = type_fields.get(id(rt), {}) if rt is not None else {}
        shown[id(up)]["meter_readings"].append(
            {
                "id": resource_id(meter.self_href),
                "commodity": f.get("commodity"),
                "uom": f.get("uom"),
                "power_of_ten_multiplier": f.get("powerOfTenMultiplier") or 0,
                "interval_length": f.get("intervalLength"),
            }
        )
    schema = {k: getattr(pl, v) for k, v in ENTRY_SCHEMA.items()}
    table = pl.DataFrame(dict(zip(schema, rows, strict=True)), schema=schema)
    return Linked(table, list(shown.values()), problems)


def _local_offset(up: Entry | None, times: list[Entry]) -> int | None:
    """The LocalTimeParameters' tzOffset (seconds) the usage point names, or the file's only one."""
    named = [t for t in times if up is not None and t.self_href in up.related]
    chosen = named[0] if named else times[0] if len(times) == 1 else None
    if chosen is None or chosen.fields.get("tzOffset") is None:
        return None
    try:
        return int(chosen.fields["tzOffset"] or "")
    except ValueError:
        return None
