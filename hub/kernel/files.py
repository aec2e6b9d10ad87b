"""Atomic publishing: a file is written under a hidden temporary name in the folder it goes to, made
durable (fsync), renamed into place and the folder made durable too, so a reader (the CIS, a bank's
transfer client, the hub after a crash) sees it complete or not at all, and after a power cut it is
either there whole or not there.

One mechanism for every file the hub writes for others or for itself: landed copies, CIS batches,
files placed in a folder destination and kept copies of outbound files.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, cast

from hub.kernel.direct import DirectFile

CHUNK = 1024 * 1024


def sync_folder(folder: Path) -> None:
    """Make the folder's entries (a rename, a new file) durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def move_into_place(temp: Path, final: Path, *, replace: bool = True) -> None:
    """Rename ``temp`` to ``final`` (same folder). With ``replace=False`` an existing ``final`` is
    never overwritten: ``FileExistsError``, and ``temp`` stays for the caller to discard."""
    if replace:
        os.replace(temp, final)
        return
    os.link(temp, final)  # fails if final exists; atomic, unlike a check before the rename
    temp.unlink()


class Staged:
    """A file being written under a hidden temporary name in ``folder``: write to ``file``, then
    ``publish`` it under its final name (or ``finish`` it now and publish later, e.g. after a
    ledger commit). Leaving the ``with`` block on an error removes the temporary file.

    ``temp_name`` gives the temporary file a name of the caller's (so recovery can find it);
    by default it is unique (``prefix`` and random characters). ``direct``: a large file written
    once and not read back goes to the disk while it is written (``hub.kernel.direct``)."""

    def __init__(
        self,
        folder: Path,
        *,
        mode: int = 0o600,
        temp_name: str | None = None,
        prefix: str = ".",
        direct: bool = False,
    ) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        if temp_name is None:
            fd, name = tempfile.mkstemp(dir=folder, prefix=prefix)
            os.fchmod(fd, mode)
            self.temp = Path(name)
        else:
            self.temp = folder / temp_name
            fd = os.open(self.temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        self.folder = folder
        self.file: BinaryIO = cast("BinaryIO", DirectFile(fd)) if direct else os.fdopen(fd, "wb")

    def __enter__(self) -> Staged:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if kind is not None:
            self.discard()

    def finish(self) -> Path:
        """Make the written bytes durable under the temporary name; returns it."""
        if not self.file.closed:
            self.file.flush()
            os.fsync(self.file.fileno())
            self.file.close()
        return self.temp

    def publish(self, final: Path, *, replace: bool = True, mode: int | None = None) -> Path:
        """Finish, rename into place (``replace=False``: never over an existing file) and make the
        rename durable. ``mode`` changes the permissions first (e.g. read-only landed copies)."""
        self.finish()
        if mode is not None:
            os.chmod(self.temp, mode)
        move_into_place(self.temp, final, replace=replace)
        sync_folder(self.folder)
        return final

    def discard(self) -> None:
        """Remove the temporary file (nothing to remove when the folder itself is unusable)."""
        with contextlib.suppress(OSError):
            self.file.close()
        with contextlib.suppress(OSError):
            self.temp.unlink(missing_ok=True)


def publish_stream(
    final: Path, data: BinaryIO, *, mode: int = 0o600, replace: bool = True, temp_name: str | None = None
) -> int:
    """Copy ``data`` to ``final`` atomically; returns the bytes written."""
    with Staged(final.parent, mode=mode, temp_name=temp_name) as staged:
        shutil.copyfileobj(data, staged.file, CHUNK)
        size = staged.file.tell()
        staged.publish(final, replace=replace)
    return size


def publish_bytes(final: Path, data: bytes, *, mode: int = 0o600, replace: bool = True) -> Path:
    """Write ``data`` to ``final`` atomically."""
    with Staged(final.parent, mode=mode) as staged:
        staged.file.write(data)
        return staged.publish(final, replace=replace)
