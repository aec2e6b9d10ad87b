"""``hub user``: the operator console's users (add with a role, disable, list) and ``hub console``,
which serves the console.

A password is never an argument (it would sit in the shell's history and the process list): it is
asked for twice at a terminal, or read from the first line of stdin when stdin is not a terminal.
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Annotated

import typer

from hub.cli.output import emit, out
from hub.engine.config import load_config

user_app = typer.Typer(no_args_is_help=True, help="The operator console's users and their roles.")

ConfigOpt = Annotated[Path, typer.Option("--config", "-c", envvar="HUB_CONFIG", help="the hub.yaml to use")]
JsonOpt = Annotated[bool, typer.Option("--json", help="machine-readable output")]


def _password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise typer.BadParameter("the two passwords differ")
    return first


@user_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="the user's log-in name")],
    role: Annotated[str, typer.Option("--role", "-r", help="viewer | operator | admin")],
    config: ConfigOpt = Path("hub.yaml"),
) -> None:
    """Add a user with a role; the password comes from a prompt (or stdin when not a terminal)."""
    from hub.engine.users import ROLES, add_user

    if role not in ROLES:
        raise typer.BadParameter(f"{role!r} is not one of {', '.join(ROLES)}", param_hint="--role")
    settings = load_config(config)
    user = add_user(settings, name, role, _password())
    out.print(f"added {user.name} ({user.role})")


@user_app.command("disable")
def disable(name: str, config: ConfigOpt = Path("hub.yaml")) -> None:
    """Disable a user: no more log-ins, and their open sessions end at their next request."""
    from hub.engine.users import disable_user

    disable_user(load_config(config), name)
    out.print(f"disabled {name}")


@user_app.command("list")
def list_(config: ConfigOpt = Path("hub.yaml"), json_out: JsonOpt = False) -> None:
    """Every user: name, role, disabled, failed log-ins, locked until."""
    from hub.engine.users import list_users

    users = list_users(load_config(config))
    if json_out:
        emit(users)
        return
    from rich.table import Table

    table = Table("name", "role", "disabled", "failed log-ins", "locked until", "last log-in")
    for u in users:
        table.add_row(
            u["name"],
            u["role"],
            "yes" if u["disabled"] else "no",
            str(u["failed_logins"]),
            u["locked_until"] or "",
            u["last_login_at"] or "",
        )
    out.print(table)


def console_command(
    config: ConfigOpt = Path("hub.yaml"),
    host: Annotated[str, typer.Option(help="the address to listen on (default: this machine only)")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8470,
    tls_cert: Annotated[Path | None, typer.Option(help="serve over TLS with this certificate (PEM)")] = None,
    tls_key: Annotated[Path | None, typer.Option(help="the certificate's private key (PEM)")] = None,
    lock_after: Annotated[int, typer.Option(min=1, help="failed log-ins that lock a user")] = 5,
    lock_minutes: Annotated[float, typer.Option(min=0.0, help="how long a user stays locked")] = 15.0,
) -> None:
    """Serve the operator console (a web page: Today, files, a file's problems) until Ctrl-C."""
    import uvicorn

    from hub.console.app import ConsoleOptions, create_app

    if (tls_cert is None) != (tls_key is None):
        raise typer.BadParameter("--tls-cert and --tls-key go together")
    settings = load_config(config)
    options = ConsoleOptions(tls=tls_cert is not None, lock_after=lock_after, lock_minutes=lock_minutes)
    app = create_app(settings, options)
    scheme = "https" if tls_cert else "http"
    out.print(f"operator console on {scheme}://{host}:{port}/ (Ctrl-C stops it)")
    uvicorn.run(
        app,
        host=host,
        port=port,
        ssl_certfile=str(tls_cert) if tls_cert else None,
        ssl_keyfile=str(tls_key) if tls_key else None,
        log_level="warning",
        server_header=False,
    )
