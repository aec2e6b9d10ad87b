"""Local folders: files dropped into ``inbox/<exchange>/`` (the embedded default) and files placed
into a folder another system collects from (hidden temporary name, then rename)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import BinaryIO

from connectors.base import Destination, Item, Source, archive_name, check_name
from hub.kernel.errors import ConnectorFatal, ConnectorRetryable, os_reason
from hub.kernel.files import CHUNK, publish_stream


def open_file(path: Path) -> BinaryIO:
    """A local file for reading; what stops it is said in the hub's terms (the path is named)."""
    try:
        if path.is_dir():
            raise IsADirectoryError
        return path.open("rb")
    except FileNotFoundError as exc:
        raise ConnectorFatal(f"{path}: no such file") from exc
    except PermissionError as exc:
        raise ConnectorFatal(f"{path}: permission denied") from exc
    except IsADirectoryError as exc:
        raise ConnectorFatal(f"{path}: is a folder, not a file") from exc
    except OSError as exc:
        raise ConnectorRetryable(f"{path}: cannot read: {os_reason(exc)}") from exc


class FolderSource(Source):
    reads_locally = True

    def __init__(self, folder: Path, *, archive_dir: Path | None = None, **options: object) -> None:
        super().__init__(**options)  # type: ignore[arg-type]
        self.folder = folder
        self.archive_dir = archive_dir or folder / "archive"

    def scan(self) -> list[Item]:
        if not self.folder.is_dir():
            return []
        items = []
        try:
            with os.scandir(self.folder) as entries:
                for entry in entries:
                    link = entry.is_symlink()  # could point anywhere: offered only to be refused
                    if not link and not entry.is_file(follow_symlinks=False):
                        continue
                    st = entry.stat(follow_symlinks=False)
                    items.append(Item(name=entry.name, size=st.st_size, mtime=st.st_mtime, link=link))
        except OSError as exc:
            raise ConnectorRetryable(f"{self.folder}: cannot list: {os_reason(exc)}") from exc
        return items

    def path_of(self, item: Item) -> Path:
        return self.folder / check_name(item.name)

    def describe(self, item: Item) -> str:
        return str(self.folder.resolve() / item.name)  # the item itself is never resolved: links

    def open(self, item: Item) -> BinaryIO:
        path = self.path_of(item)
        if path.is_symlink():
            raise ConnectorFatal(f"{path}: a symbolic link; never followed")
        return open_file(path)

    def remove(self, name: str) -> None:
        try:
            (self.folder / check_name(name)).unlink(missing_ok=True)
        except OSError as exc:
            raise ConnectorFatal(f"{self.folder / name}: landed, but not deleted: {os_reason(exc)}") from exc

    def archive(self, name: str) -> None:
        path = self.folder / check_name(name)
        try:
            self.archive_dir.mkdir(parents=True, exist_ok=True)
            os.replace(path, self.archive_dir / archive_name(name))
        except FileNotFoundError:
            return
        except OSError as exc:
            raise ConnectorFatal(f"{path}: landed, but could not be archived: {os_reason(exc)}") from exc


class FolderDestination(Destination):
    """A folder another system collects from: written under a hidden temporary name, fsynced, and
    renamed into place (``hub.kernel.files``), so a reader never sees a partial file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def put(self, name: str, data: BinaryIO, *, overwrite: bool = False) -> None:
        final = self.folder / check_name(name)
        uncollected = ConnectorFatal(f"{final} exists and has not been collected; not overwritten")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # a file where the folder should be, no permission, disk
            raise ConnectorRetryable(f"{final}: cannot write: {os_reason(exc)}") from exc
        try:
            if final.exists() and not overwrite:
                raise uncollected
            data.seek(0)
            publish_stream(final, data, replace=overwrite, temp_name=f".{name}.part")
        except FileExistsError as exc:  # placed meanwhile by someone else: never overwritten
            raise uncollected from exc
        except OSError as exc:
            raise ConnectorRetryable(f"{final}: cannot write: {os_reason(exc)}") from exc

    def holds(self, name: str, size: int, sha256: str) -> bool:
        there = self.folder / check_name(name)
        try:
            if not there.is_file() or there.stat().st_size != size:
                return False
            digest = hashlib.sha256()
            with there.open("rb") as fh:
                while chunk := fh.read(CHUNK):
                    digest.update(chunk)
        except OSError as exc:
            raise ConnectorRetryable(f"{there}: cannot read: {os_reason(exc)}") from exc
        return digest.hexdigest() == sha256
