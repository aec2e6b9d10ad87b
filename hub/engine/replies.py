"""Replies to partners: the file a kind sends back about a received file (``ExchangeKind.reply``),
e.g. the acknowledgement an agency gets for its pledge file.

When a run of a received file is recorded, the engine tells the kind, line by line, what happened:
the rows read, the problems, the lines this file posted (in any of its runs: the ledger's keys of
its batches) and the lines whose keys another file posted before. The kind writes the reply, and the
ledger records it (its bytes and the path it goes to) in the same transaction as the run's outcome:
the one that records the CIS batch, the rejection, or the arrival of a duplicate. After the commit
the engine puts it in the kind's folder atomically (hidden temporary name, renamed, never
overwriting: a second run of the same file sends ``<stem>.r<run>.<rest>``), keeps a copy under
``var/replies/<exchange>/f<file id>/`` (with its counts, which ``hub show`` lists) and marks it
published. A crash between the commit and the write leaves a recorded reply that the next ``hub``
command puts (``recover``), exactly once: a reply found already in place with the same bytes is only
marked. A corrected file is a new received file: it gets its own reply. A reply for a partner the
exchange has a reply destination for (``reply_destinations``) is also pushed to that partner's SFTP
server before it is marked; a push that fails leaves it recorded, and the next command pushes it
(not again once it is there).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hub.kernel.errors import DeliveryError, HubError, os_reason
from hub.kernel.files import publish_bytes
from hub.kernel.rows import LINE
from mappings.base import ReplyContext

if TYPE_CHECKING:
    import polars as pl
    from sqlalchemy import Connection

    from hub.engine.config import Exchange, Settings
    from hub.engine.mapping import Mapped
    from hub.kernel.problems import Problem
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


def compose(
    ledger: Ledger,
    ex: Exchange,
    record: FileRecord,
    mapped: Mapped,
    problems: list[Problem],
    *,
    state: str,
    conn: Connection | None = None,
    delivered_now: pl.Series | None = None,
) -> ReplyFile | None:
    """The kind's reply about this run of ``record`` (``state`` delivered or rejected). Inside a
    delivery's transaction, ``conn`` and the keys it delivers now (not committed yet)."""
    posted: frozenset[int] = frozenset()
    before: frozenset[int] = frozenset()
    if state == "delivered":
        keys = set(ledger.keys_of_file(record.id, conn).to_list())
        keys.update(delivered_now.to_list() if delivered_now is not None else [])
        posted, before = _lines(mapped, keys)
    ctx = ReplyContext(
        source_file=record.name,
        read=mapped.read,
        problems=problems,
        posted_lines=posted,
        posted_before=before,
        file_rejected=state == "rejected",
    )
    return ex.kind(ex.mapping_options).reply(ctx)


def compose_duplicate(settings: Settings, ex: Exchange, name: str, earlier: FileRecord) -> ReplyFile | None:
    """The kind's reply about the file ``name`` whose content arrived before as ``earlier``
    (``duplicate``, not run again), from the last reply sent about the earlier file."""
    sent = replies_of(settings, ex.name, earlier.id)
    kept = Path(sent[-1]["kept"]) if sent else None
    ctx = ReplyContext(
        source_file=name,
        read=None,
        problems=[],
        posted_lines=frozenset(),
        posted_before=frozenset(),
        file_rejected=False,
        same_as=earlier.name,
        earlier_reply=kept.read_bytes() if kept is not None and kept.is_file() else None,
    )
    return ex.kind(ex.mapping_options).reply(ctx)


def record_reply(
    ledger: Ledger,
    conn: Connection,
    settings: Settings,
    ex: Exchange,
    file_id: int,
    run_id: int,
    reply: ReplyFile | None,
) -> None:
    """Record ``reply`` to go out, inside the caller's transaction, under a name no file in its
    folder and no recorded reply has."""
    if reply is None:
        return
    folder = Path(reply.folder)
    folder = folder if folder.is_absolute() else settings.root / folder
    path = folder / reply.name
    if path.exists() or ledger.reply_path_taken(conn, str(path)):
        stem, dot, rest = reply.name.partition(".")
        path = folder / f"{stem}.r{run_id}{dot}{rest}"
    ledger.record_reply(
        conn,
        exchange=ex.name,
        file_id=file_id,
        run_id=run_id,
        path=str(path),
        data=reply.data,
        counts=reply.counts,
        partner=reply.partner,
    )


