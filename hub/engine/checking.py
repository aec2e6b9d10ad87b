"""Checking a file: parse, validate and map its bytes, before anything is delivered.

A row-wise mapping maps every typed row while the format's rules still run (in a worker thread) and
the rejected lines are dropped afterwards; any other mapping maps the valid rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import polars as pl

from formats import get_format
from formats.base import Format, FormatOptions, ReadContext, Validated
from hub.engine.config import Exchange
from hub.kernel.errors import ParseError, Rejected
from hub.kernel.problems import Problem
from hub.kernel.rows import LINE
from mappings import get_mapping
from mappings.base import MapContext, Mapping, MappingOptions


@dataclass
class Checked:
    """The result of parse + validate + map, before delivery."""

    validated: Validated | None
    tables: dict[str, Any]
    problems: list[Problem]  # errors and warnings (tolerated deviations), in file order
    file_level: bool

    @property
    def errors(self) -> list[Problem]:
        """The problems that reject rows or the file (warnings are reported, nothing more)."""
        return [p for p in self.problems if p.severity == "error"]


def check_bytes(
    data: bytes,
    name: str,
    ex: Exchange,
    *,
    now: datetime,
    progress: Callable[[str, str], None],
    mark: Callable[..., None] = lambda state, **values: None,
    originals: Callable[[Sequence[str]], dict[str, dict[str, Any]]] | None = None,
    accounts: Callable[[Sequence[str]], dict[str, dict[str, Any]]] | None = None,
    lockbox_payments: Callable[[Sequence[str], date, date], list[dict[str, Any]]] | None = None,
) -> Checked:
    """Parse, validate and map one file's bytes for exchange ``ex``. ``mark(state, **values)`` records
    each state reached (parsed, validated, mapped) in the ledger; ``progress(name, stage)`` shows it."""
    fmt: Format[FormatOptions] = get_format(ex.format_name)(ex.format_options)  # type: ignore[arg-type]
    ctx = ReadContext(file=name, now=now, timezone=ex.timezone)
    progress(name, "parsing")
    try:
        parsed = fmt.read(data, ctx)
    except ParseError as exc:
        problem = Problem.of(
            exc.rule,
            exc.detail,
            line=exc.position.line,
            field=exc.position.column,
            value=exc.value,
            level="file",
        )
        return Checked(None, {}, [problem], file_level=True)
    mark("parsed", rows=parsed.rows)
    progress(name, "validating")
    checking = fmt.check(parsed, ctx)
    mapping = get_mapping(ex.config.kind)(ex.mapping_options)  # type: ignore[arg-type]
    map_ctx = MapContext(
        source_file=name, originals=originals, accounts=accounts, lockbox_payments=lockbox_payments
    )
    early = map_early(mapping, checking.typed, map_ctx)  # while the format's rules run
    validated = checking.result()
    mark("validated")
    if any(p.level == "file" and p.severity == "error" for p in validated.problems):
        return Checked(validated, {}, validated.problems, file_level=True)
    progress(name, "mapping")
    try:
        if early is None:
            tables = mapping.map(validated.table, map_ctx)
        else:
            bad = sorted({p.line for p in validated.problems if p.line is not None})
            tables = {t: f.filter(~pl.col(LINE).is_in(bad)) if bad else f for t, f in early.items()}
    except Rejected as exc:
        return Checked(
            validated,
            {},
            [*validated.problems, Problem.of("mapping", str(exc), level="file")],
            file_level=True,
        )
    mark("mapped")
    notes = mapping.notes(validated.table, map_ctx)
    problems = (
        sorted([*validated.problems, *notes], key=lambda p: p.line or 0) if notes else validated.problems
    )
    return Checked(validated, tables, problems, file_level=False)


def map_early(
    mapping: Mapping[MappingOptions], typed: pl.DataFrame | None, ctx: MapContext
) -> dict[str, pl.DataFrame] | None:
    """Map every typed row before the rules are done, when the mapping is row-wise (each output row
    depends on its own input row only); the rejected lines are dropped afterwards. A mapping that
    fails on rows the rules would reject is simply run again on the valid rows."""
    if typed is None or not mapping.row_wise:
        return None
    try:
        return mapping.map(typed, ctx)
    except (Rejected, pl.exceptions.PolarsError):
        return None
