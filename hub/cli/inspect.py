"""``hub inspect``: read any file in one of the hub's formats and say what it holds and what is
wrong with it, without a ledger, a configuration or a delivery. For a bank file that arrived at
the wrong time, a partner's test file, or a file the pipeline rejected."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hub.cli.output import emit, err, out
from hub.kernel.errors import os_reason

if TYPE_CHECKING:
    from rich.table import Table

SHOWN_ROWS = 50  # records per table for people; --json has every one

FormatOpt = Annotated[str, typer.Option("--format", "-f", help="the file's format, e.g. nacha")]
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
) -> None:
    """Summarise a file (records, batches, totals) and list every problem. Exit 1 when it has errors."""
    from formats import format_names, get_format
    from formats.base import ReadContext

    try:
        cls = get_format(fmt)
    except KeyError:
        err.print(f"unknown format {fmt!r} (known: {', '.join(format_names())})")
        raise typer.Exit(2) from None
    options: Any = cls.options_model()
    if exchange is not None:
        from hub.engine.config import load_config

        ex = load_config(config or Path("hub.yaml")).exchange(exchange)
        if ex.format_name != fmt:
            err.print(f"exchange {exchange} reads format {ex.format_name}, not {fmt}")
            raise typer.Exit(2)
        options = ex.format_options
    ctx = ReadContext(file=path.name, now=datetime.now(UTC))
    fmt_obj = cls(options)
    try:
        if hasattr(fmt_obj, "inspect_file"):  # a streaming format reads the file itself (bounded memory)
            summary = fmt_obj.inspect_file(path, ctx)
        else:
            summary = fmt_obj.inspect(path.read_bytes(), ctx)
    except OSError as exc:
        err.print(f"{path}: cannot read: {os_reason(exc)}")
        raise typer.Exit(2) from None
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
        _show(path, summary)
    if any(p.get("severity", "error") == "error" for p in summary["problems"]):
        raise typer.Exit(1)


def _show(path: Path, s: dict[str, Any]) -> None:
    """People's view of any summary: its figures, one table per list of records, then problems."""
    from hub.cli.render import print_problems
    from hub.kernel.problems import Problem

    out.print(f"{path.name}: {s['format']}, {s.get('records', s.get('rows', 0))} records")
    figures = [
        f"{k.removesuffix('_cents')} {_figure(k, v)}"
        for k, v in s.items()
        if k not in ("format", "records") and _scalar(v)
    ]
    for name, value in s.items():
        if name != "problems" and isinstance(value, list) and value and isinstance(value[0], dict):
            out.print(_table(name, value))
        elif name != "problems" and isinstance(value, list):
            figures.append(f"{name} {len(value)}")
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


def _scalar(value: object) -> bool:
    return value is None or isinstance(value, str | int | float)


def _figure(name: str, value: object) -> str:
    if name.endswith("_cents") and isinstance(value, int):
        return f"{value // 100:,}.{value % 100:02d}" if value >= 0 else f"-{_figure(name, -value)}"
    from hub.cli.render import shown

    return "" if value is None else shown(value)


def _table(title: str, rows: list[dict[str, Any]]) -> Table:
    """One row per record, the first ``SHOWN_ROWS``; nested lists counted, money in units."""
    from rich.table import Table

    more = len(rows) - SHOWN_ROWS
    caption = f"... and {more} more (see --json)" if more > 0 else None
    table = Table(
        title=title.replace("_", " ").capitalize(),
        title_justify="left",
        caption=caption,
        caption_justify="left",
    )
    columns = list(rows[0])
    for col in columns:
        table.add_column(col.removesuffix("_cents"), justify="right" if col.endswith("_cents") else "left")
    for row in rows[:SHOWN_ROWS]:
        table.add_row(
            *(
                f"{len(row[c])} rows" if isinstance(row.get(c), list) else _figure(c, row.get(c))
                for c in columns
            )
        )
    return table
