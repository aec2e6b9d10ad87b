"""Step 6, record: what happened to a file, in the ledger (its state, counts and every problem of
the run) and in its error report beside the landed copy (CSV and JSON, one row per problem); and
each run's totals when it ends."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from hub.engine.report import write_reports

if TYPE_CHECKING:
    from hub.engine.delivery import DeliveryResult
    from hub.engine.outcome import Outcome
    from hub.kernel.problems import Problem
    from hub.ledger import FileRecord, Ledger


def rejected(
    ledger: Ledger,
    record: FileRecord,
    run_id: int,
    outcome: Outcome,
    problems: list[Problem],
    *,
    file_level: bool,
) -> Outcome:
    """The file is rejected: whole (``file_level``) or because rows failed under ``reject-file``."""
    outcome.state = "rejected"
    outcome.problems = problems
    first = next((p for p in problems if p.severity == "error"), problems[0])
    error = (
        f"{first.rule}: {first.message}"
        if file_level
        else f"{outcome.rejected} of {outcome.rows} rows failed validation"
    )
    ledger.add_problems(record.id, run_id, problems)
    outcome.reports = _reports(record, run_id, outcome)
    ledger.update_file(
        record.id,
        state="rejected",
        rows=outcome.rows,
        delivered=0,
        rejected=outcome.rejected,
        already_delivered=0,
        error=error,
    )
    return outcome


def delivered(
    ledger: Ledger,
    record: FileRecord,
    run_id: int,
    outcome: Outcome,
    result: DeliveryResult,
    problems: list[Problem],
) -> Outcome:
    """The file's transactions (or its partner file) went out; rows that failed, if any, are in
    its report."""
    outcome.state = "delivered"
    outcome.delivered = result.total
    outcome.already_delivered = result.already_delivered
    outcome.batch_id = result.batch_id
    outcome.by_type = result.delivered
    if problems:
        outcome.problems = problems
        ledger.add_problems(record.id, run_id, problems)
        outcome.reports = _reports(record, run_id, outcome)
    ledger.update_file(
        record.id,
        state="delivered",
        rows=outcome.rows,
        delivered=outcome.delivered,
        rejected=outcome.rejected,
        already_delivered=outcome.already_delivered,
        error=f"{outcome.rejected} rows rejected" if outcome.rejected else None,
    )
    return outcome


def _reports(record: FileRecord, run_id: int, outcome: Outcome) -> list[str]:
    meta = {
        "file_id": record.id,
        "exchange": record.exchange,
        "name": record.name,
        "sha256": record.sha256,
        "run_id": run_id,
        "state": outcome.state,
        "rows": outcome.rows,
        "rejected": outcome.rejected,
    }
    return [str(p) for p in write_reports(Path(record.landed_path), run_id, meta, outcome.problems)]


def finish_run(ledger: Ledger, run_id: int, outcomes: list[Outcome]) -> None:
    """The run's status and totals: files, rows, delivered, rejected, duplicates, by type."""
    rejected_files = sum(o.state in ("rejected", "failed") for o in outcomes)
    by_type: dict[str, int] = {}
    for o in outcomes:
        for name, count in o.by_type.items():
            by_type[name] = by_type.get(name, 0) + count
    ledger.finish_run(
        run_id,
        status="rejected" if rejected_files else "ok",
        files=len(outcomes),
        rows=sum(o.rows for o in outcomes if o.state != "duplicate"),
        delivered=sum(o.delivered for o in outcomes),
        rejected=sum(o.rejected for o in outcomes),
        duplicates=sum(o.state == "duplicate" for o in outcomes),
        totals={"by_type": by_type, "rejected_files": rejected_files},
    )
