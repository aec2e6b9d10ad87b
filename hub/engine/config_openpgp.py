"""OpenPGP configuration: which partner key an outbound file is encrypted to (and whether the
utility signs it), which partner key must have signed an inbound file, and the utility's own
signing key with where its passphrase comes from.

Keys are pinned by their full 40-hex fingerprint: the key used is the one with exactly that
fingerprint in the hub's own keyring (``var/gnupg``, ``hub keys import``), never one found by a
name or e-mail address. The passphrase never lives in ``hub.yaml``: an environment variable or a
file names it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

from pydantic import AfterValidator, Field

from connectors.base import Strict
from hub.kernel.errors import SecretMissing, os_reason

if TYPE_CHECKING:
    from hub.engine.config import ExchangeConfig
    from mappings.base import ExchangeKind, MappingOptions


def _fingerprint(value: str) -> str:
    """A full v4 fingerprint, spaces allowed (as gpg prints it), kept upper-case without them."""
    fpr = value.replace(" ", "").upper()
    if len(fpr) != 40 or any(c not in "0123456789ABCDEF" for c in fpr):
        raise ValueError(
            "must be a key's full 40-hex-digit fingerprint (see `hub keys list`), not a key id or name"
        )
    return fpr


Fingerprint = Annotated[str, AfterValidator(_fingerprint)]


class Encryption(Strict):
    """Outbound: encrypt the partner's file to ``recipient`` (its key's fingerprint) and, with
    ``sign``, sign it with the utility's key (``openpgp.signing_key``)."""

    recipient: Fingerprint = Field(description="the partner key's 40-hex fingerprint")
    sign: bool = Field(True, description="also sign with openpgp.signing_key")


class Decryption(Strict):
    """Inbound: an OpenPGP file (binary or armored) is decrypted with the utility's key before it
    is read; its signature must be ``signer``'s. With ``require_signature`` (the default) a file
    without a good signature of that key, or not OpenPGP at all, is rejected."""

    signer: Fingerprint = Field(description="fingerprint of the partner key that must have signed")
    require_signature: bool = Field(True, description="reject a file without that key's good signature")


class OpenPgpConfig(Strict):
    """The utility's own key (signs outbound files, decrypts inbound ones) and its passphrase:
    from the environment variable ``passphrase_env`` or the file ``passphrase_file`` (relative to
    hub.yaml's folder); neither means the key has none. A pinned key expiring within
    ``expiry_warning_days`` is an alert in ``hub status``."""

    signing_key: Fingerprint | None = Field(None, description="the utility's key: signs and decrypts")
    passphrase_env: str | None = Field(None, description="environment variable holding its passphrase")
    passphrase_file: Path | None = Field(None, description="file holding its passphrase")
    expiry_warning_days: int = Field(30, ge=0, description="alert when a pinned key expires this soon")


@dataclass(frozen=True)
class PgpPlan:
    """One exchange's OpenPGP settings, resolved: the keyring, what to do, and the utility's key."""

    home: Path  # the hub's keyring, var/gnupg
    encryption: Encryption | None
    decryption: Decryption | None
    signing_key: str | None
    passphrase_env: str | None
    passphrase_file: Path | None  # absolute
    warn_days: int

    def passphrase(self) -> str:
        """The utility key's passphrase, read when needed and never kept or shown ('' for none)."""
        if self.passphrase_env:
            value = os.environ.get(self.passphrase_env)
            if value is None:
                raise SecretMissing(f"openpgp.passphrase_env names {self.passphrase_env}, which is not set")
            return value
        if self.passphrase_file:
            try:
                return self.passphrase_file.read_text(encoding="utf-8").rstrip("\r\n")
            except (OSError, UnicodeDecodeError) as exc:
                reason = os_reason(exc) if isinstance(exc, OSError) else "not UTF-8 text"
                raise SecretMissing(f"openpgp.passphrase_file {self.passphrase_file}: {reason}") from None
        return ""


def pgp_problems(
    ex: ExchangeConfig, kind: type[ExchangeKind[MappingOptions]], pgp: OpenPgpConfig
) -> list[str]:
    """Mistakes of an exchange's OpenPGP settings, each as ``<key>: <message>``."""
    outbound = kind.direction == "outbound"
    problems = []
    if ex.encryption is not None and not outbound:
        problems.append(
            f"encryption: kind {kind.name} takes files in; use decryption for its partner's files"
        )
    if ex.decryption is not None and outbound:
        problems.append(f"decryption: kind {kind.name} sends files out; use encryption")
    if ex.encryption is not None and ex.encrypt is False:
        problems.append("encrypt: false contradicts the encryption given; leave one out")
    if kind.requires_encryption and ex.encryption is None and ex.encrypt is not False:
        problems.append(
            f"encryption: kind {kind.name} sends personal data and must be encrypted: add "
            "encryption: {recipient: <the partner key's fingerprint>} (after `hub keys import`), "
            "or say encrypt: false explicitly"
        )
    if ex.encryption is not None and ex.encryption.sign and pgp.signing_key is None:
        problems.append("encryption.sign: openpgp.signing_key (the utility's key) is not configured")
    if ex.decryption is not None and pgp.signing_key is None:
        problems.append(
            "decryption: openpgp.signing_key (the utility's key, which decrypts) is not configured"
        )
    return problems


def plan_of(ex: ExchangeConfig, pgp: OpenPgpConfig, *, var: Path, root: Path) -> PgpPlan | None:
    """The exchange's resolved OpenPGP plan, or None when it neither encrypts nor decrypts."""
    if ex.encryption is None and ex.decryption is None:
        return None
    return PgpPlan(
        home=var / "gnupg",
        encryption=ex.encryption,
        decryption=ex.decryption,
        signing_key=pgp.signing_key,
        passphrase_env=pgp.passphrase_env,
        passphrase_file=None if pgp.passphrase_file is None else root / pgp.passphrase_file,
        warn_days=pgp.expiry_warning_days,
    )
