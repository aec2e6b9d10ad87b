"""The fast path of the Green Button reader: IntervalBlock contents read from the raw bytes.

Before the bytes reach lxml, ``BlockFilter`` finds each IntervalBlock in them (buffer by buffer; a
block may straddle buffers, a block larger than ``cap`` is never held). When the block's content is,
in full, plain IntervalReadings (``Grammar``: only elements with the block's own prefix, no
attributes, comments, CDATA, PIs or references, whitespace between elements, digits as values),
its field columns are taken by C-speed regular expressions and lxml is fed the block's start tag
with a marker attribute, as many newlines as the content held (every later line number stays the
file's own) and the end tag; the reader takes the block's readings from the columns when the marked
block ends. Any other block (or any text in a comment, CDATA section or PI) goes to lxml unchanged,
so the reader reads it as before: the fast path accepts only elements and digits, it never expands
anything, and the hardening of the parser is untouched.
"""

from __future__ import annotations

import re
import secrets
from collections import deque
from dataclasses import dataclass
from functools import cache
from itertools import accumulate, repeat
from typing import Protocol

MARKER = "hub-fast"  # the attribute put on a block read by the fast path: "TOKEN-ID"
BUFFER = 1 << 20
CAP = 8 << 20  # a larger block is read by lxml (a text node over 10 MB is refused by libxml2)
_NAME = rb"[A-Za-z_][A-Za-z0-9_.-]*"
_NEXT = re.compile(rb"<!--|<!\[CDATA\[|<\?|<(?:(" + _NAME + rb"):)?IntervalBlock(?=[\s>/])")
_ATTRS = re.compile(rb"(?:\s+[^\s=<>/\"']+\s*=\s*(?:\"[^\"<]*\"|'[^'<]*'))*\s*>")
_END_REST = re.compile(rb"\s*>")
_CLOSE = {b"<!--": b"-->", b"<![CDATA[": b"]]>", b"<?": b"?>"}
_ENCODING = re.compile(rb"^(?:\xef\xbb\xbf)?<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_ASCII_SUPERSETS = {"utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "latin1", "latin-1"}
_ASCII_SUPERSETS |= {"iso-8859-15", "windows-1252", "cp1252"}


class Source(Protocol):
    def read(self, size: int = -1) -> bytes: ...


@dataclass(slots=True)
class Block:
    """The readings of one fast block: field texts ("" = element absent; ``period`` is non-empty
    where a timePeriod is present) and each reading's line."""

    cost: tuple[str, ...]
    quality: tuple[str, ...]
    period: tuple[str, ...]
    duration: tuple[str, ...]
    start: tuple[str, ...]
    value: tuple[str, ...]
    lines: list[int]


def ascii_compatible(head: bytes) -> bool:
    """Whether the file's encoding writes markup and digits as ASCII bytes (else no fast path)."""
    if head[:2] in (b"\xff\xfe", b"\xfe\xff", b"\x00<", b"<\x00") or head[:4] == b"\x00\x00\xfe\xff":
        return False  # UTF-16 or UTF-32, with or without a byte order mark
    found = _ENCODING.match(head)
    return found is None or found.group(1).decode().lower() in _ASCII_SUPERSETS


class Grammar:
    """The content of a block of plain IntervalReadings, for one prefix (``"espi:"`` or ``""``):
    optional whitespace and block ``interval``, then readings, each of the optional children in the
    schema's order (cost, ReadingQuality with its quality, timePeriod with duration and start,
    value), every value a signed digit string, whitespace between elements."""

    def __init__(self, prefix: str) -> None:
        p = re.escape(prefix)
        ws, num = r"[ \t\r\n]*+", r"[+-]?[0-9]++"  # possessive: each element begins with its own tag

        def leaf(name: str, group: bool = True) -> str:
            body = f"({num})" if group else num
            return f"<{p}{name}>{body}</{p}{name}>{ws}"

        def opt(pattern: str) -> str:
            return f"(?:{pattern})?+"

        period = f"(<{p}timePeriod>){ws}{opt(leaf('duration'))}{opt(leaf('start'))}</{p}timePeriod>{ws}"
        quality = f"<{p}ReadingQuality>{ws}{leaf('quality')}</{p}ReadingQuality>{ws}"
        reading = (
            f"(<{p}IntervalReading>{ws}{opt(leaf('cost'))}{opt(quality)}{opt(period)}{opt(leaf('value'))}"
            f"</{p}IntervalReading>({ws}))"
        )
        times = opt(leaf("duration", False)) + opt(leaf("start", False))
        interval = f"<{p}interval>{ws}{times}</{p}interval>"
        self.head = re.compile(f"{ws}(?:{interval}{ws})?(?=<{p}IntervalReading>)")
        self.reading = re.compile(reading)

    def read(self, content: str, line: int) -> Block | None:
        """The block's readings when ``content`` is plain readings in full, else None. ``line``: the
        line the content starts on."""
        head = self.head.match(content)
        if head is None:
            return None
        rows = self.reading.findall(content, head.end())
        if not rows:
            return None
        whole, cost, quality, period, duration, start, value, after = zip(*rows, strict=True)
        if sum(map(len, whole)) != len(content) - head.end():
            return None  # the readings found, one after another, are not the whole content
        first = line + content.count("\n", 0, head.end())
        return Block(
            cost, quality, period, duration, start, value, _lines(content, head.end(), whole, after, first)
        )


