"""The ledger's record of files, the runs that tried them and the problems each run found: what
an operator browses, and what a rerun or a restart reads back."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, insert, select, update

from hub.kernel.errors import NotFound
from hub.kernel.problems import Problem
from hub.ledger import schema as t
from hub.ledger.bulk import insert_rows

FILE_STATES = (
    "landed",
    "parsed",
    "validated",
    "mapped",
    "delivered",
    "rejected",
    "reprocessed",
    "duplicate",
    "refused",
)
PROBLEM_COLUMNS = ("level", "line", "field", "value", "rule", "message", "positions", "severity")


def aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


@dataclass(frozen=True)
class FileRecord:
    id: int
    exchange: str
    name: str
    sha256: str
    size: int
    source: str
    state: str
    landed_path: str
    rows: int | None
    delivered: int
    rejected: int
    already_delivered: int
    duplicate_of: int | None
    replaces: int | None
    last_run_id: int | None
    error: str | None
    landed_at: datetime
    updated_at: datetime
    resolved_by: str | None = None  # a rejected file marked resolved elsewhere: by whom, when, why
    resolved_at: datetime | None = None
    resolution: str | None = None

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "exchange": self.exchange,
            "name": self.name,
            "sha256": self.sha256,
            "state": self.state,
            "rows": self.rows,
            "delivered": self.delivered,
            "rejected": self.rejected,
            "resolved_by": self.resolved_by,
        }


def file_record(row: Any) -> FileRecord:
    data = dict(row._mapping)
    data["landed_at"] = aware(data["landed_at"])
    data["updated_at"] = aware(data["updated_at"])
    data["resolved_at"] = aware(data.get("resolved_at"))
    return FileRecord(**data)


class FileRecords:
    """The file, run and problem records of ``hub.ledger.Ledger`` (which supplies ``tx``,
    ``reading`` and ``now``)."""

    if TYPE_CHECKING:
        now: Callable[[], datetime]
        reading: Callable[[Connection | None], AbstractContextManager[Connection]]

        def tx(self) -> AbstractContextManager[Connection]: ...

    # -- files ----------------------------------------------------------------------------------

    def find_by_sha(self, exchange: str, sha256: str, conn: Connection | None = None) -> FileRecord | None:
        """The first file of this exchange with this content that was not itself a duplicate (in
        the caller's transaction ``conn`` when given)."""
        with self.reading(conn) as conn:
            row = conn.execute(
                select(t.files)
                .where(
                    t.files.c.exchange == exchange, t.files.c.sha256 == sha256, t.files.c.state != "duplicate"
                )
                .order_by(t.files.c.id)
                .limit(1)
            ).first()
        return None if row is None else file_record(row)

    def already_taken(self, exchange: str, source: str, size: int, mtime: float) -> bool:
        """Whether this source file (same place and size, not modified since) was landed before:
        a source whose post-action is ``leave`` keeps offering it."""
        since = datetime.fromtimestamp(mtime, UTC)
        with self.tx() as conn:
            row = conn.execute(
                select(t.files.c.id)
                .where(
                    t.files.c.exchange == exchange,
                    t.files.c.source == source,
                    t.files.c.size == size,
                    t.files.c.landed_at >= since,
                )
                .limit(1)
            ).first()
        return row is not None

    def add_file(
        self,
        *,
        exchange: str,
        name: str,
        sha256: str,
        size: int,
        source: str,
        state: str,
        landed_path: str,
        duplicate_of: int | None = None,
        replaces: int | None = None,
        conn: Connection | None = None,
    ) -> int:
        """A new file row (in the caller's transaction ``conn`` when given); its id."""
        stamp = self.now()
        with self.reading(conn) as conn:
            result = conn.execute(
                insert(t.files).values(
                    exchange=exchange,
                    name=name,
                    sha256=sha256,
                    size=size,
                    source=source,
                    state=state,
                    landed_path=landed_path,
                    duplicate_of=duplicate_of,
                    replaces=replaces,
                    delivered=0,
                    rejected=0,
                    already_delivered=0,
                    landed_at=stamp,
                    updated_at=stamp,
                )
            )
            key = result.inserted_primary_key
            assert key is not None
            return int(key[0])

    def record_refusal(self, exchange: str, *, name: str, source: str, size: int, reason: str) -> int:
        """Record an item a source would not give (a hostile name, a symbolic link): nothing was
        landed; the record says where it was and why, so it is reported once, not every cycle."""
        file_id = self.add_file(
            exchange=exchange, name=name, sha256="", size=size, source=source, state="refused", landed_path=""
        )
        self.update_file(file_id, error=reason)
        return file_id

    def update_file(self, file_id: int, conn: Connection | None = None, **values: Any) -> None:
        """Set a file's columns (in the caller's transaction ``conn`` when given)."""
        if "state" in values and values["state"] not in FILE_STATES:
            raise ValueError(f"unknown file state {values['state']!r}")
        with self.reading(conn) as conn:
            conn.execute(
                update(t.files).where(t.files.c.id == file_id).values(updated_at=self.now(), **values)
            )

    def set_state(self, conn: Connection, file_id: int, state: str) -> None:
        """A file's state, inside the caller's transaction (it commits with what the state says)."""
        if state not in FILE_STATES:
            raise ValueError(f"unknown file state {state!r}")
        conn.execute(
            update(t.files).where(t.files.c.id == file_id).values(state=state, updated_at=self.now())
        )

    def file(self, file_id: int, conn: Connection | None = None) -> FileRecord:
        with self.reading(conn) as conn:
            row = conn.execute(select(t.files).where(t.files.c.id == file_id)).first()
        if row is None:
            raise NotFound(
                f"no file with id {file_id} in the ledger", hint="hub files lists the ledger's files"
            )
        return file_record(row)

    def files(self, *, state: str | None = None, exchange: str | None = None) -> list[FileRecord]:
        query = select(t.files).order_by(t.files.c.id)
        if state:
            query = query.where(t.files.c.state == state)
        if exchange:
            query = query.where(t.files.c.exchange == exchange)
        with self.tx() as conn:
            return [file_record(r) for r in conn.execute(query)]

    # -- runs -----------------------------------------------------------------------------------

    def start_run(self, exchange: str | None, trigger: str) -> int:
        with self.tx() as conn:
            result = conn.execute(
                insert(t.runs).values(
                    exchange=exchange,
                    trigger=trigger,
                    started_at=self.now(),
                    status="running",
                    files=0,
                    rows=0,
                    delivered=0,
                    rejected=0,
                    duplicates=0,
                )
            )
            key = result.inserted_primary_key
            assert key is not None
            return int(key[0])

    def finish_run(
        self,
        run_id: int,
        *,
        status: str,
        files: int,
        rows: int,
        delivered: int,
        rejected: int,
        duplicates: int,
        totals: dict[str, Any] | None = None,
    ) -> None:
        with self.tx() as conn:
            conn.execute(
                update(t.runs)
                .where(t.runs.c.id == run_id)
                .values(
                    ended_at=self.now(),
                    status=status,
                    files=files,
                    rows=rows,
                    delivered=delivered,
                    rejected=rejected,
                    duplicates=duplicates,
                    totals=json.dumps(totals or {}),
                )
            )

    def last_run(self, exchange: str, triggers: Sequence[str] | None = None) -> dict[str, Any] | None:
        """The exchange's latest run (of one of ``triggers``, when given)."""
        query = select(t.runs).where(t.runs.c.exchange == exchange)
        if triggers is not None:
            query = query.where(t.runs.c.trigger.in_(list(triggers)))
        with self.tx() as conn:
            row = conn.execute(query.order_by(t.runs.c.id.desc()).limit(1)).first()
        if row is None:
            return None
        found = dict(row._mapping)
        found["started_at"] = aware(found["started_at"])
        found["ended_at"] = aware(found["ended_at"])
        return found

    def last_file(self, exchange: str) -> FileRecord | None:
        """The exchange's most recently landed file."""
        with self.tx() as conn:
            row = conn.execute(
                select(t.files).where(t.files.c.exchange == exchange).order_by(t.files.c.id.desc()).limit(1)
            ).first()
        return None if row is None else file_record(row)

    # -- rejections -----------------------------------------------------------------------------

    def add_problems(
        self, file_id: int, run_id: int, problems: Sequence[Problem], conn: Connection | None = None
    ) -> None:
        if not problems:
            return
        names = ("file_id", "run_id", *PROBLEM_COLUMNS)
        fields = attrgetter(*PROBLEM_COLUMNS)  # a problem's values in one call, not a getattr each
        rows = ((file_id, run_id, *fields(p)) for p in problems)
        with self.reading(conn) as conn:
            insert_rows(conn, t.rejections, names, rows)

    def problems(self, file_id: int, run_id: int | None = None, *, limit: int | None = None) -> list[Problem]:
        """The problems of a file's run (default: its last run), in file order; the first ``limit``."""
        if run_id is None:
            run_id = self.file(file_id).last_run_id
        r = t.rejections.c
        query = (
            select(t.rejections)
            .where(r.file_id == file_id, r.run_id == run_id)
            .order_by(r.line.is_not(None), r.line, r.id)
            .limit(limit)
        )
        with self.tx() as conn:
            rows = conn.execute(query).all()
        return [
            Problem(
                rule=x.rule,
                message=x.message,
                line=x.line,
                field=x.field,
                value=x.value,
                level=x.level,
                positions=x.positions,
                severity=x.severity,
            )
            for x in rows
        ]

    def problem_tally(self, file_id: int, run_id: int | None = None) -> dict[str, int]:
        """How many problems of a file's run (default: its last run) broke each rule, most first."""
        if run_id is None:
            run_id = self.file(file_id).last_run_id
        r = t.rejections.c
        query = (
            select(r.rule, func.count())
            .where(r.file_id == file_id, r.run_id == run_id)
            .group_by(r.rule)
            .order_by(func.count().desc(), r.rule)
        )
        with self.tx() as conn:
            return {rule: int(n) for rule, n in conn.execute(query)}

    def delivered_by_file(self, file_id: int) -> int:
        """How many transactions the file's batches hold, over all its runs."""
        b = t.batches.c
        with self.tx() as conn:
            total = conn.execute(select(func.sum(b.transactions)).where(b.file_id == file_id)).scalar()
        return int(total or 0)

    def largest_rows(self, exchange: str, since: datetime) -> int | None:
        """The most rows one of the exchange's files landed since ``since`` had (None: no such file)."""
        f = t.files.c
        query = select(func.max(f.rows)).where(f.exchange == exchange, f.landed_at >= since)
        with self.tx() as conn:
            rows = conn.execute(query).scalar()
        return None if rows is None else int(rows)

    def unfinished_files(self, exchange: str, states: Sequence[str]) -> list[FileRecord]:
        """The exchange's files an interrupted run left in one of ``states``, oldest first."""
        f = t.files.c
        query = select(t.files).where(f.exchange == exchange, f.state.in_(list(states))).order_by(f.id)
        with self.tx() as conn:
            return [file_record(r) for r in conn.execute(query)]

    def count_files(self) -> int:
        with self.tx() as conn:
            return int(conn.execute(select(func.count()).select_from(t.files)).scalar_one())
