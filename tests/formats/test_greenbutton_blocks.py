"""The fast path of the Green Button reader (plain IntervalBlocks read from the raw bytes) gives
exactly what the reader gives without it: the same entries, readings (lines and entries included),
problems with their lines, ``hub inspect`` summary, and the same finding for a malformed file, for
generated blocks of any prefix, whitespace, children, values, comments or CDATA, read in buffers
of any size (blocks straddling them); and it is used for plain blocks only."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import polars as pl
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from formats.greenbutton_blocks import BlockFilter
from formats.greenbutton_inspect import summary
from formats.greenbutton_split import scan_parts
from formats.greenbutton_xml import Scan, scan
from hub.kernel.errors import ParseError
from tests.formats.greenbutton_cases import BASE, ESPI, METER_READING, Feed, Reading, build, hourly
from tests.formats.test_greenbutton_properties import mutated
from tests.formats.test_greenbutton_split import assert_same

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
OTHER = "urn:example:not-espi"
WS = st.sampled_from(["", "", "\n", "  ", "\r\n", "\n\t", " \n \n"])
DIGITS = st.one_of(st.integers(-(10**6), 2 * 10**9).map(str), st.sampled_from(["0", "+7", "-0", "007"]))
ODD = st.sampled_from(["", " 5 ", "12x", "1.5", "99999999999999999999", "-", "-5"])


@st.composite
def element(draw: st.DrawFn, tag: str, noisy: bool, inner: str | None = None) -> str:
    """An element with drawn text (or ``inner`` elements); when ``noisy``, now and then an odd value,
    empty, self-closed, or with a comment, CDATA or character reference in it."""
    if inner is None:
        inner = draw(st.one_of(DIGITS, ODD) if noisy else DIGITS)
        odd = ["self-closed", "comment", "cdata", "charref"] if noisy else []
        how = draw(st.sampled_from(["plain"] * 12 + odd))
        event(f"text {how}")
        if how == "self-closed":
            return f"<{tag}/>"
        if how == "comment":
            inner = f"<!-- n -->{inner}"
        elif how == "cdata":
            inner = f"<![CDATA[{inner}]]>"
        elif how == "charref" and inner:
            inner = f"&#{ord(inner[0])};{inner[1:]}"
    return f"<{tag}>{inner}</{tag}>"


@st.composite
def reading(draw: st.DrawFn, p: str, noisy: bool) -> str:
    ws = draw(WS)
    children: list[str] = []
    if draw(st.booleans()):
        children.append(draw(element(f"{p}cost", noisy)))
    if draw(st.booleans()):
        quality = draw(element(f"{p}quality", noisy))
        children.append(draw(element(f"{p}ReadingQuality", noisy, ws + quality + ws)))
    if draw(st.integers(0, 5)):
        times = []
        if draw(st.integers(0, 5)):
            times.append(draw(element(f"{p}duration", noisy)))
        if draw(st.integers(0, 5)):
            times.append(draw(element(f"{p}start", noisy)))
        if draw(st.integers(0, 4)) == 0:
            times.reverse()
        children.append(draw(element(f"{p}timePeriod", noisy, ws.join(times))))
    if draw(st.integers(0, 5)):
        children.append(draw(element(f"{p}value", noisy)))
    order = draw(st.sampled_from(["schema"] * 6 + (["shuffled", "twice", "other-child"] if noisy else [])))
    event(f"children {order}")
    if order == "shuffled":
        children = draw(st.permutations(children))
    elif order == "twice" and children:
        children.append(children[0])
    elif order == "other-child":
        children.insert(0, f"<{p}tou>1</{p}tou>")
    return f"<{p}IntervalReading>{ws}{ws.join(children)}{ws}</{p}IntervalReading>"


@st.composite
def block(draw: st.DrawFn, index: int) -> str:
    """An IntervalBlock in an entry (or bare, or inside another resource), its prefix drawn: the
    feed's ``espi``, the default namespace, a prefix declared on the block, or one bound to another
    namespace (never read as ESPI)."""
    how = draw(st.sampled_from(["espi", "espi", "default", "own", "other", "other-default"]))
    event(f"prefix {how}")
    p, xmlns = {
        "espi": ("espi:", ""),
        "default": ("", f' xmlns="{ESPI}"'),
        "own": ("x:", f' xmlns:x="{ESPI}"'),
        "other": ("other:", ""),
        "other-default": ("", f' xmlns="{OTHER}"'),
    }[how]
    ws = draw(WS)
    noisy = draw(st.booleans())
    readings = [draw(reading(p, noisy)) for _ in range(draw(st.integers(0, 4)))]
    interval = ""
    if draw(st.booleans()):
        times = f"<{p}duration>86400</{p}duration><{p}start>1700000000</{p}start>"
        interval = f"<{p}interval>{times}</{p}interval>"
    between = draw(st.sampled_from(["ws"] * 8 + (["comment", "cdata", "pi"] if noisy else [])))
    event(f"between readings {between}")
    sep = {"ws": "", "comment": "<!-- a comment -->", "cdata": "<![CDATA[ ]]>", "pi": "<?pi x?>"}[between]
    body = ws.join([interval, *readings]) if not sep else sep.join([interval, *readings])
    attrs = draw(st.sampled_from(["", ' id="b"', " a='x>y'\n  b=\"2\"", "\n"]))
    end_space = draw(st.sampled_from(["", " ", "\n"]))
    text = f"<{p}IntervalBlock{xmlns}{attrs}>{ws}{body}{ws}</{p}IntervalBlock{end_space}>"
    where = draw(st.sampled_from(["entry"] * 6 + ["bare", "in-usage-point"]))
    event(f"block {where}")
    if where == "bare":
        return text + "\n"
    if where == "in-usage-point":
        text = f"<espi:UsagePoint><espi:kind>1</espi:kind>{text}</espi:UsagePoint>"
    self_href = f"{BASE}{METER_READING}/IntervalBlock/{index}"
    return (
        f'<atom:entry>\n<atom:link rel="self" href="{self_href}"/>\n'
        f'<atom:link rel="up" href="{BASE}{METER_READING}/IntervalBlock"/>\n'
        f"<atom:content>{text}</atom:content>\n</atom:entry>\n"
    )


@st.composite
def feeds(draw: st.DrawFn) -> bytes:
    """A feed with its usage point, meter reading and reading type, then drawn blocks."""
    head = build(Feed(blocks=[])).decode()
    head = head.replace("<atom:feed ", f'<atom:feed xmlns:other="{OTHER}" ', 1)
    blocks = "".join(draw(block(i)) for i in range(draw(st.integers(1, 4))))
    text = head.replace("</atom:feed>", blocks + "</atom:feed>")
    if draw(st.integers(0, 4)) == 0:
        text = text.replace("\n", "\r\n")
    return text.encode()


def read(data: bytes, *, fast: bool, buffer: int = 1 << 20, summary_only: bool = False) -> Any:
    """The scan as compared (or the ParseError as text)."""
    try:
        found = scan(io.BytesIO(data), "feed.xml", summary_only=summary_only, fast=fast, buffer=buffer)
    except ParseError as exc:
        return ("ParseError", str(exc), exc.rule)
    if summary_only:
        return summary(found)
    return compared(found)


def compared(found: Scan) -> dict[str, Any]:
    entries = [
        (e.index, e.line, e.resource, e.self_href, e.up_href, e.related, dict(e.fields), e.blocks, e.readings)
        for e in found.entries
    ]
    # summary chunks (per-entry figures) come from an unordered group_by: compared in entry order
    chunks = [(c.sort("_entry") if "readings" in c.columns else c).to_dicts() for c in found.chunks]
    keys = pl.concat(found.keys).to_dicts() if found.keys else []
    return {
        "entries": entries,
        "chunks": chunks,
        "keys": keys,
        "problems": [(p.rule, p.line, p.field, p.value, p.severity, p.message) for p in found.problems],
        "count": found.readings,
        "open": found.open_entry,
    }


BUFFERS = st.sampled_from([1, 2, 7, 33, 256, 4096, 1 << 20])


@given(feeds(), BUFFERS)
@SETTINGS
def test_the_fast_path_reads_exactly_what_the_reader_reads(data: bytes, buffer: int) -> None:
    slow = read(data, fast=False)
    fast = read(data, fast=True, buffer=buffer)
    assert fast == slow
    found = scan(io.BytesIO(data), "feed.xml", buffer=buffer)
    event(f"{min(found.fast_blocks, 2)} blocks (or more) by the fast path")


@given(feeds(), BUFFERS)
@SETTINGS
def test_the_fast_path_gives_the_same_summary(data: bytes, buffer: int) -> None:
    slow = read(data, fast=False, summary_only=True)
    assert read(data, fast=True, buffer=buffer, summary_only=True) == slow


@given(mutated(), BUFFERS)
@SETTINGS
def test_a_mutated_feed_gives_the_same_finding_either_way(case: tuple[bytes, bytes], buffer: int) -> None:
    _, data = case
    slow = read(data, fast=False)
    event("malformed" if isinstance(slow, tuple) else "read")
    assert read(data, fast=True, buffer=buffer) == slow


PLAIN = (
    "<espi:IntervalReading><espi:cost>120</espi:cost><espi:timePeriod><espi:duration>3600</espi:duration>"
    "<espi:start>{start}</espi:start></espi:timePeriod><espi:value>5</espi:value></espi:IntervalReading>\n"
)


def entry_of(readings: str, index: int) -> str:
    return (
        f'<atom:entry>\n<atom:link rel="self" href="{BASE}{METER_READING}/IntervalBlock/{index}"/>\n'
        f'<atom:link rel="up" href="{BASE}{METER_READING}/IntervalBlock"/>\n'
        f"<atom:content><espi:IntervalBlock>\n{readings}</espi:IntervalBlock></atom:content>\n</atom:entry>\n"
    )


def feed_of(*blocks: str) -> bytes:
    head = build(Feed(blocks=[])).decode()
    return head.replace("</atom:feed>", "".join(blocks) + "</atom:feed>").encode()


def test_plain_blocks_take_the_fast_path_and_a_block_with_a_comment_does_not() -> None:
    plain = "".join(PLAIN.format(start=1_700_000_000 + 3600 * i) for i in range(24))
    commented = plain.replace("\n", "<!-- checked -->\n", 1)
    data = feed_of(entry_of(plain, 0), entry_of(commented, 1), entry_of(plain, 2))
    found = scan(io.BytesIO(data), "feed.xml")
    assert found.fast_blocks == 2  # the first and the last; the commented one is read by lxml
    assert found.readings == 72
    assert compared(found) == compared(scan(io.BytesIO(data), "feed.xml", fast=False))
    lines = pl.concat(found.chunks).get_column("_line").to_list()
    first = data.decode().splitlines().index(PLAIN.format(start=1_700_000_000).rstrip("\n")) + 1
    assert lines[:3] == [first, first + 1, first + 2]  # each reading on its own line of the file


def test_digit_strings_the_checks_refuse_are_named_the_same_from_the_fast_path() -> None:
    """A fast block holds digit strings only, yet a value too large, a start before 1970 or a zero
    duration is still an error, on the reading's line."""
    odd = PLAIN.format(start=-5).replace(">5<", ">99999999999999999999<", 1)
    odd += PLAIN.format(start=1_700_000_000).replace(">3600<", ">0<", 1)
    data = feed_of(entry_of(odd, 0))
    found = scan(io.BytesIO(data), "feed.xml")
    assert found.fast_blocks == 1
    rules = [(p.rule, p.field, p.line) for p in found.problems]
    line = data.decode().splitlines().index(odd.splitlines()[0]) + 1
    assert sorted(rules) == [
        ("odd-timestamp", "duration", line + 1),
        ("odd-timestamp", "start", line),
        ("value-not-integer", "value", line),
    ]
    assert compared(found) == compared(scan(io.BytesIO(data), "feed.xml", fast=False))


