"""Interval readings in bulk: as each IntervalReading ends, its fields' texts are appended to
columns (a few attribute reads, no checks); polars then checks every field of a chunk of readings
with vectorised expressions, and the problems of the few bad readings are built from the rows that
break a rule. A field's text is None when the element is absent, "" when it is empty.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import repeat
from typing import TYPE_CHECKING, Any

from hub.kernel.problems import Problem

if TYPE_CHECKING:
    import polars as pl

    from formats.greenbutton_blocks import Block

_E = "{http://naesb.org/espi}"
_PERIOD, _START, _DURATION = _E + "timePeriod", _E + "start", _E + "duration"
_VALUE, _COST, _QUALITY_OF, _QUALITY = _E + "value", _E + "cost", _E + "ReadingQuality", _E + "quality"
_FIELDS = ("period", "start", "duration", "value", "cost", "quality")
READING_SCHEMA = {
    "_entry": "Int32",
    "start": "Int64",
    "duration": "Int64",
    "value": "Int64",
    "cost": "Int64",
    "quality": "Int64",
    "_line": "Int64",
    "_ok": "Boolean",
}
CHUNK = 25_000  # readings per polars chunk
_RULES = {"start": "odd-timestamp", "duration": "odd-timestamp", "value": "value-not-integer"}
_RULES |= {"cost": "cost-not-integer", "quality": "quality-not-integer"}


@dataclass
class Readings:
    """Readings as they are read: text columns of the current chunk, then checked polars chunks."""

    cols: dict[str, list[Any]] = field(default_factory=lambda: {k: [] for k in (*_FIELDS, "_entry", "_line")})
    chunks: list[pl.DataFrame] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    count: int = 0
    summary_only: bool = False  # keep per-entry figures and duplicate keys, not every reading
    keys: list[pl.DataFrame] = field(default_factory=list)
    fast: list[tuple[int, int]] = field(default_factory=list)  # rows of the chunk added by ``add_block``

    def add_block(self, block: Block, entry: int) -> None:
        """The readings of a block read by the fast path (``greenbutton_blocks``): its columns, where
        "" is an absent element, appended whole; turned into ``add``'s texts by ``flush``. The
        chunks are cut where ``add`` would cut them."""
        done, total = 0, len(block.lines)
        fields = {"period": block.period, "start": block.start, "duration": block.duration}
        fields |= {"value": block.value, "cost": block.cost, "quality": block.quality}
        while done < total:
            c = self.cols
            have = len(c["_line"])
            take = min(total - done, CHUNK - have)
            for name, col in fields.items():
                c[name].extend(col[done : done + take])
            c["_entry"].extend(repeat(entry, take))
            c["_line"].extend(block.lines[done : done + take])
            if self.fast and self.fast[-1][1] == have:  # one range for readings added one after another
                self.fast[-1] = (self.fast[-1][0], have + take)
            else:
                self.fast.append((have, have + take))
            self.count += take
            done += take
            if have + take >= CHUNK:
                self.flush()

    def add(self, elem: Any, entry: int) -> None:
        """The texts of one ended IntervalReading (the hot path: keep it lean)."""
        period = start = duration = value = cost = quality = None
        for child in elem:
            tag = child.tag
            if tag == _VALUE:
                value = child.text or ""
            elif tag == _PERIOD:
                period = ""
                for part in child:
                    if part.tag == _START:
                        start = part.text or ""
                    elif part.tag == _DURATION:
                        duration = part.text or ""
            elif tag == _COST:
                cost = child.text or ""
            elif tag == _QUALITY_OF:
                for part in child:
                    if part.tag == _QUALITY:
                        quality = part.text or ""
        c = self.cols
        c["period"].append(period)
        c["start"].append(start)
        c["duration"].append(duration)
        c["value"].append(value)
        c["cost"].append(cost)
        c["quality"].append(quality)
        c["_entry"].append(entry)
        c["_line"].append(elem.sourceline or 0)
        self.count += 1
        if len(c["_line"]) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        import polars as pl

        if not self.cols["_line"]:
            return
        schema = {f: pl.String for f in _FIELDS} | {"_entry": pl.Int32, "_line": pl.Int64}
        raw = pl.DataFrame(self.cols, schema=schema)
        plain = self.fast == [(0, raw.height)]  # every reading of the chunk from the fast path
        if self.fast:
            raw = _from_fast(raw, self.fast)
            self.fast = []
        table, problems = check(raw, plain)
        if self.summary_only:
            self.chunks.append(per_entry(table))
            self.keys.append(runs(table))
        else:
            self.chunks.append(table)
        self.problems += problems
        self.cols = {k: [] for k in self.cols}


def _from_fast(raw: pl.DataFrame, rows: list[tuple[int, int]]) -> pl.DataFrame:
    """The fast path's texts as ``add``'s: "" (absent) is None, a present timePeriod is ""."""
    import polars as pl

    if rows == [(0, raw.height)]:
        is_fast = pl.lit(True)
    else:
        mask = [False] * raw.height
        for a, b in rows:
            mask[a:b] = repeat(True, b - a)
        is_fast = pl.lit(pl.Series(mask, dtype=pl.Boolean))
    period = pl.when(pl.col("period") == "").then(None).otherwise(pl.lit(""))
    return raw.with_columns(
        pl.when(is_fast).then(period).otherwise(pl.col("period")).alias("period"),
        *[
            pl.when(is_fast & (pl.col(f) == "")).then(None).otherwise(pl.col(f)).alias(f)
            for f in _FIELDS
            if f != "period"
        ],
    )


def per_entry(table: pl.DataFrame) -> pl.DataFrame:
    """A chunk's readings reduced to each entry's figures (what ``hub inspect`` prints)."""
    import polars as pl

    return table.group_by("_entry").agg(
        pl.len().alias("readings"),
        pl.col("value").sum().alias("value_sum"),
        pl.col("cost").sum().alias("cost_sum"),
        pl.col("start").min().alias("start"),
        (pl.col("start") + pl.col("duration")).max().alias("end"),
    )


RUN_SCHEMA = {"_entry": "Int32", "start": "Int64", "step": "Int64", "count": "Int32", "_line": "Int32"}
RUN_SCHEMA |= {"line_step": "Int32"}


def runs(table: pl.DataFrame) -> pl.DataFrame:
    """A chunk's good readings as runs, for the duplicate search in bounded memory: readings of one
    entry, one after another in the file and in time (each starting where the previous ended, the
    same duration), their lines evenly spaced. A run of ``count`` readings is one row: reading k
    starts at ``start + k * step`` on line ``_line + k * line_step``. A day's block is one run."""
    import polars as pl

    good = table.filter(pl.col("_ok") & pl.col("start").is_not_null() & pl.col("duration").is_not_null())
    prev = {c: pl.col(c).shift(1) for c in ("_entry", "start", "duration", "_line")}
    line_step = pl.col("_line") - prev["_line"]
    follows = (
        (pl.col("_entry") == prev["_entry"])
        & (pl.col("duration") == prev["duration"])
        & (pl.col("start") == prev["start"] + prev["duration"])
    ).fill_null(False)
    timed = good.with_columns(follows.alias("_follows"), line_step.alias("_ls")).with_columns(
        (~pl.col("_follows")).cum_sum().alias("_trun")
    )
    # a run also breaks where the line spacing changes (from its third reading on): each run is
    # then an arithmetic progression in both start and line (a break may come one reading early:
    # more runs, never a wrong one)
    third = pl.int_range(pl.len()).over("_trun") >= 2
    same_spacing = (pl.col("_ls") == pl.col("_ls").shift(1)).fill_null(False)
    breaks = ~pl.col("_follows") | (third & ~same_spacing)
    return (
        timed.with_columns(breaks.cum_sum().alias("_run"))
        .group_by("_run", maintain_order=True)
        .agg(
            pl.col("_entry").first(),
            pl.col("start").first(),
            pl.col("duration").first().alias("step"),
            pl.len().cast(pl.Int32).alias("count"),
            pl.col("_line").first().cast(pl.Int32),
            pl.col("_ls").get(1, null_on_oob=True).fill_null(0).cast(pl.Int32).alias("line_step"),
        )
        .drop("_run")
    )


