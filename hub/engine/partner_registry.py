"""The partners' registry, ``var/partners.json``: name, exchange, chroot, key fingerprint, dates.

It is the source of truth for ``hub partner``: the system side (users, folders, keys files, the
sshd_config fragment, :mod:`hub.engine.partners`) is made from it. Partner names are hostile
input and are checked here, once, before they become user names or paths.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ValidationError

from hub.kernel.errors import ConfigError, HubError, UsageError, os_reason
from hub.kernel.files import publish_bytes

if TYPE_CHECKING:
    from hub.engine.config import Settings

PARTNER_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,30}$")
UPLOAD = "upload"


class Partner(BaseModel):
    """One partner in the registry."""

    name: str
    exchange: str
    chroot: str
    fingerprint: str
    key_type: str
    added_at: str
    key_changed_at: str | None = None
    disabled_at: str | None = None

    @property
    def upload(self) -> Path:
        return Path(self.chroot) / UPLOAD


def now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def check_name(name: str) -> str:
    if not PARTNER_NAME.fullmatch(name):
        raise UsageError(
            f"partner name {name[:40]!r} refused: it becomes a system user name, so it must be a "
            "lower-case letter then up to 30 lower-case letters, digits, '_' or '-'"
        )
    return name


def registry_path(settings: Settings) -> Path:
    return settings.var / "partners.json"


def load(settings: Settings) -> dict[str, Partner]:
    path = registry_path(settings)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return {p["name"]: Partner.model_validate(p) for p in raw["partners"]}
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError, TypeError, ValidationError) as exc:
        raise ConfigError(f"{path}: the partners' registry cannot be read: {exc}") from None


def save(settings: Settings, partners: dict[str, Partner]) -> None:
    doc = {"partners": [p.model_dump() for p in sorted(partners.values(), key=lambda p: p.name)]}
    path = registry_path(settings)
    # Run as root, but the hub's own folder stays the hub's: made (if need be) and owned like
    # hub.yaml's folder, the registry readable by the hub's user (names and fingerprints only).
    owner = settings.root.stat()
    try:
        if not path.parent.exists():
            path.parent.mkdir(parents=True, mode=0o700)
            os.chown(path.parent, owner.st_uid, owner.st_gid)
        publish_bytes(path, (json.dumps(doc, indent=2) + "\n").encode(), mode=0o644)
        var = path.parent.stat()
        os.chown(path, var.st_uid, var.st_gid)
    except OSError as exc:
        raise HubError(f"{path}: cannot write the partners' registry: {os_reason(exc)}") from exc


def get(settings: Settings, name: str) -> Partner:
    partners = load(settings)
    try:
        return partners[check_name(name)]
    except KeyError:
        known = ", ".join(sorted(partners)) or "none added"
        raise UsageError(f"no partner named {name!r} (known: {known})") from None


def listing(settings: Settings) -> list[dict[str, object]]:
    """Every partner: name, exchange, drop folder, key fingerprint, dates, state."""
    return [
        {
            "name": p.name,
            "exchange": p.exchange,
            "upload": str(p.upload),
            "fingerprint": p.fingerprint,
            "key_type": p.key_type,
            "added_at": p.added_at,
            "key_changed_at": p.key_changed_at,
            "disabled_at": p.disabled_at,
            "state": "disabled" if p.disabled_at else "active",
        }
        for p in sorted(load(settings).values(), key=lambda p: p.name)
    ]