def test_a_large_file_of_fast_and_other_blocks_is_cut_into_the_same_chunks() -> None:
    """Readings are checked in chunks; the fast path's blocks, added whole, are cut where the reader
    cuts them, whichever path the blocks around the cut took."""
    blocks = [hourly(24, start=1_700_000_000 + 86_400 * d) for d in range(1_100)]
    for d in range(0, 1_100, 37):
        blocks[d][3] = Reading(value="x")  # read by lxml
    data = build(Feed(blocks=blocks))
    for summary_only in (False, True):
        fast = scan(io.BytesIO(data), "feed.xml", summary_only=summary_only)
        slow = scan(io.BytesIO(data), "feed.xml", summary_only=summary_only, fast=False)
        assert len(fast.chunks) == 2 and fast.fast_blocks == 1_100 - 30
        assert compared(fast) == compared(slow)


def test_a_block_larger_than_the_cap_is_passed_on_unchanged() -> None:
    plain = "".join(PLAIN.format(start=1_700_000_000 + 3600 * i) for i in range(100))
    data = feed_of(entry_of(plain, 0))
    small = BlockFilter(io.BytesIO(data), buffer=64, cap=1024)
    out = b"".join(iter(lambda: small.read(1 << 16), b""))
    assert out == data and small.used == 0
    large = BlockFilter(io.BytesIO(data), buffer=64)
    out = b"".join(iter(lambda: large.read(1 << 16), b""))
    assert large.used == 1 and out.count(b"\n") == data.count(b"\n") and len(out) < len(data) - 19_000


