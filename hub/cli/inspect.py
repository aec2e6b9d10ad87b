"""``hub inspect``: read any file in one of the hub's formats and say what it holds and what is
wrong with it, without a ledger, a configuration or a delivery. For a bank file that arrived at
the wrong time, a partner's test file, or a file the pipeline rejected."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hub.cli.output import emit, out
from hub.cli.progress import Steps, read_bytes, steps
from hub.kernel.errors import UsageError, os_reason
from hub.kernel.wording import counted

if TYPE_CHECKING:
    from rich.table import Table

    from formats.base import Records

SHOWN_ROWS = 50  # records per table for people, unless --limit or --all; --json has every one
# Columns masked in people's tables besides the format's sensitive fields: (table, column).
MASKED = frozenset({("accounts", "number"), ("summaries", "account"), ("transactions", "account")})


@dataclass(frozen=True)
class Seen:
    """How a format's values are shown to people: fields masked, fields in epoch seconds (dates)."""

    sensitive: frozenset[str]
    epochs: frozenset[str]


FormatOpt = Annotated[str, typer.Option("--format", "-f", help="the file's format, e.g. nacha")]
LimitOpt = Annotated[
    int, typer.Option("--limit", "-n", min=1, help="rows shown per table (the rest counted)")
]
AllOpt = Annotated[bool, typer.Option("--all", help="every row of every table")]
InspectConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="take the format options of --exchange from this hub.yaml"),
]


def inspect_command(
    path: Path,
    fmt: FormatOpt,
    exchange: Annotated[
        str | None, typer.Option("--exchange", "-x", help="use this exchange's options")
    ] = None,
    config: InspectConfigOpt = None,
    json_out: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
    limit: LimitOpt = SHOWN_ROWS,
    show_all: AllOpt = False,
) -> None:
    """Summarise a file (records, batches, totals, a table of each) and list every problem. Exit 1
    when it has errors. On a terminal, a long listing opens in the pager ($PAGER)."""
    from formats import format_names, get_format
    from formats.base import TABLES, ReadContext

    try:
        cls = get_format(fmt)
    except KeyError:
        raise UsageError(f"unknown format {fmt!r} (known: {', '.join(format_names())})") from None
    options: Any = cls.options_model()
    if exchange is not None:
        from hub.engine.config import load_config

        ex = load_config(config or Path("hub.yaml")).exchange(exchange)
        if ex.format_name != fmt:
            raise UsageError(f"exchange {exchange} reads format {ex.format_name}, not {fmt}")
        options = ex.format_options
    ctx = ReadContext(file=path.name, now=datetime.now(UTC))
    fmt_obj = cls(options)
    try:
        with steps(json_out) as progress:
            summary = _summarise(fmt_obj, path, ctx, progress)
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {os_reason(exc)}") from None
    tables: dict[str, Records] = summary.pop(TABLES, {})
    if any(p.get("severity", "error") == "error" for p in summary["problems"]):
        from hub.engine.sniff import HEAD_BYTES, wrong_format

        with path.open("rb") as fh:
            hint = wrong_format(
                fh.read(HEAD_BYTES), fmt, f"exchange {exchange}" if exchange else f"--format {fmt}"
            )
        if hint is not None:
            summary["problems"] = [{**hint.to_dict(), "positions": None}, *summary["problems"]]
    if json_out:
        emit(summary)
    else:
        seen = Seen(frozenset(cls.sensitive_fields), frozenset(cls.epoch_fields))
        _paged(lambda: _show(path, summary, tables, seen, None if show_all else limit))
    if any(p.get("severity", "error") == "error" for p in summary["problems"]):
        raise typer.Exit(1)


def _summarise(fmt_obj: Any, path: Path, ctx: Any, progress: Steps) -> dict[str, Any]:
    """The format's summary of the file, with the bytes read and the stage shown on a terminal."""
    if hasattr(fmt_obj, "inspect_file"):  # a streaming format reads the file itself (bounded memory)
        size = path.stat().st_size
        progress.stage(f"reading and checking {path.name} ({size:,} bytes)")
        return dict(fmt_obj.inspect_file(path, ctx))
    data = read_bytes(path, progress)
    progress.stage(f"checking {path.name} ({len(data):,} bytes)")
    return dict(fmt_obj.inspect(data, ctx))


def _paged(show: Callable[[], None]) -> None:
    """Print what ``show`` prints; on a terminal, through the pager when it is longer than the
    screen (``$PAGER``, else ``less``, told to pass colours and to quit on a short page)."""
    if not out.is_terminal:
        show()
        return
    with out.capture() as captured:
        show()
    text = captured.get()
    if text.count("\n") <= out.size.height or not sys.stdin.isatty():
        out.file.write(text)
        out.file.flush()
        return
    from rich.pager import SystemPager

    os.environ.setdefault("LESS", "-FRX")
    SystemPager().show(text)


