"""OpenPGP through GnuPG (python-gnupg): the hub's own keyring, encrypting and signing outbound
files, decrypting and verifying inbound ones, every byte through gpg's pipes (never a plaintext
file on disk).

The keyring is ``var/gnupg`` (mode 0700), never the user's ``~/.gnupg``. Keys are pinned by
fingerprint (``hub.engine.config_openpgp``); trust is that pin, so gpg's web of trust is not
consulted (``always_trust``). GnuPG's failures are translated here into the hub's errors: a key
missing, expired or revoked is ``KeyUnusable`` (the file is refused, nothing kept or sent), a gpg
that could not finish is ``OpenPgpFailed`` (retry), no gpg program at all is a ``ConfigError``.
Plug-ins never import this module: the engine seals and opens files around them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hub.kernel.errors import ConfigError, KeyUnusable, OpenPgpFailed, os_reason
from hub.kernel.wording import counted

if TYPE_CHECKING:
    import gnupg

    from hub.engine.config_openpgp import PgpPlan

ARMOR_STARTS = (b"-----BEGIN PGP MESSAGE-----", b"-----BEGIN PGP SIGNED MESSAGE-----")
MESSAGE_TAGS = frozenset({1, 3, 4, 8, 11, 18})  # packets an OpenPGP message may start with
SUFFIX = ".pgp"
# gpg's status words that say the message carries a signature, and what each means
SIGNATURE_WORDS = {
    "GOODSIG": "good",
    "BADSIG": "bad signature: the content is not what was signed",
    "EXPSIG": "the signature has expired",
    "EXPKEYSIG": "the signing key has expired",
    "REVKEYSIG": "the signing key is revoked",
    "ERRSIG": "the signature cannot be checked",
}
# The agent of the hub's keyring never keeps a passphrase: each use gives it again (a wrong one fails).
AGENT_CONF = "default-cache-ttl 0\nmax-cache-ttl 0\nallow-loopback-pinentry\n"


def _when(epoch: str | None) -> datetime | None:
    return datetime.fromtimestamp(int(epoch), UTC) if epoch else None


@dataclass(frozen=True)
class KeyInfo:
    """One key of the hub's keyring, as ``hub keys list`` shows it. ``expires`` is when the key
    stops being usable for what it is pinned for: its own expiry, or its subkeys' if earlier."""

    fingerprint: str
    user_id: str
    created: datetime
    expires: datetime | None
    revoked: bool
    secret: bool
    can_encrypt: bool
    can_sign: bool

    def expired(self, now: datetime) -> bool:
        return self.expires is not None and self.expires <= now

    def refusal(self, role: str, now: datetime, *, encrypt: bool = False, sign: bool = False) -> str | None:
        """Why the key cannot serve as ``role`` now, naming it and the date, or None."""
        who = f"{role} key {self.fingerprint} ({self.user_id})"
        if self.revoked:
            return f"{who} is revoked; import the partner's new key with `hub keys import FILE`"
        if self.expires is not None and self.expired(now):
            return (
                f"{who} expired on {self.expires:%Y-%m-%d}; import a renewed key with "
                "`hub keys import FILE`, then reprocess"
            )
        if encrypt and not self.can_encrypt:
            return f"{who} has no usable encryption subkey"
        if sign and not self.can_sign:
            return f"{who} cannot sign"
        return None

    def to_dict(self, now: datetime) -> dict[str, Any]:
        return {
            "fingerprint": self.fingerprint,
            "user_id": self.user_id,
            "created": self.created.isoformat(),
            "expires": None if self.expires is None else self.expires.isoformat(),
            "expired": self.expired(now),
            "revoked": self.revoked,
            "secret": self.secret,
            "can_encrypt": self.can_encrypt,
            "can_sign": self.can_sign,
        }