def test_a_block_inside_another_resource_is_read_again_by_lxml() -> None:
    """An enclosing resource's fields are read from all its descendants: the block's content must
    be there, so the file is read again without the fast path (same result)."""
    plain = "".join(PLAIN.format(start=1_700_000_000 + 3600 * i) for i in range(3))
    nested = entry_of(plain, 0).replace("<espi:IntervalBlock>", "<espi:UsagePoint><espi:IntervalBlock>")
    nested = nested.replace("</espi:IntervalBlock>", "</espi:IntervalBlock></espi:UsagePoint>")
    data = feed_of(nested)
    found = scan(io.BytesIO(data), "feed.xml")
    assert found.fast_blocks == 0
    assert compared(found) == compared(scan(io.BytesIO(data), "feed.xml", fast=False))


def test_the_fast_path_is_kept_to_encodings_that_write_markup_in_ascii() -> None:
    plain = "".join(PLAIN.format(start=1_700_000_000 + 3600 * i) for i in range(3))
    text = feed_of(entry_of(plain, 0)).decode()
    for encoding, used in (("UTF-16", 0), ("ISO-8859-1", 1), ("UTF-8", 1)):
        data = text.replace('encoding="UTF-8"', f'encoding="{encoding}"').encode(encoding.lower())
        found = scan(io.BytesIO(data), "feed.xml")
        assert found.fast_blocks == used and found.readings == 3
        assert compared(found) == compared(scan(io.BytesIO(data), "feed.xml", fast=False))


def test_parts_read_on_several_processes_take_the_fast_path_too(tmp_path: Path) -> None:
    blocks = [hourly(24, start=1_700_000_000 + 86_400 * d) for d in range(60)]
    blocks[50][2] = Reading(value="")  # read by lxml, in the second part
    data = build(Feed(blocks=blocks))
    path = tmp_path / "usage.xml"
    path.write_bytes(data)
    with path.open("rb") as source:
        found = scan_parts(source, "feed.xml", parts=2)
    assert found.parts == 2 and found.fast_blocks == 59
    assert_same(found, scan(io.BytesIO(data), "feed.xml", fast=False))  # parts cut their own chunks
