"""Where an exchange's files come from and go to: folder and SFTP sources, when a file is
complete, retries, the CIS folder and SFTP destinations (models of ``hub.yaml``, re-exported by
``hub.engine.config``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from hub.engine import config_outbound as outbound


class Strict(BaseModel):
    """Base for config documents: unknown keys are mistakes, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Completion(Strict):
    """When a file in a source is complete and may be taken. ``rename``: any name that is not a
    partial-upload name (``.part``, ``.tmp``, ``.filepart``, hidden) is complete, for partners who
    upload under a temporary name and rename; ``size-stable``: size and time unchanged across two
    listings ``stable_seconds`` apart; ``min-age``: unchanged for ``min_age_seconds``; ``marker``:
    a file named ``<name><marker_suffix>`` exists beside it."""

    rule: Literal["rename", "size-stable", "min-age", "marker"] = "rename"
    stable_seconds: float = Field(5, ge=0, le=3600)
    min_age_seconds: float = Field(120, ge=0)
    marker_suffix: str = Field(".done", min_length=1)


class Retry(Strict):
    """Retries of a transient transport failure: ``attempts`` in all, waiting ``backoff_seconds``,
    doubled each time, at most ``backoff_max_seconds``."""

    attempts: int = Field(5, ge=1, le=50)
    backoff_seconds: float = Field(2, ge=0)
    backoff_max_seconds: float = Field(60, ge=0)


class SftpServer(Strict):
    """A partner's SFTP server. Key authentication only; the key's passphrase comes from the
    environment variable ``passphrase_env``. The server's host key must be pinned in
    ``known_hosts`` (OpenSSH format); an unknown or changed key is refused, never added."""

    host: str = Field(min_length=1)
    port: int = Field(22, ge=1, le=65535)
    user: str = Field(min_length=1)
    key_file: Path
    passphrase_env: str | None = None
    known_hosts: Path
    timeout_seconds: float = Field(30, gt=0, le=600)
    retry: Retry = Retry()


class FolderSource(Strict):
    """Files dropped into a local folder (the embedded default)."""

    type: Literal["folder"] = "folder"
    path: Path | None = Field(None, description="default: <inbox>/<exchange name>")
    pattern: str = "*"
    completion: Completion = Completion()
    post_action: Literal["archive", "delete", "leave"] = "archive"
    archive_dir: Path | None = Field(None, description="default: <source path>/archive")


class SftpSource(Strict):
    """Files pulled from a partner's SFTP server. The post-action runs on the server only after the
    landed copy and its ledger row are committed."""

    type: Literal["sftp"]
    server: SftpServer
    remote_dir: str = "."
    pattern: str = "*"
    completion: Completion = Completion(rule="size-stable")
    post_action: Literal["archive", "delete", "leave"] = "archive"
    archive_dir: str = Field("archive", description="remote folder; relative to remote_dir")


class CisFolderDestination(Strict):
    """CIS batch files written to a folder the CIS picks up from."""

    type: Literal["cis-folder"] = "cis-folder"
    path: Path | None = Field(None, description="default: <outbox>/cis")


class SftpDestination(Strict):
    """Outbound files pushed to a partner's SFTP server (temporary name, renamed; never overwriting)."""

    type: Literal["sftp"]
    server: SftpServer
    remote_dir: str = "."
    file_name: outbound.FileName = outbound.DEFAULT_FILE_NAME
