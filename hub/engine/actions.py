"""What an operator does to a file from the console, each first previewed as ``hub validate`` would
check it, then run through the ``Engine`` exactly as ``hub reprocess`` runs it, and recorded in the
ledger's audit trail (who, when, what, the comment, the outcome).

The actions: reprocess the landed file as it is, reprocess it accepting the valid rows, reprocess
a corrected file uploaded in its place, and mark a rejected file as resolved elsewhere (a required
comment; the file stays rejected, nothing is delivered, and it leaves the operators' waiting list).
Nothing posts twice: the engine skips every key it delivered before."""

from __future__ import annotations

import secrets
import shutil
import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from connectors.base import check_name
from hub.engine.operator import opened
from hub.kernel.errors import HubError, Rejected, UsageError
from hub.kernel.wording import counted

if TYPE_CHECKING:
    from hub.engine.config import Settings
    from hub.engine.outcome import Outcome
    from hub.engine.pipeline import Engine

ACTIONS = {
    "reprocess": "Reprocess as it is",
    "accept-valid-rows": "Reprocess accepting the valid rows",
    "corrected": "Reprocess with a corrected file",
    "resolve": "Mark as resolved elsewhere",
}
UPLOADS = "console-uploads"  # under var/: a corrected file between its preview and its confirmation
SHOWN_PROBLEMS = 20
MAX_COMMENT = 2000  # characters


class TooLarge(Rejected):
    """An uploaded file over the console's size limit."""


@dataclass(frozen=True)
class Preview:
    """What an action will do, checked without landing or delivering anything: the dry run's rows,
    rejects and problems, the transactions that would go out, and a sentence saying so."""

    action: str
    file_id: int
    name: str  # the file checked: the landed file's name or the corrected file's
    seen: datetime  # the file's last change when previewed: a confirmation after a change is refused
    says: str
    rows: int = 0
    rejected: int = 0
    errors: int = 0
    warnings: int = 0
    deliver: int = 0
    already_delivered: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    problems: list[dict[str, Any]] = field(default_factory=list)  # the first few, masked

    @property
    def problem_count(self) -> int:
        return self.errors + self.warnings


@dataclass(frozen=True)
class Done:
    """An action's outcome as the audit trail records it."""

    audit_id: int
    file_id: int  # the file the action was on
    outcome_file_id: int | None  # the file that ran (the corrected file's new id)
    state: str
    says: str


def stage_upload(settings: Settings, name: str, chunks: Iterable[bytes], *, limit: int) -> Path:
    """Keep an uploaded corrected file under ``var/console-uploads/<random>/NAME`` until it is
    confirmed: a name no connector would take is refused, and so is more than ``limit`` bytes."""
    check_name(name)
    folder = settings.var / UPLOADS / secrets.token_hex(12)
    folder.mkdir(parents=True, mode=0o700)
    path = folder / name
    size = 0
    try:
        with path.open("xb") as fh:
            for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise TooLarge(f"{name}: larger than the console takes ({limit // 1_000_000} MB)")
                fh.write(chunk)
    except BaseException:
        discard_upload(path)
        raise
    if size == 0:
        discard_upload(path)
        raise Rejected(f"{name}: the uploaded file is empty")
    return path


def discard_upload(path: Path | None) -> None:
    """Remove a staged upload and its folder (after the action ran, or when it was not confirmed)."""
    if path is not None and path.parent.parent.name == UPLOADS:
        shutil.rmtree(path.parent, ignore_errors=True)


