"""What the operator commands ask of the ledger: the files and one file's detail, the exchanges'
status, a deposit date's reconciliation, and the CIS reference data. Each call opens the ledger,
asks, and closes it; the command line prints the answers and never touches the ledger itself."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hub.ledger import FILE_STATES as FILE_STATES
from hub.ledger import FileRecord as FileRecord
from hub.ledger import Ledger

if TYPE_CHECKING:
    from hub.engine.config import Settings
    from hub.engine.reference import Extract
    from hub.kernel.problems import Problem


@contextmanager
def opened(settings: Settings) -> Iterator[Ledger]:
    """The ledger, open for the ``with`` block (the engine's other operator modules use it too)."""
    ledger = Ledger.open(settings.ledger_url(), wait_seconds=settings.config.ledger.wait_seconds)
    try:
        yield ledger
    finally:
        ledger.close()


@dataclass(frozen=True)
class FileDetail:
    """One file: its record, the problems of its last run (all, or the first few and the count
    by rule), and its batches."""

    record: FileRecord
    problems: list[Problem]
    batches: list[dict[str, Any]]
    tally: dict[str, int]  # rule -> problems of the last run, all of them
    replies: list[dict[str, Any]] = field(default_factory=list)  # to the partner (path, counts, sent)
    audit: list[dict[str, Any]] = field(default_factory=list)  # what operators did (the console)
    reports: list[str] = field(default_factory=list)  # the last run's report files (errors or warnings)
    acknowledgements: list[dict[str, Any]] = field(default_factory=list)  # the agency's acks of a file sent

    @property
    def problem_count(self) -> int:
        return sum(self.tally.values())


def file_detail(settings: Settings, file_id: int, *, problems: int | None = None) -> FileDetail:
    """The file's detail with its first ``problems`` problems (default: every one)."""
    from hub.engine.replies import replies_of
    from hub.engine.report import reports_of
    from hub.ledger.placements import plain_name

    with opened(settings) as ledger:
        record = ledger.file(file_id)
        batches = ledger.batches_of(file_id)
        sent = {plain_name(Path(b["path"]).name) for b in batches if not b["path"].endswith(".control.json")}
        acks = ledger.acknowledgements_of(sent) if sent else []
        for ack in acks:
            ack["name"] = ledger.file(ack["file_id"]).name
        return FileDetail(
            record,
            ledger.problems(file_id, record.last_run_id, limit=problems),
            batches,
            ledger.problem_tally(file_id, record.last_run_id),
            replies_of(settings, record.exchange, file_id, ledger),
            ledger.audit_of(file_id),
            [str(p) for p in reports_of(Path(record.landed_path), record.last_run_id)],
            acks,
        )


def status(settings: Settings) -> list[dict[str, Any]]:
    """Every exchange: last run, next run, last file, overdue, unreconciled deposit dates."""
    from hub.engine.status import exchange_status

    with opened(settings) as ledger:
        return exchange_status(settings, ledger)


def reconcile(settings: Settings, day: date) -> dict[str, Any]:
    """A deposit date's lockboxes, both sides and the difference (``hub reconcile``)."""
    from hub.engine.reconcile import reconcile as reconciled

    with opened(settings) as ledger:
        return reconciled(ledger, day)


def agency_pledges(
    settings: Settings, agency: str, *, open_only: bool, today: date | None = None
) -> dict[str, Any]:
    """An agency's pledges, paid and open, with their age (``hub pledges``) as of ``today``
    (default: today in the hub's time zone)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from hub.engine.pledge_status import agency_pledges as listed

    if today is None:
        today = datetime.now(ZoneInfo(settings.config.timezone)).date()
    with opened(settings) as ledger:
        return listed(settings, ledger, agency, open_only=open_only, today=today)


def load_reference(
    settings: Settings,
    extract: Extract,
    done: Callable[[int], None] | None = None,
    *,
    force: bool = False,
) -> dict[str, Any]:
    """Load a checked CIS extract as the current reference data (``hub reference load``); one far
    smaller than the current load only with ``force``. ``done(n)``: n more rows written (per chunk)."""
    from hub.engine.reference import load_extract

    ratio = 0.0 if force else settings.config.reference.min_row_ratio
    with opened(settings) as ledger:
        return load_extract(ledger, extract, done, min_ratio=ratio)


def reference_status(settings: Settings) -> list[dict[str, Any]]:
    """Each reference kind's current load (``hub reference status``)."""
    with opened(settings) as ledger:
        return ledger.reference_status()
