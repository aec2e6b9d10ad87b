"""Many rows into one table in one transaction, past SQLAlchemy's per-row parameter handling
(which costs more than the inserts themselves): PostgreSQL's COPY stream, else the driver's
executemany on plain tuples."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import islice
from typing import Any

from sqlalchemy import Connection, Table, insert, select

from hub.kernel.errors import LedgerError

INSERT_BATCH = 10_000  # rows per executemany: bounds the parameter tuples held at once


def marker(conn: Connection) -> str | None:
    """The DB-API's positional placeholder, when it has one (rows then go to the driver as tuples)."""
    return {"qmark": "?", "format": "%s", "pyformat": "%s"}.get(conn.dialect.paramstyle)


def insert_rows(conn: Connection, table: Table, names: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Insert ``rows`` (values in the order of ``names``) into ``table`` within ``conn``'s transaction."""
    if conn.dialect.driver == "psycopg":  # ~100x executemany
        import psycopg

        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            with cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        except psycopg.Error as exc:  # raised by the driver itself, past SQLAlchemy's translation
            raise LedgerError(f"ledger error: {exc}") from None
        return
    mark = marker(conn)
    it = iter(rows)
    while batch := list(islice(it, INSERT_BATCH)):
        if mark is None:
            conn.execute(insert(table), [dict(zip(names, row, strict=True)) for row in batch])
        else:
            values = ", ".join([mark] * len(names))
            conn.exec_driver_sql(f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({values})", batch)


IN_CHUNK = 500  # values in one SQL ``IN`` list (below SQLite's variable limit)


def select_where_in(
    db: Connection, table: Table, names: Sequence[str], column: str, values: Iterable[str]
) -> list[dict[str, Any]]:
    """The ``names`` of the rows of ``table`` whose ``column`` is one of ``values``, in the order they
    were written (their ``id``), read an ``IN`` list at a time."""
    wanted = sorted(set(values))
    c = table.c
    found: list[tuple[int, dict[str, Any]]] = []
    for start in range(0, len(wanted), IN_CHUNK):
        query = select(c.id, *(c[n] for n in names)).where(c[column].in_(wanted[start : start + IN_CHUNK]))
        found += [(r.id, {n: r._mapping[c[n]] for n in names}) for r in db.execute(query)]
    return [row for _, row in sorted(found, key=lambda pair: pair[0])]
