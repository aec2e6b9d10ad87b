"""Step 5, deliver (outbound): an extract's mapped rows -> the partner's file, sent exactly once.

In one ledger transaction holding the kind's lock (``OutboundKind.lock``): the rows whose keys went
out before are left out (counted, never sent twice); the kind writes the file of the rest
(``OutboundKind.write``, its look-ups answered in the same transaction); a copy is kept, read-only,
under ``var/outbound/<exchange>/f<file id>/``; the file is recorded as the exchange's batch with its
keys, the kind's facts are kept, and the extract is marked ``mapped``. Only after the commit is the
file sent (``Destination.put``: hidden temporary name, renamed, never overwriting) and the batch
marked published. A send that fails leaves the extract ``mapped`` with its batch unpublished: its
next run sends the kept copy (the same bytes), never a second file.

With OpenPGP ``encryption`` the file is encrypted to the partner's key (and signed) in memory,
through gpg's pipes, before it is kept: the kept copy and what is sent are ciphertext, named with
``.pgp`` added; the plaintext never touches the disk. A pinned key that is missing, expired or
revoked refuses the file before anything is recorded (``KeyUnusable``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from connectors.base import check_name
from hub.engine import openpgp
from hub.engine.delivery import DeliveryResult, key_lines, not_delivered
from hub.engine.facts import keep_facts
from hub.engine.openpgp import SUFFIX
from hub.kernel.errors import DeliveryError, HubError, KeyUnusable, MappingError, SecretMissing
from hub.kernel.files import publish_bytes
from mappings.base import OutboundKind, WriteContext

if TYPE_CHECKING:
    import polars as pl

    from connectors.base import Destination
    from hub.engine.config import Exchange, Settings
    from hub.engine.lookups import LedgerLookups
    from hub.engine.mapping import Mapped
    from hub.kernel.problems import Problem
    from hub.ledger import Ledger
    from mappings.base import MappingOptions

KEPT_MODE = 0o400


@dataclass(frozen=True)
class Written:
    """What one outbound run recorded: the kept file (None when every row went out before), its
    batch, the rows it carries, those left out as sent before, and the kind's warnings."""

    path: Path | None
    batch_pk: int | None
    count: int
    already: int
    problems: list[Problem]


def write_and_record(
    ledger: Ledger,
    kind: OutboundKind[MappingOptions],
    rows: pl.DataFrame,
    *,
    exchange: str,
    file_name: str,
    file_id: int,
    run_id: int,
    created: datetime,
    kept_folder: Path,
    lookups: LedgerLookups,
    seal: Callable[[bytes], bytes] | None = None,
) -> Written:
    """Write the partner's file of the rows not sent before and record it, in one transaction;
    ``seal`` (OpenPGP) turns the file's bytes into what is kept and sent, named ``<name>.pgp``."""
    from hub.ledger import pack_entries, pack_keys

    with ledger.tx(durable=True) as conn:
        lock = kind.lock() or exchange
        fresh = not_delivered(
            ledger, conn, {kind.output: rows}, exchange=exchange, lock=lock, key_date_at=kind.key_date_at
        )
        todo, already = fresh.tables[kind.output], fresh.already
        if todo.is_empty():
            ledger.set_state(conn, file_id, "mapped")
            return Written(None, None, 0, already, [])
        partner = kind.write(todo, WriteContext(exchange, created, lookups.inside(conn)))
        if partner.entries != todo.height:
            raise MappingError(f"kind {kind.name} wrote {partner.entries} entries for {todo.height} rows")
        name = check_name(
            file_name.format(exchange=exchange, created=created, file_id=file_id, **partner.name_fields)
        )
        data = partner.data
        if seal is not None:
            data, name = seal(data), name + SUFFIX
        path = _keep(kept_folder, name, data)
        try:
            batch_pk = ledger.record_batch(
                conn,
                batch_id=f"{exchange}-{created:%Y%m%dT%H%M}-f{file_id}-r{run_id}",
                exchange=exchange,
                file_id=file_id,
                run_id=run_id,
                path=str(path),
                control_sha256=hashlib.sha256(data).hexdigest(),
                keys={kind.output: pack_keys(key_lines(todo))},
                entries=pack_entries(fresh.store, fresh.entries),
            )
            keys_sent = todo.get_column("idempotency_key")
            keep_facts(ledger, conn, partner.facts, delivered=keys_sent, exchange=exchange, file_id=file_id)
            ledger.set_state(conn, file_id, "mapped")
        except BaseException:
            path.unlink(missing_ok=True)
            raise
    return Written(path, batch_pk, todo.height, already, partner.problems)


