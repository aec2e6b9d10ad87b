"""Previewed actions waiting for their confirmation: each under a random token, for one user's
session and one file, used once, gone after ``MINUTES``. A corrected file waits in the engine's
staging folder until then and is removed with its preview; one left behind (the console stopped
before its preview expired) is removed by ``sweep_uploads`` once older than the configured age."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from hub.engine.actions import discard_upload, remove_stale_uploads

if TYPE_CHECKING:
    from starlette.applications import Starlette

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
        self._confirming: set[Path] = set()  # uploads taken for a confirmation still running
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
            if found.upload is not None:
                self._confirming.add(found.upload)
            return self._items.pop(token)

    def done(self, pending: Pending) -> None:
        """The confirmation of ``pending`` ended (ran or failed): its upload is removed."""
        with self._lock:
            if pending.upload is not None:
                self._confirming.discard(pending.upload)
            discard_upload(pending.upload)

    def sweep(self, remove: Callable[[set[Path]], object]) -> None:
        """Run ``remove`` (given the uploads still waiting or being confirmed, to keep) while no
        preview is added or taken."""
        with self._lock:
            self._expire()
            remove({p.upload for p in self._items.values() if p.upload} | self._confirming)

    def _expire(self) -> None:
        now = time.monotonic()
        for token in [t for t, p in self._items.items() if now - p.made > self.seconds]:
            discard_upload(self._items.pop(token).upload)


def sweep_uploads(app: Starlette) -> list[Path]:
    """Remove the uploads of previews never confirmed, older than the console's
    ``pending_upload_hours`` (never one still waiting or being confirmed): at start and each preview."""
    settings, options = app.state.settings, app.state.options
    store: PendingActions = app.state.pending
    age = timedelta(hours=options.pending_upload_hours)
    removed: list[Path] = []
    store.sweep(lambda keep: removed.extend(remove_stale_uploads(settings, age, keep)))
    return removed
