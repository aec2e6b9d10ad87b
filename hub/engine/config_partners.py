"""``partners:`` in hub.yaml: where ``hub partner`` prepares the utility's own SFTP server for
partners who drop files (chroots, authorized keys, the sshd_config fragment), and the completion
rule a partner's drop folder gets by default.

Every path here ends up in sshd_config, where spaces split words and ``%`` expands tokens, so only
plain absolute paths are accepted.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field, field_validator

from connectors.base import Completion, Strict

if TYPE_CHECKING:
    from hub.engine.config_transport import FolderSource

PLAIN_PATH = re.compile(r"^/[A-Za-z0-9._/-]*$")


class PartnersConfig(Strict):
    """Partners uploading into this machine's OpenSSH server (``internal-sftp``, chrooted). Each
    partner's chroot is ``<base>/<name>`` (root-owned) and its drop folder ``<base>/<name>/upload``,
    which is the exchange's watched source folder itself (a link would not be seen in a chroot)."""

    base: Path = Field(Path("/srv/hub-sftp"), description="chroots: <base>/<name>, uploads in <name>/upload")
    keys_dir: Path = Field(Path("/etc/ssh/hub-partners"), description="<name>.keys, root-owned")
    sshd_fragment: Path = Field(
        Path("/etc/ssh/sshd_config.d/hub-partners.conf"), description="the Match blocks; Include it"
    )
    sshd_config: Path = Field(Path("/etc/ssh/sshd_config"), description="the server's main file, checked")
    sshd: Path = Field(Path("/usr/sbin/sshd"), description="checks the fragment (sshd -t / -T)")
    group: str | None = Field(
        None, description="the hub's group (reads uploads); default: hub.yaml's folder's"
    )
    manage_users: bool = Field(True, description="useradd/usermod the partners' system users")

    @field_validator("base", "keys_dir", "sshd_fragment", "sshd_config", "sshd")
    @classmethod
    def _plain(cls, path: Path) -> Path:
        return plain_path(path)


def plain_path(path: Path) -> Path:
    """``path`` if it is safe to write into sshd_config; ``ValueError`` otherwise."""
    if not PLAIN_PATH.fullmatch(str(path)) or ".." in path.parts:
        raise ValueError(
            f"{str(path)!r} must be an absolute path of letters, digits and . _ - / only "
            "(it is written into sshd_config)"
        )
    return path


PARTNER_COMPLETION = Completion(rule="size-stable")


def partner_source(source: FolderSource, path: Path, partners: PartnersConfig) -> FolderSource:
    """A drop folder inside the partners' base takes what a plain ``sftp put`` allows: the file is
    written in place under its final name, so ``rename`` would take it half-uploaded; size-stable is
    the default there unless the exchange names a rule (``marker`` when the partner sends one)."""
    if "completion" in source.model_fields_set or not path.resolve().is_relative_to(partners.base.resolve()):
        return source
    return source.model_copy(update={"completion": PARTNER_COMPLETION})
