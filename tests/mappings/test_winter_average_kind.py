"""The kind ``winter-average`` with its look-ups answered from tables: the season most recently
closed, and a recompute against delivered averages keyed by revision."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl
import pytest

from hub.kernel.rows import LINE
from mappings.base import MapContext
from mappings.winter_average_kind import WinterAverageKind, WinterAverageMappingOptions, closed_season


@pytest.mark.parametrize(
    ("day", "season"),
    [
        (date(2026, 3, 31), 2025),
        (date(2026, 4, 1), 2026),
        (date(2026, 12, 6), 2026),
        (date(2027, 1, 5), 2026),
    ],
)
def test_the_season_most_recently_closed(day: date, season: int) -> None:
    assert closed_season(day, WinterAverageMappingOptions()) == season


class Ledger:
    """The look-ups of the kind, answered from a test's tables, recording what was asked."""

    def __init__(self, histories: pl.DataFrame, delivered: pl.DataFrame) -> None:
        self.histories, self.delivered = histories, delivered
        self.asked: list[tuple[str, dict[str, object]]] = []

    def find(self, name: str, keys: object, **where: object) -> pl.DataFrame | None:
        self.asked.append((name, where))
        if name == "consumption_accounts":
            return self.histories.select("account").unique()
        if name == "consumption_histories":
            return self.histories
        if name == "winter_averages":
            return self.delivered
        return None  # no CIS accounts extract


def test_a_request_without_season_computes_the_closed_one_and_numbers_a_changed_average() -> None:
    histories = pl.DataFrame(
        {
            "account": ["A1"],
            "period_start": [date(2025, 12, 1)],
            "last_day": [date(2026, 3, 31)],
            "days": [121],
            "usage_milli": [242_000],
            "unit": ["CCF"],
        }
    )
    delivered = pl.DataFrame(
        {
            "account": ["A1", "A1"],
            "season": [2026, 2026],
            "average_per_day": ["1.000", "1.500"],
            "days_covered": [121, 121],
            "idempotency_key": ["WA|2026|A1|r1|1.000|121", "WA|2026|A1|r2|1.500|121"],
        }
    )
    lookup = Ledger(histories, delivered)
    request = pl.DataFrame(
        {"season": [None], "requested_at": [datetime(2026, 4, 1, 6, tzinfo=UTC)], LINE: [2]}
    )
    out = WinterAverageKind(WinterAverageMappingOptions()).map(
        request.cast({"season": pl.Int64}), MapContext("r.csv", lookup)
    )
    [row] = out["WinterAverage"].to_dicts()
    assert (row["idempotency_key"], row["supersedes"], row[LINE]) == (
        "WA|2026|A1|r3|2.000|121",
        "WA|2026|A1|r2|1.500|121",
        2,
    )
    assert out["winter_averages"].select("average", "season").rows() == [("2.000", 2026)]
    assert ("winter_averages", {"season": 2026}) in lookup.asked
