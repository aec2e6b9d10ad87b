"""``hub partner``: partners who drop files into this machine's OpenSSH server, each chrooted to
``<partners.base>/<name>`` with one writable folder, ``upload/``, which is the exchange's watched
source folder itself (a bind mount or a link would not be seen from inside a chroot, and the hub
takes what lands there with the exchange's completion rule, ``size-stable`` by default).

This module makes the system side (users, folders, keys files, the sshd_config fragment) from the
registry (:mod:`hub.engine.partner_registry`); the fragment is always rewritten whole from it. An
existing system user is never taken over.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from hub.engine import partner_sshd as sshd
from hub.engine.config_partners import plain_path
from hub.engine.partner_registry import UPLOAD, Partner, check_name, get, load, now, registry_path, save
from hub.kernel.errors import ConfigError, HubError, UsageError, os_reason
from hub.kernel.files import publish_bytes

if TYPE_CHECKING:
    from hub.engine.config import Settings
    from hub.engine.config_partners import PartnersConfig


@dataclass
class Change:
    """What a ``hub partner`` command did (or would do, with ``--print``), and what is left to do."""

    partner: Partner
    fragment_block: str
    done: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# -- what sshd is given ---------------------------------------------------------------------------


def _keys_file(cfg: PartnersConfig, name: str) -> Path:
    return cfg.keys_dir / f"{name}.keys"


def _block(cfg: PartnersConfig, p: Partner) -> str:
    state = f"disabled {p.disabled_at[:10]}" if p.disabled_at else f"key {p.fingerprint}"
    note = f"partner {p.name}: exchange {p.exchange}, {state}"
    return sshd.match_block(
        p.name, Path(p.chroot), _keys_file(cfg, p.name), disabled=p.disabled_at is not None, note=note
    )


def _fragment(settings: Settings, partners: dict[str, Partner], change: Change) -> str:
    """The whole fragment for ``partners``, checked with sshd before anything is written."""
    cfg = settings.config.partners
    blocks = [_block(cfg, p) for p in sorted(partners.values(), key=lambda p: p.name)]
    text = sshd.fragment(blocks, registry=registry_path(settings), path=cfg.sshd_fragment)
    unchecked = sshd.check_fragment(text, cfg.sshd)
    if unchecked:
        change.notes.append(f"sshd_config fragment {unchecked}")
    return text


def _install(settings: Settings, text: str, change: Change, *, gone: bool = False) -> None:
    """Write the fragment (root-owned, 0644) and say whether the server's configuration uses it
    (``gone``: the partner was removed, there is nothing of its to check)."""
    cfg = settings.config.partners
    _root_folder(cfg.sshd_fragment.parent)
    _publish(cfg.sshd_fragment, text.encode(), 0o644)
    change.done.append(f"wrote {cfg.sshd_fragment}")
    if gone:
        change.notes.append(sshd.reload_hint())
        return
    note = sshd.included_note(
        change.partner.name, Path(change.partner.chroot), cfg.sshd_config, cfg.sshd_fragment, cfg.sshd
    )
    change.notes.append(note or f"{cfg.sshd_config} includes it; {sshd.reload_hint()}")


def _publish(path: Path, data: bytes, mode: int) -> None:
    try:
        publish_bytes(path, data, mode=mode)
        os.chmod(path, mode)
    except OSError as exc:
        raise HubError(f"{path}: cannot write: {os_reason(exc)}") from exc


# -- the system: folders, users ------------------------------------------------------------------


def _root_folder(folder: Path) -> None:
    """A folder owned by root and writable by no one else, as sshd wants every part of a chroot's
    path (and of a keys file's)."""
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o755)
        if os.geteuid() == 0:
            os.chown(folder, 0, 0)
        os.chmod(folder, 0o755)
    except OSError as exc:
        raise HubError(f"{folder}: cannot prepare: {os_reason(exc)}") from exc


def _chroot_problem(chroot: Path) -> str | None:
    """Why sshd would refuse ``chroot``: a part of its path not owned by root, or writable by
    others (the partner could swap the folder under sshd's feet)."""
    for part in [chroot, *chroot.parents]:
        if not part.exists():
            continue
        st = part.stat()
        if st.st_uid != 0 or st.st_mode & 0o022:
            return (
                f"{part} is not owned by root or is writable by group or others; sshd refuses a "
                "chroot below it (choose partners.base under a root-owned folder such as /srv)"
            )
    return None


def _hub_gid(settings: Settings) -> int:
    group = settings.config.partners.group
    if group is None:
        return settings.root.stat().st_gid
    try:
        return grp.getgrnam(group).gr_gid
    except KeyError:
        raise ConfigError(f"partners.group: no group named {group!r} on this machine") from None


def _run(cmd: list[str]) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        said = " ".join((done.stderr or done.stdout).split())
        raise HubError(f"{' '.join(cmd)} failed: {said}")


def _nologin() -> str:
    return next((s for s in ("/usr/sbin/nologin", "/sbin/nologin") if Path(s).exists()), "/bin/false")


