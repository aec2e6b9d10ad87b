"""What an exchange's source offers: the complete items (by its completion rule), and a ``failed``
outcome, with an alert in the log, for every name refused and for a source that could not be listed
at all (host key, authentication, server down after retries)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub.engine.logs import log
from hub.engine.outcome import Outcome, refusal, rule_of
from hub.kernel.errors import HubError
from hub.kernel.problems import Problem

if TYPE_CHECKING:
    from connectors.base import Item, Source
    from hub.engine.config import Exchange


def list_items(ex: Exchange, source: Source) -> tuple[list[Item], list[Outcome]]:
    """The items to take, oldest name first, and the outcomes of what was refused."""
    try:
        listing = source.list()
    except HubError as exc:
        error = Problem.of(rule_of(exc), str(exc), level="file")
        log.error("%s: nothing taken: %s", ex.name, exc, extra={"event": "source_failed", "alert": True})
        return [], [Outcome(0, ex.name, "(source)", "failed", problems=[error])]
    for refused in listing.refused:
        log.warning("%s", refused.reason, extra={"event": "refused_name", "alert": True})
    failed = [Outcome(0, ex.name, r.name, "failed", problems=[refusal(r.reason)]) for r in listing.refused]
    return listing.items, failed
