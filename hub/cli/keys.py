"""``hub keys``: the hub's own OpenPGP keyring (``var/gnupg``): import a partner's public key or
the utility's secret signing key, and list what is there. Exchanges pin keys by fingerprint in
hub.yaml (``encryption.recipient``, ``decryption.signer``, ``openpgp.signing_key``).

Exit codes as for every ``hub`` command: 0 done; 1 the file held no key; 2 usage or configuration.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hub.cli.output import emit, out

if TYPE_CHECKING:
    from hub.engine.openpgp import Keyring

keys_app = typer.Typer(
    no_args_is_help=True,
    help="The hub's OpenPGP keyring: partners' public keys and the utility's signing key.",
)

ConfigOpt = Annotated[Path, typer.Option("--config", "-c", envvar="HUB_CONFIG", help="the hub.yaml to use")]
JsonOpt = Annotated[bool, typer.Option("--json", help="machine-readable output")]


def _keyring(config: Path) -> Keyring:
    from hub.engine.config import load_config
    from hub.engine.openpgp import Keyring

    return Keyring(load_config(config).var / "gnupg")


@keys_app.command("import")
def import_key(
    path: Annotated[Path, typer.Argument(metavar="FILE", help="an exported key, binary or armored")],
    config: ConfigOpt = Path("hub.yaml"),
    json_out: JsonOpt = False,
) -> None:
    """Import a partner's public key or the utility's secret key (a renewed key updates its expiry)."""
    from hub.kernel.errors import UsageError, os_reason

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {os_reason(exc)}") from None
    ring = _keyring(config)
    imported = set(ring.import_keys(data))
    now = datetime.now(UTC)
    keys = [k.to_dict(now) for k in ring.listing() if k.fingerprint in imported]
    if json_out:
        emit({"file": str(path), "imported": keys})
    elif keys:
        for key in keys:
            out.print(f"imported {_line(key)}", highlight=False)
    else:
        out.print(f"[red]no key imported[/red]: {path} holds no OpenPGP key the keyring could take")
    if not keys:
        raise typer.Exit(1)


@keys_app.command("list")
def list_keys(config: ConfigOpt = Path("hub.yaml"), json_out: JsonOpt = False) -> None:
    """Every key: fingerprint, user id, created, expires, expired/revoked, secret or public."""
    now = datetime.now(UTC)
    keys = [k.to_dict(now) for k in _keyring(config).listing()]
    if json_out:
        emit(keys)
        return
    if not keys:
        out.print("no keys; import one with `hub keys import FILE`")
    for key in keys:
        out.print(_line(key), highlight=False)


def _line(key: dict[str, Any]) -> str:
    kind = "secret" if key["secret"] else "public"
    expires = "never expires" if key["expires"] is None else f"expires {key['expires'][:10]}"
    state = " REVOKED" if key["revoked"] else " EXPIRED" if key["expired"] else ""
    created = key["created"][:10]
    return f"{key['fingerprint']}  {kind}  {key['user_id']}  created {created}, {expires}{state}"
