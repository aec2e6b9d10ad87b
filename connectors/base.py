"""The connector base: connectors move bytes, the engine does the rest.

A source lists what it holds and opens an item as a readable stream; the engine lands the stream,
records it in the ledger, and only then asks the source to archive, delete or leave it (``done``).
A destination receives a stream under a name. A source implements ``scan`` (the raw listing),
``open``, ``remove``/``archive`` and ``describe``; the base decides which items are complete by the
exchange's completion rule and refuses hostile names. Implementations translate their transport's
errors (OS, paramiko) into the hub's tree here, at the boundary, mid-stream too:
``ConnectorRetryable`` for what may pass, ``ConnectorFatal`` for what will not.

The configuration documents a connector reads (``Completion``, ``Retry``; the SFTP server in
``connectors.sftp``) are declared beside it; the engine's configuration composes them.
"""

from __future__ import annotations

import fnmatch
import hashlib
import re
import time
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import BinaryIO, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from hub.kernel.errors import ConnectorRetryable, RefusedName

PARTIAL_SUFFIXES = (".part", ".tmp", ".filepart")
NAME_MAX = 255  # bytes in a file name, on every file system the hub writes to
_UNSAFE = re.compile(r"[/\\\x00-\x1f\x7f]")
T = TypeVar("T")
PostAction = Literal["archive", "delete", "leave"]


class Strict(BaseModel):
    """Base for configuration documents: unknown keys are mistakes, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Completion(Strict):
    """When a file in a source is complete and may be taken. ``rename``: any name that is not a
    partial-upload name (``.part``, ``.tmp``, ``.filepart``, hidden) is complete, for partners who
    upload under a temporary name and rename; ``size-stable``: size and time unchanged across two
    listings ``stable_seconds`` apart; ``min-age``: unchanged for ``min_age_seconds``; ``marker``:
    a file named ``<name><marker_suffix>`` exists beside it."""

    rule: Literal["rename", "size-stable", "min-age", "marker"] = Field(
        "rename", description="how a complete file is recognised (see above)"
    )
    stable_seconds: float = Field(
        5, ge=0, le=3600, description="size-stable: seconds between the two listings"
    )
    min_age_seconds: float = Field(120, ge=0, description="min-age: seconds a file must be unchanged")
    marker_suffix: str = Field(".done", min_length=1, description="marker: suffix of the marker file's name")


class Retry(Strict):
    """Retries of a transient transport failure: ``attempts`` in all, waiting ``backoff_seconds``,
    doubled each time, at most ``backoff_max_seconds``."""

    attempts: int = Field(5, ge=1, le=50, description="tries in all, the first included")
    backoff_seconds: float = Field(2, ge=0, description="wait before the first retry, doubled each time")
    backoff_max_seconds: float = Field(60, ge=0, description="longest wait between two tries")


NO_RETRY = Retry(attempts=1)


@dataclass(frozen=True)
class Item:
    """One file a source offers: the partner's name for it (checked safe before it is taken), its
    size and time; ``link`` when it is a symbolic link (never followed, refused)."""

    name: str
    size: int
    mtime: float
    link: bool = False


@dataclass(frozen=True)
class Refused:
    """A file the source will not take, and why (recorded and reported once, never fetched)."""

    item: Item
    reason: str

    @property
    def name(self) -> str:
        return self.item.name


@dataclass
class Listing:
    """What one look at a source found: complete items, oldest name first, and refused names."""

    items: list[Item] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)


def check_name(name: str) -> str:
    """Refuse names that could escape a folder or fool a terminal: separators, ``..``, control and
    format characters, empty names, or more than a file system holds (255 bytes). Partner names are
    hostile until proven otherwise."""
    if (
        not name
        or name in (".", "..")
        or _UNSAFE.search(name)
        or len(name.encode("utf-8", "replace")) > NAME_MAX
    ):
        raise RefusedName(f"refused file name {name!r}: empty, too long, a path or holds control characters")
    if any(unicodedata.category(ch) in ("Cf", "Cc", "Zl", "Zp") for ch in name):
        raise RefusedName(f"refused file name {name!r}: holds invisible formatting characters")
    return name


def is_partial(name: str) -> bool:
    """Names uploaders use while a transfer is in progress, and hidden files."""
    return name.startswith(".") or name.endswith(PARTIAL_SUFFIXES)


def archive_name(name: str) -> str:
    """The name a file is archived under: a time stamp, then its name, within the file system's
    limit; a name too long for both keeps its start and extension around a short hash of the whole,
    so two long names never meet."""
    stamp = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-"
    archived = stamp + name
    if len(archived.encode()) <= NAME_MAX:
        return archived
    stem, dot, ext = name.rpartition(".")
    if not dot or len(ext.encode()) > 16:
        stem, ext = name, ""
    tail = f"~{hashlib.sha256(name.encode()).hexdigest()[:10]}" + (f".{ext}" if ext else "")
    room = NAME_MAX - len(stamp.encode()) - len(tail.encode())
    short = stem.encode()[:room].decode("utf-8", "ignore")
    return stamp + short + tail


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

    reads_locally = False  # reading an item twice costs nothing (a local folder, not a server)

    def __init__(
        self,
        *,
        pattern: str = "*",
        completion: Completion | None = None,
        post_action: PostAction = "archive",
        retry: Retry = NO_RETRY,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.pattern = pattern
        self.completion = completion or Completion()
        self.post_action = post_action
        self.retry = retry  # how often the engine tries an item again when its transfer breaks off
        self.clock = clock
        self.sleep = sleep

    # -- what an implementation provides ----------------------------------------------------------

    @abstractmethod
    def scan(self) -> list[Item]:
        """Every regular file in the source, unfiltered (names not yet checked)."""

    @abstractmethod
    def open(self, item: Item) -> BinaryIO:
        """One item's bytes as a readable stream (a context manager; ``read`` until ``b""``). A
        transfer that breaks off raises ``ConnectorRetryable``; an item that is shorter or longer
        than listed raises ``StillChanging``."""

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
                listing.refused.append(Refused(item, str(exc)))
                continue
            if item.link:
                reason = f"refused {item.name!r}: a symbolic link; links are never followed"
                listing.refused.append(Refused(item, reason))
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
    def put(self, name: str, data: BinaryIO, *, overwrite: bool = False) -> None:
        """Place the bytes of ``data`` (a seekable stream, read from its start) at the destination
        as ``name``: complete under its final name or not at all. A file of that name the partner
        has not collected is not overwritten unless asked."""

    @abstractmethod
    def holds(self, name: str, size: int, sha256: str) -> bool:
        """Whether the destination already holds this file under ``name`` (a transfer that finished
        but was not recorded): the same content where it can be read back, else the same size."""

    def close(self) -> None:  # noqa: B027
        """Release the connection, if any."""
