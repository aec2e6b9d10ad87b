"""``hub pledges --agency A [--open]``: an agency's accepted pledges, paid or not, with their age
and a total (``hub.engine.pledge_status``); an unknown agency exits 2."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from hub.cli.output import emit, out
from hub.kernel.wording import counted


def pledges_command(
    agency: Annotated[str, typer.Option("--agency", "-a", help="the agency id")],
    open_only: Annotated[bool, typer.Option("--open", help="only pledges no payment has paid")] = False,
    config: Annotated[
        Path, typer.Option("--config", "-c", envvar="HUB_CONFIG", help="the hub.yaml to use")
    ] = Path("hub.yaml"),
    json_out: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
) -> None:
    """An agency's accepted pledges with their age in days; --open: those not paid yet."""
    from hub.engine import operator
    from hub.engine.config import load_config

    result = operator.agency_pledges(load_config(config), agency, open_only=open_only)
    if json_out:
        emit(result)
    else:
        _show(result)


def _money(cents: int) -> str:
    return f"{cents // 100:,}.{cents % 100:02d}"


def _show(result: dict[str, Any]) -> None:
    from rich.table import Table

    what = "open pledges" if result["open_only"] else "pledges"
    if not result["pledges"]:
        out.print(f"agency {result['agency']}: no {what}")
        return
    table = Table(title=f"Agency {result['agency']}: {what} as of {result['as_of']}", title_justify="left")
    for col in ("pledge", "account", "program", "amount", "pledged", "age (days)", "status", "paid"):
        table.add_column(col, justify="right" if col in ("amount", "age (days)", "paid") else "left")
    for p in result["pledges"]:
        table.add_row(
            p["pledge_id"],
            p["account"],
            p["program"],
            _money(p["amount_cents"]),
            p["pledge_date"],
            str(p["age_days"]),
            p["status"],
            _money(p["paid_cents"]) + (f" on {p['paid_on']}" if p["paid_on"] else ""),
        )
    out.print(table)
    count = counted(result["count"], what.removesuffix("s"))
    out.print(f"{count}, total {_money(result['total_cents'])}", highlight=False)