def _integer(name: str, plain: bool = False) -> pl.Expr:
    import polars as pl

    text = pl.col(f"t_{name}")
    if plain:  # every text is a signed digit string or "": the pattern below holds for all but ""
        return text.cast(pl.Int64, strict=False)
    return pl.when(text.str.contains(r"^[+-]?[0-9]+$")).then(text.cast(pl.Int64, strict=False))


def check(raw: pl.DataFrame, plain: bool = False) -> tuple[pl.DataFrame, list[Problem]]:
    """Every reading typed, each broken rule named with its line; ``_ok`` when no error. ``plain``:
    every text is a signed digit string or None (the fast path's), so none is stripped or matched."""
    import polars as pl

    def trimmed(f: str) -> pl.Expr:
        filled = pl.col(f).fill_null("")
        return filled if plain else filled.str.strip_chars()

    raw = raw.with_columns(
        *[pl.col(f).is_not_null().alias(f"n_{f}") for f in _FIELDS],
        *[trimmed(f).alias(f"t_{f}") for f in _FIELDS],
    )
    n = {f: pl.col(f"n_{f}") for f in _FIELDS}
    t = {f: pl.col(f"t_{f}") for f in _FIELDS}
    # (rule, field, severity, condition); value and message are made for the rows that break it
    rules: list[tuple[str, str, str, pl.Expr]] = [
        ("missing-element", "timePeriod", "error", ~n["period"]),
    ]
    for f in ("start", "duration", "value"):
        present = n[f] if f == "value" else n["period"] & n[f]
        absent = ~n[f] if f == "value" else n["period"] & ~n[f]
        rules.append(("missing-element", f, "error", absent))
        rules.append(("empty-element", f, "error", present & (t[f] == "")))
        rules.append((_RULES[f], f, "error", present & (t[f] != "") & _integer(f, plain).is_null()))
    for f in ("cost", "quality"):
        rules.append(("empty-element", f, "warning", n[f] & (t[f] == "")))
        rules.append((_RULES[f], f, "error", n[f] & (t[f] != "") & _integer(f, plain).is_null()))
    rules.append(("odd-timestamp", "start", "error", _integer("start", plain) < 0))
    rules.append(("odd-timestamp", "duration", "error", _integer("duration", plain) <= 0))
    flags = raw.select(
        *[cond.fill_null(False).alias(f"r{i}") for i, (_, _, _, cond) in enumerate(rules)],
        pl.col("_line"),
        *[t[f] for f in _FIELDS],
    ).with_row_index("_row")
    errors = [f"r{i}" for i, (_, _, sev, _) in enumerate(rules) if sev == "error"]
    problems: list[Problem] = []
    any_rule = pl.any_horizontal(*[pl.col(f"r{i}") for i in range(len(rules))])
    for row in flags.filter(any_rule).iter_rows(named=True):
        for i, (rule, fld, severity, _) in enumerate(rules):
            if row[f"r{i}"]:
                text = row.get(f"t_{fld}")
                message = _message(rule, fld, text)
                line = row["_line"]
                level: Any = severity
                problems.append(
                    Problem.of(rule, message, line=line, field=fld, value=text or None, severity=level)
                )
    start, duration = _integer("start", plain), _integer("duration", plain)
    table = raw.select(
        pl.col("_entry"),
        pl.when(start >= 0).then(start).alias("start"),
        pl.when(duration > 0).then(duration).alias("duration"),
        _integer("value", plain).alias("value"),
        _integer("cost", plain).alias("cost"),
        _integer("quality", plain).alias("quality"),
        pl.col("_line"),
        ~pl.any_horizontal(*[flags.get_column(c) for c in errors]).alias("_ok"),
    )
    return table, problems


def _message(rule: str, fld: str, text: str | None) -> str:
    if rule == "missing-element":
        return f"the IntervalReading has no {fld}"
    if rule == "empty-element":
        return f"{fld} is empty"
    if rule == "odd-timestamp" and text and text.lstrip("+-").isdigit():
        return f"start {text} is before 1970" if fld == "start" else f"duration {text} is not positive"
    return f"{fld} {text!r} is not a whole number"