def _key_info(raw: dict[str, Any], secret: set[str]) -> KeyInfo:
    """A key as python-gnupg lists it (gpg's colon listing) -> KeyInfo."""
    expires = _when(raw.get("expires"))
    caps = raw.get("cap", "")
    if "e" not in caps:  # encryption is a subkey's: the key encrypts until its last one expires
        ends = [
            _when(s.get("expires")) for s in raw.get("subkey_info", {}).values() if "e" in s.get("cap", "")
        ]
        if ends and None not in ends:
            last = max(e for e in ends if e is not None)
            expires = last if expires is None else min(expires, last)
    uids = raw.get("uids") or [""]
    return KeyInfo(
        fingerprint=raw["fingerprint"],
        user_id=uids[0],
        created=_when(raw["date"]) or datetime.fromtimestamp(0, UTC),
        expires=expires,
        revoked=raw.get("trust") == "r",
        secret=raw["fingerprint"] in secret,
        can_encrypt="E" in caps,
        can_sign="S" in caps,
    )


@dataclass(frozen=True)
class Opened:
    """An inbound file after gpg: its content (None when gpg could not give it), whether it was
    encrypted, the primary fingerprint of a good signature's key, and gpg's word on the signature."""

    data: bytes | None
    encrypted: bool
    signed_by: str | None
    signature: str | None  # None: unsigned; else the verdict ('good', 'no public key', ...)
    key_id: str | None  # the signature's key id


class Keyring:
    """The hub's own GnuPG home (created 0700 on first use)."""

    def __init__(self, home: Path) -> None:
        import gnupg

        self.home = home
        self._listed: list[KeyInfo] | None = None
        logging.getLogger("gnupg").setLevel(logging.ERROR)  # its failures are translated here
        try:
            home.mkdir(parents=True, exist_ok=True)
            home.chmod(0o700)
            conf = home / "gpg-agent.conf"
            if not conf.exists():
                conf.write_text(AGENT_CONF, encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"the hub's keyring {home}: {os_reason(exc)}") from None
        try:
            self._gpg = gnupg.GPG(gnupghome=str(home))
        except (OSError, ValueError) as exc:
            raise ConfigError(
                f"cannot run GnuPG ({exc}); install the gpg program (Debian: apt-get install gnupg)"
            ) from None

    def listing(self) -> list[KeyInfo]:
        """Every key, public ones and those the utility holds the secret of (read once)."""
        if self._listed is None:
            secret = {k["fingerprint"] for k in self._gpg.list_keys(secret=True)}
            self._listed = [_key_info(k, secret) for k in self._gpg.list_keys()]
        return self._listed

    def key(self, fingerprint: str, role: str) -> KeyInfo:
        """The key with exactly ``fingerprint``; ``KeyUnusable`` naming ``hub keys import`` if none."""
        for key in self.listing():
            if key.fingerprint == fingerprint:
                return key
        raise KeyUnusable(
            f"{role} key {fingerprint} is not in the hub's keyring ({self.home}); "
            "import it with `hub keys import FILE`"
        )

    def import_keys(self, data: bytes) -> list[str]:
        """Import public or secret keys; the fingerprints imported or updated."""
        result = self._gpg.import_keys(data)
        self._listed = None
        return sorted({r["fingerprint"] for r in result.results if r.get("fingerprint") and r.get("ok")})

    def encrypt(self, data: bytes, recipient: str, signer: str | None, passphrase: str) -> bytes:
        """``data`` encrypted to ``recipient`` (binary OpenPGP), signed by ``signer`` when given."""
        result = self._gpg.encrypt(
            data,
            [recipient],
            sign=signer,
            passphrase=(passphrase or None) if signer else None,  # "" would be read as data
            always_trust=True,
            armor=False,
        )
        if not result.ok:
            raise self._failure("encrypting", result, signer)
        return bytes(result.data)

    def decrypt(self, data: bytes, passphrase: str) -> Opened:
        """Decrypt (or just unwrap a signed message) and check the signature, if any."""
        result = self._gpg.decrypt(data, passphrase=passphrase or None, always_trust=True)
        encrypted = "BEGIN_DECRYPTION" in result.stderr
        if encrypted and not result.ok:
            if why := _passphrase_refused(result.stderr):
                raise KeyUnusable(f"the utility's key could not decrypt: {why}")
            missing = [
                ln.split()[2] for ln in result.stderr.splitlines() if ln.startswith("[GNUPG:] NO_SECKEY ")
            ]
            if missing:
                return Opened(
                    None, True, None, "encrypted to a key the hub does not hold", ", ".join(missing)
                )
            return Opened(None, True, None, result.status, None)
        status, key_id = _signature(result.stderr)
        signed_by = result.pubkey_fingerprint if result.valid and status == "good" else None
        return Opened(bytes(result.data), encrypted, signed_by, status, key_id)

    def _failure(self, doing: str, result: gnupg.Crypt, signer: str | None) -> Exception:
        """GnuPG's failure as the hub's error; gpg's last words, never the data."""
        status = result.status or "failed"
        if why := _passphrase_refused(result.stderr):
            return KeyUnusable(f"signing key {signer}: {why}")
        last = [ln for ln in result.stderr.splitlines() if ln.startswith("gpg:")][-1:]
        return OpenPgpFailed(f"GnuPG failed {doing}: {status}{'; ' + last[0] if last else ''}")


