"""Where an exchange's files come from and go to: folder and SFTP sources, the CIS folder and SFTP
destinations (models of ``hub.yaml``). What a connector itself reads (when a file is complete,
retries, the SFTP server) is declared beside it, in ``connectors``."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from connectors.base import Completion, Strict
from connectors.sftp import SftpServer
from hub.engine import config_outbound as outbound


class FolderSource(Strict):
    """Files dropped into a local folder (the embedded default)."""

    type: Literal["folder"] = Field("folder", description="selects this source")
    path: Path | None = Field(None, description="default: <inbox>/<exchange name>")
    pattern: str = Field("*", description="glob of the names taken")
    completion: Completion = Field(Completion(), description="when a file is complete")
    post_action: Literal["archive", "delete", "leave"] = Field(
        "archive", description="what is done with a taken file"
    )
    archive_dir: Path | None = Field(None, description="default: <source path>/archive")


class SftpSource(Strict):
    """Files pulled from a partner's SFTP server. The post-action runs on the server only after the
    landed copy and its ledger row are committed."""

    type: Literal["sftp"] = Field(description="selects this source")
    server: SftpServer = Field(description="the partner's server")
    remote_dir: str = Field(".", description="folder on the server")
    pattern: str = Field("*", description="glob of the names taken")
    completion: Completion = Field(
        Completion(rule="size-stable"), description="when a remote file is complete"
    )
    post_action: Literal["archive", "delete", "leave"] = Field(
        "archive", description="done on the server once the landed copy is recorded"
    )
    archive_dir: str = Field("archive", description="remote folder; relative to remote_dir")


class CisFolderDestination(Strict):
    """CIS batch files written to a folder the CIS picks up from."""

    type: Literal["cis-folder"] = Field("cis-folder", description="selects this destination")
    path: Path | None = Field(None, description="default: <outbox>/cis")


class SftpReplyDestination(Strict):
    """A partner's folder on its SFTP server where the replies for it are pushed too (hidden
    temporary name, renamed; never overwriting), besides the kind's local folder."""

    type: Literal["sftp"] = Field(description="selects this destination")
    server: SftpServer = Field(description="the partner's server")
    remote_dir: str = Field(".", description="folder on the server")


class SftpDestination(Strict):
    """Outbound files pushed to a partner's SFTP server (temporary name, renamed; never overwriting)."""

    type: Literal["sftp"] = Field(description="selects this destination")
    server: SftpServer = Field(description="the partner's server")
    remote_dir: str = Field(".", description="folder on the server")
    file_name: outbound.FileName | None = Field(None, description="default: the kind's name template")
