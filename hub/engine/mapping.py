"""Step 4, map: valid rows -> the kind's output: CIS transaction tables (inbound) or the partner's
rows (outbound), the facts to keep, and the kind's notes.

A row-wise kind maps every typed row while the format's rules still run (``map_ahead``); the
rejected lines are dropped afterwards. Any other kind maps the valid rows once the rules are done.
What a kind returns is checked against what it declares: its transaction types (or its output),
its facts, and for each transaction table the type's columns.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hub.engine.facts import check_facts
from hub.kernel.errors import MappingError, Rejected
from hub.kernel.problems import Problem
from hub.kernel.rows import LINE
from hub.kernel.transactions import columns_of

if TYPE_CHECKING:
    import polars as pl

    from hub.engine.parts import Spill
    from mappings.base import ExchangeKind, MapContext, MappingOptions


@dataclass
class Mapped:
    """A file parsed, validated and mapped: what delivery takes and what the record step reports.
    ``tables`` are by transaction type (inbound) or the kind's output name (outbound)."""

    rows: int = 0
    rejected: int = 0
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    facts: dict[str, pl.DataFrame] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)  # errors and warnings, in file order
    file_rejected: bool = False  # a file-level error: nothing of the file is delivered
    reached: str = "landed"  # the last state reached: parsed, validated or mapped
    read: pl.DataFrame | None = None  # every row the format read (strings, LINE), for a kind's reply
    spilled: Spill | None = None  # a file run in parts: its tables and facts, part by part, on disk

    def parts(self) -> Iterable[tuple[dict[str, pl.DataFrame], dict[str, pl.DataFrame]]]:
        """The tables and facts a part at a time: each part's of a file run in parts and kept on
        disk (``spilled``, read one at a time), else the whole file's as the one part of a list."""
        if self.spilled is None:
            return [(self.tables, self.facts)]
        return iter(self.spilled)

    @property
    def errors(self) -> list[Problem]:
        """The problems that reject rows or the file (warnings are reported, nothing more)."""
        return [p for p in self.problems if p.severity == "error"]


def map_ahead(
    kind: ExchangeKind[MappingOptions], typed: pl.DataFrame | None, ctx: MapContext
) -> dict[str, pl.DataFrame] | None:
    """Every typed row mapped before the rules are done, when the kind is row-wise (each output
    row depends on its own input row only). A kind that fails on rows the rules would reject is
    simply mapped again on the valid rows (None)."""
    import polars as pl

    if typed is None or not kind.row_wise:
        return None
    try:
        return kind.map(typed, ctx)
    except (Rejected, pl.exceptions.PolarsError):
        return None


def map_rows(
    kind: ExchangeKind[MappingOptions],
    valid: pl.DataFrame,
    ahead: dict[str, pl.DataFrame] | None,
    rejected_lines: list[int],
    ctx: MapContext,
) -> tuple[dict[str, pl.DataFrame], dict[str, pl.DataFrame]]:
    """The kind's (transaction or output) tables and its facts for the valid rows: those mapped
    ahead without the rejected lines, or ``valid`` mapped now. ``MappingError`` when the kind
    refuses the rows or returns what it does not declare."""
    import polars as pl

    if ahead is None:
        output = kind.map(valid, ctx)
    elif rejected_lines:
        output = {name: t.filter(~pl.col(LINE).is_in(rejected_lines)) for name, t in ahead.items()}
    else:
        output = ahead
    return _split(kind, output)


def reject_noted(mapped: Mapped, notes: list[Problem]) -> None:
    """A kind's notes that are errors naming a line reject that line's row, as a validation problem
    would (under the exchange's row policy): its rows leave every table, and it is counted rejected."""
    import polars as pl

    lines = sorted({p.line for p in notes if p.severity == "error" and p.line is not None})
    if not lines:
        return
    before = {p.line for p in mapped.problems if p.severity == "error" and p.line is not None}
    mapped.rejected += len(set(lines) - before)
    mapped.tables = {n: t.filter(~pl.col(LINE).is_in(lines)) for n, t in mapped.tables.items()}
    mapped.facts = {
        n: t.filter(~pl.col(LINE).is_in(lines)) if LINE in t.columns else t for n, t in mapped.facts.items()
    }


def _split(
    kind: ExchangeKind[MappingOptions], output: dict[str, pl.DataFrame]
) -> tuple[dict[str, pl.DataFrame], dict[str, pl.DataFrame]]:
    models = {m.txn_type: m for m in kind.produces}
    tables = getattr(kind, "output", None)
    declared = {tables} if tables is not None else set(models)
    unknown = sorted(set(output) - declared - kind.persists)
    if unknown:
        keeps = ", ".join(sorted(kind.persists)) or "none"
        raise MappingError(
            f"kind {kind.name} returned {', '.join(unknown)}, which it does not declare "
            f"(produces: {', '.join(sorted(declared))}; persists: {keeps})"
        )
    facts = {name: t for name, t in output.items() if name in kind.persists}
    check_facts(kind.name, facts)
    for name, table in output.items():
        model = models.get(name)
        missing = [c for c in [*columns_of(model), LINE] if c not in table.columns] if model else []
        if missing:
            raise MappingError(f"kind {kind.name} returned {name} without column(s) {', '.join(missing)}")
    return {name: t for name, t in output.items() if name not in kind.persists}, facts
