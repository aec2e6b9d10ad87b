"""The ledger's copy of the CIS reference data (accounts, meters, billing periods), so mappings can
check that an account exists and is active, and roll usage up by the CIS's billing periods.

Each load of an extract is written in one transaction and becomes the kind's current load when that
transaction commits (a pointer row switched inside it): a reader sees the previous set or the new one,
never half of one, and a load that fails leaves the previous one current. The rows of the last
``KEEP_LOADS`` loads stay for audit; the record of every load (file, sha256, rows, when) stays for good.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from importlib import import_module
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Table, delete, insert, select, update

from hub.kernel.errors import LedgerError
from hub.ledger import schema as t
from hub.ledger.bulk import insert_rows, marker

log = logging.getLogger(__name__)

ACTIVE = "active"  # the one status that counts as active; any other known status is not
KEEP_LOADS = 2  # loads whose rows are kept: the current one and the one it replaced
LOOKUP_CHUNK = 2000  # bound values per lookup: within SQLite's and PostgreSQL's limits
LOAD_CHUNK = 50_000  # rows written between two progress reports of a load

# kind -> (table, its columns in the order a load's rows give them; the key first)
KINDS: dict[str, tuple[Table, tuple[str, ...]]] = {
    "accounts": (t.reference_accounts, ("number", "name", "service_address", "status")),
    "meters": (t.reference_meters, ("meter", "account", "service_address", "status")),
    "billing-periods": (t.reference_billing_periods, ("account", "period_start", "period_end")),
}
STATUS_KINDS = ("accounts", "meters")  # the kinds whose rows carry a status


def reference_kind(kind: str) -> tuple[Table, tuple[str, ...]]:
    """The table and row columns of a reference kind; ValueError for an unknown one."""
    try:
        return KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown reference kind {kind!r} (known: {', '.join(KINDS)})") from None


def _first(row: Sequence[str | None]) -> str:
    return row[0] or ""


class ReferenceData:
    """The reference-data methods of ``hub.ledger.Ledger`` (which supplies ``tx``)."""

    if TYPE_CHECKING:
        now: Callable[[], datetime]

        def tx(self) -> AbstractContextManager[Connection]: ...

        def reading(self, conn: Connection | None) -> AbstractContextManager[Connection]: ...

    def load_reference(
        self,
        kind: str,
        rows: Iterable[Sequence[str | None]],
        file_name: str,
        sha256: str,
        *,
        done: Callable[[int], None] | None = None,
    ) -> int:
        """Replace the kind's current load with ``rows`` (tuples in ``KINDS[kind]`` column order, keys
        unique) in one transaction; returns the new load's id. Older loads' rows are dropped after
        the commit, keeping ``KEEP_LOADS``. Nothing changes when it fails. ``done(n)``: n more rows
        written (a call per ``LOAD_CHUNK`` rows, for a progress display)."""
        table, columns = reference_kind(kind)
        ordered = sorted(rows, key=_first)  # in key order, the primary key's B-tree only appends
        if not ordered:
            raise ValueError(f"a {kind} load needs at least one row")
        loads = t.reference_loads
        with self.tx() as conn:
            key = conn.execute(
                insert(loads).values(
                    kind=kind, file_name=file_name, sha256=sha256, rows=len(ordered), loaded_at=self.now()
                )
            ).inserted_primary_key
            assert key is not None
            load_id = int(key[0])
            for start in range(0, len(ordered), LOAD_CHUNK):
                part = ordered[start : start + LOAD_CHUNK]
                _insert_rows(conn, table, columns, load_id, part)
                if done is not None:
                    done(len(part))
            _analyze(conn, table)
            previous = _switch(conn, kind, load_id)
            conn.execute(
                update(loads).where(loads.c.id == load_id).values(replaces=previous, loaded_at=self.now())
            )
        self._prune_reference(kind)
        return load_id

    def reference_accounts(self, numbers: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The current load's accounts among ``numbers``: number -> {name, service_address, status,
        active}. Unknown numbers are absent; ``{}`` when no accounts were ever loaded (tell that apart
        with ``reference_loaded("accounts")``)."""
        return self.reference_lookup("accounts", numbers) or {}

    def reference_meters(self, meters: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The current load's meters among ``meters``: meter -> {account, service_address, status,
        active}; ``{}`` when no meters were ever loaded."""
        return self.reference_lookup("meters", meters) or {}

    def reference_loaded(self, kind: str) -> bool:
        """Whether the kind has a current load (an empty lookup then means "unknown", not "no data")."""
        reference_kind(kind)
        with self.tx() as conn:
            return _current(conn, kind) is not None

    def reference_status(self) -> list[dict[str, Any]]:
        """One entry per kind: ``kind``, ``loaded``, and for the current load ``load_id``, ``file``,
        ``sha256``, ``rows``, ``loaded_at``, ``replaces`` (None when never loaded)."""
        loads, cur = t.reference_loads, t.reference_current
        with self.tx() as conn:
            found = {r.kind: r for r in conn.execute(select(loads).join(cur, cur.c.load_id == loads.c.id))}
        status = []
        for kind in KINDS:
            r = found.get(kind)
            status.append(
                {
                    "kind": kind,
                    "loaded": r is not None,
                    "load_id": None if r is None else r.id,
                    "file": None if r is None else r.file_name,
                    "sha256": None if r is None else r.sha256,
                    "rows": None if r is None else r.rows,
                    "loaded_at": None if r is None else _aware(r.loaded_at),
                    "replaces": None if r is None else r.replaces,
                }
            )
        return status

    def reference_history(self, kind: str) -> list[dict[str, Any]]:
        """Every load of the kind, newest first: ``load_id``, ``file``, ``sha256``, ``rows``,
        ``loaded_at``, ``replaces``, ``current``, ``pruned_at`` (when its rows were dropped)."""
        reference_kind(kind)
        loads = t.reference_loads
        with self.tx() as conn:
            current = _current(conn, kind)
            rows = conn.execute(select(loads).where(loads.c.kind == kind).order_by(loads.c.id.desc())).all()
        return [
            {
                "load_id": r.id,
                "file": r.file_name,
                "sha256": r.sha256,
                "rows": r.rows,
                "loaded_at": _aware(r.loaded_at),
                "replaces": r.replaces,
                "current": r.id == current,
                "pruned_at": _aware(r.pruned_at),
            }
            for r in rows
        ]

    def reference_lookup(
        self, kind: str, keys: Sequence[str], conn: Connection | None = None
    ) -> dict[str, dict[str, Any]] | None:
        """The current load's rows of the kind among ``keys``: key -> its other columns and
        ``active``. None when the kind was never loaded ("nothing known", not "not found")."""
        table, columns = reference_kind(kind)
        wanted = sorted({k for k in keys if k})
        found: dict[str, dict[str, Any]] = {}
        with self.reading(conn) as c:
            # one load throughout, even if another commits meanwhile (its rows outlive this lookup)
            load_id = _current(c, kind)
            if load_id is None:
                return None
            if not wanted:
                return found
            names = columns[1:]
            for start in range(0, len(wanted), LOOKUP_CHUNK):
                for key, *values in _select_rows(
                    c, table, columns, load_id, wanted[start : start + LOOKUP_CHUNK]
                ):
                    entry = dict(zip(names, values, strict=True))
                    entry["active"] = entry["status"] == ACTIVE
                    found[key] = entry
        return found

    def reference_billing_periods(
        self, accounts: Sequence[str], conn: Connection | None = None
    ) -> list[tuple[str, str, str]] | None:
        """The current billing-periods load's periods of ``accounts``: (account, first day, last day)
        as ISO text, by account and first day. None when no billing periods were ever loaded."""
        table, columns = reference_kind("billing-periods")
        wanted = sorted({a for a in accounts if a})
        found: list[tuple[str, str, str]] = []
        with self.reading(conn) as c:
            load_id = _current(c, "billing-periods")
            if load_id is None:
                return None
            for start in range(0, len(wanted), LOOKUP_CHUNK):
                rows = _select_rows(c, table, columns, load_id, wanted[start : start + LOOKUP_CHUNK])
                found += [(str(a), str(s), str(e)) for a, s, e in rows]
        return sorted(found)

    def _prune_reference(self, kind: str) -> None:
        """Drop the rows of the kind's loads beyond the newest ``KEEP_LOADS`` (never the current
        one). The load itself is committed already: a failure here is logged, and the next load
        prunes again."""
        table, _ = reference_kind(kind)
        loads, cur = t.reference_loads, t.reference_current
        try:
            with self.tx() as conn:
                # locked: no load becomes current while its predecessors are pruned
                current = conn.execute(
                    select(cur.c.load_id).where(cur.c.kind == kind).with_for_update()
                ).scalar()
                if current is None:
                    return
                live = conn.execute(
                    select(loads.c.id)
                    .where(loads.c.kind == kind, loads.c.pruned_at.is_(None), loads.c.id != current)
                    .order_by(loads.c.id.desc())
                ).scalars()
                for old in list(live)[KEEP_LOADS - 1 :]:
                    conn.execute(delete(table).where(table.c.load_id == old))
                    conn.execute(update(loads).where(loads.c.id == old).values(pruned_at=self.now()))
        except LedgerError as exc:
            log.warning("could not drop old %s loads (the next load will): %s", kind, exc)


def _insert_rows(
    conn: Connection, table: Table, columns: tuple[str, ...], load_id: int, rows: list[Sequence[str | None]]
) -> None:
    insert_rows(conn, table, ("load_id", *columns), ((load_id, *row) for row in rows))


def _analyze(conn: Connection, table: Table) -> None:
    if conn.dialect.name == "postgresql":
        # fresh statistics (inside the transaction), or the planner scans the whole load per lookup
        conn.exec_driver_sql(f"ANALYZE {table.name}")


def _select_rows(
    conn: Connection, table: Table, columns: tuple[str, ...], load_id: int, keys: list[str]
) -> Sequence[Sequence[Any]]:
    mark = marker(conn)
    if mark is None:
        query = select(*(table.c[c] for c in columns)).where(
            table.c.load_id == load_id, table.c[columns[0]].in_(keys)
        )
        return conn.execute(query).all()
    select_sql = f"SELECT {', '.join(columns)} FROM {table.name} WHERE load_id = {mark} AND {columns[0]}"
    if conn.dialect.name == "postgresql":
        # one array parameter: a prepared IN of 2,000 parameters gets a generic plan ~5x slower
        return conn.exec_driver_sql(f"{select_sql} = ANY({mark})", (load_id, keys)).all()
    in_list = ", ".join([mark] * len(keys))
    return conn.exec_driver_sql(f"{select_sql} IN ({in_list})", (load_id, *keys)).all()


def _current(conn: Connection, kind: str) -> int | None:
    cur = t.reference_current
    found: int | None = conn.execute(select(cur.c.load_id).where(cur.c.kind == kind)).scalar()
    return found


def _switch(conn: Connection, kind: str, load_id: int) -> int | None:
    """Make ``load_id`` the kind's current load (takes effect at commit); returns the load it replaces.
    The pointer row is locked, so concurrent loads on PostgreSQL queue here and the last to commit wins."""
    cur = t.reference_current
    locked = select(cur.c.load_id).where(cur.c.kind == kind).with_for_update()
    previous: int | None = conn.execute(locked).scalar()
    if previous is None:  # the kind's first load, unless another one is being made right now
        dialect = conn.dialect.name
        if dialect in ("postgresql", "sqlite"):
            module = import_module(f"sqlalchemy.dialects.{dialect}")
            conn.execute(module.insert(cur).values(kind=kind, load_id=load_id).on_conflict_do_nothing())
        else:
            conn.execute(insert(cur).values(kind=kind, load_id=load_id))
        previous = conn.execute(locked).scalar()
        if previous == load_id:
            return None
    conn.execute(update(cur).where(cur.c.kind == kind).values(load_id=load_id))
    return previous


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value
