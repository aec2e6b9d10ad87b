"""``hub files``: the console's files query (``hub.engine.browse``, cut in SQL over the ledger's
indexes) narrowed by an exchange, a state, a landing time range in the hub's time zone and a name
pattern, newest first, at most ``limit`` of them with how many match in all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from hub.engine.browse import FILE_STATES, local_day_bounds, state_filter
from hub.engine.operator import opened
from hub.kernel.errors import UsageError
from hub.ledger import FileFilter, FileRecord

if TYPE_CHECKING:
    from hub.engine.config import Settings

LIST_STATES = (*FILE_STATES, "failed")  # failed: left part-way with an error recorded


@dataclass(frozen=True)
class FileList:
    """The files shown (newest first), how many match in all, and the limit that cut them."""

    files: list[FileRecord]
    total: int
    limit: int | None

    @property
    def more(self) -> int:
        return self.total - len(self.files)


def moment(settings: Settings, text: str, *, option: str, end: bool) -> datetime:
    """A ``--since``/``--until`` value as a UTC instant: a date (``YYYY-MM-DD``) is the start of
    that day in the hub's time zone (``end``: the start of the next, so the day is included), a
    date and time (``YYYY-MM-DDTHH:MM[:SS]``) is taken in the hub's time zone unless it names
    its own offset."""
    tz = settings.config.timezone
    try:
        if len(text) == 10:
            start, stop = local_day_bounds(settings, date.fromisoformat(text))
            return stop if end else start
        at = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"{option} {text!r}: expected a date (YYYY-MM-DD) or a date and time (YYYY-MM-DDTHH:MM)",
            hint=f"times are in the hub's time zone, {tz}, unless they name an offset (+01:00, Z)",
        ) from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=ZoneInfo(tz))
    return at.astimezone(UTC)


def listed(
    settings: Settings,
    *,
    exchange: str | None = None,
    state: str | None = None,
    since: str | None = None,
    until: str | None = None,
    name: str | None = None,
    limit: int | None = 100,
) -> FileList:
    """The newest ``limit`` files (None: all) matching every filter given. An exchange that is
    not configured, or a state that does not exist, is a usage error naming those that do."""
    if exchange is not None:
        settings.exchange(exchange)
    if state is not None and state not in LIST_STATES:
        raise UsageError(f"--state {state!r} is not one of {', '.join(LIST_STATES)}")
    start = moment(settings, since, option="--since", end=False) if since else None
    stop = moment(settings, until, option="--until", end=True) if until else None
    if start is not None and stop is not None and start >= stop:
        raise UsageError(f"--since {since} is not before --until {until}")
    flt = FileFilter(
        exchange=exchange,
        states=state_filter(state),
        landed_from=start,
        landed_to=stop,
        name_glob=name or None,
        failed=state == "failed",
    )
    with opened(settings) as ledger:
        files, total = ledger.files_page(flt, offset=0, limit=limit)
    return FileList(files, total, limit)
