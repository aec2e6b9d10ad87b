"""What the operator console shows, asked of the ledger a page at a time: the day's overview,
the files list with its filters, and one file's runs, batches and problems. Each call opens the
ledger, asks, and closes it, like ``hub.engine.operator``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from hub.engine.operator import opened
from hub.kernel.errors import NotFound
from hub.kernel.problems import SENSITIVE_FIELDS, mask
from hub.ledger import FILE_STATES as FILE_STATES
from hub.ledger import FileFilter, FileRecord

if TYPE_CHECKING:
    from hub.engine.config import Settings

WAITING = ("rejected",)  # files an operator has to act on
UNFINISHED = ("landed", "parsed", "validated", "mapped")  # with an error recorded: failed


@dataclass(frozen=True)
class Page:
    """One page of a list: its items, how many match in all, and where it starts."""

    items: list[Any]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass(frozen=True)
class Today:
    """The Today page: each exchange's status, today's files by state, what waits for an operator."""

    day: date
    exchanges: list[dict[str, Any]]
    received: dict[str, int]
    rejected: int
    failed: int
    overdue: list[str] = field(default_factory=list)
    unreconciled: list[str] = field(default_factory=list)


def local_day_bounds(settings: Settings, day: date) -> tuple[datetime, datetime]:
    """A day of the hub's time zone as a UTC range [start, end) (the ledger stamps in UTC)."""
    tz = ZoneInfo(settings.config.timezone)
    start = datetime.combine(day, time(0), tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tz).astimezone(UTC)
    return start, end


def local_today(settings: Settings, now: datetime | None = None) -> date:
    return (now or datetime.now(UTC)).astimezone(ZoneInfo(settings.config.timezone)).date()


def today(settings: Settings, now: datetime | None = None) -> Today:
    """Every exchange with its last and next run, today's files by state, the files waiting for an
    operator, the overdue expected files and the deposit dates that do not reconcile."""
    from hub.engine.status import exchange_status

    day = local_today(settings, now)
    start, end = local_day_bounds(settings, day)
    with opened(settings) as ledger:
        rows = exchange_status(settings, ledger, now)
        received = ledger.count_by_state(FileFilter(landed_from=start, landed_to=end))
        waiting = FileFilter(states=WAITING, unresolved=True)
        rejected = sum(ledger.count_by_state(waiting).values())
        failed = ledger.count_stuck(UNFINISHED)
    unreconciled = sorted({str(d) for r in rows for d in r["unreconciled"]})
    return Today(
        day=day,
        exchanges=rows,
        received=received,
        rejected=rejected,
        failed=failed,
        overdue=[r["exchange"] for r in rows if r["overdue"]],
        unreconciled=unreconciled,
    )


def state_filter(state: str | None) -> tuple[str, ...]:
    """The files' states a state of the files list stands for (``failed``: left part-way in one
    of the unfinished states, with an error recorded)."""
    if state == "failed":
        return UNFINISHED
    if state:
        if state not in FILE_STATES:
            raise ValueError(f"unknown state {state!r}")
        return (state,)
    return ()


def files_page(
    settings: Settings,
    *,
    exchange: str | None = None,
    state: str | None = None,
    day: date | None = None,
    name: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page:
    """A page of the files (newest first) of an exchange, state (``failed``: left part-way with an
    error), landing day (the hub's time zone) and name part, each optional."""
    states = state_filter(state)
    start, end = local_day_bounds(settings, day) if day else (None, None)
    flt = FileFilter(
        exchange=exchange or None,
        states=states,
        landed_from=start,
        landed_to=end,
        name=name or None,
        failed=state == "failed",
    )
    page = max(1, page)
    with opened(settings) as ledger:
        records, total = ledger.files_page(flt, offset=(page - 1) * per_page, limit=per_page)
    return Page(records, total, page, per_page)


@dataclass(frozen=True)
class FilePage:
    """One file: its record, runs, batches (transactions by type, CIS batch name) and a page of the
    problems of its last run matching a search."""

    record: FileRecord
    runs: list[dict[str, Any]]
    batches: list[dict[str, Any]]
    problems: Page
    tally: dict[str, int]
    audit: list[dict[str, Any]] = field(default_factory=list)
    report: str | None = None  # the last run's report to download: "errors", "warnings" or None


def shown_problem(row: Any) -> dict[str, Any]:
    """A problem as the console shows it: a personal field's value masked as the reports mask it
    (already masked when recorded; masked again here so an older ledger shows no more)."""
    return shown_problem_dict(dict(row._mapping))


def shown_problem_dict(p: dict[str, Any]) -> dict[str, Any]:
    """A problem's dict with a personal field's value masked."""
    if p.get("field") in SENSITIVE_FIELDS:
        p["value"] = mask(p["value"])
    return p


def file_page(
    settings: Settings,
    file_id: int,
    *,
    search: str | None = None,
    page: int = 1,
    per_page: int = 100,
    unmask: bool = False,
) -> FilePage:
    """The file's page (raises ``NotFound`` for an unknown id); ``unmask``: the problems' personal
    values as in the landed file (a role allowed to see them)."""
    page = max(1, page)
    with opened(settings) as ledger:
        record = ledger.file(file_id)
        runs = [dict(r._mapping) for r in ledger.runs_of_file(file_id, record.last_run_id)]
        types = ledger.batch_types(file_id)
        batches = [{**b, "by_type": types.get(b["batch_id"], {})} for b in ledger.batches_of(file_id)]
        rows, total = ledger.problems_page(
            file_id, record.last_run_id, search=search or None, offset=(page - 1) * per_page, limit=per_page
        )
        tally = ledger.problem_tally(file_id, record.last_run_id)
        audit = ledger.audit_of(file_id)
    problems = Page([shown_problem(r) for r in rows], total, page, per_page)
    if unmask and Path(record.landed_path).name:
        from hub.engine.unmask import unmasked

        unmasked(settings, record.exchange, Path(record.landed_path), problems.items)
    path = _report_path(record)
    report = path.name.rsplit(".", 2)[-2] if path is not None and path.is_file() else None
    return FilePage(record, runs, batches, problems, tally, audit, report)


def _report_path(record: FileRecord) -> Path | None:
    """The CSV report of the file's last run: its errors, or its warnings when it had only those."""
    from hub.engine.report import reports_of

    found = [p for p in reports_of(Path(record.landed_path), record.last_run_id) if p.suffix == ".csv"]
    return found[0] if found else None


@dataclass(frozen=True)
class Download:
    """A file to send: where it is and the name to offer."""

    path: Path
    name: str


def error_report(settings: Settings, file_id: int) -> Download:
    """The error report (CSV, values masked) of the file's last run (``NotFound`` when none)."""
    with opened(settings) as ledger:
        record = ledger.file(file_id)
    path = _report_path(record)
    if path is None or not path.is_file():
        raise NotFound(f"file {file_id} has no error report for its last run")
    content = path.name.rsplit(".", 2)[-2]  # errors or warnings
    return Download(path, f"{Path(record.name).stem}.file-{file_id}.run-{record.last_run_id}.{content}.csv")


def landed_file(settings: Settings, file_id: int) -> Download:
    """The file's landed copy, as received, under its own name (``NotFound`` when gone)."""
    with opened(settings) as ledger:
        record = ledger.file(file_id)
    path = Path(record.landed_path)
    if record.state == "refused" or not path.is_file():
        raise NotFound(f"file {file_id} has no landed copy")
    return Download(path, record.name)
