"""``hub winter-average``: the request document the engine writes for the exchange of kind
``winter-average`` and lands itself, so the averages go through the one path every file takes
(landed, recorded, mapped, delivered exactly once, reported by ``hub files`` and ``hub show``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub.kernel.errors import UsageError

if TYPE_CHECKING:
    from hub.engine.config import Exchange
    from hub.engine.outcome import Outcome
    from hub.engine.pipeline import Engine

KIND = "winter-average"


def request_document(season: int | None, requested_at: str) -> bytes:
    """The request: a season, or none for the season whose window closed most recently."""
    return f"season,requested_at\n{'' if season is None else season},{requested_at}\n".encode()


def winter_average_exchange(engine: Engine, exchange: str | None) -> str:
    """The exchange named, or the one exchange of kind ``winter-average``."""
    if exchange is not None:
        if engine.settings.exchange(exchange).kind.name != KIND:
            raise UsageError(f"exchange {exchange!r} is not of kind {KIND}")
        return exchange
    found = [name for name, ex in engine.settings.exchanges.items() if ex.kind.name == KIND]
    if len(found) != 1:
        raise UsageError(
            f"name the exchange of kind {KIND} with --exchange (configured: {', '.join(found) or 'none'})"
        )
    return found[0]


def request_name(engine: Engine, season: int | None) -> tuple[str, bytes]:
    """The request document's file name and bytes, stamped with the engine's clock."""
    now = engine.clock()
    stamp = now.strftime("%Y%m%dT%H%M%S%f")
    document = request_document(season, now.strftime("%Y-%m-%dT%H:%M:%S.%f%z"))  # two a second differ
    label = "closed" if season is None else str(season)
    return f"winter-average-{label}-{stamp}.csv", document


def scheduled_requests(ex: Exchange, engine: Engine) -> list[tuple[str, bytes]]:
    """What a scheduled run of the exchange lands besides its source's files: for kind
    ``winter-average``, a request for the season whose window closed most recently."""
    return [request_name(engine, None)] if ex.kind.name == KIND else []


def request_winter_averages(
    engine: Engine, season: int | None, *, exchange: str | None = None, trigger: str = "manual"
) -> Outcome:
    """Compute and deliver a season's winter averages (only those new or changed)."""
    name = winter_average_exchange(engine, exchange)
    file_name, document = request_name(engine, season)
    return note_unchanged(
        engine,
        engine.settings.exchange(name),
        season,
        engine.request(name, file_name, document, trigger=trigger),
    )


def note_unchanged(engine: Engine, ex: Exchange, season: int | None, outcome: Outcome) -> Outcome:
    """A request that delivered nothing says so, and since when: no CIS batch was written (the
    request is recorded, as any file whose transactions went before). ``season`` None: the season
    most recently closed when the request was made (as the kind computes it)."""
    if ex.kind.name != KIND or outcome.state != "delivered" or outcome.delivered or outcome.rejected:
        return outcome
    from datetime import UTC

    from mappings.winter_average_kind import WinterAverageMappingOptions, closed_season

    if season is None:
        options = ex.mapping_options
        assert isinstance(options, WinterAverageMappingOptions)
        season = closed_season(engine.clock().astimezone(UTC).date(), options)
    last = engine.ledger.last_winter_averages(ex.name, season)
    if last is None:
        outcome.note = (
            f"no averages for season {season}: no delivered consumption history meets its window "
            "and no CIS accounts extract lists an active account; no CIS batch written"
        )
    else:
        file_id, at = last
        when = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        outcome.note = (
            f"no averages changed since {when} (season {season} last delivered by file {file_id}); "
            "no CIS batch written"
        )
    return outcome