def _user(settings: Settings, name: str, exchange: str, change: Change) -> pwd.struct_passwd:
    """The partner's system user: made here (no home, no shell, no password, its own group), or
    with ``manage_users: false`` one the administrator made. An existing user is never taken over."""
    cfg = settings.config.partners
    try:
        existing: pwd.struct_passwd | None = pwd.getpwnam(name)
    except KeyError:
        existing = None
    if cfg.manage_users:
        if existing is not None:
            raise UsageError(
                f"a system user named {name!r} exists already; a partner gets a user of its own "
                "(choose another name, or set partners.manage_users: false and prepare users yourself)"
            )
        if os.geteuid() != 0:
            raise UsageError("hub partner add makes a system user and sshd files: run it as root")
        comment = f"hub partner, exchange {exchange}"
        home = f"/{UPLOAD}"  # seen from inside the chroot: the partner starts in its drop folder
        shell = _nologin()
        user_opts = ["--system", "--no-create-home", "--home-dir", home, "--shell", shell, "--password", "*"]
        _run(["useradd", *user_opts, "--user-group", "--comment", comment, name])
        change.done.append(f"made system user {name}")
        return pwd.getpwnam(name)
    if existing is None:
        raise UsageError(f"no system user named {name!r}; with partners.manage_users: false, make it first")
    if existing.pw_uid == 0:
        raise UsageError(f"user {name!r} has uid 0; a partner is never root")
    return existing


def _upload_folder(settings: Settings, chroot: Path, user: pwd.struct_passwd, change: Change) -> None:
    """The chroot (root's, 0755) and its drop folder: the partner's, in the hub's group, setgid so
    uploads belong to the hub's group too (rwxrws---)."""
    _root_folder(chroot.parent)
    _root_folder(chroot)
    upload = chroot / UPLOAD
    try:
        upload.mkdir(exist_ok=True)
        os.chown(upload, user.pw_uid, _hub_gid(settings))
        os.chmod(upload, 0o2770)
    except OSError as exc:
        raise HubError(f"{upload}: cannot prepare: {os_reason(exc)}") from exc
    change.done.append(f"made chroot {chroot} and drop folder {upload}")


def _check_exchange(settings: Settings, exchange: str, upload: Path) -> list[str]:
    """The exchange must watch exactly the partner's drop folder, with a rule a plain ``sftp put``
    satisfies; returns notes for what is allowed but worth saying."""
    ex = settings.exchange(exchange)
    source = ex.config.source
    if source.type != "folder":
        raise UsageError(
            f"exchange {exchange} pulls from an SFTP server; a partner drops into a folder source"
        )
    if ex.source_path.resolve() != upload.resolve():
        raise UsageError(
            f"exchange {exchange} takes files from {ex.source_path}; the partner's uploads land in "
            f"{upload}: set exchanges.{exchange}.source.path to {upload} (and allow_outside_root: true)"
        )
    if source.completion.rule == "rename":
        raise UsageError(
            f"exchange {exchange}: completion rule 'rename' would take a file half-uploaded (a plain "
            "`sftp put` writes under the final name); remove the completion rule (size-stable is the "
            "default in partners.base) or use marker if the partner sends one"
        )
    notes = []
    if not ex.config.watch and ex.config.schedule is None:
        notes.append(f"exchange {exchange} is neither watched nor scheduled: files wait for `hub cycle`")
    if ex.archive_path.resolve().is_relative_to(upload.resolve()):
        notes.append(
            f"archived files go to {ex.archive_path}, inside the partner's drop folder (it sees the "
            "folder, cannot open it); set source.archive_dir elsewhere on the same file system to hide it"
        )
    return notes


def _stored_key(settings: Settings, key: Path, partners: dict[str, Partner], name: str) -> sshd.PublicKey:
    public = sshd.read_key(key)
    for other in partners.values():
        if other.fingerprint == public.fingerprint and other.name != name:
            raise UsageError(
                f"key {key} ({public.fingerprint}) is partner {other.name}'s already; one key each"
            )
    return public


# -- the commands ------------------------------------------------------------------------------


def add(settings: Settings, name: str, exchange: str, key: Path, *, base: Path | None, dry: bool) -> Change:
    """Add partner ``name`` for ``exchange`` with its public key; ``dry``: only say what would be
    written (the Match block), write nothing."""
    cfg = settings.config.partners
    partners = load(settings)
    check_name(name)
    if name in partners:
        raise UsageError(f"partner {name} exists already (rotate-key changes its key)")
    chroot = (base or cfg.base) / name
    if base is not None:
        try:
            plain_path(base)  # the same rule as in hub.yaml: it is written into sshd_config
        except ValueError as exc:
            raise UsageError(f"--base: {exc}") from None
    notes = _check_exchange(settings, exchange, chroot / UPLOAD)
    public = _stored_key(settings, key, partners, name)
    partner = Partner(
        name=name,
        exchange=exchange,
        chroot=str(chroot),
        fingerprint=public.fingerprint,
        key_type=public.kind,
        added_at=now(),
    )
    change = Change(partner, _block(cfg, partner), notes=notes)
    if dry:
        return change
    problem = _chroot_problem(chroot.parent)
    if problem:
        raise UsageError(problem)
    text = _fragment(settings, {**partners, name: partner}, change)
    user = _user(settings, name, exchange, change)
    _upload_folder(settings, chroot, user, change)
    _root_folder(cfg.keys_dir)
    _publish(_keys_file(cfg, name), (public.line + "\n").encode(), 0o644)
    change.done.append(f"wrote {_keys_file(cfg, name)}")
    _install(settings, text, change)
    save(settings, {**partners, name: partner})
    return change


