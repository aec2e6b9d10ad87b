"""The next file's parse, validate and map, started while the file in hand is recorded and delivered.

In a cycle over many small files the main thread spends about as long on a file's landing,
records and delivery as a thread spends on its mapping; mapping file N+1 during file N's delivery
lets the two overlap. Mapping is a pure function of the bytes (it reads nothing from the ledger:
``maps_ahead``), so nothing about the next file is claimed, landed, recorded or delivered early:
its bytes are read once more when it lands, and the mapping made ahead is used only when they are
the same bytes.
"""

from __future__ import annotations

from concurrent.futures import wait
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from hub.engine.file_map import map_file, maps_ahead
from hub.kernel.background import in_background
from hub.kernel.errors import HubError

# Read ahead only files this small: the overlap pays where a file's own work is as short as its
# records and delivery, and two large files' tables at once would raise the cycle's peak memory.
AHEAD_MAX = 8 * 2**20

if TYPE_CHECKING:
    from concurrent.futures import Future

    from connectors.base import Item, Source
    from hub.engine.config import Exchange
    from hub.engine.mapping import Mapped


@dataclass(frozen=True)
class MappedAhead:
    """An item's bytes as read before it was claimed, and their mapping (running or done)."""

    item: Item
    data: bytes
    future: Future[Mapped]


def map_next(
    ex: Exchange, source: Source, item: Item, *, after: Future[Mapped] | None, now: datetime
) -> MappedAhead | None:
    """Read ``item`` and start its mapping in a thread once ``after`` (the mapping of the file in
    hand) is done, so the two mappings never compete for the CPU. Only for a source that reads
    locally (a second read costs nothing; an SFTP item is not fetched twice) and a small file
    (``AHEAD_MAX``) mapped while it lands anyway; None when it cannot be read now: its landing
    reads it again and says why."""
    if not source.reads_locally or item.size > AHEAD_MAX or not maps_ahead(ex, item.size):
        return None
    try:
        with source.open(item) as stream:
            data = stream.read()
    except (OSError, HubError):
        return None
    if len(data) != item.size:
        return None  # still being written: the landing sees it too

    def work() -> Mapped:
        if after is not None:
            wait([after])  # its result or error is the file in hand's, not this one's
        return map_file(data, item.name, ex, now=now, received=now)

    return MappedAhead(item, data, in_background(work, f"mapping {item.name} ahead"))


def made_ahead(ahead: MappedAhead | None, item: Item, data: bytes) -> Future[Mapped] | None:
    """The mapping made ahead of ``item``, when it was made of exactly the bytes now landing."""
    if ahead is None or ahead.item != item or ahead.data != data:
        return None
    return ahead.future
