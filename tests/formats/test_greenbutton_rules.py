"""Each Green Button rule broken alone gives exactly its finding; XXE and entity bombs are refused
before parsing, never expanded; namespaces are matched by URI, never by prefix."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from formats.base import ReadContext, Validated
from formats.greenbutton import GreenButtonFormat, GreenButtonOptions
from hub.kernel.errors import ParseError
from tests.formats.greenbutton_cases import ESPI, Feed, Reading, build, hourly

CTX = ReadContext(file="feed.xml", now=datetime(2026, 12, 1, tzinfo=UTC))
FORMAT = GreenButtonFormat(GreenButtonOptions())


def check(data: bytes) -> Validated:
    return FORMAT.validate(FORMAT.read(data, CTX), CTX)


def findings(v: Validated) -> list[tuple[str, str | None, str]]:
    return [(p.rule, p.field, p.severity) for p in v.problems]


def one_broken(**fields: str | None) -> bytes:
    readings = hourly(3)
    readings[1] = replace(readings[1], **fields)
    return build(Feed(blocks=[readings]))


def test_a_clean_feed_has_no_findings() -> None:
    v = check(build(Feed(blocks=[hourly(3)])))
    assert v.problems == [] and v.table.height == 3 and v.rejected_lines == 0


@pytest.mark.parametrize(
    ("fields", "finding"),
    [
        ({"value": None}, ("empty-element", "value", "error")),
        ({"value": "12.5"}, ("value-not-integer", "value", "error")),
        ({"start": None}, ("empty-element", "start", "error")),
        ({"start": "1700003600.66136"}, ("odd-timestamp", "start", "error")),
        ({"start": "-3600"}, ("odd-timestamp", "start", "error")),
        ({"duration": "0"}, ("odd-timestamp", "duration", "error")),
        ({"duration": "-3600"}, ("odd-timestamp", "duration", "error")),
        ({"duration": "1h"}, ("odd-timestamp", "duration", "error")),
        ({"cost": "12,000"}, ("cost-not-integer", "cost", "error")),
    ],
)
def test_each_broken_reading_rule_names_its_line_and_rejects_only_that_reading(
    fields: dict[str, str | None], finding: tuple[str, str, str]
) -> None:
    data = one_broken(**fields)
    v = check(data)
    assert findings(v) == [finding]
    line = next(i for i, text in enumerate(data.decode().splitlines(), 1) if "IntervalReading" in text) + 1
    assert v.problems[0].line == line  # the second reading's line
    assert v.table.height == 2 and v.rows == 3


def test_an_absent_duration_is_named() -> None:
    data = one_broken().replace(b"<espi:duration>3600</espi:duration>", b"", 1)
    v = check(data.replace(b"<espi:duration></espi:duration>", b""))
    assert findings(v) == [("missing-element", "duration", "error")] and v.table.height == 2


def test_an_empty_cost_is_a_warning_and_the_reading_kept_without_cost() -> None:
    v = check(one_broken(cost=""))
    assert findings(v) == [("empty-element", "cost", "warning")]
    assert v.table.height == 3 and v.table.get_column("cost").null_count() == 1


def test_a_duplicate_reading_is_a_warning() -> None:
    readings = hourly(3)
    readings.append(Reading(readings[0].start, "3600", "7", "70", "0"))
    data = build(Feed(blocks=[readings[:2], readings[2:]]))
    v = check(data)
    assert findings(v) == [("duplicate-reading", "start", "warning")] and v.table.height == 4
    summary = FORMAT.inspect(data, CTX)  # the streaming summary finds it too, on the same line
    assert [(p["rule"], p["line"]) for p in summary["problems"]] == [
        ("duplicate-reading", v.problems[0].line)
    ]


def test_an_empty_service_kind_is_a_warning() -> None:
    v = check(build(Feed(kind="")))
    assert findings(v) == [("empty-element", "kind", "warning")] and v.table.height == 1


ELSEWHERE = "RetailCustomer/9/UsagePoint/7/MeterReading/01/IntervalBlock"


@pytest.mark.parametrize(
    ("feed", "field"),
    [
        (Feed(block_up=ELSEWHERE, block_self=ELSEWHERE), "link"),
        (Feed(meter_related_type="ReadingType/99"), "link"),
        (Feed(uom=None), "uom"),
    ],
)
def test_a_reading_that_cannot_be_placed_is_named_and_rejected(feed: Feed, field: str) -> None:
    v = check(build(replace(feed, blocks=[hourly(2)])))
    rules = [p.rule for p in v.problems]
    assert (
        rules == ["missing-element" if field == "uom" else "unresolved-link"] and v.problems[0].field == field
    )
    assert v.table.height == 0 and v.rows == 2


XXE = '<!DOCTYPE feed [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
LAUGHS = (
    '<!DOCTYPE feed [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    )
    + "]>\n"
)


@pytest.mark.parametrize("doctype", [XXE, LAUGHS], ids=["xxe", "billion-laughs"])
def test_entity_declarations_are_refused_never_expanded(doctype: str) -> None:
    data = build(Feed(doctype=doctype)).replace(
        b"<espi:value>1500</espi:value>", b"<espi:value>&lol9;</espi:value>"
    )
    data = data.replace(b"urn:uuid:test", b"&xxe;")
    with pytest.raises(ParseError) as caught:
        FORMAT.read(data, CTX)
    assert caught.value.rule == "xml-doctype" and caught.value.position.line == 2
    assert "root:" not in str(caught.value) and "lollol" not in str(caught.value)
    summary = FORMAT.inspect(data, CTX)
    assert [p["rule"] for p in summary["problems"]] == ["xml-doctype"] and summary["readings"] == 0


def test_an_undeclared_entity_and_broken_xml_are_named() -> None:
    for data in (build(Feed()).replace(b"urn:uuid:test", b"&xxe;"), build(Feed())[:-40]):
        with pytest.raises(ParseError) as caught:
            FORMAT.read(data, CTX)
        assert caught.value.rule == "xml-malformed"


def test_namespaces_are_matched_by_uri_not_prefix() -> None:
    base = check(build(Feed(blocks=[hourly(4)])))
    for atom, espi in (("", ""), ("a", "x"), ("feed", "")):
        other = check(build(Feed(blocks=[hourly(4)], atom=atom, espi=espi)))
        assert other.table.drop("_line").equals(base.table.drop("_line")), (atom, espi)
    wrong = build(Feed(blocks=[hourly(4)])).replace(ESPI.encode(), b"http://example.com/not-espi")
    assert check(wrong).table.height == 0


def test_a_single_entry_document_is_read() -> None:
    entry = (
        b'<entry xmlns="http://www.w3.org/2005/Atom"><link rel="self" href="MeterReading/1/IntervalBlock/1"/>'
        b'<content><IntervalBlock xmlns="http://naesb.org/espi"><IntervalReading><timePeriod>'
        b"<duration>900</duration><start>1700000000</start></timePeriod><value>42</value>"
        b"</IntervalReading></IntervalBlock></content></entry>"
    )
    summary = FORMAT.inspect(entry, CTX)
    assert (summary["readings"], summary["value_sum"], summary["end"]) == (1, 42, 1_700_000_900)
    assert [p["rule"] for p in summary["problems"]] == ["unresolved-link"]  # no MeterReading in the file
