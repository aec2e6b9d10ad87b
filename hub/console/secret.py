"""The key that signs the console's session cookies: made once, random, under the hub's ``var/``
(mode 0600), never in hub.yaml. Deleting the file ends every session."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

SECRET_FILE = "console-secret"


def session_secret(var: Path) -> str:
    """The secret in ``var/console-secret``, created (readable by the hub's user only) when missing."""
    path = var / SECRET_FILE
    var.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        text = path.read_text(encoding="ascii").strip()
        if len(text) < 32:
            raise ValueError(f"{path} holds no usable secret; delete it to make a new one") from None
        return text
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(secrets.token_urlsafe(48))
        fh.flush()
        os.fsync(fh.fileno())
    return path.read_text(encoding="ascii").strip()
