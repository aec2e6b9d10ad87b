"""Origination: a CIS autopay extract becomes the NACHA debit file the bank collects (kind
``ach-debits``), exactly once.

The extract is landed like any file (the same content again originates nothing), checked
(``formats.debit_extract``: one bad row rejects it whole unless the exchange accepts valid rows)
and mapped to entries (``mappings.ach_debits``). Then, in one ledger transaction locked on the
ODFI: payments originated before are left out (counted, never sent twice), trace numbers continue
the ODFI's sequence, the file is written and read back with the hub's own reader (an error or a
total that differs and nothing is sent), a copy is kept under ``var/outbound/`` and every entry is
recorded with the extract's state (``mapped``). Only then is the file placed at the destination
(hidden temporary name, renamed, never overwriting) and the extract marked ``delivered``. A push
that fails leaves it ``mapped``: the next run pushes the same bytes, never a second origination.
"""

from __future__ import annotations

import posixpath
import zoneinfo
from collections.abc import Callable
from concurrent.futures import Future
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import Connection, func, select, update

from hub.engine import origination_file as nacha_file
from hub.engine.delivery import DeliveryResult
from hub.engine.outcome import Outcome
from hub.kernel.errors import DeliveryError, HubError, MappingError
from hub.kernel.problems import Problem
from hub.ledger import schema as t
from mappings.ach_debits import TXN_TYPE

if TYPE_CHECKING:
    import polars as pl

    from connectors.base import Destination
    from hub.engine.checking import Checked
    from hub.engine.config import Exchange, Settings
    from hub.engine.config_outbound import Originator
    from hub.ledger import FileRecord, Ledger

Policy = Literal["reject-file", "accept-valid-rows"]


