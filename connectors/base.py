"""The connector base: list what a source holds, fetch an item into the landing area, and run the
source's post-action once the landed copy and its ledger row are committed.

Implementations translate their transport's errors (OS, paramiko) into the hub's tree here, at the
boundary: ``ConnectorRetryable`` for what may pass, ``ConnectorFatal`` for what will not.
"""

from __future__ import annotations

import re
import unicodedata
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

from hub.errors import ConnectorFatal
from hub.landing import Landed

PARTIAL_SUFFIXES = (".part", ".tmp", ".filepart")
_UNSAFE = re.compile(r"[/\\\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Item:
    """One file a source offers. ``name`` is the partner's name for it, already checked safe."""

    name: str
    size: int
    mtime: float


def check_name(name: str) -> str:
    """Refuse names that could escape a folder or fool a terminal: separators, ``..``, control and
    format characters, or empty names. Partner names are hostile until proven otherwise."""
    if not name or name in (".", "..") or _UNSAFE.search(name) or len(name) > 255:
        raise ConnectorFatal(
            f"refused file name {name!r}: empty, too long, a path or holds control characters"
        )
    if any(unicodedata.category(ch) in ("Cf", "Cc", "Zl", "Zp") for ch in name):
        raise ConnectorFatal(f"refused file name {name!r}: holds invisible formatting characters")
    return name


def is_partial(name: str) -> bool:
    """Names uploaders use while a transfer is in progress, and hidden files."""
    return name.startswith(".") or name.endswith(PARTIAL_SUFFIXES)


class Source(ABC):
    """Where an exchange's files come from."""

    @abstractmethod
    def list(self) -> list[Item]:
        """The complete files waiting, oldest name first."""

    @abstractmethod
    def fetch(self, item: Item, landed_dir: Path) -> Landed:
        """Copy one item into the landing area (streaming) and return where it landed."""

    @abstractmethod
    def done(self, item: Item) -> None:
        """The post-action (archive, delete, leave); call only after the ledger row is committed."""
