"""Replies to partners: the file a kind sends back about a received file (``ExchangeKind.reply``),
e.g. the acknowledgement an agency gets for its pledge file.

After a run of a received file is recorded, the engine tells the kind, line by line, what happened:
the rows read, the problems, the lines this file posted (in any of its runs: the ledger's keys of
its batches) and the lines whose keys another file posted before. The kind writes the reply; the
engine keeps a copy under ``var/replies/<exchange>/f<file id>/`` (with its counts, which
``hub show`` lists) and puts it in the kind's folder atomically (hidden temporary name, renamed,
never overwriting: a second run of the same file sends ``<stem>.r<run>.<rest>``). A corrected file
is a new received file: it gets its own reply.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hub.kernel.errors import DeliveryError, os_reason
from hub.kernel.files import publish_bytes
from hub.kernel.rows import LINE
from mappings.base import ReplyContext

if TYPE_CHECKING:
    from hub.engine.config import Exchange, Settings
    from hub.engine.mapping import Mapped
    from hub.engine.outcome import Outcome
    from hub.ledger import FileRecord, Ledger
    from mappings.base import ReplyFile

KEPT = "replies.json"


def _lines(mapped: Mapped, keys: set[str]) -> tuple[frozenset[int], frozenset[int]]:
    """The mapped lines whose keys are in ``keys`` (posted by this file), and the others (their
    keys posted before by another file: the delivery left them out)."""
    import polars as pl

    frames = [t.select(LINE, "idempotency_key") for t in mapped.tables.values() if t.height]
    if not frames:
        return frozenset(), frozenset()
    rows = pl.concat(frames)
    mine = rows.get_column("idempotency_key").is_in(list(keys))
    return frozenset(rows.filter(mine).get_column(LINE).to_list()), frozenset(
        rows.filter(~mine).get_column(LINE).to_list()
    )


def _free_name(folder: Path, name: str, run_id: int) -> str:
    if not (folder / name).exists():
        return name
    stem, dot, rest = name.partition(".")
    return f"{stem}.r{run_id}{dot}{rest}"


def send_reply(
    ledger: Ledger,
    settings: Settings,
    ex: Exchange,
    record: FileRecord,
    run_id: int,
    mapped: Mapped,
    outcome: Outcome,
) -> dict[str, Any]:
    """Write, keep and put the kind's reply about this run of ``record``; what was sent (path,
    counts). ``DeliveryError`` when it cannot be written."""
    kind = ex.kind(ex.mapping_options)
    posted: frozenset[int] = frozenset()
    before: frozenset[int] = frozenset()
    if outcome.state == "delivered":
        posted, before = _lines(mapped, set(ledger.keys_of_file(record.id).to_list()))
    ctx = ReplyContext(
        source_file=record.name,
        read=mapped.read,
        problems=outcome.problems,
        posted_lines=posted,
        posted_before=before,
        file_rejected=outcome.state == "rejected",
    )
    return _put(settings, ex, record, run_id, kind.reply(ctx))


def send_duplicate_reply(
    ledger: Ledger, settings: Settings, ex: Exchange, record: FileRecord, run_id: int
) -> dict[str, Any]:
    """The kind's reply about a file whose content arrived before (``duplicate``, not run again),
    from the last reply sent about the earlier file."""
    earlier_id = record.duplicate_of
    if earlier_id is None:
        return {}
    earlier = ledger.file(earlier_id)
    sent = replies_of(settings, ex.name, earlier_id)
    kept = Path(sent[-1]["kept"]) if sent else None
    ctx = ReplyContext(
        source_file=record.name,
        read=None,
        problems=[],
        posted_lines=frozenset(),
        posted_before=frozenset(),
        file_rejected=False,
        same_as=earlier.name,
        earlier_reply=kept.read_bytes() if kept is not None and kept.is_file() else None,
    )
    return _put(settings, ex, record, run_id, ex.kind(ex.mapping_options).reply(ctx))


def _put(
    settings: Settings, ex: Exchange, record: FileRecord, run_id: int, reply: ReplyFile | None
) -> dict[str, Any]:
    """Keep ``reply`` and put it in its folder; what was sent (path, counts)."""
    if reply is None:
        return {}
    folder = Path(reply.folder)
    folder = folder if folder.is_absolute() else settings.root / folder
    kept_dir = settings.var / "replies" / ex.name / f"f{record.id}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        name = _free_name(folder, reply.name, run_id)
        kept = publish_bytes(kept_dir / f"r{run_id}-{name}", reply.data, mode=0o400, replace=False)
        path = publish_bytes(folder / name, reply.data, replace=False)
    except OSError as exc:
        raise DeliveryError(f"{reply.name}: cannot write the reply in {folder}: {os_reason(exc)}") from None
    sent = {"run_id": run_id, "path": str(path), "kept": str(kept), "counts": reply.counts}
    index = kept_dir / KEPT
    earlier = json.loads(index.read_text()) if index.is_file() else []
    publish_bytes(index, json.dumps([*earlier, sent], indent=1).encode())
    return sent


def replies_of(settings: Settings, exchange: str, file_id: int) -> list[dict[str, Any]]:
    """The replies sent about a file, oldest first (``hub show``)."""
    index = settings.var / "replies" / exchange / f"f{file_id}" / KEPT
    found: list[dict[str, Any]] = json.loads(index.read_text()) if index.is_file() else []
    return found
