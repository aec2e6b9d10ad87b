"""Each exchange's volumes per day of the hub's time zone over the last days: files landed, rows
delivered and rows rejected (the ledger aggregates in SQL by quarter hour; the days are folded
here, so a day is the hub's local day whatever its UTC offset)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from hub.engine.operator import opened

if TYPE_CHECKING:
    from hub.engine.config import Settings

DAYS = 60


@dataclass(frozen=True)
class DayVolume:
    day: date
    files: int = 0
    delivered: int = 0
    rejected: int = 0


@dataclass(frozen=True)
class ExchangeVolumes:
    """One exchange's days, oldest first, every day present (zeros where nothing landed)."""

    exchange: str
    days: list[DayVolume]

    @property
    def files(self) -> int:
        return sum(d.files for d in self.days)


def volumes(settings: Settings, days: int = DAYS, now: datetime | None = None) -> list[ExchangeVolumes]:
    """Every configured exchange (and any other the ledger holds files of) over the ``days`` local
    days ending today."""
    tz = ZoneInfo(settings.config.timezone)
    today = (now or datetime.now(UTC)).astimezone(tz).date()
    first = today - timedelta(days=days - 1)
    since = datetime.combine(first, time(0), tz).astimezone(UTC)
    with opened(settings) as ledger:
        rows = ledger.volumes_since(since)
    sums: dict[tuple[str, date], list[int]] = {}
    for exchange, start, files, delivered, rejected in rows:
        key = (exchange, start.astimezone(tz).date())
        got = sums.setdefault(key, [0, 0, 0])
        got[0] += files
        got[1] += delivered
        got[2] += rejected
    names = list(settings.exchanges) + sorted({ex for ex, _ in sums} - set(settings.exchanges))
    span = [first + timedelta(days=i) for i in range(days)]
    return [ExchangeVolumes(ex, [DayVolume(d, *sums.get((ex, d), [0, 0, 0])) for d in span]) for ex in names]