def publish_recorded(ledger: Ledger, settings: Settings, file_id: int) -> list[dict[str, Any]]:
    """Put the file's recorded replies not put yet; what was sent (path, counts). ``DeliveryError``
    when one cannot be written (it stays recorded: the next ``hub`` command puts it)."""
    return [_publish(ledger, settings, row) for row in ledger.unpublished_replies(file_id)]


def recover(ledger: Ledger, settings: Settings) -> list[str]:
    """Put the replies a crash left recorded but not put (a reply that cannot be written now stays
    recorded for the next start); the paths put."""
    put = []
    for row in ledger.unpublished_replies():
        try:
            put.append(_publish(ledger, settings, row)["path"])
        except HubError:
            continue
    return put


def _put_once(path: Path, data: bytes, *, mode: int = 0o600) -> Path:
    """Write ``path`` atomically, never over another file; a file already there with these bytes
    is this one, put before a crash."""
    try:
        return publish_bytes(path, data, mode=mode, replace=False)
    except FileExistsError:
        if path.read_bytes() != data:
            raise
        return path


def _push(settings: Settings, row: dict[str, Any], name: str) -> str | None:
    """Push the reply to its partner's server when the exchange has a reply destination for it
    (not again when it is there already: a push that finished before a crash); where it went."""
    ex = settings.exchanges.get(row["exchange"])
    partner = row.get("partner")
    route = ex.config.reply_destinations.get(partner) if ex is not None and partner else None
    if route is None:
        return None
    import hashlib
    import io
    import posixpath

    from connectors.sftp import SftpDestination

    data = row["data"]
    dest = SftpDestination(route.server, remote_dir=route.remote_dir, root=settings.root)
    try:
        if not dest.holds(name, len(data), hashlib.sha256(data).hexdigest()):
            dest.put(name, io.BytesIO(data))
    finally:
        dest.close()
    return f"sftp://{route.server.user}@{route.server.host}/{posixpath.join(route.remote_dir, name)}"


def _publish(ledger: Ledger, settings: Settings, row: dict[str, Any]) -> dict[str, Any]:
    """Put one recorded reply in its folder (and on its partner's server when routed there), keep
    its copy and mark it published."""
    path = Path(row["path"])
    kept_dir = settings.var / "replies" / row["exchange"] / f"f{row['file_id']}"
    try:
        kept = _put_once(kept_dir / f"r{row['run_id']}-{path.name}", row["data"], mode=0o400)
        _put_once(path, row["data"])
        pushed = _push(settings, row, path.name)
        sent = {"run_id": row["run_id"], "path": str(path), "kept": str(kept), "counts": row["counts"]}
        if pushed:
            sent["pushed"] = pushed
        index = kept_dir / KEPT
        earlier = json.loads(index.read_text()) if index.is_file() else []
        earlier = [s for s in earlier if s["path"] != sent["path"]]
        publish_bytes(index, json.dumps([*earlier, sent], indent=1).encode())
    except OSError as exc:
        raise DeliveryError(
            f"{path.name}: cannot write the reply in {path.parent}: {os_reason(exc)}"
        ) from None
    ledger.mark_reply_published(row["id"])
    return sent


def replies_of(
    settings: Settings, exchange: str, file_id: int, ledger: Ledger | None = None
) -> list[dict[str, Any]]:
    """The replies about a file, oldest first (``hub show``): those sent, each with ``sent``
    true, then (given the ledger) those recorded but not put yet (``sent`` false: the next ``hub``
    command puts them)."""
    index = settings.var / "replies" / exchange / f"f{file_id}" / KEPT
    found: list[dict[str, Any]] = json.loads(index.read_text()) if index.is_file() else []
    found = [{**s, "sent": True} for s in found]
    waiting = ledger.unpublished_replies(file_id) if ledger is not None else []
    return found + [
        {"run_id": r["run_id"], "path": r["path"], "counts": r["counts"], "sent": False} for r in waiting
    ]