def disable(settings: Settings, name: str) -> Change:
    """No more log-ins: the key is removed, the user locked and expired, its Match block offers no
    way in. Files already uploaded stay where they are (the exchange still takes them)."""
    cfg = settings.config.partners
    partners = load(settings)
    partner = get(settings, name)
    if partner.disabled_at:
        raise UsageError(f"partner {name} was disabled already ({partner.disabled_at})")
    partner = partner.model_copy(update={"disabled_at": now()})
    partners[name] = partner
    change = Change(partner, _block(cfg, partner))
    try:
        _keys_file(cfg, name).unlink(missing_ok=True)
    except OSError as exc:
        raise HubError(f"{_keys_file(cfg, name)}: cannot remove: {os_reason(exc)}") from exc
    change.done.append(f"removed {_keys_file(cfg, name)}")
    if cfg.manage_users and shutil.which("usermod"):
        _run(["usermod", "--lock", "--expiredate", "1", name])
        change.done.append(f"locked system user {name}")
    _install(settings, _fragment(settings, partners, change), change)
    save(settings, partners)
    return change


def rotate_key(settings: Settings, name: str, key: Path) -> Change:
    """Replace the partner's key: the old one is refused from the next log-in on."""
    cfg = settings.config.partners
    partners = load(settings)
    partner = get(settings, name)
    if partner.disabled_at:
        raise UsageError(f"partner {name} is disabled ({partner.disabled_at}); its key is not changed")
    public = _stored_key(settings, key, partners, name)
    partner = partner.model_copy(
        update={"fingerprint": public.fingerprint, "key_type": public.kind, "key_changed_at": now()}
    )
    partners[name] = partner
    change = Change(partner, _block(cfg, partner))
    _publish(_keys_file(cfg, name), (public.line + "\n").encode(), 0o644)
    change.done.append(f"wrote {_keys_file(cfg, name)}")
    _install(settings, _fragment(settings, partners, change), change)
    save(settings, partners)
    return change


def enable(settings: Settings, name: str, key: Path) -> Change:
    """Let a disabled partner in again, with ``key`` (its old key was removed when it was disabled):
    the user unlocked, its keys file written, its Match block open again."""
    cfg = settings.config.partners
    partners = load(settings)
    partner = get(settings, name)
    if not partner.disabled_at:
        raise UsageError(f"partner {name} is not disabled (rotate-key changes its key)")
    public = _stored_key(settings, key, partners, name)
    changed = {"fingerprint": public.fingerprint, "key_type": public.kind, "key_changed_at": now()}
    partner = partner.model_copy(update={**changed, "disabled_at": None})
    partners[name] = partner
    change = Change(partner, _block(cfg, partner))
    text = _fragment(settings, partners, change)
    if cfg.manage_users and shutil.which("usermod"):
        _run(["usermod", "--unlock", "--expiredate", "", name])
        change.done.append(f"unlocked system user {name}")
    _root_folder(cfg.keys_dir)
    _publish(_keys_file(cfg, name), (public.line + "\n").encode(), 0o644)
    change.done.append(f"wrote {_keys_file(cfg, name)}")
    _install(settings, text, change)
    save(settings, partners)
    return change


def remove(settings: Settings, name: str) -> Change:
    """Forget a disabled partner: its Match block, its keys file, its registry entry and (when the
    hub made it) its system user go. Its chroot and whatever it uploaded stay, owned by root, for
    the exchange to take and the operator to archive; nothing uploaded is ever deleted here."""
    cfg = settings.config.partners
    partners = load(settings)
    partner = get(settings, name)
    if not partner.disabled_at:
        raise UsageError(
            f"partner {name} is active; disable it first (`hub partner disable {name}`), then remove it"
        )
    del partners[name]
    change = Change(partner, "")
    text = _fragment(settings, partners, change)
    try:
        _keys_file(cfg, name).unlink(missing_ok=True)
    except OSError as exc:
        raise HubError(f"{_keys_file(cfg, name)}: cannot remove: {os_reason(exc)}") from exc
    upload = partner.upload
    if upload.is_dir():
        try:
            os.chown(upload, 0, upload.stat().st_gid)  # the user's uid may be given to someone else
        except OSError as exc:
            raise HubError(f"{upload}: cannot give to root: {os_reason(exc)}") from exc
        left = sum(1 for _ in upload.iterdir())
        change.notes.append(f"{partner.chroot} kept (its drop folder holds {left} entries), now root's")
    if cfg.manage_users and shutil.which("userdel"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            pass
        else:
            _run(["userdel", name])
            change.done.append(f"removed system user {name}")
    _install(settings, text, change, gone=True)
    save(settings, partners)
    return change
