"""Landing: copy an arriving file into ``var/landed/<sha256>`` (read-only) before anything else.

The copy is fsynced and renamed into place, so a landed copy is either complete or absent.
Identical content lands once; the ledger records every arrival. A file up to ``IN_MEMORY_BYTES``
is read once: it is hashed in a worker thread while it is written, and its bytes are handed on
to the parser (``Landed.data``) instead of being read back; a larger file streams in constant
memory.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, TypeVar

from hub.kernel.background import in_background
from hub.kernel.errors import ConnectorFatal, ConnectorRetryable

T = TypeVar("T")
CHUNK = 1024 * 1024
IN_MEMORY_BYTES = 256 * 1024 * 1024
LANDED_MODE = 0o400


@dataclass(frozen=True)
class Landed:
    path: Path
    sha256: str
    size: int
    data: bytes | None = field(default=None, repr=False, compare=False)  # the content, when read whole


def _copy_whole(src: BinaryIO, out: BinaryIO) -> tuple[str, int, bytes]:
    data = src.read()
    with ThreadPoolExecutor(max_workers=1) as pool:
        digest = pool.submit(lambda: hashlib.sha256(data).hexdigest())  # hashlib releases the GIL
        out.write(data)
        return digest.result(), len(data), data


def _copy_streaming(src: BinaryIO, out: BinaryIO) -> tuple[str, int, None]:
    digest = hashlib.sha256()
    size = 0
    while chunk := src.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
        out.write(chunk)
    return digest.hexdigest(), size, None


def land_in_background(source: Path, landed_dir: Path) -> Future[Landed]:
    """Start ``land_file`` in a thread and return its future. The ``hub process`` command lands the
    file this way while it imports the ledger and the formats: landing is I/O and hashing, which
    release the GIL, and a landed copy without a ledger record is harmless (content-addressed)."""
    return in_background(lambda: land_file(source, landed_dir), f"landing {source.name}")


def land_file(source: Path, landed_dir: Path) -> Landed:
    """Copy ``source`` into ``landed_dir`` named by its sha256; return where it is."""
    landed_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=landed_dir, prefix=".landing-")
    tmp = Path(tmp_name)
    try:
        with source.open("rb") as src, os.fdopen(fd, "wb") as out:
            whole = os.fstat(src.fileno()).st_size <= IN_MEMORY_BYTES
            sha256, size, data = _copy_whole(src, out) if whole else _copy_streaming(src, out)
            out.flush()
            os.fsync(out.fileno())
        final = _into_place(tmp, landed_dir, sha256)
    except FileNotFoundError as exc:
        tmp.unlink(missing_ok=True)
        raise ConnectorFatal(f"{source}: no such file") from exc
    except PermissionError as exc:
        tmp.unlink(missing_ok=True)
        raise ConnectorFatal(f"{source}: permission denied") from exc
    except IsADirectoryError as exc:
        tmp.unlink(missing_ok=True)
        raise ConnectorFatal(f"{source}: is a folder, not a file") from exc
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ConnectorRetryable(f"{source}: cannot land: {exc.strerror}") from exc
    return Landed(final, sha256, size, data)


def land_stream(read: Callable[[int], bytes], landed_dir: Path) -> Landed:
    """Land what ``read`` returns until it returns nothing (a remote file), in constant memory.
    The caller translates its transport's errors; the temporary copy is removed on any error."""
    landed_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=landed_dir, prefix=".landing-")
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        size = 0
        with os.fdopen(fd, "wb") as out:
            while chunk := read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        final = _into_place(tmp, landed_dir, digest.hexdigest())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return Landed(final, digest.hexdigest(), size)


def _into_place(tmp: Path, landed_dir: Path, sha256: str) -> Path:
    final = landed_dir / sha256
    if final.exists():
        tmp.unlink()
    else:
        os.chmod(tmp, LANDED_MODE)
        os.replace(tmp, final)
    return final
