"""The operator console's users: who may log in, with which role, and the failed log-ins that
lock a name out for a while. The ledger keeps only the password's Argon2 hash; hashing and
checking are the engine's (``hub.engine.users``)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, insert, select, update

from hub.kernel.errors import NotFound, UsageError
from hub.ledger import schema as t


@dataclass(frozen=True)
class UserRecord:
    """One console user (``password_hash`` never leaves the engine)."""

    name: str
    role: str
    password_hash: str
    disabled: bool
    failed_logins: int
    locked_until: datetime | None
    created_at: datetime
    last_login_at: datetime | None


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _user(row: Any) -> UserRecord:
    m = row._mapping
    created = _aware(m["created_at"])
    assert created is not None
    return UserRecord(
        name=m["name"],
        role=m["role"],
        password_hash=m["password_hash"],
        disabled=bool(m["disabled"]),
        failed_logins=int(m["failed_logins"]),
        locked_until=_aware(m["locked_until"]),
        created_at=created,
        last_login_at=_aware(m["last_login_at"]),
    )


class Users:
    """The users table of ``hub.ledger.Ledger`` (which supplies ``reading`` and ``now``)."""

    if TYPE_CHECKING:
        reading: Callable[[Connection | None], AbstractContextManager[Connection]]
        now: Callable[[], datetime]

    def add_user(self, name: str, role: str, password_hash: str) -> None:
        """A new user; a name taken already is a usage error."""
        with self.reading(None) as db:
            if db.execute(select(t.users.c.id).where(t.users.c.name == name)).first() is not None:
                raise UsageError(f"user {name!r} exists already (see `hub user list`)")
            db.execute(
                insert(t.users).values(
                    name=name,
                    role=role,
                    password_hash=password_hash,
                    disabled=0,
                    failed_logins=0,
                    created_at=self.now(),
                )
            )

    def user(self, name: str) -> UserRecord | None:
        with self.reading(None) as db:
            row = db.execute(select(t.users).where(t.users.c.name == name)).first()
        return None if row is None else _user(row)

    def users(self) -> list[UserRecord]:
        with self.reading(None) as db:
            return [_user(r) for r in db.execute(select(t.users).order_by(t.users.c.name))]

    def count_failed_login(self, name: str, *, lock_after: int, lock_for: timedelta) -> datetime | None:
        """One more wrong password for ``name``, counted in one transaction (two at once both
        count); at ``lock_after`` in a row the user is locked for ``lock_for`` and the count starts
        again. When the user is locked until, or None."""
        u = t.users.c
        with self.reading(None) as db:
            db.execute(update(t.users).where(u.name == name).values(failed_logins=u.failed_logins + 1))
            failed = db.execute(select(u.failed_logins).where(u.name == name)).scalar_one()
            if failed < lock_after:
                return None
            until = self.now() + lock_for
            db.execute(update(t.users).where(u.name == name).values(failed_logins=0, locked_until=until))
            return until

    def update_user(self, name: str, **values: Any) -> None:
        """Set a user's columns (disabled, failed_logins, locked_until, last_login_at, ...)."""
        with self.reading(None) as db:
            done = db.execute(update(t.users).where(t.users.c.name == name).values(**values))
            if done.rowcount == 0:
                raise NotFound(f"no user {name!r}", hint="hub user list lists the console users")
