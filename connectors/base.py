"""The connector base: list what a source holds, fetch an item into the landing area, and run the
source's post-action once the landed copy and its ledger row are committed; put a file at a
destination.

A source implements ``scan`` (the raw listing), ``fetch`` and ``remove``/``archive``; the base
decides which items are complete by the exchange's completion rule and refuses hostile names.
Implementations translate their transport's errors (OS, paramiko) into the hub's tree here, at the
boundary: ``ConnectorRetryable`` for what may pass, ``ConnectorFatal`` for what will not.
"""

from __future__ import annotations

import fnmatch
import re
import time
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, TypeVar

from hub.engine.config_transport import Completion, Retry
from hub.engine.landing import Landed
from hub.kernel.errors import ConnectorRetryable, RefusedName

PARTIAL_SUFFIXES = (".part", ".tmp", ".filepart")
_UNSAFE = re.compile(r"[/\\\x00-\x1f\x7f]")
T = TypeVar("T")
PostAction = Literal["archive", "delete", "leave"]


@dataclass(frozen=True)
class Item:
    """One file a source offers. ``name`` is the partner's name for it, already checked safe."""

    name: str
    size: int
    mtime: float


@dataclass(frozen=True)
class Refused:
    """A file the source will not take, and why (reported, never fetched)."""

    name: str
    reason: str


@dataclass
class Listing:
    """What one look at a source found: complete items, oldest name first, and refused names."""

    items: list[Item] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)


def check_name(name: str) -> str:
    """Refuse names that could escape a folder or fool a terminal: separators, ``..``, control and
    format characters, or empty names. Partner names are hostile until proven otherwise."""
    if not name or name in (".", "..") or _UNSAFE.search(name) or len(name) > 255:
        raise RefusedName(f"refused file name {name!r}: empty, too long, a path or holds control characters")
    if any(unicodedata.category(ch) in ("Cf", "Cc", "Zl", "Zp") for ch in name):
        raise RefusedName(f"refused file name {name!r}: holds invisible formatting characters")
    return name


def is_partial(name: str) -> bool:
    """Names uploaders use while a transfer is in progress, and hidden files."""
    return name.startswith(".") or name.endswith(PARTIAL_SUFFIXES)


def archive_name(name: str) -> str:
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{name}"


def with_retries(
    what: str, retry: Retry, call: Callable[[], T], *, sleep: Callable[[float], None] = time.sleep
) -> T:
    """Run ``call``; on ``ConnectorRetryable`` wait (exponential backoff with a cap) and try again,
    ``retry.attempts`` times in all. The last failure is raised with the number of attempts."""
    delay = retry.backoff_seconds
    for attempt in range(1, retry.attempts + 1):
        try:
            return call()
        except ConnectorRetryable as exc:
            if attempt == retry.attempts:
                raise ConnectorRetryable(f"{what}: {exc} (gave up after {attempt} attempts)") from exc
            sleep(min(delay, retry.backoff_max_seconds))
            delay *= 2
    raise AssertionError("unreachable")  # pragma: no cover


class Source(ABC):
    """Where an exchange's files come from."""

    def __init__(
        self,
        *,
        pattern: str = "*",
        completion: Completion | None = None,
        post_action: PostAction = "archive",
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.pattern = pattern
        self.completion = completion or Completion()
        self.post_action = post_action
        self.clock = clock
        self.sleep = sleep

    # -- what an implementation provides ----------------------------------------------------------

    @abstractmethod
    def scan(self) -> list[Item]:
        """Every regular file in the source, unfiltered (names not yet checked)."""

    @abstractmethod
    def fetch(self, item: Item, landed_dir: Path) -> Landed:
        """Copy one item into the landing area (streaming) and return where it landed."""

    @abstractmethod
    def remove(self, name: str) -> None:
        """Delete a file of the source; a file that is gone already is not an error."""

    @abstractmethod
    def archive(self, name: str) -> None:
        """Move a file of the source to its archive folder, under a time-stamped name."""

    @abstractmethod
    def describe(self, item: Item) -> str:
        """Where the item came from, for the ledger (a path or an sftp:// address)."""

    def close(self) -> None:  # noqa: B027  (sources without a connection have nothing to close)
        """Release the connection, if any."""

    # -- what the base decides ------------------------------------------------------------------

    def list(self) -> Listing:
        """The complete files waiting (by the completion rule), oldest name first, and the names
        that were refused."""
        listing = Listing()
        raw = self.scan()
        names = {i.name for i in raw}
        rule = self.completion
        candidates: list[Item] = []
        for item in sorted(raw, key=lambda i: i.name):
            if rule.rule == "marker" and item.name.endswith(rule.marker_suffix):
                continue
            if not fnmatch.fnmatchcase(item.name, self.pattern) or is_partial(item.name):
                continue
            try:
                check_name(item.name)
            except RefusedName as exc:
                listing.refused.append(Refused(item.name, str(exc)))
                continue
            candidates.append(item)
        if rule.rule == "marker":
            listing.items = [i for i in candidates if i.name + rule.marker_suffix in names]
        elif rule.rule == "min-age":
            now = self.clock()
            listing.items = [i for i in candidates if now - i.mtime >= rule.min_age_seconds]
        elif rule.rule == "size-stable" and candidates:
            self.sleep(rule.stable_seconds)
            again = {i.name: (i.size, i.mtime) for i in self.scan()}
            listing.items = [i for i in candidates if again.get(i.name) == (i.size, i.mtime)]
        else:
            listing.items = candidates
        return listing

    def done(self, item: Item) -> None:
        """The post-action (archive, delete, leave), and the marker file's with it; call only after
        the landed copy and its ledger row are committed."""
        names = [item.name]
        if self.completion.rule == "marker":
            names.append(item.name + self.completion.marker_suffix)
        for name in names:
            if self.post_action == "delete":
                self.remove(name)
            elif self.post_action == "archive":
                self.archive(name)


class Destination(ABC):
    """Where an exchange's outbound files go (a partner's server, a folder)."""

    @abstractmethod
    def put(self, local: Path, name: str, *, overwrite: bool = False) -> None:
        """Place ``local`` at the destination as ``name``: complete under its final name or not at
        all. A file of that name the partner has not collected is not overwritten unless asked."""

    def close(self) -> None:  # noqa: B027
        """Release the connection, if any."""
