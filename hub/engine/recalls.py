"""``hub recall ACCOUNT --agency A --reason R``: a one-account recall request, run through the
agency's recall exchange (kind ``collection-recalls``) exactly as a CIS recall extract would be:
landed, checked, written to the agency's recall file and sent, at most once per placement."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub.kernel.errors import UsageError

if TYPE_CHECKING:
    from hub.engine.config import Exchange, Settings
    from hub.engine.outcome import Outcome
    from hub.engine.pipeline import Engine

KIND = "collection-recalls"


def recall_exchange(settings: Settings, agency: str) -> Exchange:
    """The recall exchange of ``agency`` (a usage error naming the agencies there are)."""
    from mappings.collection_placements import AgencyOptions

    found = {
        ex.mapping_options.agency.id: ex
        for ex in settings.exchanges.values()
        if ex.kind.name == KIND and isinstance(ex.mapping_options, AgencyOptions)
    }
    if agency not in found:
        known = ", ".join(sorted(found)) or f"none: configure an exchange of kind {KIND}"
        raise UsageError(f"no recall exchange for agency {agency!r} (agencies: {known})")
    return found[agency]


def request_recall(
    engine: Engine, account: str, agency: str, reason: str, note: str | None = None
) -> Outcome:
    from formats.recall_extract import recall_request

    ex = recall_exchange(engine.settings, agency)
    stamp = engine.clock().strftime("%Y%m%dT%H%M%S")
    return engine.request(ex.name, f"recall-{stamp}.csv", recall_request(account, reason, note))
