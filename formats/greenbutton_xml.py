"""The hardened, streaming reader of Green Button (ESPI) XML: entries and interval readings.

lxml ``iterparse`` with no DTD, no entity expansion and no network; a DOCTYPE (where XXE and
"billion laughs" live) is refused before parsing starts. Elements are cleared as they are read, so
memory stays bounded by the readings kept (columnar, flushed to polars in chunks), not the file.
Namespace URIs are matched, never prefixes. Readings keep their entry's index; links are resolved
after the whole file is read (``greenbutton_links``), because entries may come in any order.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

from hub.kernel.errors import ParseError
from hub.kernel.problems import Problem

if TYPE_CHECKING:
    import polars as pl

ATOM = "{http://www.w3.org/2005/Atom}"
ESPI = "{http://naesb.org/espi}"
RESOURCES = ("UsagePoint", "MeterReading", "ReadingType", "IntervalBlock", "LocalTimeParameters")
RESOURCE_TAGS = frozenset(ESPI + r for r in RESOURCES)
CHUNK = 100_000  # readings per polars chunk
PROLOG_BYTES = 1 << 16
READING_SCHEMA = {
    "_entry": "Int32",
    "start": "Int64",
    "duration": "Int64",
    "value": "Int64",
    "cost": "Int64",
    "quality": "Int64",
    "_line": "Int64",
    "_ok": "Boolean",
}
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)
_INT = re.compile(r"^\s*[+-]?\d+\s*$")
INT64 = 1 << 63


@dataclass
class Entry:
    """One Atom entry (or the file's single entry): its links and the resource it holds."""

    index: int
    line: int
    resource: str | None = None
    self_href: str | None = None
    up_href: str | None = None
    related: list[str] = field(default_factory=list)
    fields: dict[str, str | None] = field(default_factory=dict)
    blocks: int = 0
    readings: int = 0
    bare: bool = False  # a resource outside any Atom entry: the entry ends with the resource


@dataclass
class Scan:
    """What a file holds: its entries, its readings (polars chunks) and the problems found while reading."""

    entries: list[Entry]
    chunks: list[pl.DataFrame]
    problems: list[Problem]
    readings: int


def refuse_doctype(head: bytes, file: str) -> None:
    """A DOCTYPE or entity declaration is refused before any parsing: it is how XXE and entity
    bombs arrive, and no Green Button file needs one."""
    text = head.decode("utf-16") if head[:2] in (b"\xff\xfe", b"\xfe\xff") else head
    probe = text.encode("utf-8") if isinstance(text, str) else text
    root = re.search(rb"<[A-Za-z_]", probe)
    match = _DOCTYPE.search(probe, 0, root.start() if root else len(probe))
    if match:
        line = probe.count(b"\n", 0, match.start()) + 1
        raise ParseError(
            "the file declares a DOCTYPE or entities; Green Button files need none and they are "
            "never loaded (XXE, entity expansion)",
            file=file,
            line=line,
            column=None,
            rule="xml-doctype",
        )


def _text(elem: Any) -> str | None:
    text: str | None = elem.text
    return None if text is None or not text.strip() else text.strip()


class _Readings:
    """Columns of readings, as Python lists flushed to polars every ``CHUNK`` rows."""

    def __init__(self) -> None:
        self.cols: dict[str, list[Any]] = {k: [] for k in READING_SCHEMA}
        self.chunks: list[pl.DataFrame] = []
        self.count = 0

    def add(self, row: tuple[Any, ...]) -> None:
        for values, v in zip(self.cols.values(), row, strict=True):
            values.append(v)
        self.count += 1
        if len(self.cols["_line"]) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        import polars as pl

        if self.cols["_line"]:
            schema = {k: getattr(pl, v) for k, v in READING_SCHEMA.items()}
            self.chunks.append(pl.DataFrame(self.cols, schema=schema))
            self.cols = {k: [] for k in READING_SCHEMA}


class _Reader:
    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []
        self.entries: list[Entry] = []
        self.readings = _Readings()

    def problem(self, rule: str, message: str, line: int, fld: str, value: object = None, **kw: Any) -> None:
        self.problems.append(Problem.of(rule, message, line=line, field=fld, value=value, **kw))

    def integer(self, elem: Any, name: str, line: int, *, required: bool, odd_rule: str) -> int | None:
        """The integer text of ``elem`` (a child named ``name``), or None with its problem named."""
        if elem is None:
            if required:
                self.problem("missing-element", f"the IntervalReading has no {name}", line, name)
            return None
        text = _text(elem)
        if text is None:
            severity = "error" if required else "warning"
            self.problem("empty-element", f"{name} is empty", line, name, severity=severity)
            return None
        if not _INT.match(text) or not -INT64 <= int(text) < INT64:
            self.problem(odd_rule, f"{name} {text!r} is not a whole number", line, name, text)
            return None
        return int(text)

    def reading(self, elem: Any, entry: Entry) -> None:
        line = elem.sourceline or 0
        kids: dict[str, Any] = {}
        for child in elem:
            tag = child.tag
            if isinstance(tag, str) and tag.startswith(ESPI):
                kids[tag[len(ESPI) :]] = child
        period = kids.get("timePeriod")
        pkids = (
            {c.tag[len(ESPI) :]: c for c in period if isinstance(c.tag, str)} if period is not None else {}
        )
        before = len(self.problems)
        if period is None:
            self.problem("missing-element", "the IntervalReading has no timePeriod", line, "timePeriod")
            start = duration = None
        else:
            start = self.integer(pkids.get("start"), "start", line, required=True, odd_rule="odd-timestamp")
            duration = self.integer(
                pkids.get("duration"), "duration", line, required=True, odd_rule="odd-timestamp"
            )
        value = self.integer(kids.get("value"), "value", line, required=True, odd_rule="value-not-integer")
        cost = self.integer(kids.get("cost"), "cost", line, required=False, odd_rule="cost-not-integer")
        quality_el = kids.get("ReadingQuality")
        quality = None
        if quality_el is not None:
            q = quality_el.find(ESPI + "quality")
            quality = self.integer(q, "quality", line, required=False, odd_rule="quality-not-integer")
        if start is not None and start < 0:
            self.problem("odd-timestamp", f"start {start} is before 1970", line, "start", start)
            start = None
        if duration is not None and duration <= 0:
            self.problem("odd-timestamp", f"duration {duration} is not positive", line, "duration", duration)
            duration = None
        ok = not any(p.severity == "error" for p in self.problems[before:])
        entry.readings += 1
        self.readings.add((entry.index, start, duration, value, cost, quality, line, ok))

    def resource(self, elem: Any, name: str, entry: Entry) -> None:
        if entry.resource is not None and entry.resource != name:
            return  # a second kind of resource in one entry: the first one names the entry
        entry.resource = name
        if name == "IntervalBlock":
            entry.blocks += 1
            return
        for child in elem.iter():
            tag = child.tag
            if isinstance(tag, str) and tag.startswith(ESPI) and child is not elem and len(child) == 0:
                entry.fields[tag[len(ESPI) :]] = _text(child)

    def link(self, elem: Any, entry: Entry) -> None:
        rel, href = elem.get("rel"), elem.get("href")
        if not href:
            return
        href = href.strip()
        if rel == "self":
            entry.self_href = href
        elif rel == "up":
            entry.up_href = href
        elif rel == "related":
            entry.related.append(href)


def scan(source: IO[bytes], file: str) -> Scan:
    """Read every entry and reading of a Green Button file, streaming; ParseError when it is not XML
    (or declares a DOCTYPE)."""
    from lxml import etree

    head = source.read(PROLOG_BYTES)
    refuse_doctype(head, file)
    source.seek(0)
    reader = _Reader(file)
    tags = [ATOM + "entry", ATOM + "link", ESPI + "IntervalReading"] + [ESPI + r for r in RESOURCES]
    parser = etree.iterparse(
        source,
        events=("start", "end"),
        tag=tags,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    entry: Entry | None = None
    first = True
    handlers: dict[str, Callable[[Any, Entry], None]] = {
        ATOM + "link": reader.link,
        ESPI + "IntervalReading": reader.reading,
    }
    try:
        for event, elem in parser:
            if first:
                first = False
                if elem.getroottree().docinfo.internalDTD is not None:
                    refuse_doctype(b"<!DOCTYPE", file)
            tag = elem.tag
            if tag == ATOM + "entry":
                if event == "start":
                    entry = Entry(index=len(reader.entries), line=elem.sourceline or 0)
                    reader.entries.append(entry)
                else:
                    entry = None
                    elem.clear()
                    _drop_previous(elem)
                continue
            if event == "start":
                if tag in RESOURCE_TAGS and entry is None:  # a resource outside any Atom entry
                    entry = Entry(index=len(reader.entries), line=elem.sourceline or 0, bare=True)
                    reader.entries.append(entry)
                continue
            if entry is None:
                continue  # the feed's own links
            handler = handlers.get(tag)
            if handler is not None:
                handler(elem, entry)
                if tag == ESPI + "IntervalReading":
                    elem.clear()
                    _drop_previous(elem)
                continue
            reader.resource(elem, tag[len(ESPI) :], entry)
            if entry.bare and entry.resource == tag[len(ESPI) :]:
                entry = None
    except etree.XMLSyntaxError as exc:
        line = exc.position[0] if exc.position else None
        raise ParseError(
            f"not well-formed XML: {exc.msg}", file=file, line=line, column=None, rule="xml-malformed"
        ) from None
    reader.readings.flush()
    return Scan(reader.entries, reader.readings.chunks, reader.problems, reader.readings.count)


def _drop_previous(elem: Any) -> None:
    """Remove already-read siblings, so a block of a million readings holds none of them."""
    parent = elem.getparent()
    if parent is None:
        return
    while elem.getprevious() is not None:
        del parent[0]
