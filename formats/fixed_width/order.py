"""The record order of a fixed-width file, declared as data (``Grammar``), and the one walk that checks
it and gives every record the index of each group it belongs to (a NACHA batch and entry; a lockbox,
its batch and its check), -1 for none.

What each record type may follow is a table; the groups say which types open, join, start and end
each nesting level. A record out of place is reported in the format's own words (``Grammar.misplaced``)
and, when it is stray (outside the group it must be in, or a repeat of a type that comes once), it
moves nothing: what may follow it is what could follow before it, it closes no group, and it joins
only what it may, so it never changes a total it is not part of.

A file in order is the usual case: there the indexes are computed column-wise (a running count of the
records that open each group), without a Python step per record; only a file out of order is walked.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hub.kernel.problems import Problem

if TYPE_CHECKING:
    import polars as pl

FILLER = "P"  # the kind of a filler record (NACHA's 9-padding)


@dataclass(frozen=True)
class Group:
    """A nesting level, numbered from 0 in file order in ``column``. ``opens``: the types that open a
    new one (closing the one open and every group inside it); ``joins``: the types that belong to the
    open one; ``starts``: the types that belong to the open one or, when none is open, open one;
    ``ends``: the types after which it is closed (with the groups inside it). A group whose ``needs``
    group is not open cannot be opened: its opener is still counted (it takes an index), opening
    nothing."""

    column: str
    opens: str = ""
    joins: str = ""
    starts: str = ""
    ends: str = ""
    needs: str | None = None

    @property
    def roles(self) -> str:
        return self.opens + self.joins + self.starts


@dataclass(frozen=True, slots=True)
class Step:
    """Where a misplaced record stands, for the format's message: its type, the type of the last
    record in order ("" at the start), the types met so far, the groups open, and, for a record after
    the end of the file, what ended it (the last type, or ``FILLER``)."""

    kind: str
    prev: str
    seen: frozenset[str]
    open: frozenset[str]
    after: str = ""


def _never(step: Step) -> str:
    return f"record type {step.kind} cannot follow record type {step.prev or '(start of file)'}"


@dataclass(frozen=True)
class Grammar:
    """A format's record order. ``follows``: each type and the types it may follow ("" is the start of
    the file); ``groups``: outermost first; ``within``: the group a type must be in to count;
    ``once``: types that come once; ``last``: the type that ends the file (closing every group);
    ``filler``: a whole record that may only follow the last one. Messages: ``unknown`` (``{kind!r}``),
    ``misplaced`` (from a ``Step``), ``missing_first`` when no record is in order at all,
    ``missing_last``, and ``unclosed`` per group column (``{line}``: where it opened) when the file
    ends with that group open."""

    follows: Mapping[str, Collection[str]]
    groups: tuple[Group, ...] = ()
    within: Mapping[str, str] = field(default_factory=dict)
    once: str = ""
    last: str = ""
    filler: str | None = None
    unknown: str = "unknown record type {kind!r}"
    misplaced: Callable[[Step], str] = _never
    missing_first: str | None = None
    missing_last: str = "the file has no last record"
    unclosed: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        columns = [g.column for g in self.groups]
        types = set(self.follows)
        for i, g in enumerate(self.groups):
            if not set(g.roles + g.ends) <= types:
                raise ValueError(f"group {g.column} names a record type the grammar does not know")
            if g.needs is not None and g.needs not in columns[:i]:
                raise ValueError(f"group {g.column} needs {g.needs}, which is not a group outside it")
        if not set(self.within.values()) <= set(columns) or FILLER in types:
            raise ValueError(f"within names groups of the grammar; {FILLER!r} is the filler's kind")

    def members(self, i: int) -> set[str]:
        """The types that belong to group ``i`` (directly or through a group inside it)."""
        return {t for g in self.groups[i:] for t in g.roles}


def order(frame: pl.DataFrame, grammar: Grammar) -> tuple[pl.DataFrame, list[Problem]]:
    """``frame`` (``line``, ``rec``) with ``kind`` (the type character; ``FILLER`` for a filler
    record) and one index column per group, and the order's findings."""
    import polars as pl

    kind = pl.col("rec").str.slice(0, 1)
    if grammar.filler is not None:
        kind = pl.when(pl.col("rec") == grammar.filler).then(pl.lit(FILLER)).otherwise(kind)
    frame = frame.with_columns(kind.alias("kind"))
    indexes = _in_order(frame, grammar)
    if indexes is not None:
        return frame.with_columns(indexes), []
    columns, problems = _walk(frame["kind"].to_list(), frame["line"].to_list(), grammar)
    return frame.with_columns(pl.Series(c, ix, pl.Int64) for c, ix in columns.items()), problems


def rejected(frame: pl.DataFrame, problems: Iterable[Problem], item: str, group: str) -> pl.Expr:
    """True for the items (by their ``item`` index) a row-level error sits on any record of, and for
    those outside a ``group``: a stray is in no control total, so it is never passed on."""
    import polars as pl

    lines = [p.line for p in problems if p.severity == "error" and p.level == "row" and p.line is not None]
    bad = frame.filter(pl.col("line").is_in(lines) & (pl.col(item) >= 0)).get_column(item)
    return pl.col(item).is_in(bad.unique().implode()) | (pl.col(group) < 0)


