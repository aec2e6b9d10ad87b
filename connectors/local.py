"""Local folders: files dropped into ``inbox/<exchange>/`` (the embedded default) and files placed
into a folder another system collects from (temporary name, then rename)."""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

from connectors.base import Destination, Item, Source, archive_name, check_name
from hub.engine.landing import Landed, land_file
from hub.kernel.errors import ConnectorFatal, ConnectorRetryable


class FolderSource(Source):
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
                    if entry.is_symlink() or not entry.is_file(follow_symlinks=False):
                        continue  # a symlink could point anywhere: never followed
                    st = entry.stat(follow_symlinks=False)
                    items.append(Item(name=entry.name, size=st.st_size, mtime=st.st_mtime))
        except OSError as exc:
            raise ConnectorRetryable(f"{self.folder}: cannot list: {exc.strerror}") from exc
        return items

    def path_of(self, item: Item) -> Path:
        return self.folder / check_name(item.name)

    def describe(self, item: Item) -> str:
        return str(self.path_of(item).resolve())

    def fetch(self, item: Item, landed_dir: Path) -> Landed:
        return land_file(self.path_of(item), landed_dir)

    def remove(self, name: str) -> None:
        try:
            (self.folder / check_name(name)).unlink(missing_ok=True)
        except OSError as exc:
            raise ConnectorFatal(f"{self.folder / name}: landed, but not deleted: {exc.strerror}") from exc

    def archive(self, name: str) -> None:
        path = self.folder / check_name(name)
        try:
            self.archive_dir.mkdir(parents=True, exist_ok=True)
            os.replace(path, self.archive_dir / archive_name(name))
        except FileNotFoundError:
            return
        except OSError as exc:
            raise ConnectorFatal(f"{path}: landed, but could not be archived: {exc.strerror}") from exc


class FolderDestination(Destination):
    """A folder another system collects from: written under a hidden temporary name, fsynced, and
    renamed into place, so a reader never sees a partial file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def put(self, local: Path, name: str, *, overwrite: bool = False) -> None:
        final = self.folder / check_name(name)
        temp = self.folder / f".{name}.part"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            if final.exists() and not overwrite:
                raise ConnectorFatal(f"{final} exists and has not been collected; not overwritten")
            with local.open("rb") as src, temp.open("wb") as out:
                shutil.copyfileobj(src, out, 1024 * 1024)
                out.flush()
                os.fsync(out.fileno())
            if temp.stat().st_size != local.stat().st_size:
                raise ConnectorRetryable(f"{final}: size after copy differs from {local}")
            os.replace(temp, final)
        except OSError as exc:
            _discard(temp)
            raise ConnectorRetryable(f"{final}: cannot write: {exc.strerror}") from exc
        except BaseException:
            _discard(temp)
            raise


def _discard(temp: Path) -> None:
    """Remove a half-written temporary file; when the folder itself is unusable (missing, or a file
    in its place) there is nothing to remove, and the original error is the one to report."""
    with contextlib.suppress(OSError):
        temp.unlink(missing_ok=True)