def refusal(
    ledger: Ledger, ex: Exchange, rows: pl.DataFrame, *, created: datetime, lookups: LedgerLookups
) -> str | None:
    """Why the kind would refuse to write the partner's file of ``rows`` (those not sent before),
    or None: ``hub validate``'s dry write. The file is written in memory and dropped; nothing is
    recorded, kept or sent."""
    import polars as pl

    kind = ex.kind(ex.mapping_options)
    assert isinstance(kind, OutboundKind)  # its direction says so
    keys = rows.get_column("idempotency_key")
    with ledger.tx() as conn:
        held = ledger.check_keys(conn, ex.name, keys, kind.key_date_at).held.implode()
        todo = rows.filter(~pl.col("idempotency_key").is_in(held))
        if todo.is_empty():
            return None
        at = created.astimezone(ZoneInfo(ex.timezone)).replace(second=0, microsecond=0)
        try:
            kind.write(todo, WriteContext(ex.name, at, lookups.inside(conn)))
        except MappingError as exc:
            return str(exc)
    if ex.pgp is not None and ex.pgp.encryption is not None:
        try:
            openpgp.check_outbound(ex.pgp, created)
        except (KeyUnusable, SecretMissing) as exc:
            return str(exc)
    return None


def _keep(folder: Path, name: str, data: bytes) -> Path:
    """Keep the file as sent, read-only, alone in its folder (a copy left by an earlier attempt
    that was never recorded is removed first)."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    return publish_bytes(folder / name, data, mode=KEPT_MODE)


def unsent(ledger: Ledger, file_id: int) -> dict[str, Any] | None:
    """The file's recorded batch whose sending did not finish, if any."""
    return next((b for b in ledger.batches_of(file_id) if b["published_at"] is None), None)


def send_new(
    ledger: Ledger,
    ex: Exchange,
    settings: Settings,
    mapped: Mapped,
    *,
    file_id: int,
    run_id: int,
    created: datetime,
    lookups: LedgerLookups,
    progress: Callable[[str], None],
) -> tuple[list[Problem], DeliveryResult]:
    """Write, record and send the partner's file of an extract's mapped rows; the problems to
    report (the extract's and the kind's) and what went out. ``MappingError`` when the kind refuses
    to write the file: nothing was recorded or sent."""
    from hub.engine.endpoints import open_destination

    kind = ex.kind(ex.mapping_options)
    assert isinstance(kind, OutboundKind)  # its direction says so
    written = write_and_record(
        ledger,
        kind,
        mapped.tables[kind.output],
        exchange=ex.name,
        file_name=ex.file_name,
        file_id=file_id,
        run_id=run_id,
        created=created.astimezone(ZoneInfo(ex.timezone)).replace(second=0, microsecond=0),
        kept_folder=settings.var / "outbound" / ex.name / f"f{file_id}",
        lookups=lookups,
        seal=_sealer(ex, created),
    )
    if written.path is not None:
        progress("sending")
        assert written.batch_pk is not None  # a file written is a batch recorded
        _send(ledger, open_destination(ex, settings), written.path, written.batch_pk, file_id=file_id)
    problems = sorted([*mapped.problems, *written.problems], key=lambda p: p.line or 0)
    name = None if written.path is None else written.path.name
    return problems, DeliveryResult(name, {kind.output: written.count}, written.already)


def _sealer(ex: Exchange, now: datetime) -> Callable[[bytes], bytes] | None:
    """What encrypts the exchange's files, once its keys are usable now (else ``KeyUnusable``:
    nothing is written or recorded), or None when it does not encrypt."""
    plan = ex.pgp
    if plan is None or plan.encryption is None:
        return None
    ring = openpgp.check_outbound(plan, now)
    return lambda data: openpgp.seal(plan, ring, data)


def send_kept(
    ledger: Ledger, ex: Exchange, settings: Settings, batch: dict[str, Any], *, file_id: int
) -> DeliveryResult:
    """Send the kept copy of a recorded file whose sending did not finish (the same bytes)."""
    from hub.engine.endpoints import open_destination

    dest = open_destination(ex, settings)
    path = Path(batch["path"])
    _send(ledger, dest, path, batch["id"], file_id=file_id, resumed_sha256=batch["control_sha256"])
    return DeliveryResult(path.name, {getattr(ex.kind, "output", ""): batch["transactions"]}, 0)


def _send(
    ledger: Ledger,
    dest: Destination,
    path: Path,
    batch_pk: int,
    *,
    file_id: int,
    resumed_sha256: str | None = None,
) -> None:
    """Send a recorded batch's kept file and mark the batch published. Sending it again after an
    interrupted send (``resumed_sha256``: the file's), the same file already in place counts as
    sent. A failure is noted on the extract and raised (it stays ``mapped``)."""
    try:
        if not path.is_file():
            raise DeliveryError(
                f"file {file_id}: its outbound file is recorded but the copy kept in {path.parent} is "
                "missing; nothing was sent again"
            )
        size = path.stat().st_size
        if resumed_sha256 is None or not dest.holds(path.name, size, resumed_sha256):
            with path.open("rb") as data:
                dest.put(path.name, data)
    except HubError as exc:
        ledger.update_file(file_id, error=f"sending {path.name}: {exc}")
        raise
    finally:
        dest.close()
    ledger.mark_published(batch_pk)
