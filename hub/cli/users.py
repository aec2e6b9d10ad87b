"""``hub user``: the operator console's users (add with a role, disable, list) and ``hub console``,
which serves the console.

A password is never an argument (it would sit in the shell's history and the process list): it is
asked for twice at a terminal, or read from the first line of stdin when stdin is not a terminal.
"""

from __future__ import annotations

import getpass
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hub.cli.output import emit, out
from hub.engine.config import load_config
from hub.kernel.errors import UsageError

if TYPE_CHECKING:
    from hub.engine.config import Settings

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


def console_tls(settings: Settings) -> tuple[Path, Path] | None:
    """hub.yaml's ``console.tls_cert`` and ``console.tls_key`` (relative to its folder), if given."""
    section = settings.config.console
    if section.tls_cert is None or section.tls_key is None:
        return None
    return settings.root / section.tls_cert, settings.root / section.tls_key


class ConsoleThread:
    """The console served by uvicorn in a thread beside ``hub run`` (its signals stay the service's:
    uvicorn installs none outside the main thread). ``start`` waits until it listens."""

    def __init__(self, app: Any, host: str, port: int, tls: tuple[Path, Path] | None = None) -> None:
        import uvicorn

        cert, key = (str(tls[0]), str(tls[1])) if tls else (None, None)
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level="warning",
            server_header=False,
            ssl_certfile=cert,
            ssl_keyfile=key,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="console", daemon=True)
        self.where = f"{'https' if tls else 'http'}://{host}:{port}/"

    def start(self, timeout: float = 30.0) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise UsageError(f"the operator console could not listen on {self.where} (port in use?)")
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def console_app(settings: Settings, **overrides: Any) -> Any:
    """The console's application for ``settings`` (``hub console`` and ``hub run --console``):
    hub.yaml's ``console:`` section, each override given (not None) winning over it."""
    from hub.console.app import ConsoleOptions, create_app

    return create_app(settings, ConsoleOptions.of(settings.config.console, **overrides))


UploadLimitOpt = Annotated[
    int | None,
    typer.Option(min=1, help="the largest corrected file the console takes, in MB (console.upload_limit_mb)"),
]


def console_command(
    config: ConfigOpt = Path("hub.yaml"),
    host: Annotated[
        str | None, typer.Option(help="the address to listen on (console.host; default: this machine only)")
    ] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="console.port (default 8470)")] = None,
    tls_cert: Annotated[Path | None, typer.Option(help="serve over TLS with this certificate (PEM)")] = None,
    tls_key: Annotated[Path | None, typer.Option(help="the certificate's private key (PEM)")] = None,
    lock_after: Annotated[int | None, typer.Option(min=1, help="failed log-ins that lock a user")] = None,
    lock_minutes: Annotated[float | None, typer.Option(min=0.0, help="how long a user stays locked")] = None,
    upload_limit_mb: UploadLimitOpt = None,
) -> None:
    """Serve the operator console (a web page: Today, files, a file's problems and actions on it)
    until Ctrl-C. Every option's default is hub.yaml's ``console:`` section."""
    import uvicorn

    if (tls_cert is None) != (tls_key is None):
        raise typer.BadParameter("--tls-cert and --tls-key go together")
    settings = load_config(config)
    section = settings.config.console
    if tls_cert is None and (configured := console_tls(settings)) is not None:
        tls_cert, tls_key = configured
    app = console_app(
        settings,
        upload_limit_mb=upload_limit_mb,
        tls=tls_cert is not None,
        lock_after=lock_after,
        lock_minutes=lock_minutes,
    )
    host = host or section.host
    port = port or section.port
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
