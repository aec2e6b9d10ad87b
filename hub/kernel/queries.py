"""Which of polars' engines runs a lazy query, by how many rows it reads.

polars 2 runs ``collect`` and ``collect_all`` on its streaming engine unless told otherwise. That
engine sets up its executor for every query, ~1-2 ms whatever the rows: a 1,400-row upload's three
queries (typing, the checks, the mapping) cost 8.7 ms on it against 6.6 ms on the in-memory engine
(``bench/README.md``, "Small tables' queries on polars' in-memory engine"). From ~50,000 rows on,
the streaming engine is as quick or quicker (a 1,000,000-row upload's typing 54 ms against 77).
Eager operations always run in memory.
"""

from __future__ import annotations

from typing import Literal

STREAMING_ROWS = 50_000  # from here on a query goes to polars' own choice (the streaming engine)


def engine_for(rows: int) -> Literal["in-memory", "auto"]:
    """The engine for a query over ``rows`` rows: ``auto`` (polars' default, which
    ``POLARS_ENGINE_AFFINITY`` can change) for a large table, the in-memory engine for a small one."""
    return "auto" if rows >= STREAMING_ROWS else "in-memory"
