"""What happened to one file (``Outcome``): what an operator, the summary, ``--json`` and the log
show; and the one log line per file."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hub.engine.logs import log, tagged
from hub.kernel.errors import HubError, Retryable
from hub.kernel.problems import Problem

# ``--json`` lists at most this many of a file's problems when its run wrote a report holding
# them all (``problem_count`` counts them all): a return file of 200,000 entries can have 26,667
# warnings, 7.7 MB of JSON that said nothing its report does not.
LISTED_PROBLEMS = 1_000


@dataclass
class Outcome:
    """What happened to one file: what an operator, the summary and ``--json`` show."""

    file_id: int
    exchange: str
    name: str
    state: str
    rows: int = 0
    delivered: int = 0
    rejected: int = 0
    already_delivered: int = 0
    duplicate_of: int | None = None
    batch_id: str | None = None  # the CIS batch delivered, or for an outbound exchange the file sent
    outbound: bool = False
    retryable: bool = False  # failed for a reason that may pass (exit code 3): retry, do not fix
    by_type: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    reports: list[str] = field(default_factory=list)
    note: str | None = None  # what an operator should know beside the counts (nothing changed ...)
    trigger: str | None = None  # "pending": run again after a delivery completed rows it held back
    reruns: list[Outcome] = field(default_factory=list)  # files this file's delivery ran again
    replies: list[dict[str, Any]] = field(default_factory=list)  # replies sent to the partner: path, counts
    suspense: dict[str, Any] | None = None  # payments delivered to suspense: count, amount_cents, reasons
    skipped: str | None = None  # an exchange not taken (state "skipped"): disabled, manual-only, not-due

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.file_id,
            "exchange": self.exchange,
            "name": self.name,
            "state": self.state,
            "rows": self.rows,
            "delivered": self.delivered,
            "rejected": self.rejected,
            "already_delivered": self.already_delivered,
            "duplicate_of": self.duplicate_of,
            "batch_id": self.batch_id,
            "retryable": self.retryable,
            "transactions": self.by_type,
            "problem_count": len(self.problems),
            "problems": [p.to_dict() for p in self.listed_problems()],
            "reports": self.reports,
            "note": self.note,
            "trigger": self.trigger,
            "reruns": [o.to_dict() for o in self.reruns],
            "replies": self.replies,
            "suspense": self.suspense,
            "skipped": self.skipped,
        }

    def listed_problems(self) -> list[Problem]:
        """The problems ``--json`` lists: every one, or the first ``LISTED_PROBLEMS`` when the
        run's report holds them all."""
        return self.problems[:LISTED_PROBLEMS] if self.reports else self.problems


def log_outcome(o: Outcome) -> None:
    """One line per file: what happened to it, tagged with its file id."""
    with tagged(file_id=o.file_id or None):
        if o.state == "failed":
            log.error(
                "%s failed: %s",
                o.name,
                o.problems[0].message if o.problems else "",
                extra={"event": "failed"},
            )
        elif o.state == "rejected":
            first = o.problems[0].message if o.problems else ""
            log.warning(
                "%s rejected: %s of %s rows; first: %s",
                o.name,
                o.rejected,
                o.rows,
                first,
                extra={"event": "rejected"},
            )
        elif o.state == "duplicate":
            log.info(
                "%s is a duplicate of file %s; nothing delivered",
                o.name,
                o.duplicate_of,
                extra={"event": "duplicate"},
            )
        else:
            log.info(
                "%s %s: %s rows, %s delivered, %s rejected",
                o.name,
                o.state,
                o.rows,
                o.delivered,
                o.rejected,
                extra={"event": o.state},
            )


def skipped(exchange: str, why: str, reason: str) -> Outcome:
    """An exchange a cycle or ``hub run --once`` did not take: ``why`` is the short code
    (disabled, manual-only, not-due), ``reason`` the sentence for people."""
    return Outcome(0, exchange, "(exchange)", "skipped", note=reason, skipped=why)


def suspense_line(held: dict[str, Any], *, to: str = "to suspense") -> str:
    """``N checks ($X) to suspense: reason n, ...`` for a file's outcome."""
    cents = int(held["amount_cents"])
    count = int(held["count"])
    reasons = ", ".join(f"{r or 'no reason'} {n}" for r, n in held["reasons"].items())
    noun = "check" if count == 1 else "checks"
    return f"{count} {noun} (${cents // 100:,}.{cents % 100:02d}) {to}: {reasons}"


def refusal(reason: str) -> Problem:
    return Problem.of("refused_name", reason, level="file")


def failure(file_id: int, exchange: str, name: str, exc: HubError) -> Outcome:
    """A file that could not be finished: the error as its one problem, and whether it may pass."""
    problem = Problem.of(rule_of(exc), str(exc), level="file")
    return Outcome(
        file_id, exchange, name, "failed", problems=[problem], retryable=isinstance(exc, Retryable)
    )


def rule_of(exc: HubError) -> str:
    """A short rule name for a failure that stopped a file: the error's class in kebab case."""
    name = type(exc).__name__
    return "".join(f"_{c.lower()}" if c.isupper() and i else c.lower() for i, c in enumerate(name))
