"""``hub suspense [--date D] [--exchange X]``: the payments delivered to the CIS's suspense account
(``hub.engine.suspense``, as the console's suspense page reads them), with their total: what a
clerk works through each morning. Account numbers come out masked."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from hub.cli.output import emit, err, out


def suspense_command(
    day: Annotated[
        str | None,
        typer.Option(
            "--date", "-d", help="the deposit date, YYYY-MM-DD (default: the last 7 days' deliveries)"
        ),
    ] = None,
    exchange: Annotated[str | None, typer.Option("--exchange", "-x", help="only this exchange")] = None,
    config: Annotated[
        Path, typer.Option("--config", "-c", envvar="HUB_CONFIG", help="the hub.yaml to use")
    ] = Path("hub.yaml"),
    json_out: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
) -> None:
    """List the payments delivered to suspense: date, lockbox/batch, masked account, amount, reason, file."""
    from hub.engine.config import load_config
    from hub.engine.suspense import suspense_payments

    deposit_date = None
    if day is not None:
        try:
            deposit_date = date.fromisoformat(day)
        except ValueError:
            err.print(f"--date {day!r}: expected a date as YYYY-MM-DD")
            raise typer.Exit(2) from None
    settings = load_config(config)
    if exchange is not None:
        settings.exchange(exchange)  # an unknown exchange is a usage error, not an empty list
    found = suspense_payments(settings, first=deposit_date, last=deposit_date)
    payments = [p for p in found.payments if exchange is None or p["exchange"] == exchange]
    result = {
        "deposit_date": None if deposit_date is None else deposit_date.isoformat(),
        "exchange": exchange,
        "payments": payments,
        "count": len(payments),
        "total_cents": sum(p["amount_cents"] for p in payments),
        "batches_read": found.batches_read,
        "unreadable": found.unreadable,
    }
    if json_out:
        emit(result)
    else:
        _show(result)


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}${abs(cents) // 100:,}.{abs(cents) % 100:02d}"


def _show(result: dict[str, Any]) -> None:
    from rich.table import Table

    from hub.cli.render import shown

    when = result["deposit_date"] or "the last 7 days' deliveries"
    for batch in result["unreadable"]:
        out.print(f"[bold red]not read[/]: CIS batch {shown(batch)} is no longer in its folder")
    if not result["payments"]:
        out.print(f"no payments in suspense ({when})")
        return
    table = Table(title=f"Payments in suspense ({when})", title_justify="left")
    for col in ("date", "exchange", "lockbox/batch/item", "check", "account", "amount", "reason", "file"):
        table.add_column(col, justify="right" if col in ("amount", "file") else "left")
    for p in result["payments"]:
        table.add_row(
            p["deposit_date"],
            shown(p["exchange"]),
            shown("/".join(x for x in (p["lockbox"], p["batch"], p["item"]) if x)),
            shown(p["check_number"]),
            shown(p["account"]),
            _money(p["amount_cents"]),
            shown(p["reason"]),
            str(p["file_id"]),
        )
    out.print(table)
    out.print(f"{result['count']} payments, {_money(result['total_cents'])} in suspense")
