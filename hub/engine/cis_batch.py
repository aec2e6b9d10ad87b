"""The CIS batch: one CSV data file per transaction type plus a JSON control file.

Files are staged under hidden temporary names (made durable before the ledger records the batch)
and published by renaming, data files first and the control file last (``hub.kernel.files``), so a
CIS that waits for ``<batch>.control.json`` never sees a partial batch. The control file carries
each data file's count, totals and sha256; each type's columns are its model's (``columns_of``).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from hub.kernel.errors import DeliveryError, DeliveryRetryable, os_reason
from hub.kernel.files import Staged, move_into_place, sync_folder
from hub.kernel.transactions import CisTransaction, columns_of

CONTROL_SUFFIX = ".control.json"
FILE_MODE = 0o600


@dataclass(frozen=True)
class StagedBatch:
    batch_id: str
    folder: Path
    moves: list[tuple[Path, Path]]  # (temporary, final); the control file is last
    control_sha256: str

    @property
    def control_path(self) -> Path:
        return self.moves[-1][1]


def temp_name(final: Path) -> Path:
    return final.with_name(f".{final.name}.tmp")


def _totals(frame: pl.DataFrame, fields: tuple[str, ...]) -> dict[str, int]:
    return {f: int(frame.get_column(f).sum() or 0) for f in fields if f in frame.columns}


SLICE_ROWS = 250_000


def _hash_range(fd: int, digest: hashlib._Hash, start: int, end: int) -> None:
    while start < end:
        chunk = os.pread(fd, min(1 << 20, end - start), start)
        if not chunk:
            raise OSError(errno.EIO, "the staged file is shorter than what was written")
        digest.update(chunk)
        start += len(chunk)


def _write_csv(temp: Path, frame: pl.DataFrame) -> tuple[str, int]:
    """Write ``frame`` as CSV straight from polars under the temporary name ``temp``, make it
    durable, and return its sha256 and size.

    The frame is written in slices; while polars writes a slice, a worker thread hashes the one
    before it, read back from the page cache (hashlib and polars both release the GIL)."""
    digest = hashlib.sha256()
    with Staged(temp.parent, mode=FILE_MODE, temp_name=temp.name) as staged:
        out = staged.file
        back = os.open(temp, os.O_RDONLY)
        try:
            hashing: Future[None] | None = None
            start = 0
            with ThreadPoolExecutor(max_workers=1) as pool:
                for offset in range(0, max(frame.height, 1), SLICE_ROWS):
                    part = frame.slice(offset, SLICE_ROWS)
                    part.write_csv(out, include_header=offset == 0, datetime_format="%Y-%m-%dT%H:%M:%SZ")
                    out.flush()
                    end = out.tell()
                    if hashing is not None:
                        hashing.result()
                    hashing = pool.submit(_hash_range, back, digest, start, end)
                    start = end
                if hashing is not None:
                    hashing.result()
            staged.finish()
        finally:
            os.close(back)
    return digest.hexdigest(), start


def stage(
    folder: Path,
    batch_id: str,
    tables: dict[str, tuple[type[CisTransaction], pl.DataFrame]],
    meta: dict[str, Any],
) -> StagedBatch:
    """Write every data file (a table of each type, by ``txn_type``) and the control file under
    temporary names, durably."""
    moves: list[tuple[Path, Path]] = []
    entries: list[dict[str, Any]] = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        finals = {txn_type: folder / f"{batch_id}.{txn_type}.csv" for txn_type in tables}
        moves.extend((temp_name(final), final) for final in finals.values())
        # The data files are written side by side: each thread spends most of its time in polars'
        # writer and in hashlib, which release the GIL.
        with ThreadPoolExecutor(max_workers=max(1, len(tables))) as pool:
            jobs = {
                txn_type: pool.submit(
                    _write_csv,
                    temp_name(finals[txn_type]),
                    frame.select(columns_of(model)),
                )
                for txn_type, (model, frame) in tables.items()
            }
            written = {txn_type: job.result() for txn_type, job in jobs.items()}
        for txn_type, (model, frame) in tables.items():
            final = finals[txn_type]
            digest, size = written[txn_type]
            entries.append(
                {
                    "name": final.name,
                    "type": txn_type,
                    "count": frame.height,
                    "totals": _totals(frame, model.total_fields),
                    "sha256": digest,
                    "bytes": size,
                }
            )
        control = {
            "batch_id": batch_id,
            **meta,
            "transactions": sum(e["count"] for e in entries),
            "files": entries,
        }
        body = (json.dumps(control, indent=2, default=str) + "\n").encode()
        final = folder / f"{batch_id}{CONTROL_SUFFIX}"
        moves.append((temp_name(final), final))
        with Staged(folder, mode=FILE_MODE, temp_name=temp_name(final).name) as control_file:
            control_file.file.write(body)
            control_file.finish()
    except (OSError, pl.exceptions.PolarsError) as exc:
        discard(moves)
        reason = os_reason(exc) if isinstance(exc, OSError) else str(exc)
        raise DeliveryRetryable(f"cannot write CIS batch {batch_id} in {folder}: {reason}") from exc
    return StagedBatch(batch_id, folder, moves, hashlib.sha256(body).hexdigest())


def publish(staged: StagedBatch) -> None:
    """Rename every staged file into place, control file last; safe to repeat after a crash."""
    try:
        for temp, final in staged.moves:
            try:
                move_into_place(temp, final)
            except FileNotFoundError:
                # Published already (a recovery in another process got there first), or lost.
                if not final.exists():
                    raise DeliveryError(
                        f"batch {staged.batch_id}: staged file {temp.name} is missing"
                    ) from None
        sync_folder(staged.folder)
    except OSError as exc:
        raise DeliveryRetryable(f"cannot publish CIS batch {staged.batch_id}: {os_reason(exc)}") from exc


def discard(moves: list[tuple[Path, Path]]) -> None:
    for temp, _ in moves:
        temp.unlink(missing_ok=True)


def restage(folder: Path, batch_id: str, control_sha256: str) -> StagedBatch:
    """Rebuild the plan of a batch whose ledger row exists but whose rename did not finish."""
    control = folder / f"{batch_id}{CONTROL_SUFFIX}"
    source = temp_name(control) if temp_name(control).exists() else control
    try:
        doc = json.loads(source.read_text())
    except (OSError, ValueError) as exc:
        raise DeliveryError(f"batch {batch_id}: control file cannot be read for recovery: {exc}") from exc
    moves = [(temp_name(folder / e["name"]), folder / e["name"]) for e in doc["files"]]
    moves.append((temp_name(control), control))
    return StagedBatch(batch_id, folder, moves, control_sha256)
