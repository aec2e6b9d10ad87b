"""Step 6, record: what happened to a file, in the ledger and in its error report beside the landed
copy (CSV and JSON, one row per problem); and each run's totals when it ends.

A file's state and counts are derived from what it delivered over all its runs (the sum of its
batches), never overwritten by the last run: a file that delivered anything stays ``delivered``
whatever a later run finds (a reprocess under a stricter policy, a no-op run); only a file that never
delivered a thing is ``rejected``. A run reports what it did itself, and the transactions an
interrupted earlier run delivered without finishing its bookkeeping (a crash between a batch's
commit and the file's update): the run that finds them completes the file's account.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from hub.engine.report import write_reports
from hub.kernel.wording import counted

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from hub.engine.delivery import DeliveryResult
    from hub.engine.outcome import Outcome
    from hub.kernel.problems import Problem
    from hub.ledger import FileRecord, Ledger


@dataclass(frozen=True)
class Before:
    """What a file had delivered when a run began: over all its batches, and of those the
    transactions an interrupted run delivered but never counted on the file."""

    delivered: int
    uncounted: int


def before(ledger: Ledger, record: FileRecord) -> Before:
    total = ledger.delivered_by_file(record.id)
    return Before(total, max(0, total - record.delivered))


def rejected(
    ledger: Ledger,
    record: FileRecord,
    run_id: int,
    outcome: Outcome,
    problems: list[Problem],
    *,
    file_level: bool,
    prior: Before,
    reply: Callable[[Connection], None] | None = None,
) -> Outcome:
    """This run rejects the file: whole (``file_level``) or because rows failed under
    ``reject-file``. A file that delivered before stays delivered, with what it delivered. The
    kind's reply about it (``reply``) is recorded in the same transaction as the rejection."""
    outcome.state = "rejected"
    outcome.problems = problems
    outcome.delivered = prior.uncounted
    first = next((p for p in problems if p.severity == "error"), problems[0])
    error = (
        f"{first.rule}: {first.message}"
        if file_level
        else f"{outcome.rejected} of {counted(outcome.rows, 'row')} failed validation"
    )
    outcome.reports = _reports(record, run_id, outcome)
    # durable: the source is archived next, and a machine crash must not leave it archived unrecorded
    with ledger.tx(durable=True) as conn:
        ledger.add_problems(record.id, run_id, problems, conn)
        ledger.update_file(
            record.id,
            conn,
            state="delivered" if prior.delivered else "rejected",
            rows=outcome.rows,
            delivered=prior.delivered,
            rejected=outcome.rejected,
            error=error,
        )
        if reply is not None:
            reply(conn)
    return outcome


def delivered(
    ledger: Ledger,
    record: FileRecord,
    run_id: int,
    outcome: Outcome,
    result: DeliveryResult,
    problems: list[Problem],
    *,
    prior: Before,
) -> Outcome:
    """The file's transactions (or its partner file) went out, those not delivered before; rows
    that failed, if any, are in its report."""
    outcome.state = "delivered"
    outcome.delivered = result.total + prior.uncounted
    outcome.already_delivered = max(0, result.already_delivered - prior.uncounted)
    outcome.batch_id = result.batch_id
    outcome.by_type = result.delivered
    outcome.suspense = result.suspense
    if problems:
        outcome.problems = problems
        ledger.add_problems(record.id, run_id, problems)
        outcome.reports = _reports(record, run_id, outcome)
    ledger.update_file(
        record.id,
        state="delivered",
        rows=outcome.rows,
        delivered=prior.delivered + result.total,
        rejected=outcome.rejected,
        # held by other files: the file's own earlier deliveries are not "already delivered"
        already_delivered=result.already_delivered - min(result.already_delivered, prior.delivered),
        error=f"{counted(outcome.rejected, 'row')} rejected" if outcome.rejected else None,
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
    """The run's status and totals: ``failed`` when a file could not be finished, ``rejected`` when
    one was rejected, else ``ok``; files, rows, delivered, rejected, duplicates, by type."""
    failed = sum(o.state == "failed" for o in outcomes)
    rejected_files = sum(o.state in ("rejected", "refused") for o in outcomes)
    by_type: dict[str, int] = {}
    for o in outcomes:
        for name, count in o.by_type.items():
            by_type[name] = by_type.get(name, 0) + count
    ledger.finish_run(
        run_id,
        status="failed" if failed else "rejected" if rejected_files else "ok",
        files=len(outcomes),
        rows=sum(o.rows for o in outcomes if o.state != "duplicate"),
        delivered=sum(o.delivered for o in outcomes),
        rejected=sum(o.rejected for o in outcomes),
        duplicates=sum(o.state == "duplicate" for o in outcomes),
        totals={"by_type": by_type, "rejected_files": rejected_files, "failed_files": failed},
    )
