"""The engine's claims on work (``hub.ledger.claims``): a source's item is taken by one hub process,
and a landed content is run by one at a time, so two processes on one inbox, or two nodes on one
PostgreSQL ledger, never record a file twice nor archive one without its record.

A ``Holder`` is one engine's name for its claims; it renews the leases of the work in hand as the
work goes on (every progress step), so a lease runs out only when its holder stopped working.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import TYPE_CHECKING

from hub.ledger.claims import holder_id

if TYPE_CHECKING:
    from connectors.base import Item
    from hub.ledger import Ledger

MAX_KEY = 900  # the ledger's column holds 1,024 characters


def item_key(exchange: str, where: str, item: Item) -> str:
    """A source's item: where it is, its size and its time (a new upload under the same name is a
    new item)."""
    key = f"item|{exchange}|{where}|{item.size}|{item.mtime!r}"
    return key if len(key) <= MAX_KEY else f"item|{exchange}|#{hashlib.sha256(key.encode()).hexdigest()}"


def content_key(exchange: str, sha256: str) -> str:
    """A landed content of an exchange (the same bytes under two names are one piece of work)."""
    return f"content|{exchange}|{sha256}"


class Holder:
    """This engine's claims and their leases."""

    def __init__(self, ledger: Ledger, lease: timedelta) -> None:
        self.ledger = ledger
        self.lease = lease
        self.id = holder_id(uuid.uuid4().hex[:8])
        self.held: set[str] = set()
        self._renewed = time.monotonic()

    def take(self, key: str) -> bool:
        """Claim ``key``; False when another live holder has it or it is finished."""
        if not self.ledger.claim(key, self.id, self.lease):
            return False
        self.held.add(key)
        return True

    @contextmanager
    def holding(self, key: str, *, finish: bool = False) -> Iterator[bool]:
        """Claim ``key`` for the block (yields whether it was taken). On leaving, the claim is
        finished (``finish``: work that must never be taken again, a source's item) or released;
        on an error it is always released, so the work can be tried again at once."""
        if not self.take(key):
            yield False
            return
        try:
            yield True
        except BaseException:
            self.release(key)
            raise
        if finish:
            self.ledger.finish_claim(key, self.id)
            self.held.discard(key)
        else:
            self.release(key)

    def release(self, key: str) -> None:
        self.ledger.release_claim(key, self.id)
        self.held.discard(key)

    def renew(self) -> None:
        """Extend the leases of the work in hand (at most every tenth of a lease)."""
        now = time.monotonic()
        if self.held and now - self._renewed >= self.lease.total_seconds() / 10:
            self.ledger.renew_claims(sorted(self.held), self.id, self.lease)
            self._renewed = now