class Origination:
    """The outbound steps of ``hub.engine.pipeline.Hub``, which supplies the ledger, the settings, the
    clock and the shared steps (check, count, reject, delivered)."""

    if TYPE_CHECKING:
        settings: Settings
        ledger: Ledger
        progress: Callable[[str, str], None]
        now: Callable[[], datetime]

        def _check(
            self, data: bytes, name: str, ex: Exchange, *, record: FileRecord | None = None
        ) -> Checked: ...

        @staticmethod
        def _count(outcome: Outcome, checked: Checked) -> None: ...

        def _reject(
            self,
            record: FileRecord,
            run_id: int,
            outcome: Outcome,
            problems: list[Problem],
            *,
            file_level: bool,
        ) -> Outcome: ...

        def _delivered(
            self,
            record: FileRecord,
            run_id: int,
            outcome: Outcome,
            result: DeliveryResult,
            problems: list[Problem],
        ) -> Outcome: ...

    def _originate(
        self,
        record: FileRecord,
        ex: Exchange,
        run_id: int,
        *,
        policy: Policy | None,
        data: bytes | None = None,
        prepared: Future[Checked] | None = None,
    ) -> Outcome:
        """Run a recorded extract: check it, originate its debits and send the file."""
        policy = policy or ex.config.row_policy
        self.ledger.update_file(record.id, last_run_id=run_id, error=None)
        outcome = Outcome(record.id, ex.name, record.name, "rejected", outbound=True)
        sent = _recorded(self.ledger, record.id)
        if sent:
            return self._resume(record, ex, run_id, outcome, sent)
        if record.size > ex.config.max_file_bytes:
            limit = ex.config.max_file_bytes
            problem = Problem.of(
                "max_size",
                f"the file is {record.size} bytes; the exchange accepts at most {limit}",
                level="file",
            )
            return self._reject(record, run_id, outcome, [problem], file_level=True)
        if prepared is not None:
            checked = prepared.result()
        else:
            if data is None:
                data = Path(record.landed_path).read_bytes()
            checked = self._check(data, record.name, ex, record=record)
        self._count(outcome, checked)
        if checked.file_level:
            return self._reject(record, run_id, outcome, checked.problems, file_level=True)
        if checked.errors and policy == "reject-file":
            return self._reject(record, run_id, outcome, checked.problems, file_level=False)
        entries = _valid(checked)
        self.progress(record.name, "originating")
        try:
            made = self._write_and_record(record, ex, entries)
        except MappingError as exc:
            problems = [*checked.problems, Problem.of("nacha_file", str(exc), level="file")]
            return self._reject(record, run_id, outcome, problems, file_level=True)
        problems = sorted([*checked.problems, *made.warnings], key=lambda p: p.line or 0)
        if made.path is not None:
            self._push(record, ex, made.path)
        result = DeliveryResult(made.name, {TXN_TYPE: made.count}, made.already)
        return self._delivered(record, run_id, outcome, result, problems)

    def _resume(self, record: FileRecord, ex: Exchange, run_id: int, outcome: Outcome, sent: int) -> Outcome:
        """An extract whose debits were recorded before: a delivered one sends nothing again; one
        whose push did not finish sends the kept file (the same bytes, the same traces)."""
        outcome.rows = record.rows or sent
        if record.state == "delivered":
            return self._delivered(record, run_id, outcome, DeliveryResult(None, {TXN_TYPE: 0}, sent), [])
        path = nacha_file.kept(self._kept_folder(ex, record))
        if path is None:
            raise DeliveryError(
                f"file {record.id}: its {sent} debits are recorded but the NACHA file kept in "
                f"{self._kept_folder(ex, record)} is missing; nothing was sent again"
            )
        self._push(record, ex, path, resumed=True)
        return self._delivered(record, run_id, outcome, DeliveryResult(path.name, {TXN_TYPE: sent}, 0), [])

    # -- the ledger transaction ------------------------------------------------------------------

    def _write_and_record(self, record: FileRecord, ex: Exchange, entries: pl.DataFrame) -> _Made:
        import polars as pl

        o = _originator(ex)
        zone = zoneinfo.ZoneInfo(ex.timezone)
        created = self.now().astimezone(zone).replace(second=0, microsecond=0)
        default_date = nacha_file.business_day(created.date(), o.effective_days, o.holidays)
        with self.ledger.tx() as conn:
            # one writer per ODFI across processes and nodes: trace numbers and file modifiers
            self.ledger.lock_exchange(conn, f"odfi:{o.odfi}")
            held = _payments_originated(conn, ex.name, entries.get_column("payment_id").to_list())
            warnings = _changed_repeats(entries, held)
            fresh = entries.filter(~pl.col("payment_id").is_in(list(held)))
            made = _Made(None, 0, entries.height - fresh.height, warnings)
            if fresh.is_empty():
                _set_state(conn, record.id, "mapped")
                return made
            debits = nacha_file.build(
                o,
                fresh,
                first_sequence=self.ledger.next_trace_sequence(conn, o.odfi),
                created=created,
                default_date=default_date,
                modifier=_modifier(conn, o.odfi, created),
            )
            name = _file_name(ex, created=created, modifier=debits.spec.file_id_modifier, file_id=record.id)
            data = nacha_file.write_and_check(debits, name)
            path = nacha_file.keep(self._kept_folder(ex, record), name, data)
            try:
                self.ledger.record_originated(
                    conn, exchange=ex.name, file_id=record.id, entries=debits.records
                )
                _set_state(conn, record.id, "mapped")
            except BaseException:
                path.unlink(missing_ok=True)
                raise
        return _Made(path, len(debits.records), made.already, warnings)

    def _kept_folder(self, ex: Exchange, record: FileRecord) -> Path:
        return self.settings.var / "outbound" / ex.name / f"f{record.id}"

    # -- the push --------------------------------------------------------------------------------

    def _push(self, record: FileRecord, ex: Exchange, path: Path, *, resumed: bool = False) -> None:
        """Place the file at the destination. After an interrupted push the same file already in
        place counts as sent; any failure is noted on the extract and raised (it stays ``mapped``)."""
        self.progress(record.name, "sending")
        dest = _destination(ex, self.settings)
        try:
            if not (resumed and _in_place(dest, path)):
                dest.put(path, path.name)
        except HubError as exc:
            self.ledger.update_file(record.id, error=f"sending {path.name}: {exc}")
            raise
        finally:
            dest.close()


class _Made:
    """What one origination wrote: the kept file (None when every debit went out before), its
    entry count, the payments left out as originated before, and warnings about them."""

    def __init__(self, path: Path | None, count: int, already: int, warnings: list[Problem]) -> None:
        self.path, self.count, self.already, self.warnings = path, count, already, warnings

    @property
    def name(self) -> str | None:
        return None if self.path is None else self.path.name


def _originator(ex: Exchange) -> Originator:
    if ex.config.originator is None:  # refused by the configuration check; here for the type checker
        raise MappingError(f"exchange {ex.name} has no originator")
    return ex.config.originator


