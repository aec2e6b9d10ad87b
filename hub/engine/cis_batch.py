"""The CIS batch: one CSV data file per transaction type plus a JSON control file.

Files are staged under hidden temporary names (made durable before the ledger records the batch)
and published by renaming, data files first and the control file last (``hub.kernel.files``), so a
CIS that waits for ``<batch>.control.json`` never sees a partial batch. The control file carries
each data file's count, totals and sha256; each type's columns are its model's (``columns_of``).
"""

from __future__ import annotations

import hashlib
import io
import json
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import IO, Any, cast

import polars as pl

from hub.kernel.background import in_background
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
SIDE_BY_SIDE_ROWS = 50_000  # fewer rows are written one type after another (no threads to start)


class _DataFile(io.RawIOBase):
    """One type's data file being staged: its rows appended a part at a time, hashed as they are
    written (never read back), counted and totalled. Polars writes to it as to a file (chunks of a
    few MB): each chunk is hashed and written on, none is kept."""

    def __init__(self, model: type[CisTransaction], temp: Path, final: Path) -> None:
        super().__init__()
        self.model, self.final = model, final
        self.staged = Staged(temp.parent, mode=FILE_MODE, temp_name=temp.name, direct=True)
        self.digest = hashlib.sha256()
        self.count = self.size = 0
        self.totals: dict[str, int] = {}

    def append(self, frame: pl.DataFrame, *, header: bool) -> None:
        """Write ``frame`` as CSV straight from polars, a slice at a time (the header first when
        ``header``), hashing each chunk polars writes on its way to the file."""
        columns = pl.DataFrame([frame.get_column(name) for name in columns_of(self.model)])  # no query:
        # ``select`` runs one, which cost 70 ms on a million mapped rows
        for offset in range(0, max(columns.height, 1), SLICE_ROWS):
            rows = columns.slice(offset, SLICE_ROWS)
            out = cast("IO[bytes]", self)
            rows.write_csv(out, include_header=header and offset == 0, datetime_format=DATETIME_FORMAT)
        self.count += frame.height
        for name, total in _totals(frame, self.model.total_fields).items():
            self.totals[name] = self.totals.get(name, 0) + total

    def writable(self) -> bool:
        return True

    def write(self, chunk: Any) -> int:
        self.digest.update(chunk)  # hashlib and the file release the GIL: types are written side by side
        self.staged.file.write(chunk)
        self.size += len(chunk)
        return len(chunk)

    def entry(self) -> dict[str, Any]:
        """The file's entry in the control file."""
        return {
            "name": self.final.name,
            "type": self.model.txn_type,
            "count": self.count,
            "totals": self.totals,
            "sha256": self.digest.hexdigest(),
            "bytes": self.size,
        }


DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


class BatchWriter:
    """A CIS batch staged a part at a time (``append``): each type's rows appended to its data
    file under a temporary name (the header with the type's first rows), with its count, totals
    and sha256 kept as they are written; ``finish`` makes the data files durable and writes the
    control file. The same files and bytes as the whole batch staged at once."""

    def __init__(self, folder: Path, batch_id: str) -> None:
        self.folder, self.batch_id = folder, batch_id
        self.moves: list[tuple[Path, Path]] = []  # (temporary, final); the control file is last
        self._files: dict[str, _DataFile] = {}
        self._syncing: Future[None] | None = None

    def append(self, tables: dict[str, tuple[type[CisTransaction], pl.DataFrame]]) -> None:
        """Append each table's rows to its type's data file (by ``txn_type``; a type not seen
        before gets its file, header first)."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            jobs: list[tuple[_DataFile, pl.DataFrame, bool]] = []
            for txn_type, (model, frame) in tables.items():
                data = self._files.get(txn_type)
                if data is None:
                    final = self.folder / f"{self.batch_id}.{txn_type}.csv"
                    self.moves.append((temp_name(final), final))
                    data = self._files[txn_type] = _DataFile(model, temp_name(final), final)
                jobs.append((data, frame, data.size == 0))
            if sum(frame.height for _, frame, _ in jobs) < SIDE_BY_SIDE_ROWS:
                for data, frame, header in jobs:
                    data.append(frame, header=header)
                return
            with ThreadPoolExecutor(max_workers=max(1, len(jobs))) as pool:
                for job in [pool.submit(d.append, frame, header=header) for d, frame, header in jobs]:
                    job.result()
        except (OSError, pl.exceptions.PolarsError) as exc:
            self.discard()
            raise self._refused(exc) from exc

    def finish(self, meta: dict[str, Any]) -> StagedBatch:
        """Write the control file (``meta`` and each data file's entry) and make every file durable;
        the batch, staged, ready to publish."""
        staged = self.finish_later(meta)
        self.durable()
        return staged

    def finish_later(self, meta: dict[str, Any]) -> StagedBatch:
        """``finish``, the files made durable in a thread of their own while the caller goes on (a
        delivery records the batch in the ledger meanwhile): ``durable`` waits for them, and must
        before anything relies on the files (the ledger's commit of the batch)."""
        entries = [data.entry() for data in self._files.values()]
        control = {
            "batch_id": self.batch_id,
            **meta,
            "transactions": sum(e["count"] for e in entries),
            "files": entries,
        }
        body = (json.dumps(control, indent=2, default=str) + "\n").encode()
        final = self.folder / f"{self.batch_id}{CONTROL_SUFFIX}"
        self.moves.append((temp_name(final), final))
        self._syncing = in_background(partial(self._sync, temp_name(final).name, body), "cis batch sync")
        return StagedBatch(self.batch_id, self.folder, self.moves, hashlib.sha256(body).hexdigest())

    def _sync(self, control_name: str, body: bytes) -> None:
        """The data files' last bytes written and synced, then the control file written and synced
        (one file after another: the disk's journal takes syncs one at a time anyway)."""
        for data in self._files.values():
            data.staged.finish()
        with Staged(self.folder, mode=FILE_MODE, temp_name=control_name) as control_file:
            control_file.file.write(body)
            control_file.finish()

    def durable(self) -> None:
        """Wait until ``finish_later``'s files are durable; what stopped them is refused
        (``DeliveryRetryable``) and every staged file removed."""
        syncing, self._syncing = self._syncing, None
        if syncing is None:
            return
        try:
            syncing.result()
        except OSError as exc:
            self.discard()
            raise self._refused(exc) from exc

    def discard(self) -> None:
        """Remove every file staged so far (once a sync in progress has ended)."""
        syncing, self._syncing = self._syncing, None
        if syncing is not None:
            wait([syncing])
        for data in self._files.values():
            if not data.staged.file.closed:
                data.staged.file.close()
        discard(self.moves)

    def _refused(self, exc: OSError | pl.exceptions.PolarsError) -> DeliveryRetryable:
        reason = os_reason(exc) if isinstance(exc, OSError) else str(exc)
        return DeliveryRetryable(f"cannot write CIS batch {self.batch_id} in {self.folder}: {reason}")


def stage(
    folder: Path,
    batch_id: str,
    tables: dict[str, tuple[type[CisTransaction], pl.DataFrame]],
    meta: dict[str, Any],
) -> StagedBatch:
    """Write every data file (a table of each type, by ``txn_type``) and the control file under
    temporary names, durably."""
    writer = BatchWriter(folder, batch_id)
    writer.append(tables)
    return writer.finish(meta)


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
