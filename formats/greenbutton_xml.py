"""The hardened, streaming reader of Green Button (ESPI) XML: entries and interval readings.

lxml ``iterparse`` with no DTD, no entity expansion and no network; a DOCTYPE (where XXE and
"billion laughs" live) is refused before parsing starts. Elements are cleared as they are read, so
memory stays bounded by the readings kept (columnar, flushed to polars in chunks), not the file.
Namespace URIs are matched, never prefixes. Readings keep their entry's index; links are resolved
after the whole file is read (``greenbutton_links``), because entries may come in any order.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import IO, TYPE_CHECKING, Any

from formats.greenbutton_blocks import BUFFER, MARKER, BlockFilter, ascii_compatible
from formats.greenbutton_readings import Readings
from hub.kernel.errors import ParseError
from hub.kernel.problems import Problem

if TYPE_CHECKING:
    import polars as pl

ATOM = "{http://www.w3.org/2005/Atom}"
ESPI = "{http://naesb.org/espi}"
RESOURCES = ("UsagePoint", "MeterReading", "ReadingType", "IntervalBlock", "LocalTimeParameters")
RESOURCE_TAGS = frozenset(ESPI + r for r in RESOURCES)
PROLOG_BYTES = 1 << 16
READING = ESPI + "IntervalReading"
BLOCK = ESPI + "IntervalBlock"
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)
NO_FIELDS: Mapping[str, str | None] = MappingProxyType({})


@dataclass(slots=True)
class Entry:
    """One Atom entry (or the file's single entry): its links and the resource it holds."""

    index: int
    line: int
    resource: str | None = None
    self_href: str | None = None
    up_href: str | None = None
    related: tuple[str, ...] = ()  # shared empty defaults: an IntervalBlock entry (one a day) has none
    fields: Mapping[str, str | None] = field(default_factory=lambda: NO_FIELDS)  # one shared empty
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
    keys: list[pl.DataFrame] = field(
        default_factory=list
    )  # summary only: (_entry, start, _line) of good readings
    open_entry: bool = False  # the file ended inside an entry begun by a bare resource or reading
    parts: int = 1  # how many parts (processes) read it (``greenbutton_split``)
    fast_blocks: int = 0  # IntervalBlocks read by the fast path (``greenbutton_blocks``)


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


class _Reader:
    def __init__(self, file: str) -> None:
        self.file = file
        self.entries: list[Entry] = []
        self.readings = Readings()

    def resource(self, elem: Any, name: str, entry: Entry) -> None:
        if entry.resource is not None and entry.resource != name:
            return  # a second kind of resource in one entry: the first one names the entry
        entry.resource = name
        if name == "IntervalBlock":
            entry.blocks += 1
            return
        fields = dict(entry.fields)
        for child in elem.iter():
            tag = child.tag
            if isinstance(tag, str) and tag.startswith(ESPI) and child is not elem and len(child) == 0:
                fields[tag[len(ESPI) :]] = _text(child)
        entry.fields = fields

    def link(self, elem: Any, entry: Entry) -> None:
        rel, href = elem.get("rel"), elem.get("href")
        if not href:
            return
        href = href.strip()
        if rel == "self":  # unique to its entry: not interned (the intern table would grow per block)
            entry.self_href = href
            return
        href = sys.intern(href)  # a block's up link is the same in every block: kept once
        if rel == "up":
            entry.up_href = href
        elif rel == "related":
            entry.related += (href,)


class _Inexact(Exception):
    """A block read by the fast path sits where the old reader would see more of it (inside another
    resource, or deep enough for libxml2's depth limit): the file is read again without it."""


_MAX_DEPTH = 200  # a fast block this deep is read again by lxml (libxml2 refuses depth > 256)


def scan(
    source: IO[bytes], file: str, *, summary_only: bool = False, fast: bool = True, buffer: int = BUFFER
) -> Scan:
    """Read every entry and reading of a Green Button file, streaming; ParseError when it is not XML
    (or declares a DOCTYPE). ``summary_only``: chunks of per-entry figures instead of readings.
    ``fast``: plain IntervalBlocks read from the raw bytes (``greenbutton_blocks``), read in
    ``buffer`` bytes at a time; the file is read again without them if they could make any
    difference (a seekable ``source`` only)."""
    try:
        origin: int | None = source.tell()
    except (AttributeError, OSError):
        origin = None
    if not fast or origin is None:
        return _scan(source, file, summary_only, None, [])
    filters: list[BlockFilter] = []
    try:
        return _scan(source, file, summary_only, buffer, filters)
    except _Inexact:
        pass
    except ParseError:  # a malformed file's finding is the one lxml gives for the file unchanged
        if not any(f.used for f in filters):
            raise
    source.seek(origin)
    return _scan(source, file, summary_only, None, [])


def _scan(
    source: IO[bytes], file: str, summary_only: bool, buffer: int | None, filters: list[BlockFilter]
) -> Scan:
    from lxml import etree

    head = source.read(PROLOG_BYTES)
    refuse_doctype(head, file)
    reader = _Reader(file)
    reader.readings.summary_only = summary_only
    readings = reader.readings
    tags = [ATOM + "entry", ATOM + "link", READING, *RESOURCE_TAGS]
    replay = _Replay(head, source)
    blocks = BlockFilter(replay, buffer=buffer) if buffer is not None and ascii_compatible(head) else None
    if blocks is not None:
        filters.append(blocks)
        tags.append("{*}IntervalBlock")  # a fast block in another namespace: its readings are dropped
    parser = etree.iterparse(
        blocks or replay,
        events=("end",),
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
    try:
        for _, elem in parser:  # end events only: an entry begins with the first element read in it
            tag = elem.tag
            if tag == READING:  # the hot path: the reading's texts kept, the element dropped
                if entry is None:
                    entry = _begin(reader, elem)
                readings.add(elem, entry.index)
                entry.readings += 1
                elem.clear()
                _drop_previous(elem)
                continue
            if blocks is not None and tag != BLOCK and tag.endswith("IntervalBlock"):
                mark = elem.get(MARKER)
                if mark is not None:
                    blocks.take(mark)  # not ESPI: nothing of it is read (its readings share its prefix)
                continue
            if first:
                first = False
                if elem.getroottree().docinfo.internalDTD is not None:
                    refuse_doctype(b"<!DOCTYPE", file)
            if tag == ATOM + "entry":
                entry = None
                elem.clear()
                _drop_previous(elem)
                continue
            if tag == ATOM + "link":
                if entry is None and _entry_of(elem) is None:
                    continue  # the feed's own links
                if entry is None:
                    entry = _begin(reader, elem)
                reader.link(elem, entry)
                continue
            if tag == BLOCK and blocks is not None:
                mark = elem.get(MARKER)
                block = None if mark is None else blocks.take(mark)
                if block is not None:
                    _check_place(elem)
                    if entry is None:
                        entry = _begin(reader, elem, block.lines[0])
                    readings.add_block(block, entry.index)
                    entry.readings += len(block.lines)
            if entry is None:
                entry = _begin(reader, elem)
            reader.resource(elem, tag[len(ESPI) :], entry)
            if entry.bare and entry.resource == tag[len(ESPI) :]:
                entry = None
    except etree.XMLSyntaxError as exc:
        line = exc.position[0] if exc.position else None
        raise ParseError(
            f"not well-formed XML: {exc.msg}", file=file, line=line, column=None, rule="xml-malformed"
        ) from None
    readings.flush()
    problems = sorted(readings.problems, key=lambda p: p.line or 0)
    found = Scan(reader.entries, readings.chunks, problems, readings.count, readings.keys, entry is not None)
    found.fast_blocks = 0 if blocks is None else blocks.used
    return found


def _check_place(block: Any) -> None:
    """A fast block must be where the old reader sees nothing of its content but its readings: in
    no other resource (whose fields are read from all its descendants), not deep in the tree."""
    depth = 0
    node = block.getparent()
    while node is not None:
        if node.tag in RESOURCE_TAGS:
            raise _Inexact
        depth += 1
        node = node.getparent()
    if depth > _MAX_DEPTH:
        raise _Inexact


class _Replay:
    """The source read again from its start without seeking: the head already read, then the rest."""

    def __init__(self, head: bytes, source: IO[bytes]) -> None:
        self.head: bytes | None = head
        self.source = source

    def read(self, size: int = -1) -> bytes:
        if self.head is not None:
            head, self.head = self.head, None
            if head:
                return head
        return self.source.read(size)


def _entry_of(elem: Any) -> Any:
    """The Atom entry ``elem`` is in, or None."""
    node = elem.getparent()
    while node is not None and node.tag != ATOM + "entry":
        node = node.getparent()
    return node


def _begin(reader: _Reader, elem: Any, bare_line: int | None = None) -> Entry:
    """A new entry at the first element read in it: the Atom entry holding ``elem``, else (a resource
    or reading outside any entry) a bare one, on ``elem``'s line (``bare_line`` when given: a fast
    block's first reading)."""
    holder = _entry_of(elem)
    line = holder.sourceline if holder is not None else bare_line or elem.sourceline
    line = line or 0
    entry = Entry(index=len(reader.entries), line=line, bare=holder is None)
    reader.entries.append(entry)
    return entry


def _drop_previous(elem: Any) -> None:
    """Remove already-read siblings, so a block of a million readings holds none of them."""
    parent = elem.getparent()
    if parent is None:
        return
    while elem.getprevious() is not None:
        del parent[0]
