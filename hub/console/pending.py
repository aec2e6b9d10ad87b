"""Previewed actions waiting for their confirmation: each under a random token, for one user's
session and one file, used once, gone after ``MINUTES``. A corrected file waits in the engine's
staging folder until then and is removed with its preview."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from hub.engine.actions import discard_upload

MINUTES = 15


@dataclass(frozen=True)
class Pending:
    """What the confirmation will run: the action previewed, exactly as previewed."""

    user: str
    session: str  # the session's CSRF token: another session of the same user cannot confirm
    file_id: int
    action: str
    seen: datetime
    upload: Path | None = None
    accept_valid_rows: bool = False
    comment: str | None = None
    made: float = 0.0


class PendingActions:
    """The console's previews waiting for a confirmation (in memory: a restart drops them)."""

    def __init__(self, minutes: float = MINUTES) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, Pending] = {}
        self.seconds = minutes * 60

    def add(self, pending: Pending) -> str:
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._expire()
            self._items[token] = Pending(**{**pending.__dict__, "made": time.monotonic()})
        return token

    def take(self, token: str, *, user: str, session: str) -> Pending | None:
        """The preview of ``token`` for this user's session, taken out (a second confirmation
        finds nothing); None when unknown, expired or another's."""
        with self._lock:
            self._expire()
            found = self._items.get(token)
            if found is None or found.user != user or found.session != session:
                return None
            return self._items.pop(token)

    def _expire(self) -> None:
        now = time.monotonic()
        for token in [t for t, p in self._items.items() if now - p.made > self.seconds]:
            discard_upload(self._items.pop(token).upload)
