"""The operator console's users: add, disable, list, and check a log-in.

Passwords are hashed with Argon2 (argon2-cffi's defaults, RFC 9106's low-memory profile) and only
the hash is kept. After ``lock_after`` wrong passwords in a row the name is locked for
``lock_minutes``: while locked even the right password is refused, and the answer never says
whether the name or the password was wrong."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from hub.engine.operator import opened
from hub.kernel.errors import UsageError

if TYPE_CHECKING:
    from hub.engine.config import Settings

ROLES = ("viewer", "operator", "admin")
USER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
MIN_PASSWORD = 12
LOCK_AFTER = 5  # wrong passwords in a row
LOCK_MINUTES = 15

_hasher = PasswordHasher()
# Checked against when the name is unknown, so an unknown name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


@dataclass(frozen=True)
class User:
    """Who is logged in: name and role."""

    name: str
    role: str


Verdict = Literal["ok", "wrong", "locked", "disabled"]


@dataclass(frozen=True)
class LogIn:
    """A log-in attempt's answer: ``ok`` with the user, or why not (``wrong`` name or password,
    ``locked`` until when, ``disabled``)."""

    verdict: Verdict
    user: User | None = None
    locked_until: datetime | None = None


def add_user(settings: Settings, name: str, role: str, password: str) -> User:
    """A new user with ``role``; the password must be at least ``MIN_PASSWORD`` characters."""
    if not USER_NAME.match(name):
        raise UsageError(f"user name {name!r}: letters, digits and . _ @ - only, at most 64")
    if role not in ROLES:
        raise UsageError(f"role {role!r} is not one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise UsageError(f"the password must have at least {MIN_PASSWORD} characters")
    with opened(settings) as ledger:
        ledger.add_user(name, role, _hasher.hash(password))
    return User(name, role)


def disable_user(settings: Settings, name: str) -> None:
    """The user can no longer log in; a session they hold ends at its next request."""
    with opened(settings) as ledger:
        ledger.update_user(name, disabled=1)


def list_users(settings: Settings) -> list[dict[str, Any]]:
    """Every user: name, role, disabled, failed log-ins, locked until (never the hash)."""
    with opened(settings) as ledger:
        return [
            {
                "name": u.name,
                "role": u.role,
                "disabled": u.disabled,
                "failed_logins": u.failed_logins,
                "locked_until": u.locked_until.isoformat() if u.locked_until else None,
                "created_at": u.created_at.isoformat(),
                "last_login_at": u.last_login_at.isoformat() if u.last_login_at else None,
            }
            for u in ledger.users()
        ]


def active_user(settings: Settings, name: str) -> User | None:
    """The user behind a session, if they still exist and are not disabled (checked on every
    request, so disabling a user ends their sessions)."""
    with opened(settings) as ledger:
        found = ledger.user(name)
    if found is None or found.disabled:
        return None
    return User(found.name, found.role)


def log_in(
    settings: Settings,
    name: str,
    password: str,
    *,
    lock_after: int = LOCK_AFTER,
    lock_minutes: float = LOCK_MINUTES,
    now: datetime | None = None,
) -> LogIn:
    """Check a name and password, counting wrong ones and locking the name after ``lock_after``."""
    now = now or datetime.now(UTC)
    with opened(settings) as ledger:
        found = ledger.user(name)
        if found is None:
            _matches(_DUMMY_HASH, password)
            return LogIn("wrong")
        if found.locked_until is not None and found.locked_until > now:
            return LogIn("locked", locked_until=found.locked_until)
        if not _matches(found.password_hash, password):
            until = ledger.count_failed_login(
                name, lock_after=lock_after, lock_for=timedelta(minutes=lock_minutes)
            )
            return LogIn("locked", locked_until=until) if until else LogIn("wrong")
        if found.disabled:
            return LogIn("disabled")
        values: dict[str, Any] = {"failed_logins": 0, "locked_until": None, "last_login_at": now}
        if _hasher.check_needs_rehash(found.password_hash):
            values["password_hash"] = _hasher.hash(password)
        ledger.update_user(name, **values)
        return LogIn("ok", User(found.name, found.role))


def _matches(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False
