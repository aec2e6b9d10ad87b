"""Paged reads for the operator console: a page of the files matching a filter, a page of one
file's problems matching a search, a file's runs and its batches by transaction type, and the
day's files by state. Every list is cut in SQL (``LIMIT``/``OFFSET`` over an index), so a page
costs the same with 100 files as with 100,000."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Connection, and_, func, or_, select

from hub.ledger import schema as t
from hub.ledger.records import FileRecord, file_record


@dataclass(frozen=True)
class FileFilter:
    """What the files list is narrowed to (every part optional)."""

    exchange: str | None = None
    states: tuple[str, ...] = ()
    landed_from: datetime | None = None  # inclusive
    landed_to: datetime | None = None  # exclusive
    name: str | None = None  # a part of the name, any case
    name_glob: str | None = None  # the whole name, any case: * any characters, ? one
    failed: bool = False  # only files with an error recorded (left part-way)
    unresolved: bool = False  # not marked resolved elsewhere by an operator


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _file_conditions(flt: FileFilter) -> list[ColumnElement[bool]]:
    f = t.files.c
    where: list[ColumnElement[bool]] = []
    if flt.exchange:
        where.append(f.exchange == flt.exchange)
    if flt.states:
        where.append(f.state.in_(list(flt.states)))
    if flt.landed_from is not None:
        where.append(f.landed_at >= flt.landed_from)
    if flt.landed_to is not None:
        where.append(f.landed_at < flt.landed_to)
    if flt.name:
        where.append(func.lower(f.name).like(f"%{_escaped(flt.name.lower())}%", escape="\\"))
    if flt.name_glob:
        like = _escaped(flt.name_glob.lower()).replace("*", "%").replace("?", "_")
        where.append(func.lower(f.name).like(like, escape="\\"))
    if flt.failed:
        where.append(f.error.is_not(None))
    if flt.unresolved:
        where.append(f.resolved_by.is_(None))
    return where


class Browse:
    """The console's paged queries of ``hub.ledger.Ledger`` (which supplies ``reading``)."""

    if TYPE_CHECKING:
        reading: Callable[[Connection | None], AbstractContextManager[Connection]]

    def files_page(self, flt: FileFilter, *, offset: int, limit: int | None) -> tuple[list[FileRecord], int]:
        """The newest files matching ``flt`` from ``offset`` (``limit`` None: all of them), and how
        many match in all."""
        where = and_(True, *_file_conditions(flt))
        with self.reading(None) as db:
            total = int(db.execute(select(func.count()).select_from(t.files).where(where)).scalar_one())
            rows = db.execute(
                select(t.files).where(where).order_by(t.files.c.id.desc()).offset(offset).limit(limit)
            ).all()
        return [file_record(r) for r in rows], total

    def problems_page(
        self, file_id: int, run_id: int | None, *, search: str | None, offset: int, limit: int
    ) -> tuple[list[Any], int]:
        """A page of the problems of a file's run in file order (those whose rule, field, value
        or message hold ``search``), and how many match in all."""
        r = t.rejections.c
        where: ColumnElement[bool] = and_(r.file_id == file_id, r.run_id == run_id)
        if search:
            like = f"%{_escaped(search.lower())}%"
            where = and_(
                where,
                or_(*(func.lower(c).like(like, escape="\\") for c in (r.rule, r.field, r.value, r.message))),
            )
        with self.reading(None) as db:
            total = int(db.execute(select(func.count()).select_from(t.rejections).where(where)).scalar_one())
            rows = db.execute(
                select(t.rejections)
                .where(where)
                .order_by(r.line.is_not(None), r.line, r.id)
                .offset(offset)
                .limit(limit)
            ).all()
        return list(rows), total

    def runs_of_file(self, file_id: int, last_run_id: int | None) -> list[Any]:
        """The runs that worked on the file (its problems' and batches' runs and its last run)."""
        ids = select(t.rejections.c.run_id).where(t.rejections.c.file_id == file_id).distinct()
        batch_ids = select(t.batches.c.run_id).where(t.batches.c.file_id == file_id)
        cond = or_(t.runs.c.id.in_(ids), t.runs.c.id.in_(batch_ids), t.runs.c.id == last_run_id)
        with self.reading(None) as db:
            return list(db.execute(select(t.runs).where(cond).order_by(t.runs.c.id)).all())

    def batch_types(self, file_id: int) -> dict[str, dict[str, int]]:
        """Each of the file's batches: its transactions counted by type."""
        d, b = t.delivered_transactions.c, t.batches.c
        query = (
            select(b.batch_id, d.txn_type, func.sum(d.count))
            .join(t.batches, b.id == d.batch_pk)
            .where(d.file_id == file_id)
            .group_by(b.batch_id, d.txn_type)
            .order_by(b.batch_id, d.txn_type)
        )
        found: dict[str, dict[str, int]] = {}
        with self.reading(None) as db:
            for batch, kind, n in db.execute(query):
                found.setdefault(batch, {})[kind] = int(n)
        return found

    def count_by_state(self, flt: FileFilter) -> dict[str, int]:
        """How many files matching ``flt`` are in each state."""
        f = t.files.c
        query = select(f.state, func.count()).where(and_(True, *_file_conditions(flt))).group_by(f.state)
        with self.reading(None) as db:
            return {state: int(n) for state, n in db.execute(query)}

    def count_stuck(self, states: Sequence[str]) -> int:
        """Files a run left part-way in one of ``states`` with an error recorded (failed)."""
        f = t.files.c
        query = select(func.count()).where(f.state.in_(list(states)), f.error.is_not(None))
        with self.reading(None) as db:
            return int(db.execute(query).scalar_one())