def remove_stale_uploads(
    settings: Settings, older_than: timedelta, keep: Collection[Path] = ()
) -> list[Path]:
    """Remove the staged uploads (``var/console-uploads/<random>/``) untouched for longer than
    ``older_than``: previews never confirmed, left by a console that stopped or a preview abandoned.
    ``keep``: the uploads of previews still waiting or being confirmed, never removed. Returns the
    folders removed."""
    top = settings.var / UPLOADS
    if not top.is_dir():
        return []
    kept = {p.parent for p in keep}
    cutoff = time.time() - older_than.total_seconds()
    removed = []
    for folder in top.iterdir():
        if folder in kept or not folder.is_dir():
            continue
        try:
            touched = max([folder.stat().st_mtime, *(f.stat().st_mtime for f in folder.iterdir())])
        except OSError:  # removed meanwhile
            continue
        if touched < cutoff:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def preview(
    settings: Settings,
    file_id: int,
    action: str,
    *,
    upload: Path | None = None,
    accept_valid_rows: bool = False,
    comment: str | None = None,
    unmask: bool = False,
) -> Preview:
    """Check what ``action`` would do to the file (raises ``UsageError`` when it cannot be done);
    ``unmask``: personal values shown as in the file checked (a role allowed to see them)."""
    from hub.engine.pipeline import Engine

    if action not in ACTIONS:
        raise UsageError(f"unknown action {action!r}")
    if action == "resolve":
        return _preview_resolve(settings, file_id, comment)
    _comment(comment)
    if (action == "corrected") != (upload is not None):
        raise UsageError("a corrected file is uploaded with that action, and only with it")
    engine = Engine(settings, recover=False)
    try:
        record = engine.ledger.file(file_id)
        if record.state in ("duplicate", "refused"):
            raise UsageError(f"file {file_id} is {record.state}: there is nothing of it to reprocess")
        accept = accept_valid_rows or action == "accept-valid-rows"
        if upload is None:
            outcome = engine.dry_run(
                Path(record.landed_path), record.exchange, name=record.name, accept_valid_rows=accept
            )
        else:
            outcome = engine.dry_run(upload, record.exchange, accept_valid_rows=accept)
    finally:
        engine.close()
    shown = _preview_of(action, record.id, record.updated_at, outcome)
    if unmask:
        from hub.engine.unmask import unmasked

        unmasked(settings, record.exchange, upload or Path(record.landed_path), shown.problems)
    return shown


def _preview_of(action: str, file_id: int, seen: datetime, outcome: Outcome) -> Preview:
    from hub.engine.browse import shown_problem_dict

    errors = sum(p.severity == "error" for p in outcome.problems)
    deliver = 0 if outcome.state == "rejected" and not outcome.by_type else sum(outcome.by_type.values())
    if deliver:
        says = f"{counted(deliver, 'transaction')} will be delivered to the CIS"
        if outcome.rejected:
            are = "is" if outcome.rejected == 1 else "are"
            says += f"; {counted(outcome.rejected, 'row')} {are} rejected and reported"
    elif outcome.already_delivered:
        says = "nothing new to deliver: every transaction was delivered before"
    else:
        says = "nothing will be delivered: the file is rejected again"
    if outcome.already_delivered:
        says += f" ({outcome.already_delivered} delivered before are skipped, never posted twice)"
    return Preview(
        action=action,
        file_id=file_id,
        name=outcome.name,
        seen=seen,
        says=says + ".",
        rows=outcome.rows,
        rejected=outcome.rejected,
        errors=errors,
        warnings=len(outcome.problems) - errors,
        deliver=deliver,
        already_delivered=outcome.already_delivered,
        by_type=dict(outcome.by_type),
        problems=[shown_problem_dict(p.to_dict()) for p in outcome.problems[:SHOWN_PROBLEMS]],
    )


def _preview_resolve(settings: Settings, file_id: int, comment: str | None) -> Preview:
    comment = _required(comment)
    with opened(settings) as ledger:
        record = ledger.file(file_id)
        problems = sum(ledger.problem_tally(file_id, record.last_run_id).values())
    if record.state != "rejected":
        raise UsageError(f"file {file_id} is {record.state}, not rejected: there is nothing to resolve")
    if record.resolved_by:
        raise UsageError(f"file {file_id} was marked resolved already by {record.resolved_by}")
    says = (
        f"the file stays rejected and nothing of it is delivered; it is marked resolved elsewhere "
        f"with the comment “{comment}” and leaves the list of files waiting for an operator."
    )
    return Preview(
        "resolve", file_id, record.name, record.updated_at, says, rows=record.rows or 0, errors=problems
    )


