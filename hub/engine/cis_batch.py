"""The CIS batch: one CSV data file per transaction type plus a JSON control file.

Files are staged under hidden temporary names and published by renaming, data files first and the
control file last, so a CIS that waits for ``<batch>.control.json`` never sees a partial batch.
The control file carries each data file's count, totals and sha256.
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

from hub.kernel.errors import DeliveryError, DeliveryRetryable
from hub.kernel.transactions import TRANSACTION_TYPES, columns_of

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


def _write(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


SLICE_ROWS = 250_000


def _hash_range(fd: int, digest: hashlib._Hash, start: int, end: int) -> None:
    while start < end:
        chunk = os.pread(fd, min(1 << 20, end - start), start)
        if not chunk:
            raise OSError(errno.EIO, "the staged file is shorter than what was written")
        digest.update(chunk)
        start += len(chunk)


def _write_csv(path: Path, frame: pl.DataFrame) -> tuple[str, int]:
    """Write ``frame`` as CSV straight from polars, make it durable, and return its sha256 and size.

    The frame is written in slices; while polars writes a slice, a worker thread hashes the one
    before it, read back from the page cache (hashlib and polars both release the GIL)."""
    digest = hashlib.sha256()
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE), "wb") as out:
        back = os.open(path, os.O_RDONLY)
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
            os.fsync(out.fileno())
        finally:
            os.close(back)
    return digest.hexdigest(), start


def stage(folder: Path, batch_id: str, tables: dict[str, pl.DataFrame], meta: dict[str, Any]) -> StagedBatch:
    """Write every data file and the control file under temporary names."""
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
                    frame.select(columns_of(TRANSACTION_TYPES[txn_type])),
                )
                for txn_type, frame in tables.items()
            }
            written = {txn_type: job.result() for txn_type, job in jobs.items()}
        for txn_type, frame in tables.items():
            model = TRANSACTION_TYPES[txn_type]
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
        _write(temp_name(final), body)
    except (OSError, pl.exceptions.PolarsError) as exc:
        discard(moves)
        reason = exc.strerror if isinstance(exc, OSError) else str(exc)
        raise DeliveryRetryable(f"cannot write CIS batch {batch_id} in {folder}: {reason}") from exc
    return StagedBatch(batch_id, folder, moves, hashlib.sha256(body).hexdigest())


def publish(staged: StagedBatch) -> None:
    """Rename every staged file into place, control file last; safe to repeat after a crash."""
    try:
        for temp, final in staged.moves:
            try:
                os.replace(temp, final)
            except FileNotFoundError:
                # Published already (a recovery in another process got there first), or lost.
                if not final.exists():
                    raise DeliveryError(
                        f"batch {staged.batch_id}: staged file {temp.name} is missing"
                    ) from None
        fd = os.open(staged.folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise DeliveryRetryable(f"cannot publish CIS batch {staged.batch_id}: {exc.strerror}") from exc


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
