"""OpenSSH's side of ``hub partner``: a partner's public key checked with ``ssh-keygen``, the
``Match User`` blocks of the sshd_config fragment, and what ``sshd`` itself says of them.

Only what ``ssh-keygen -l`` accepts as one public key is written, behind ``restrict`` (no
forwarding, no terminal, whatever the server's defaults say)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hub.kernel.errors import ConfigError, UsageError, os_reason

KEY_TYPES = {
    "ssh-ed25519",
    "ssh-rsa",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
}
MIN_RSA_BITS = 2048
SFTP_ONLY = "internal-sftp -u 0027"  # uploads rw-r----- : the hub's group reads them, no one else


@dataclass(frozen=True)
class PublicKey:
    """One partner key: the line written to its keys file and its SHA256 fingerprint."""

    line: str
    fingerprint: str
    kind: str
    bits: int


def read_key(path: Path) -> PublicKey:
    """The one OpenSSH public key in ``path``, or a ``UsageError`` saying what is wrong with it (a
    private key, several keys, options, not a key at all, a weak key)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = os_reason(exc) if isinstance(exc, OSError) else "not text"
        raise UsageError(f"key {path}: cannot read: {reason}") from None
    if "PRIVATE KEY" in text:
        raise UsageError(f"key {path}: this is a private key; ask the partner for its .pub file only")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if len(lines) != 1:
        raise UsageError(f"key {path}: expected exactly one public key line, found {len(lines)}")
    words = lines[0].split()
    if len(words) < 2 or words[0] not in KEY_TYPES:
        shown = words[0][:40] if words else ""
        raise UsageError(
            f"key {path}: not an OpenSSH public key (starts with {shown!r}; expected one of "
            f"{', '.join(sorted(KEY_TYPES))} and no options)"
        )
    listed = subprocess.run(
        ["ssh-keygen", "-l", "-E", "sha256", "-f", str(path)], capture_output=True, text=True, check=False
    )
    if listed.returncode != 0:
        said = (listed.stderr or listed.stdout).strip().splitlines()
        raise UsageError(f"key {path}: ssh-keygen cannot read it: {said[-1] if said else 'refused'}")
    bits_text, fingerprint = listed.stdout.split()[:2]
    bits = int(bits_text)
    if words[0] == "ssh-rsa" and bits < MIN_RSA_BITS:
        raise UsageError(f"key {path}: an RSA key of {bits} bits is too weak (at least {MIN_RSA_BITS})")
    comment = "".join(ch for ch in " ".join(words[2:]) if ch.isprintable())[:80]
    line = f"restrict {words[0]} {words[1]}" + (f" {comment}" if comment else "")
    return PublicKey(line=line, fingerprint=fingerprint, kind=words[0], bits=bits)


def match_block(name: str, chroot: Path, keys_file: Path, *, disabled: bool, note: str) -> str:
    """One partner's ``Match User`` block: chrooted, SFTP only, public key only; a disabled partner's
    block offers no way to authenticate at all."""
    lines = [
        f"# {note}",
        f"Match User {name}",
        f"    ChrootDirectory {chroot}",
        f"    ForceCommand {SFTP_ONLY}",
    ]
    if disabled:
        lines += ["    AuthorizedKeysFile none", "    PubkeyAuthentication no"]
    else:
        lines += [f"    AuthorizedKeysFile {keys_file}", "    PubkeyAuthentication yes"]
    lines += [
        "    AuthenticationMethods publickey",
        "    PasswordAuthentication no",
        "    KbdInteractiveAuthentication no",
        "    AllowTcpForwarding no",
        "    AllowAgentForwarding no",
        "    AllowStreamLocalForwarding no",
        "    PermitTunnel no",
        "    X11Forwarding no",
        "    PermitTTY no",
    ]
    return "\n".join(lines) + "\n"


def fragment(blocks: list[str], *, registry: Path, path: Path) -> str:
    """The whole fragment file: a header saying who writes it and how it is included, then blocks."""
    head = (
        f"# Written by `hub partner` from {registry}; changes made here are overwritten.\n"
        f"# The server's sshd_config includes it: Include {path}\n"
        "# (sshd needs a `Subsystem sftp` line of its own; ForceCommand turns it into internal-sftp.)\n"
    )
    return "\n".join([head, *blocks])


def _sshd(binary: Path) -> str | None:
    if binary.exists():
        return str(binary)
    return shutil.which("sshd")


def check_fragment(text: str, binary: Path) -> str | None:
    """Check the fragment's syntax with ``sshd -t`` in a throwaway configuration that includes it
    (before anything is written). ``ConfigError`` with sshd's words when sshd refuses it; returns
    why it could not be checked, or None when it was."""
    sshd = _sshd(binary)
    if sshd is None:
        return "not checked: sshd is not installed here"
    if os.geteuid() != 0:
        return "not checked: sshd -t needs root"
    with tempfile.TemporaryDirectory(prefix="hub-sshd-check-") as tmp:
        folder = Path(tmp)
        key = folder / "host"
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True, capture_output=True
        )
        (folder / "fragment.conf").write_text(text, encoding="utf-8")
        main = folder / "sshd_config"
        main.write_text(
            f"HostKey {key}\nSubsystem sftp internal-sftp\nInclude {folder / 'fragment.conf'}\n",
            encoding="utf-8",
        )
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd -t wants its privilege-separation folder
        tested = subprocess.run([sshd, "-t", "-f", str(main)], capture_output=True, text=True, check=False)
    if tested.returncode != 0:
        said = " ".join(tested.stderr.split())
        raise ConfigError(f"sshd refuses the partners' fragment (nothing written): {said}")
    return None


def effective(name: str, main: Path, binary: Path) -> dict[str, str] | str:
    """What the running server's configuration (``main``, with its includes) gives partner
    ``name``: ``sshd -T -C user=NAME`` as a dict; or why that could not be asked."""
    sshd = _sshd(binary)
    if sshd is None:
        return "sshd is not installed here"
    if os.geteuid() != 0:
        return "sshd -T needs root"
    if not main.is_file():
        return f"{main} does not exist"
    asked = subprocess.run(
        [sshd, "-T", "-f", str(main), "-C", f"user={name},host=localhost,addr=127.0.0.1"],
        capture_output=True,
        text=True,
        check=False,
    )
    if asked.returncode != 0:
        return "sshd -T says: " + " ".join(asked.stderr.split())
    settings: dict[str, str] = {}
    for line in asked.stdout.splitlines():
        key, _, value = line.partition(" ")
        settings.setdefault(key.lower(), value)
    return settings


def included_note(name: str, chroot: Path, main: Path, fragment_path: Path, binary: Path) -> str | None:
    """None when the server's configuration really chroots ``name`` (the fragment is included and
    sshd has an sftp subsystem); else what the administrator must still do."""
    found = effective(name, main, binary)
    if isinstance(found, str):
        return f"not checked against the server's configuration: {found}"
    if found.get("chrootdirectory") != str(chroot):
        return f"{main} does not include the fragment yet: add `Include {fragment_path}` near its top"
    if "subsystem" not in found:
        return f"{main} has no `Subsystem sftp` line; add `Subsystem sftp internal-sftp`"
    return None


def reload_hint() -> str:
    """What makes a running sshd read the fragment again (new connections use it)."""
    return "reload sshd (systemctl reload ssh) for new log-ins to use it"
