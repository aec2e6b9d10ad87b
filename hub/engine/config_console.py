"""The ``console:`` section of hub.yaml: how ``hub console`` (and ``hub run --console``) serves the
operator console. Every key has a default; the command line's options override the file."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Self

from pydantic import Field, model_validator

from connectors.base import Strict

Role = Literal["viewer", "operator", "admin"]
UPLOAD_LIMIT_MB = 50
SESSION_HOURS = 8
PENDING_UPLOAD_HOURS = 24


def _admins() -> list[Role]:
    return ["admin"]


class ConsoleConfig(Strict):
    """Where the console listens (over TLS with ``tls_cert`` and ``tls_key``, paths relative to
    hub.yaml's folder), how many failed log-ins lock a user and for how long, the largest corrected
    file it takes, how long a session lasts, which roles see account numbers and names unmasked,
    and how long a corrected file uploaded for a preview that was never confirmed is kept."""

    host: str = Field("127.0.0.1", description="the address it listens on (127.0.0.1: this machine only)")
    port: int = Field(8470, ge=1, le=65535, description="the port it listens on")
    lock_after: int = Field(5, ge=1, description="failed log-ins in a row that lock a user")
    lock_minutes: float = Field(15, ge=0, description="how long a locked user stays locked")
    upload_limit_mb: int = Field(UPLOAD_LIMIT_MB, ge=1, description="the largest corrected file taken")
    session_hours: float = Field(SESSION_HOURS, gt=0, description="how long a log-in lasts")
    tls_cert: Path | None = Field(None, description="certificate (PEM) to serve over TLS, with tls_key")
    tls_key: Path | None = Field(None, description="its private key (PEM)")
    unmasked_roles: list[Role] = Field(
        default_factory=_admins, description="roles that see account numbers and names as received"
    )
    pending_upload_hours: float = Field(
        PENDING_UPLOAD_HOURS, gt=0, description="an unconfirmed upload is removed after this"
    )

    @model_validator(mode="after")
    def _tls_pair(self) -> Self:
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("tls_cert and tls_key go together")
        return self