def _signature(stderr: str) -> tuple[str | None, str | None]:
    """The first signature's verdict from gpg's status lines and its key id; (None, None) when
    the message is not signed. A key the keyring lacks is ``no public key``."""
    for line in stderr.splitlines():
        parts = line.split()
        if len(parts) > 2 and parts[0] == "[GNUPG:]" and parts[1] in SIGNATURE_WORDS:
            word, key_id = parts[1], parts[2]
            if word == "ERRSIG" and ("[GNUPG:] NO_PUBKEY" in stderr or parts[7:8] == ["9"]):
                return "no public key", key_id
            return SIGNATURE_WORDS[word], key_id
    return None, None


def _passphrase_refused(stderr: str) -> str | None:
    """Why GnuPG would not use the utility's secret key, when that was the passphrase."""
    where = "(openpgp.passphrase_env or passphrase_file in hub.yaml)"
    if "Bad passphrase" in stderr:
        return f"GnuPG refused the passphrase {where}"
    if "Inappropriate ioctl" in stderr or "No pinentry" in stderr:
        return f"the key needs a passphrase and none is configured {where}"
    return None


def usable(
    ring: Keyring, fingerprint: str, role: str, now: datetime, *, encrypt: bool = False, sign: bool = False
) -> KeyInfo:
    """The pinned key, or ``KeyUnusable`` saying why it cannot serve (missing, revoked, expired)."""
    key = ring.key(fingerprint, role)
    why = key.refusal(role, now, encrypt=encrypt, sign=sign)
    if why:
        raise KeyUnusable(why)
    if (sign or role.startswith("signing")) and not key.secret:
        raise KeyUnusable(
            f"{role} key {fingerprint}: the hub holds only its public part; import the secret key "
            "with `hub keys import FILE`"
        )
    return key


def check_outbound(plan: PgpPlan, now: datetime) -> Keyring:
    """The keyring, once the recipient (and the signing key, when signing) are usable now."""
    assert plan.encryption is not None
    ring = Keyring(plan.home)
    usable(ring, plan.encryption.recipient, "recipient", now, encrypt=True)
    if plan.encryption.sign and plan.signing_key:
        usable(ring, plan.signing_key, "signing", now, sign=True)
        plan.passphrase()  # SecretMissing now, before anything is written
    return ring