def _required(comment: str | None) -> str:
    text = _comment(comment)
    if not text:
        raise UsageError("a comment is required: say where and how the file was resolved")
    return text


def _comment(comment: str | None) -> str | None:
    """The comment, trimmed (None when blank); more than ``MAX_COMMENT`` characters is refused."""
    text = (comment or "").strip()
    if len(text) > MAX_COMMENT:
        raise UsageError(f"the comment is longer than {MAX_COMMENT} characters")
    return text or None


def perform(
    settings: Settings,
    user: str,
    file_id: int,
    action: str,
    *,
    seen: datetime | None = None,
    upload: Path | None = None,
    accept_valid_rows: bool = False,
    comment: str | None = None,
) -> Done:
    """Run a previewed action through the engine and record it. ``seen``: the file's last change
    when it was previewed; a file changed since (another operator acted) is refused."""
    from hub.engine.pipeline import Engine

    if action not in ACTIONS:
        raise UsageError(f"unknown action {action!r}")
    comment = _required(comment) if action == "resolve" else _comment(comment)
    engine = Engine(settings)
    try:
        ledger = engine.ledger
        record = ledger.file(file_id)
        if seen is not None and record.updated_at != seen:
            raise UsageError(f"file {file_id} changed since the preview (now {record.state}); preview again")
        if action == "resolve":
            assert comment is not None
            audit_id = ledger.resolve_file(file_id, user=user, comment=comment)
            return Done(audit_id, file_id, None, "resolved", "marked resolved elsewhere")
        accept = accept_valid_rows or action == "accept-valid-rows"
        outcome, audit_id = reprocess_recorded(
            engine, user, file_id, action=action, corrected=upload, accept_valid_rows=accept, comment=comment
        )
        says = _outcome_says(outcome)
        return Done(audit_id, file_id, outcome.file_id or None, outcome.state, says)
    finally:
        engine.close()


def reprocess_recorded(
    engine: Engine,
    user: str,
    file_id: int,
    *,
    action: str,
    corrected: Path | None = None,
    accept_valid_rows: bool = False,
    comment: str | None = None,
) -> tuple[Outcome, int]:
    """``Engine.reprocess`` recorded in the audit trail (the console's actions and ``hub
    reprocess``): the outcome and the audit row's id. An action that could not start (a usage
    error: no such file, a duplicate) records nothing; one that failed records why."""
    ledger = engine.ledger
    ledger.file(file_id)
    name = corrected.name if corrected is not None else None
    try:
        outcome = engine.reprocess(file_id, corrected=corrected, accept_valid_rows=accept_valid_rows)
    except UsageError:
        raise
    except HubError as exc:
        ledger.add_audit(
            user=user,
            action=action,
            file_id=file_id,
            comment=comment,
            upload=name,
            outcome_state="failed",
            detail=str(exc),
        )
        raise
    audit_id = ledger.add_audit(
        user=user,
        action=action,
        file_id=file_id,
        comment=comment,
        upload=name,
        outcome_file_id=outcome.file_id or None,
        outcome_state=outcome.state,
        detail=_outcome_says(outcome),
    )
    return outcome, audit_id


def _outcome_says(o: Outcome) -> str:
    parts = [f"file {o.file_id} {o.state}", counted(o.rows, "row"), f"{o.delivered} delivered"]
    if o.rejected:
        parts.append(f"{o.rejected} rejected")
    if o.already_delivered:
        parts.append(f"{o.already_delivered} delivered before")
    if o.batch_id:
        parts.append(f"CIS batch {o.batch_id}")
    if o.state == "failed" and o.problems:
        parts.append(o.problems[0].message)
    return ", ".join(parts)


def audit_of(settings: Settings, file_id: int) -> list[dict[str, Any]]:
    """The actions on the file or that made it, oldest first (``hub show``, the file's page)."""
    with opened(settings) as ledger:
        return ledger.audit_of(file_id)