def _lines(content: str, body: int, whole: tuple[str, ...], after: tuple[str, ...], first: int) -> list[int]:
    """Each reading's line: ``first``, then the newlines of the readings before it. When every reading
    is followed by the same whitespace and holds no newline (one reading a line), a range."""
    n = len(whole)
    step = after[0].count("\n")
    if after.count(after[0]) == n and content.count("\n", body) == step * n:
        return list(range(first, first + step * n, step)) if step else [first] * n
    return list(accumulate(map(str.count, whole[:-1], repeat("\n")), initial=first))


@cache
def grammar(prefix: str) -> Grammar:
    return Grammar(prefix)


class BlockFilter:
    """A file-like ``read`` over ``source`` with every plain IntervalBlock's content taken out (its
    readings kept in ``blocks`` by id until the reader ``take``s them)."""

    def __init__(self, source: Source, *, buffer: int = BUFFER, cap: int = CAP) -> None:
        self.source = source
        self.size = buffer
        self.cap = max(cap, buffer)
        self.buf = b""
        self.pos = 0
        self.eof = False
        self.until: bytes | None = None  # inside a comment, CDATA section or PI: its end
        self.line = 1  # the line at self.pos
        self.token = secrets.token_hex(6)
        self.blocks: deque[tuple[int, Block]] = deque()
        self.next_id = 0
        self.used = 0  # blocks read by the fast path

    def take(self, mark: str) -> Block | None:
        """The readings of the marked block (None when the mark is not one of this filter's);
        blocks before it that were never taken are dropped (blocks end in the order they begin)."""
        token, _, number = mark.partition("-")
        if token != self.token or not number.isdigit():
            return None
        wanted, blocks = int(number), self.blocks
        while blocks and blocks[0][0] < wanted:
            blocks.popleft()
        return blocks.popleft()[1] if blocks and blocks[0][0] == wanted else None

    def read(self, size: int = -1) -> bytes:
        """At least ``size`` bytes (64 KB when -1) unless the file ends first: fewer, larger reads."""
        want = size if size > 0 else 1 << 16
        out: list[bytes] = []
        got = 0
        while got < want:
            if self.pos >= len(self.buf):
                if self.eof:
                    break
                self._more()
                continue
            done = len(out)
            self._step(out)
            got += sum(map(len, out[done:]))
        return b"".join(out)

    def _more(self) -> None:
        chunk = self.source.read(self.size)
        if not chunk:
            self.eof = True
        self.buf = self.buf[self.pos :] + chunk
        self.pos = 0

    def _step(self, out: list[bytes]) -> None:
        """Pass on what can be passed on from the buffer, or read more when nothing can."""
        buf, pos = self.buf, self.pos
        if self.until is not None:
            end = buf.find(self.until, pos)
            if end >= 0:
                self._emit(out, end + len(self.until))
                self.until = None
            elif self.eof:
                self._emit(out, len(buf))
            else:
                self._emit(out, max(pos, len(buf) - len(self.until) + 1))
                self._more()
            return
        found = _NEXT.search(buf, pos)
        if found is None:
            keep = buf.rfind(b"<", max(pos, len(buf) - 1024))
            if self.eof or keep < 0:
                self._emit(out, len(buf))
            else:
                self._emit(out, keep)
                self._more()
            return
        if found.group(1) is None and buf[found.start() + 1] != ord("I"):
            self._emit(out, found.end())
            self.until = _CLOSE[found.group()]
            return
        self._block(out, found)

    def _block(self, out: list[bytes], found: re.Match[bytes]) -> None:
        """A block's start tag found: its content taken out, or passed on unchanged."""
        buf, at = self.buf, found.start()
        can_wait = not self.eof and len(buf) - at < self.cap
        tag = _ATTRS.match(buf, found.end())
        if tag is None or MARKER.encode() in buf[at : tag.end()]:
            if tag is None and can_wait and buf.find(b">", found.end()) < 0:
                self._wait(out, at)  # the start tag straddles the buffer
            else:
                self._emit(out, found.end())
            return
        prefix = found.group(1)
        closing = b"</" + (prefix + b":" if prefix else b"") + b"IntervalBlock"
        end = buf.find(closing, tag.end())
        rest = _END_REST.match(buf, end + len(closing)) if end >= 0 else None
        if rest is None:
            if can_wait and (end < 0 or buf.find(b">", end) < 0):
                self._wait(out, at)  # the block straddles the buffer
            else:
                self._emit(out, tag.end())
            return
        content = buf[tag.end() : end]
        line = self.line + buf.count(b"\n", self.pos, tag.end())
        block = grammar(prefix.decode() + ":" if prefix else "").read(content.decode("latin-1"), line)
        if block is None:
            self._emit(out, tag.end())
            return
        self._emit(out, at)
        self.blocks.append((self.next_id, block))
        mark = f' {MARKER}="{self.token}-{self.next_id}">'.encode()
        newlines = content.count(b"\n")
        out += (buf[at : tag.end() - 1], mark, b"\n" * newlines, buf[end : rest.end()])
        self.line += buf.count(b"\n", at, tag.end()) + newlines + buf.count(b"\n", end, rest.end())
        self.pos = rest.end()
        self.next_id += 1
        self.used += 1

    def _wait(self, out: list[bytes], upto: int) -> None:
        self._emit(out, upto)
        self._more()

    def _emit(self, out: list[bytes], upto: int) -> None:
        if upto > self.pos:
            out.append(self.buf[self.pos : upto])
            self.line += self.buf.count(b"\n", self.pos, upto)
            self.pos = upto