def _in_order(frame: pl.DataFrame, g: Grammar) -> list[pl.Expr] | None:
    """The group indexes column-wise when every record follows one it may follow, the file ends with
    its last record and only filler comes after it; None otherwise."""
    import polars as pl

    real = frame["kind"].ne(FILLER).arg_true()
    if real.is_empty():
        return None
    body = frame.head(int(real[-1]) + 1)
    kind, prev = pl.col("kind"), pl.col("kind").shift(1, fill_value="")
    allowed = [before + k for k, befores in g.follows.items() for before in befores]
    if body["kind"][-1] != g.last or not body.select((prev + kind).is_in(allowed).all()).item():
        return None
    indexes = []
    for i, group in enumerate(g.groups):
        opening = kind.is_in(list(group.opens))
        if group.starts:
            # after one of these the group is still open: it belongs, and ends neither it nor a group
            # outside it, nor opens one outside it
            ending = "".join(o.ends for o in g.groups[: i + 1]) + "".join(o.opens for o in g.groups[:i])
            stays = g.members(i) - set(ending + g.last)
            opening = opening | (kind.is_in(list(group.starts)) & ~prev.is_in(list(stays)))
        number = opening.cast(pl.Int64).cum_sum() - 1
        indexes.append(pl.when(kind.is_in(list(g.members(i)))).then(number).otherwise(-1).alias(group.column))
    return indexes


class _Walk:
    """The walk's state: the index of the group open at each level (-1: none), how many each level
    has had, where each opened, the last record in order, the types met, and how the file ended."""

    def __init__(self, g: Grammar, records: int) -> None:
        self.g = g
        self.columns = [group.column for group in g.groups]
        self.out = {c: [-1] * records for c in self.columns}
        self.current = dict.fromkeys(self.columns, -1)
        self.count = dict.fromkeys(self.columns, 0)
        self.opened_at = dict.fromkeys(self.columns, 0)
        self.prev, self.seen, self.closed, self.filled = "", set[str](), False, False

    def step(self, kind: str, after: str = "") -> Step:
        is_open = frozenset(c for c in self.columns if self.current[c] >= 0)
        return Step(kind, self.prev, frozenset(self.seen), is_open, after)

    def close(self, level: int) -> None:
        """Close the group at ``level`` and every group inside it."""
        for c in self.columns[level:]:
            self.current[c] = -1

    def place(self, at: int, kind: str, line: int) -> None:
        """Open, start or join what ``kind`` may, outermost first; the record takes the index of the
        innermost group it has a place in, and of every group open outside that one."""
        home = -1
        for i, group in enumerate(self.g.groups):
            c, out, current = group.column, self.out[group.column], self.current
            able = group.needs is None or current[group.needs] >= 0
            if kind in group.opens:
                out[at], self.count[c], home = self.count[c], self.count[c] + 1, i
                if able:
                    self.close(i)
                    current[c], self.opened_at[c] = out[at], line
            elif kind in group.starts and able:
                if current[c] < 0:
                    current[c], self.count[c], self.opened_at[c] = self.count[c], self.count[c] + 1, line
                out[at], home = current[c], i
            elif kind in group.joins and current[c] >= 0:
                out[at], home = current[c], i
        for c in self.columns[: max(home, 0)]:
            if self.out[c][at] < 0:
                self.out[c][at] = self.current[c]

    def moves_on(self, kind: str) -> None:
        """After a record that counts: close what it ends, and it is the last record in order."""
        level = next((i for i, group in enumerate(self.g.groups) if kind in group.ends), None)
        if kind == self.g.last:
            level, self.closed = 0, True
        if level is not None:
            self.close(level)
        self.prev = kind


def _walk(kinds: list[str], lines: list[int], g: Grammar) -> tuple[dict[str, list[int]], list[Problem]]:
    """Record by record, for a file out of order: say where and why, and keep stray records out of
    every group they cannot be in."""
    w = _Walk(g, len(kinds))
    problems: list[Problem] = []
    for at, (kind, line) in enumerate(zip(kinds, lines, strict=True)):
        if kind == FILLER:
            w.filled = True
        elif kind not in g.follows:
            problems.append(_problem("record-type", g.unknown.format(kind=kind), line, kind))
        elif w.closed or w.filled:
            message = g.misplaced(w.step(kind, g.last if w.closed else FILLER))
            problems.append(_problem("record-order", message, line, kind))
            w.closed = w.closed or kind == g.last
        else:
            if w.prev not in g.follows[kind]:
                problems.append(_problem("record-order", g.misplaced(w.step(kind)), line, kind))
            within = g.within.get(kind)
            stray = (within is not None and w.current[within] < 0) or (kind in g.once and kind in w.seen)
            w.seen.add(kind)
            w.place(at, kind, line)
            if not stray:  # a stray moves nothing: what may follow is what could before it
                w.moves_on(kind)
    return w.out, problems + _at_end(w, kinds, lines)


def _at_end(w: _Walk, kinds: list[str], lines: list[int]) -> list[Problem]:
    """What the file lacks when it ends: its first record, the records that close its open groups,
    its last record (named where the last record that is not filler stands)."""
    g, problems = w.g, []
    if w.prev == "" and g.missing_first:
        problems.append(_problem("record-order", g.missing_first, lines[0]))
    if w.closed:
        return problems
    real = [line for line, kind in zip(lines, kinds, strict=True) if kind != FILLER]
    end = real[-1] if real else lines[-1]
    for c in w.columns:
        if c in g.unclosed and w.current[c] >= 0:
            problems.append(_problem("record-order", g.unclosed[c].format(line=w.opened_at[c]), end))
    problems.append(_problem("record-order", g.missing_last, end))
    return problems


def _problem(rule: str, message: str, line: int, kind: str | None = None) -> Problem:
    return Problem.of(
        rule, message, line=line, value=kind, positions=None if kind is None else "1", level="file"
    )
