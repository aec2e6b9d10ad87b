"""``hub partner``: partners who drop files into the utility's own SFTP server (OpenSSH's
``internal-sftp``, each chrooted to its drop folder, which is its exchange's watched folder).

``add`` makes the partner's system user, chroot, keys file and ``Match User`` block (root is
needed); ``--print`` shows the block and writes nothing. ``disable`` stops its log-ins and keeps
its files; ``enable`` lets it in again with a key; ``rotate-key`` replaces its key; ``remove``
forgets a disabled partner (its chroot and files stay)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hub.cli.output import emit, err, out
from hub.engine.config import load_config

if TYPE_CHECKING:
    from hub.engine.partners import Change

partner_app = typer.Typer(no_args_is_help=True, help="Partners dropping files over SFTP into this server.")

ConfigOpt = Annotated[Path, typer.Option("--config", "-c", envvar="HUB_CONFIG", help="the hub.yaml to use")]
JsonOpt = Annotated[bool, typer.Option("--json", help="machine-readable output")]
KeyOpt = Annotated[Path, typer.Option("--key", "-k", help="the partner's OpenSSH public key (.pub)")]


def _show(change: Change, json_out: bool, what: str) -> None:
    if json_out:
        emit(
            {
                "partner": change.partner.model_dump(),
                "upload": str(change.partner.upload),
                "done": change.done,
                "notes": change.notes,
            }
        )
        return
    p = change.partner
    out.print(f"{what} partner {p.name} (exchange {p.exchange}, key {p.fingerprint})", highlight=False)
    for line in change.done:
        out.print(f"  {line}", highlight=False)
    for note in change.notes:
        err.print(f"note: {note}", highlight=False)


@partner_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="the partner's name, also its system user name")],
    exchange: Annotated[str, typer.Option("--exchange", "-x", help="the exchange its uploads feed")],
    key: KeyOpt,
    base: Annotated[
        Path | None, typer.Option(help="the chroots' folder (default partners.base in hub.yaml)")
    ] = None,
    print_only: Annotated[
        bool, typer.Option("--print", help="print the sshd Match block; write nothing")
    ] = False,
    config: ConfigOpt = Path("hub.yaml"),
    json_out: JsonOpt = False,
) -> None:
    """Add a partner: its system user, its chroot with a writable upload/ (the exchange's watched
    folder), its key and its Match block in the sshd_config fragment."""
    from hub.engine import partners

    change = partners.add(load_config(config), name, exchange, key, base=base, dry=print_only)
    if print_only:
        if json_out:
            emit({"block": change.fragment_block, "notes": change.notes})
        else:
            typer.echo(change.fragment_block, nl=False)
        return
    _show(change, json_out, "added")
    if not json_out:
        out.print(
            f"  the partner uploads with: sftp {name}@<this server>  (lands in {change.partner.upload})"
        )


@partner_app.command("disable")
def disable(name: str, config: ConfigOpt = Path("hub.yaml"), json_out: JsonOpt = False) -> None:
    """Stop a partner's log-ins (key removed, user locked, no way in); its files stay."""
    from hub.engine import partners

    _show(partners.disable(load_config(config), name), json_out, "disabled")


@partner_app.command("enable")
def enable(name: str, key: KeyOpt, config: ConfigOpt = Path("hub.yaml"), json_out: JsonOpt = False) -> None:
    """Let a disabled partner log in again, with a key (its old one was removed on disable)."""
    from hub.engine import partners

    _show(partners.enable(load_config(config), name, key), json_out, "enabled")


@partner_app.command("remove")
def remove(name: str, config: ConfigOpt = Path("hub.yaml"), json_out: JsonOpt = False) -> None:
    """Forget a disabled partner: Match block, keys file, registry entry and system user go; its
    chroot and uploaded files stay."""
    from hub.engine import partners

    _show(partners.remove(load_config(config), name), json_out, "removed")


@partner_app.command("rotate-key")
def rotate_key(
    name: str, key: KeyOpt, config: ConfigOpt = Path("hub.yaml"), json_out: JsonOpt = False
) -> None:
    """Replace a partner's key: the old key is refused from the next log-in on."""
    from hub.engine import partners

    _show(partners.rotate_key(load_config(config), name, key), json_out, "new key for")


@partner_app.command("list")
def list_(config: ConfigOpt = Path("hub.yaml"), json_out: JsonOpt = False) -> None:
    """Every partner: exchange, drop folder, key fingerprint, added, key changed, disabled."""
    from hub.engine.partner_registry import listing

    rows = listing(load_config(config))
    if json_out:
        emit(rows)
        return
    from rich.table import Table

    table = Table("name", "exchange", "state", "drop folder", "key", "added", "key changed", "disabled")
    for r in rows:
        table.add_row(
            *(str(r[k] or "") for k in ("name", "exchange", "state", "upload", "fingerprint")),
            *(str(r[k] or "")[:10] for k in ("added_at", "key_changed_at", "disabled_at")),
        )
    out.print(table)
