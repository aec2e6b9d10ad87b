"""The winter-average request document: a season (or blank: the season most recently closed) and
the time it was asked for; every broken value named."""

from __future__ import annotations

from datetime import UTC, datetime

from formats.base import ReadContext
from formats.winter_average_request import WinterAverageRequestFormat, WinterAverageRequestOptions
from hub.kernel.rows import LINE

CTX = ReadContext(file="request.csv", now=datetime(2026, 4, 1, tzinfo=UTC))


def validated(text: str) -> tuple[list[dict[str, object]], list[tuple[int | None, str | None, str]]]:
    fmt = WinterAverageRequestFormat(WinterAverageRequestOptions())
    result = fmt.validate(fmt.read(text.encode(), CTX), CTX)
    return result.table.to_dicts(), [(p.line, p.field, p.rule) for p in result.problems]


def test_a_request_is_typed_and_a_blank_season_stays_blank() -> None:
    rows, problems = validated(
        "season,requested_at\n2026,2026-04-01T06:00:00+0000\n,2026-04-01T01:00:00-0500\n"
    )
    assert problems == []
    assert [(r["season"], r["requested_at"], r[LINE]) for r in rows] == [
        (2026, datetime(2026, 4, 1, 6, tzinfo=UTC), 2),
        (None, datetime(2026, 4, 1, 6, tzinfo=UTC), 3),  # the offset is honoured
    ]


def test_a_season_that_is_not_a_year_and_a_time_without_offset_are_named() -> None:
    rows, problems = validated(
        "season,requested_at\n26x,2026-04-01T06:00:00+0000\n1800,2026-04-01T06:00:00+0000\n"
        "2026,2026-04-01 06:00\n2026,2026-04-01T06:00:00+0000\n"
    )
    assert problems == [(2, "season", "season"), (3, "season", "season"), (4, "requested_at", "datetime")]
    assert [r[LINE] for r in rows] == [5]


def test_what_the_format_writes_it_reads_back() -> None:
    fmt = WinterAverageRequestFormat(WinterAverageRequestOptions())
    rows, _ = validated("season,requested_at\n2025,2026-12-06T05:30:00+0000\n")
    import polars as pl

    again = fmt.read(fmt.write(pl.DataFrame(rows)), CTX)
    assert again.table.select("season", "requested_at").rows() == [("2025", "2026-12-06T05:30:00+0000")]


def test_requests_a_moment_apart_are_told_apart_by_their_fraction_of_a_second() -> None:
    rows, problems = validated(
        "season,requested_at\n2026,2026-04-01T06:00:00.000001+0000\n2026,2026-04-01T06:00:00.250000+0000\n"
    )
    assert problems == []
    assert [r["requested_at"] for r in rows] == [
        datetime(2026, 4, 1, 6, 0, 0, 1, tzinfo=UTC),
        datetime(2026, 4, 1, 6, 0, 0, 250_000, tzinfo=UTC),
    ]
