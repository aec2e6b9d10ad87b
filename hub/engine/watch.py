"""Folder events for ``hub run``: which watched folder just had a file created, written, closed or
renamed into it. Only a hint: the exchange's completion rule decides what is complete.

On Linux the folders are watched with inotify directly (through ctypes, no dependency), so a file
renamed into place is reported the moment the rename happens: watchdog holds every rename back
half a second to pair it with its other half, which for an upload renamed into the inbox is half a
second of waiting on top of the file's own work. Elsewhere (or when inotify cannot be used) the
hints come from watchdog's observer, as before.
"""

from __future__ import annotations

import ctypes
import os
import select
import struct
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hub.engine.logs import log
from hub.kernel.libc import libc

# inotify(7)
IN_MODIFY = 0x002
IN_CLOSE_WRITE = 0x008
IN_MOVED_TO = 0x080
IN_CREATE = 0x100
IN_Q_OVERFLOW = 0x4000
WATCHED = IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE
HEADER = struct.Struct("iIII")  # wd, mask, cookie, len (then the name, NUL-padded)

Hint = Callable[[str, bool], None]  # (exchange, renamed into place)


class FolderEvents:
    """Calls ``hint(exchange, renamed)`` for every event in one of ``folders`` (path -> exchange);
    ``renamed`` is True when a file was renamed into the folder (it is in place, whole, as far as a
    rename says anything) and False for a file created or written (it may still be growing)."""

    def __init__(self, folders: dict[Path, str], hint: Hint, *, inotify: bool = True) -> None:
        """``inotify=False``: watchdog's observer even where inotify can be used."""
        self.folders = folders
        self.hint = hint
        self.use_inotify = inotify
        self.method = ""
        self._stop = threading.Event()
        self._fd = -1
        self._thread: threading.Thread | None = None
        self._observer: Any = None

    def start(self) -> None:
        for folder in self.folders:
            folder.mkdir(parents=True, exist_ok=True)
        watches = self._inotify() if self.use_inotify else None
        if watches is not None:
            self.method = "inotify"
            self._thread = threading.Thread(
                target=self._read, args=(watches,), name="folder-events", daemon=True
            )
            self._thread.start()
        else:
            self.method = "watchdog"
            self._observer = _watchdog(self.folders, self.hint)

    def stop(self) -> None:
        self._stop.set()
        if self._observer is not None:
            self._observer.stop()
        if self._thread is not None:
            self._thread.join(timeout=2)
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def _inotify(self) -> dict[int, str] | None:
        """One inotify descriptor watching every folder (descriptor -> exchange), or None."""
        c = libc()
        if c is None:
            return None
        try:
            fd = int(c.inotify_init1(os.O_CLOEXEC | os.O_NONBLOCK))
        except AttributeError:  # a C library without inotify
            return None
        if fd < 0:
            return None
        watches: dict[int, str] = {}
        for folder, exchange in self.folders.items():
            wd = int(c.inotify_add_watch(fd, os.fsencode(folder), WATCHED))
            if wd < 0:  # e.g. the per-user watch limit: fall back for all of them
                err = ctypes.get_errno()
                log.warning("inotify cannot watch %s (%s); using watchdog", folder, os.strerror(err))
                os.close(fd)
                return None
            watches[wd] = exchange
        self._fd = fd
        return watches

    def _read(self, watches: dict[int, str]) -> None:
        fd = self._fd
        while not self._stop.is_set():
            ready, _, _ = select.select([fd], [], [], 0.5)
            if not ready:
                continue
            try:
                data = os.read(fd, 64 * 1024)
            except BlockingIOError:
                continue
            except OSError:
                return  # closed by stop()
            hinted: dict[str, bool] = {}
            at = 0
            while at + HEADER.size <= len(data):
                wd, mask, _cookie, size = HEADER.unpack_from(data, at)
                at += HEADER.size + size
                if mask & IN_Q_OVERFLOW:  # events were lost: look at every folder
                    hinted.update({exchange: False for exchange in watches.values()})
                elif wd in watches:
                    exchange = watches[wd]
                    hinted[exchange] = hinted.get(exchange, False) or bool(mask & IN_MOVED_TO)
            for exchange, renamed in hinted.items():
                try:
                    self.hint(exchange, renamed)
                except Exception:  # one failed hint must not end the watching; the sweep still runs
                    log.exception("%s: folder event not handled", exchange)


def _watchdog(folders: dict[Path, str], hint: Hint) -> Any:
    """watchdog's observer giving the same hints (a rename reaches it half a second late)."""
    from watchdog.events import FileSystemEvent, FileSystemEventHandler
    from watchdog.observers import Observer

    class Handler(FileSystemEventHandler):
        def __init__(self, exchange: str) -> None:
            self.exchange = exchange

        def on_any_event(self, event: FileSystemEvent) -> None:
            if event.event_type in ("created", "moved", "closed", "modified"):
                hint(self.exchange, event.event_type == "moved")

    observer = Observer()
    for folder, exchange in folders.items():
        observer.schedule(Handler(exchange), str(folder), recursive=False)
    observer.daemon = True
    observer.start()
    return observer
