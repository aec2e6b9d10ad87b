"""An exchange's source and destination, built from its configuration (paths of keys and
known_hosts files resolve against hub.yaml's folder)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from connectors.base import Destination, Source
    from hub.engine.config import Exchange, Settings


def open_source(ex: Exchange, settings: Settings) -> Source:
    """The exchange's configured source (``source.type``)."""
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


def open_destination(ex: Exchange, settings: Settings) -> Destination:
    """Where an outbound exchange's files go (``destination.type``: folder or sftp)."""
    dest = ex.config.destination
    if dest.type == "sftp":
        from connectors.sftp import SftpDestination

        return SftpDestination(dest.server, remote_dir=dest.remote_dir, root=settings.root)
    from connectors.local import FolderDestination

    return FolderDestination(ex.destination_path)
