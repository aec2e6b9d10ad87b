"""What an exchange's source offers: the complete items (by its completion rule); a ``refused``
outcome, recorded in the ledger and alerted in the log once, for every item the source will not
give (a hostile name, a symbolic link); and a ``failed`` outcome for a source that could not be
listed at all (host key, authentication, server down after retries)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub.engine.logs import log
from hub.engine.outcome import Outcome, refusal, rule_of
from hub.kernel.errors import HubError
from hub.kernel.problems import Problem

if TYPE_CHECKING:
    from connectors.base import Item, Source
    from hub.engine.config import Exchange
    from hub.ledger import Ledger


def missing_source(ex: Exchange) -> str | None:
    """Why a folder source cannot be looked at, or None. A drop folder in the hub's inbox is the
    hub's own and is made when missing; any other folder that is not there (a share not mounted, a
    mistyped path) is an alert, never silently empty."""
    if ex.config.source.type != "folder" or ex.source_path.is_dir():
        return None
    if ex.in_inbox:
        ex.source_path.mkdir(parents=True, exist_ok=True)
        return None
    return f"{ex.name}: the source folder {ex.source_path} does not exist; nothing taken"


def list_items(ex: Exchange, source: Source, ledger: Ledger, run_id: int) -> tuple[list[Item], list[Outcome]]:
    """The items to take, oldest name first, and the outcomes of what was refused this time (an
    item refused before, unchanged since, was recorded then and is not reported again)."""
    try:
        listing = source.list()
    except HubError as exc:
        error = Problem.of(rule_of(exc), str(exc), level="file")
        log.error("%s: nothing taken: %s", ex.name, exc, extra={"event": "source_failed", "alert": True})
        return [], [Outcome(0, ex.name, "(source)", "failed", problems=[error])]
    refused = []
    for r in listing.refused:
        where, item = source.describe(r.item), r.item
        if ledger.already_taken(ex.name, where, item.size, item.mtime):
            continue
        log.warning("%s", r.reason, extra={"event": "refused_name", "alert": True})
        file_id = ledger.record_refusal(
            ex.name, name=item.name, source=where, size=item.size, reason=r.reason
        )
        ledger.update_file(file_id, last_run_id=run_id)
        refused.append(Outcome(file_id, ex.name, item.name, "refused", problems=[refusal(r.reason)]))
    return listing.items, refused
