"""A large Green Button feed read in parts on several processes gives exactly what it gives read in
one piece: the same entries, readings, problems and lines, whether the file is on disk or in memory;
a cut that is not between two entries is never used."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import polars as pl
import pytest

from formats.base import ReadContext
from formats.greenbutton import GreenButtonFormat, GreenButtonOptions
from formats.greenbutton_split import scan_parts
from formats.greenbutton_xml import Scan, scan
from hub.kernel.errors import ParseError
from tests.formats.greenbutton_cases import Feed, Reading, build, hourly


def feed_bytes(days: int = 40) -> bytes:
    """Days of 24 readings, some broken and one duplicated, spread over the whole file."""
    blocks = [hourly(24, start=1_700_000_000 + 86_400 * d, value=100 + d) for d in range(days)]
    blocks[3][5] = Reading(value="12x")  # an early bad reading
    blocks[days - 5][7] = Reading(start="-5")  # a late one, in the last part
    blocks[days - 2][0] = Reading(cost="")  # a warning
    blocks[days - 1].append(blocks[days - 1][0])  # a duplicate reading
    return build(Feed(blocks=blocks))


def resources_last(data: bytes) -> bytes:
    """The same feed with its UsagePoint, LocalTimeParameters, MeterReading and ReadingType entries
    after the blocks (entries may come in any order), so later parts hold fields and links too."""
    head, _, rest = data.partition(b"<atom:entry>")
    entries = [b"<atom:entry>" + e for e in (b"<atom:entry>" + rest).split(b"<atom:entry>")[1:]]
    last = entries[-1].rsplit(b"</atom:feed>", 1)
    entries[-1] = last[0]
    return head + b"".join(entries[4:] + entries[:4]) + b"</atom:feed>" + last[1]


def source(data: bytes, tmp_path: Path, on_disk: bool) -> IO[bytes]:
    if not on_disk:
        return io.BytesIO(data)
    path = tmp_path / "usage.xml"
    path.write_bytes(data)
    return path.open("rb")


def as_compared(found: Scan) -> dict[str, Any]:
    entries = [
        (e.index, e.line, e.resource, e.self_href, e.up_href, e.related, dict(e.fields), e.blocks, e.readings)
        for e in found.entries
    ]
    readings = pl.concat(found.chunks) if found.chunks else None
    return {"entries": entries, "readings": readings, "problems": found.problems, "count": found.readings}


def assert_same(a: Scan, b: Scan) -> None:
    x, y = as_compared(a), as_compared(b)
    assert x["entries"] == y["entries"]
    assert x["problems"] == y["problems"]
    assert x["count"] == y["count"]
    assert x["readings"] is not None and y["readings"] is not None
    assert x["readings"].equals(y["readings"])


@pytest.mark.parametrize("parts", [2, 3])
@pytest.mark.parametrize("on_disk", [True, False], ids=["file", "bytes"])
@pytest.mark.parametrize("order", ["resources-first", "resources-last"])
def test_parts_give_what_one_piece_gives(tmp_path: Path, parts: int, on_disk: bool, order: str) -> None:
    data = feed_bytes() if order == "resources-first" else resources_last(feed_bytes())
    whole = scan(io.BytesIO(data), "usage.xml")
    with source(data, tmp_path, on_disk) as src:
        split = scan_parts(src, "usage.xml", parts=parts)
    assert split.parts == parts
    assert_same(split, whole)
    rules = {(p.rule, p.line) for p in split.problems}
    assert ("value-not-integer", whole.problems[0].line) in rules
    assert any(p.rule == "odd-timestamp" and (p.line or 0) > data.count(b"\n") * 0.8 for p in split.problems)


def test_summary_only_parts_give_the_same_inspect_figures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``hub inspect`` of a file large enough for parts: the figures of the file read in one piece."""
    import formats.greenbutton_split as split

    data = resources_last(feed_bytes(days=60))
    path = tmp_path / "usage.xml"
    path.write_bytes(data)
    fmt = GreenButtonFormat(GreenButtonOptions())
    ctx = ReadContext(file="usage.xml", now=datetime.now(UTC))
    one = fmt.inspect_file(path, ctx)
    monkeypatch.setattr(split, "MIN_PART_BYTES", len(data) // 4)
    monkeypatch.setattr(split, "parts_wanted", lambda size: 3)
    joined: list[int] = []
    join = split._join
    monkeypatch.setattr(split, "_join", lambda scans: joined.append(len(scans)) or join(scans))
    many = fmt.inspect_file(path, ctx)
    assert joined == [3]  # really read in three parts
    assert many == one
    assert one["readings"] == 60 * 24 + 1 and one["problems"]


@pytest.mark.parametrize(
    "hide",
    [b"<!-- </atom:entry> -->", b"<![CDATA[ </atom:entry> ]]>", b"<?note </atom:entry> ?>"],
    ids=["comment", "cdata", "pi"],
)
def test_an_entry_end_that_is_not_markup_is_never_a_cut(hide: bytes) -> None:
    data = feed_bytes()
    at = data.index(b"<espi:IntervalReading>", len(data) // 2)  # inside a block, after the middle
    data = data[:at] + hide + data[at:]
    whole = scan(io.BytesIO(data), "usage.xml")
    split = scan_parts(io.BytesIO(data), "usage.xml", parts=2)
    assert split.parts == 1  # the cut was refused: read in one piece
    assert_same(split, whole)


def test_a_file_broken_in_a_later_part_gets_the_finding_of_one_piece() -> None:
    data = feed_bytes()
    at = data.index(b"</espi:value>", len(data) * 3 // 4)
    broken = data[:at] + b"</espi:valu>" + data[at + len(b"</espi:value>") :]
    with pytest.raises(ParseError) as whole:
        scan(io.BytesIO(broken), "usage.xml")
    with pytest.raises(ParseError) as split:
        scan_parts(io.BytesIO(broken), "usage.xml", parts=2)
    assert str(split.value) == str(whole.value)
    assert split.value.position.line == whole.value.position.line == broken.count(b"\n", 0, at) + 1


def test_a_small_file_is_read_in_one_piece() -> None:
    found = scan_parts(io.BytesIO(feed_bytes(days=6)), "usage.xml")
    assert found.parts == 1 and found.readings == 6 * 24 + 1