def _file_name(ex: Exchange, **fields: Any) -> str:
    dest = ex.config.destination
    if dest.type == "cis-folder":  # refused by the configuration check; here for the type checker
        raise MappingError(f"exchange {ex.name} delivers CIS batches, not a NACHA file")
    return dest.file_name.format(exchange=ex.name, **fields)


def _valid(checked: Checked) -> pl.DataFrame:
    """The mapped debits of the rows that passed (accept-valid-rows drops the rest)."""
    import polars as pl

    from hub.kernel.rows import LINE

    table: pl.DataFrame = checked.tables[TXN_TYPE]
    bad = sorted({p.line for p in checked.errors if p.line is not None})
    return table.filter(~pl.col(LINE).is_in(bad)) if bad else table


def _recorded(ledger: Ledger, file_id: int) -> int:
    o = t.originated_entries.c
    with ledger.tx() as conn:
        return int(conn.execute(select(func.count()).where(o.file_id == file_id)).scalar_one())


def _payments_originated(conn: Connection, exchange: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The exchange's originated debits among the payment ids, by payment id."""
    o = t.originated_entries.c
    found: dict[str, dict[str, Any]] = {}
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), 500):
        query = select(o.payment_id, o.trace, o.account, o.amount_cents, o.file_id).where(
            o.exchange == exchange, o.payment_id.in_(wanted[start : start + 500])
        )
        for r in conn.execute(query):
            found[r.payment_id] = dict(r._mapping)
    return found


def _changed_repeats(entries: pl.DataFrame, held: dict[str, dict[str, Any]]) -> list[Problem]:
    """A payment originated before is left out; a warning when its amount or account changed since."""
    from hub.kernel.rows import LINE

    warnings = []
    for r in entries.iter_rows(named=True):
        was = held.get(r["payment_id"])
        if was is not None and (was["amount_cents"] != r["amount_cents"] or was["account"] != r["account"]):
            warnings.append(
                Problem.of(
                    "already_originated",
                    f"payment {r['payment_id']} was originated before (file {was['file_id']}, trace "
                    f"{was['trace']}) with another amount or account; not originated again: check the CIS",
                    line=r[LINE],
                    field="payment_id",
                    value=r["payment_id"],
                    severity="warning",
                )
            )
    return warnings


def _modifier(conn: Connection, odfi: str, created: datetime) -> str:
    """The file id modifier: A for the ODFI's first file of the day, B for the second, ..."""
    o = t.originated_entries.c
    start = created.replace(hour=0, minute=0).astimezone(UTC)
    query = select(func.count(func.distinct(o.file_id))).where(
        o.trace.like(f"{odfi}%"), o.created_at >= start, o.created_at < start + timedelta(days=1)
    )
    earlier = int(conn.execute(query).scalar_one())
    if earlier >= len(nacha_file.MODIFIERS):
        raise MappingError(
            f"ODFI {odfi} has {earlier} files today already; NACHA tells at most 36 apart a day"
        )
    return nacha_file.MODIFIERS[earlier]


def _set_state(conn: Connection, file_id: int, state: str) -> None:
    conn.execute(
        update(t.files).where(t.files.c.id == file_id).values(state=state, updated_at=datetime.now(UTC))
    )


def _destination(ex: Exchange, settings: Settings) -> Destination:
    dest = ex.config.destination
    if dest.type == "sftp":
        from connectors.sftp import SftpDestination

        return SftpDestination(dest.server, remote_dir=dest.remote_dir, root=settings.root)
    from connectors.local import FolderDestination

    return FolderDestination(ex.destination_path)


def _in_place(dest: Destination, path: Path) -> bool:
    """Whether the destination already holds this file under its name (a push that completed but
    was not recorded): the same bytes in a folder, the same size on an SFTP server."""
    from connectors.local import FolderDestination
    from connectors.sftp import SftpDestination

    if isinstance(dest, FolderDestination):
        there = dest.folder / path.name
        return there.is_file() and there.read_bytes() == path.read_bytes()
    if isinstance(dest, SftpDestination):
        remote = posixpath.join(dest.remote_dir, path.name)  # as the push names it

        def size(sftp: Any) -> int | None:
            try:
                return int(sftp.stat(remote).st_size)
            except FileNotFoundError:
                return None

        return dest.conn.call(f"looking for {remote}", size) == path.stat().st_size
    return False
