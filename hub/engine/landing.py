"""Step 1, land: copy an arriving file into ``var/landed/<sha256>`` (read-only) before anything else,
and record its arrival in the ledger.

The copy is published atomically (``hub.kernel.files``), so a landed copy is either complete or
absent; identical content lands once. A file up to ``IN_MEMORY_BYTES`` is read once: it is hashed
in a worker thread while it is written, and its bytes are handed on to the parser
(``Landed.data``) instead of being read back; a larger one streams in constant memory.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Literal

from hub.kernel.background import in_background
from hub.kernel.errors import ConnectorRetryable, os_reason
from hub.kernel.files import CHUNK, Staged

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from hub.ledger import FileRecord, Ledger

IN_MEMORY_BYTES = 256 * 1024 * 1024
HASH_INLINE_BYTES = 4 * 1024 * 1024  # smaller files are hashed in the landing thread (~2 ms at most)
LANDED_MODE = 0o400
UNFINISHED = ("landed", "parsed", "validated", "mapped")


@dataclass(frozen=True)
class Landed:
    path: Path
    sha256: str
    size: int
    content: list[bytes] = field(default_factory=list, repr=False, compare=False)  # when read whole

    @property
    def data(self) -> bytes | None:
        """The content, when the landing read it whole and it was not handed on (``take_data``)."""
        return self.content[0] if self.content else None

    def take_data(self) -> bytes | None:
        """The content, handed on: the landed record holds it no longer, so it is freed as soon as
        its taker is done with it (a 1,000,000-row upload's 73 MB before its delivery, not after)."""
        return self.content.pop() if self.content else None


def _copy_whole(
    src: BinaryIO, out: BinaryIO, on_read: Callable[[bytes], None] | None = None
) -> tuple[str, int, bytes]:
    data = src.read()
    if on_read is not None:
        on_read(data)
    if len(data) <= HASH_INLINE_BYTES:  # a thread costs more than hashing a small file
        out.write(data)
        return hashlib.sha256(data).hexdigest(), len(data), data
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


def land(
    stream: BinaryIO,
    landed_dir: Path,
    *,
    size: int | None = None,
    what: str = "the file",
    on_read: Callable[[bytes], None] | None = None,
) -> Landed:
    """Copy ``stream`` into ``landed_dir`` named by its sha256; ``size`` (when known) decides
    whether it is read whole. ``on_read`` is given the content once read whole, before it is
    written, hashed and synced (work on it may start meanwhile; nothing may be recorded or
    delivered before the landing returns). The stream's own errors (a connector's) pass through;
    the landing area's are ``ConnectorRetryable``. A failure leaves no partial copy."""
    whole = size is not None and size <= IN_MEMORY_BYTES
    try:
        with Staged(landed_dir, prefix=".landing-", direct=whole) as staged:
            data: bytes | None
            if whole:
                sha256, length, data = _copy_whole(stream, staged.file, on_read)
            else:
                sha256, length, data = _copy_streaming(stream, staged.file)
            final = landed_dir / sha256
            if final.exists():
                staged.discard()
            else:
                staged.publish(final, mode=LANDED_MODE)
    except OSError as exc:
        raise ConnectorRetryable(f"{what}: cannot land: {os_reason(exc)}") from exc
    return Landed(final, sha256, length, [] if data is None else [data])


def land_path(path: Path, landed_dir: Path) -> Landed:
    """Land a local file (``hub process PATH``)."""
    from connectors.local import open_file

    with open_file(path) as stream:
        return land(stream, landed_dir, size=os.fstat(stream.fileno()).st_size, what=str(path))


def land_in_background(path: Path, landed_dir: Path) -> Future[Landed]:
    """Start ``land_path`` in a thread and return its future: ``hub process`` lands the file while
    it imports and opens the ledger (landing is I/O and hashing, which release the GIL; a landed
    copy without a ledger record is harmless, being content-addressed)."""
    return in_background(lambda: land_path(path, landed_dir), f"landing {path.name}")


@dataclass(frozen=True)
class Arrival:
    """A landed file as the ledger knows it: ``new`` (recorded now), ``unfinished`` (the same
    content landed before and was interrupted mid-way: finish that record) or ``duplicate`` (the
    same content was taken before; this arrival is recorded as its duplicate)."""

    record: FileRecord
    status: Literal["new", "unfinished", "duplicate"]


def record_arrival(
    ledger: Ledger,
    landed: Landed,
    *,
    exchange: str,
    name: str,
    source: str,
    run_id: int,
    replaces: int | None = None,
    on_duplicate: Callable[[Connection, int, FileRecord], None] | None = None,
) -> Arrival:
    """Record a landed copy in the ledger (tried by run ``run_id``), or recognise it as seen
    before: a duplicate is recorded in one transaction with what ``on_duplicate`` (given the new
    file id and the first file) records about it (the kind's reply)."""
    with ledger.tx() as conn:  # one transaction for the usual case: new content
        first = ledger.find_by_sha(exchange, landed.sha256, conn)
        if first is None:
            file_id = _add(ledger, landed, "landed", conn, exchange, name, source, replaces)
            ledger.update_file(file_id, conn, last_run_id=run_id)
            return Arrival(ledger.file(file_id, conn), "new")
    if first.state in UNFINISHED:
        return Arrival(first, "unfinished")
    with ledger.tx() as conn:
        file_id = _add(ledger, landed, "duplicate", conn, exchange, name, source, replaces, first.id)
        ledger.update_file(file_id, conn, last_run_id=run_id, rows=first.rows)
        if on_duplicate is not None:
            on_duplicate(conn, file_id, first)
    return Arrival(ledger.file(file_id), "duplicate")


def _add(
    ledger: Ledger,
    landed: Landed,
    state: str,
    conn: Connection,
    exchange: str,
    name: str,
    source: str,
    replaces: int | None,
    duplicate_of: int | None = None,
) -> int:
    return ledger.add_file(
        exchange=exchange,
        name=name,
        sha256=landed.sha256,
        size=landed.size,
        source=source,
        state=state,
        landed_path=str(landed.path),
        duplicate_of=duplicate_of,
        replaces=replaces,
        conn=conn,
    )