def seal(plan: PgpPlan, ring: Keyring, data: bytes) -> bytes:
    """The partner's file encrypted to its recipient (and signed), in memory."""
    assert plan.encryption is not None
    signer = plan.signing_key if plan.encryption.sign else None
    return ring.encrypt(data, plan.encryption.recipient, signer, plan.passphrase() if signer else "")


def is_openpgp(data: bytes) -> bool:
    """Whether ``data`` is an OpenPGP message: armored, or binary starting with a message packet."""
    if data.lstrip()[:40].startswith(ARMOR_STARTS):
        return True
    if not data or not data[0] & 0x80:
        return False
    first = data[0]
    tag = first & 0x3F if first & 0x40 else (first >> 2) & 0x0F
    return tag in MESSAGE_TAGS


def open_inbound(plan: PgpPlan, data: bytes, now: datetime) -> tuple[bytes, None] | tuple[None, str]:
    """An inbound file's content to parse, or why it is rejected (never parsed). A file that is
    not OpenPGP passes as it is unless a signature is required."""
    dec = plan.decryption
    assert dec is not None
    if not is_openpgp(data):
        if dec.require_signature:
            return (
                None,
                f"the file is not OpenPGP-signed; the exchange requires the signature of key {dec.signer}",
            )
        return data, None
    ring = Keyring(plan.home)
    opened = ring.decrypt(data, plan.passphrase())
    if opened.data is None:
        to = "" if opened.key_id is None else f"; key id {opened.key_id}"
        return None, f"the file could not be decrypted with the utility's key ({opened.signature}{to})"
    if opened.signed_by is None:
        if not dec.require_signature and opened.signature is None:
            return opened.data, None
        return None, _unsigned(opened, dec.signer)
    if opened.signed_by != dec.signer:
        return None, f"signed by key {opened.signed_by}, not by the pinned signer {dec.signer}"
    why = ring.key(dec.signer, "signer").refusal("signer", now)
    if why:
        return None, why
    return opened.data, None


def _unsigned(opened: Opened, signer: str) -> str:
    status = opened.signature
    if status is None:
        return f"the file is not signed; the exchange requires the signature of key {signer}"
    if status == "no public key":
        return (
            f"signed by an unknown key (id {opened.key_id}), not the pinned signer {signer}; "
            "the signature cannot be verified"
        )
    return f"the signature does not verify ({status}; key id {opened.key_id}); expected key {signer}"


def key_alerts(plan: PgpPlan, ring: Keyring, now: datetime) -> list[dict[str, Any]]:
    """The exchange's pinned keys that are missing, unusable or expire within the warning days."""
    pinned: list[tuple[str, str]] = []
    if plan.encryption is not None:
        pinned.append(("recipient", plan.encryption.recipient))
        if plan.encryption.sign and plan.signing_key:
            pinned.append(("signing", plan.signing_key))
    if plan.decryption is not None:
        pinned.append(("signer", plan.decryption.signer))
        if plan.signing_key:
            pinned.append(("decrypting", plan.signing_key))
    alerts = []
    known = {k.fingerprint: k for k in ring.listing()}
    for role, fpr in pinned:
        key = known.get(fpr)
        alert: dict[str, Any] = {"role": role, "fingerprint": fpr, "expires": None, "days_left": None}
        if key is None:
            alerts.append(
                {**alert, "message": f"{role} key {fpr} is not in the hub's keyring (hub keys import)"}
            )
            continue
        alert["expires"] = None if key.expires is None else key.expires.isoformat()
        why = key.refusal(role, now)
        if why:
            alerts.append({**alert, "message": why})
        elif key.expires is not None and key.expires - now <= timedelta(days=plan.warn_days):
            days = (key.expires - now).days
            alerts.append(
                {
                    **alert,
                    "days_left": days,
                    "message": f"{role} key {fpr} ({key.user_id}) expires on {key.expires:%Y-%m-%d} "
                    f"(in {counted(days, 'day')}); ask for a renewed key and `hub keys import` it",
                }
            )
    return alerts
