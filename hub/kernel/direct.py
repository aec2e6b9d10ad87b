"""Writing a large new file straight to the disk (Linux ``O_DIRECT``), past the system's page cache.

The hub writes its large files once, makes them durable at once and does not read them back: a
landed copy (its bytes go on to the parser from memory) and a CIS data file. Through the page cache
such a file is copied into freshly allocated cache pages, then written out by the ``fsync``; straight
to the disk it is written from one reused, aligned buffer. Measured on the 2-core development
machine (a virtual machine whose fresh memory pages are slow to come by), a 125 MB CIS data file:
0.31-0.34 s to write and 0.04-0.06 s to ``fsync`` through the cache, 0.04-0.07 s in all straight to
the disk; ``bench/service.py`` has the figures of a whole delivery.

Bytes are gathered in ``CHUNK``-sized aligned buffers and each full one is written directly. Where
direct writes are refused (a system without them; ``EINVAL`` from a file system or a disk that asks
for another alignment; a short write) each full chunk goes through the page cache instead and is
handed to the disk at once, without waiting (Linux's ``sync_file_range``), so the ``fsync`` waits
only for the rest. What is left at the end (less than a chunk: all of a small file) goes through the
page cache. The bytes on disk are the same every way, and the caller's ``fsync`` makes them durable.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import io
import mmap
import os
import threading
from collections.abc import Callable
from typing import Any

from hub.kernel.libc import libc

CHUNK = 4 * 1024 * 1024  # a multiple of every block size a disk asks direct writes to align to
_O_DIRECT: int = getattr(os, "O_DIRECT", 0)  # Linux only
_spare: list[mmap.mmap] = []  # buffers of finished files, reused: their memory pages are in place
_spare_lock = threading.Lock()
SPARE_MAX = 4
SYNC_FILE_RANGE_WRITE = 2  # linux/fs.h: start writing the dirty pages back, do not wait


@functools.cache
def _writeback() -> Callable[[int, int, int, int], int] | None:
    """Linux's ``sync_file_range`` through ctypes (Python has no binding), or None elsewhere."""
    c = libc()
    call = getattr(c, "sync_file_range", None) if c is not None else None
    if call is not None:
        call.argtypes = [ctypes.c_int, ctypes.c_longlong, ctypes.c_longlong, ctypes.c_uint]
    return call


def _buffer() -> mmap.mmap:
    with _spare_lock:
        while _spare:
            buf = _spare.pop()
            if len(buf) == CHUNK:
                return buf
            buf.close()
    return mmap.mmap(-1, CHUNK)  # page-aligned, as direct writes need


def _give_back(buf: mmap.mmap) -> None:
    with _spare_lock:
        if len(_spare) < SPARE_MAX:
            _spare.append(buf)
            return
    buf.close()


def _set_direct(fd: int, on: bool) -> bool:
    """Turn direct writes on or off for ``fd``; whether it is now as asked."""
    if not _O_DIRECT:
        return not on
    import fcntl  # POSIX, as O_DIRECT is

    flags = fcntl.fcntl(fd, fcntl.F_GETFL)
    try:
        fcntl.fcntl(fd, fcntl.F_SETFL, flags | _O_DIRECT if on else flags & ~_O_DIRECT)
    except OSError as exc:
        if exc.errno == errno.EINVAL:  # the file system has no direct I/O
            return not on
        raise
    return True


class DirectFile(io.RawIOBase):
    """A writable file (an open, empty one's descriptor, owned from now on) on its way to the disk
    a chunk at a time as it is written; ``flush`` hands the rest to the system, after which its
    chunks go through the page cache. ``direct``: None until the first full chunk, then whether
    direct writes are in use; ``direct_bytes``: how many bytes went straight to the disk."""

    def __init__(self, fd: int) -> None:
        super().__init__()
        self._fd = fd
        self._buf: mmap.mmap | None = None
        self._fill = 0
        self._pos = 0
        self.direct: bool | None = None
        self.direct_bytes = 0

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def tell(self) -> int:
        return self._pos + self._fill

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        if self._buf is None:
            self._buf = _buffer()
        at, size = 0, len(self._buf)
        while at < len(view):
            take = min(size - self._fill, len(view) - at)
            self._buf[self._fill : self._fill + take] = view[at : at + take]
            self._fill += take
            at += take
            if self._fill == size:
                self._write_chunk()
        return len(view)

    def _write_chunk(self) -> None:
        assert self._buf is not None
        if self.direct is None:
            self.direct = _set_direct(self._fd, True)
        start = self._pos
        self._write_all(memoryview(self._buf))
        self._fill = 0
        if not self.direct and (call := _writeback()) is not None:
            call(self._fd, start, self._pos - start, SYNC_FILE_RANGE_WRITE)  # a hint: errors ignored

    def _write_all(self, view: memoryview) -> None:
        done = 0
        while done < len(view):
            try:
                written = os.write(self._fd, view[done:])
            except OSError as exc:
                if exc.errno != errno.EINVAL or not self.direct:
                    raise
                self._through_cache()  # e.g. a disk that asks for a larger alignment
                continue
            if self.direct:
                self.direct_bytes += written
                if written % 4096:  # a short direct write: on through the cache
                    self._through_cache()
            done += written
        self._pos += done

    def _through_cache(self) -> None:
        if self.direct:
            _set_direct(self._fd, False)
        self.direct = False

    def flush(self) -> None:
        """Hand what is gathered to the system (through the page cache: it is less than a chunk)."""
        if self.closed:
            return
        if self._fill:
            assert self._buf is not None
            self._through_cache()
            self._write_all(memoryview(self._buf)[: self._fill])
            self._fill = 0

    def close(self) -> None:
        """Flush and close the descriptor; the buffer is kept for the next file."""
        if self.closed:
            return
        try:
            self.flush()
        finally:
            if self._buf is not None:
                _give_back(self._buf)
                self._buf = None
            os.close(self._fd)
            super().close()
