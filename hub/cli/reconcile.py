"""``hub reconcile --date D``: each lockbox's deposit of a day, as the lockbox files tell it against
what the bank reports it credited (``hub.engine.reconcile``). Exit 1 when anything does not match."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from hub.cli.output import emit, out
from hub.kernel.errors import UsageError

STATUS_TEXT = {
    "matched": "matched",
    "missing-bank": "[bold red]no bank deposit[/]",
    "missing-lockbox": "[bold red]no lockbox file[/]",
    "different": "[bold red]DIFFERENT[/]",
}


def reconcile_command(
    day: Annotated[str, typer.Option("--date", "-d", help="the deposit date, YYYY-MM-DD")],
    config: Annotated[
        Path, typer.Option("--config", "-c", envvar="HUB_CONFIG", help="the hub.yaml to use")
    ] = Path("hub.yaml"),
    json_out: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
) -> None:
    """Reconcile a deposit date: lockbox files against the bank's reported deposits, per lockbox."""
    from hub.engine import operator
    from hub.engine.config import load_config

    try:
        deposit_date = date.fromisoformat(day)
    except ValueError:
        raise UsageError(f"--date {day!r}: expected a date as YYYY-MM-DD") from None
    result = operator.reconcile(load_config(config), deposit_date)
    if json_out:
        emit(result)
    else:
        show_reconcile(result)
    if not result["matched"]:
        raise typer.Exit(1)


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100:,}.{abs(cents) % 100:02d}"


def show_reconcile(result: dict[str, Any]) -> None:
    from rich.table import Table

    if not result["lockboxes"]:
        out.print(f"no deposits recorded for {result['deposit_date']}")
        return
    table = Table(title=f"Deposits of {result['deposit_date']}", title_justify="left")
    for col in ("lockbox", "status", "items", "lockbox files", "bank", "difference"):
        table.add_column(col, justify="left" if col in ("lockbox", "status") else "right")
    for lb in result["lockboxes"]:
        table.add_row(
            lb["lockbox"],
            STATUS_TEXT[lb["status"]],
            str(lb["lockbox_items"]),
            _money(lb["lockbox_cents"]),
            _money(lb["bank_cents"]),
            _money(lb["difference_cents"]),
        )
    out.print(table)
    out.print("all matched" if result["matched"] else "[bold red]deposits do not reconcile[/]")
