"""Local folder source: files dropped into ``inbox/<exchange>/`` (the embedded default)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from connectors.base import Item, Source, check_name, is_partial
from hub.errors import ConnectorFatal, ConnectorRetryable
from hub.landing import Landed, land_file


class FolderSource(Source):
    def __init__(
        self,
        folder: Path,
        *,
        pattern: str = "*",
        post_action: Literal["archive", "delete", "leave"] = "archive",
        archive_dir: Path | None = None,
    ) -> None:
        self.folder = folder
        self.pattern = pattern
        self.post_action = post_action
        self.archive_dir = archive_dir or folder / "archive"

    def list(self) -> list[Item]:
        if not self.folder.is_dir():
            return []
        items = []
        try:
            for path in sorted(self.folder.glob(self.pattern)):
                if is_partial(path.name) or not path.is_file() or path.is_symlink():
                    continue
                st = path.stat()
                items.append(Item(name=path.name, size=st.st_size, mtime=st.st_mtime))
        except OSError as exc:
            raise ConnectorRetryable(f"{self.folder}: cannot list: {exc.strerror}") from exc
        return items

    def path_of(self, item: Item) -> Path:
        return self.folder / check_name(item.name)

    def fetch(self, item: Item, landed_dir: Path) -> Landed:
        return land_file(self.path_of(item), landed_dir)

    def done(self, item: Item) -> None:
        path = self.path_of(item)
        try:
            if self.post_action == "delete":
                path.unlink()
            elif self.post_action == "archive":
                self.archive_dir.mkdir(parents=True, exist_ok=True)
                stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
                os.replace(path, self.archive_dir / f"{stamp}-{item.name}")
        except FileNotFoundError:
            return
        except OSError as exc:
            raise ConnectorFatal(
                f"{path}: landed, but could not be {self.post_action}d: {exc.strerror}"
            ) from exc