def _show(
    path: Path,
    s: dict[str, Any],
    tables: Mapping[str, Records],
    seen: Seen,
    limit: int | None,
) -> None:
    """People's view of any summary: its figures, one table per list of records (the nested lists
    of a record in tables of their own), the format's record tables, then problems."""
    from hub.cli.render import print_problems
    from hub.kernel.problems import Problem

    records = s.get("records", s.get("rows"))
    size = "" if records is None else f", {counted(records, 'record')}"
    out.print(f"{path.name}: {s['format']}{size}")
    figures = [
        f"{k.removesuffix('_cents')} {_figure(k, v, seen)}"
        for k, v in s.items()
        if k not in ("format", "records") and _scalar(v)
    ]
    for name, value in s.items():
        if name != "problems" and isinstance(value, list) and value and isinstance(value[0], dict):
            for title, rows in _lists(name, value).items():
                out.print(_table(title, rows, len(rows), seen, limit))
        elif name != "problems" and isinstance(value, list):
            figures.append(f"{name} {len(value)}")
    for title, found in tables.items():
        frame = found.frame
        shown = frame if limit is None else frame.head(limit)
        out.print(_table(title, shown.iter_rows(named=True), frame.height, seen, limit))
    if figures:
        out.print(", ".join(figures))
    problems = [
        Problem(
            **{k: p.get(k) for k in ("rule", "message", "line", "field", "value", "positions")},
            severity=p.get("severity", "error"),
        )
        for p in s["problems"]
    ]
    if problems:
        print_problems(out, problems, more=" (see --json)")
    else:
        out.print("no problems")


def _lists(name: str, rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """A summary's list of records, and each list nested in its records as a table of its own
    whose rows start with their record's number or id (a BAI2 account's transactions)."""
    found: dict[str, list[dict[str, Any]]] = {name: rows}
    parent = name.removesuffix("s")
    for row in rows:
        key = next((k for k in ("number", "id") if k in row), next(iter(row), ""))
        for field, value in row.items():
            if isinstance(value, list) and value and isinstance(value[0], dict):
                nested = found.setdefault(field, [])
                nested += [{parent: row.get(key), **child} for child in value]
    return found


def _scalar(value: object) -> bool:
    return value is None or isinstance(value, str | int | float)


def _figure(name: str, value: object, seen: Seen) -> str:
    if name.endswith("_cents") and isinstance(value, int):
        return f"{value // 100:,}.{value % 100:02d}" if value >= 0 else f"-{_figure(name, -value, seen)}"
    if name in seen.epochs and isinstance(value, int) and not isinstance(value, bool):
        return _date(value)
    from hub.cli.render import shown

    return "" if value is None else shown(value)


def _date(seconds: int) -> str:
    """Seconds since 1970 as a UTC date; a value beyond the calendar as written."""
    try:
        return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return str(seconds)


def _cell(table: str, column: str, value: object, seen: Seen) -> str:
    """One value as people see it: money in units, times as dates, lists counted, account
    numbers masked."""
    from hub.kernel.problems import mask

    if isinstance(value, list):
        return str(len(value))
    if value is not None and (column in seen.sensitive or (table, column) in MASKED):
        value = mask(str(value).strip())
    return _figure(column, value, seen)


def _table(
    title: str,
    rows: Iterable[dict[str, Any]],
    total: int,
    seen: Seen,
    limit: int | None,
) -> Table:
    """One row per record, the first ``limit`` (None: all); the rest counted in the caption."""
    from itertools import islice

    from rich.table import Table

    more = 0 if limit is None else total - limit
    caption = f"… {counted(more, 'more row')} (use --all)" if more > 0 else None
    table = Table(
        title=f"{title.replace('_', ' ').capitalize()} ({total})",
        title_justify="left",
        caption=caption,
        caption_justify="left",
    )
    shown = list(rows if limit is None else islice(rows, limit))
    columns = list(shown[0]) if shown else []
    for col in columns:
        money = col.endswith("_cents")
        name = "line" if col == "_line" else col.removesuffix("_cents")
        if col in seen.epochs:  # a date is read whole, never folded
            table.add_column(name, no_wrap=True, min_width=len("2000-01-01T00:00:00Z"))
        else:
            table.add_column(name, justify="right" if money else "left", overflow="fold")  # all of an id
    for row in shown:
        table.add_row(*(_cell(title, c, row.get(c), seen) for c in columns))
    return table
