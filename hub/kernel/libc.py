"""The C library through ctypes, for the few system calls Python has no binding for (inotify,
``sync_file_range``, glibc's ``mallopt``): one way to reach it, looked up once."""

from __future__ import annotations

import ctypes
import functools
import os
import sys


@functools.cache
def libc() -> ctypes.CDLL | None:
    """The process's C library on Linux (``errno`` kept for ``ctypes.get_errno``), else None. The
    symbols the process already has: no search for the library's file, no subprocess."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def glibc() -> bool:
    """Whether the C library is GNU's (whose allocator ``mallopt`` tunes)."""
    try:
        return os.confstr("CS_GNU_LIBC_VERSION") is not None
    except (AttributeError, ValueError, OSError):  # no confstr, or not that name: not glibc
        return False
