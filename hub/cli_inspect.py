"""``hub inspect``: read any file in one of the hub's formats and say what it holds and what is
wrong with it, without a ledger, a configuration or a delivery. For a bank file that arrived at
the wrong time, a partner's test file, or a file the pipeline rejected."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from hub.cli_output import emit, err, out

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
        from hub.config import load_config

        ex = load_config(config or Path("hub.yaml")).exchange(exchange)
        if ex.format_name != fmt:
            err.print(f"exchange {exchange} reads format {ex.format_name}, not {fmt}")
            raise typer.Exit(2)
        options = ex.format_options
    try:
        data = path.read_bytes()
    except OSError as exc:
        err.print(f"{path}: cannot read: {exc.strerror}")
        raise typer.Exit(2) from None
    summary = cls(options).inspect(data, ReadContext(file=path.name, now=datetime.now(UTC)))
    if json_out:
        emit(summary)
    else:
        _show(path, summary)
    if any(p.get("severity", "error") == "error" for p in summary["problems"]):
        raise typer.Exit(1)


def _money(cents: int) -> str:
    return f"{cents // 100:,}.{cents % 100:02d}"


def _show(path: Path, s: dict[str, Any]) -> None:
    from rich.table import Table

    from hub.problems import Problem
    from hub.render import problems_table

    out.print(f"{path.name}: {s['format']}, {s.get('records', s.get('rows', 0))} records")
    if s.get("batches"):
        table = Table(title="Batches", title_justify="left")
        for col in ("batch", "class", "company", "SEC", "entries", "debits", "credits"):
            table.add_column(col, justify="right" if col in ("entries", "debits", "credits") else "left")
        for b in s["batches"]:
            table.add_row(
                str(b["number"]),
                b["service_class"],
                b["company_id"],
                b.get("sec_code", ""),
                str(b["entries"]),
                _money(b["debit_cents"]),
                _money(b["credit_cents"]),
            )
        out.print(table)
    if "entries" in s:
        out.print(
            f"entries {s['entries']}, returns {len(s['returns'])}, notifications of change {len(s['nocs'])}; "
            f"debits {_money(s['debit_cents'])}, credits {_money(s['credit_cents'])}"
        )
    problems = [
        Problem(
            **{k: p.get(k) for k in ("rule", "message", "line", "field", "value", "positions")},
            severity=p.get("severity", "error"),
        )
        for p in s["problems"]
    ]
    if problems:
        out.print(problems_table(problems, limit=len(problems)))
    else:
        out.print("no problems")
