"""Personal values as received, for the roles allowed to see them (``console.unmasked_roles``).

The ledger and the error reports keep a personal field's value masked (``Problem.of``); the value
itself is only in the file as received. This reads it back from there: the file is parsed with its
exchange's format and each masked problem's value is replaced by its field's cell on its line, when
that cell, masked, is what the ledger shows (never another line's value). An encrypted exchange's
files, a file that cannot be read and a row that did not parse keep the mask."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from formats.base import ReadContext
from hub.engine.parsing import parse
from hub.kernel.problems import SENSITIVE_FIELDS, Problem, mask

if TYPE_CHECKING:
    from hub.engine.config import Settings


def unmasked(settings: Settings, exchange: str, path: Path, problems: list[dict[str, Any]]) -> None:
    """Replace, in place, each masked personal value of ``problems`` (dicts with ``line``, ``field``,
    ``value``) by the value in ``path``, a file of ``exchange`` as received."""
    wanted = {
        (p["line"], p["field"]): p
        for p in problems
        if p.get("field") in SENSITIVE_FIELDS and p.get("value") and p.get("line") is not None
    }
    ex = settings.exchanges.get(exchange)
    if not wanted or ex is None or (ex.pgp is not None and ex.pgp.decryption is not None):
        return
    try:
        data = path.read_bytes()
    except OSError:
        return
    context = ReadContext(file=path.name, now=datetime.now(UTC), timezone=ex.timezone)
    parsed = parse(ex.format(ex.format_options), data, context)
    if isinstance(parsed, Problem) or "_line" not in parsed.table.columns:
        return
    fields = sorted({f for _, f in wanted} & set(parsed.table.columns))
    rows = parsed.table.filter(pl.col("_line").is_in(sorted({line for line, _ in wanted})))
    for row in rows.select(["_line", *fields]).iter_rows(named=True):
        for name in fields:
            problem = wanted.get((row["_line"], name))
            raw = row[name]
            if problem is not None and raw is not None and mask(str(raw)) == problem["value"]:
                problem["value"] = str(raw)
