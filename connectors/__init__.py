"""Connectors: how bytes arrive and leave. One module per transport behind ``connectors.base``;
``open_source`` builds an exchange's source from its configuration (``source.type``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from connectors.base import Source

if TYPE_CHECKING:
    from hub.engine.config import Exchange, Settings


def open_source(ex: Exchange, settings: Settings) -> Source:
    """The exchange's configured source; SFTP paths (key, known_hosts) resolve against hub.yaml's folder."""
    src = ex.config.source
    if src.type == "sftp":
        from connectors.sftp import SftpSource

        return SftpSource(
            src.server,
            remote_dir=src.remote_dir,
            archive_dir=src.archive_dir,
            root=settings.root,
            pattern=src.pattern,
            completion=src.completion,
            post_action=src.post_action,
        )
    from connectors.local import FolderSource

    return FolderSource(
        ex.source_path,
        archive_dir=ex.archive_path,
        pattern=src.pattern,
        completion=src.completion,
        post_action=src.post_action,
    )
