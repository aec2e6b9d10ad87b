"""SFTP (paramiko): pull from a partner's server, push to it.

Security by default: key authentication only (the passphrase from the environment); the server's
host key must match the one pinned for the partner in a known_hosts file. An unknown or changed key
is refused with the offered fingerprint and how to pin it; nothing is ever added on its own.
paramiko, socket and OS errors are translated here, mid-download too: a dropped or timed-out
connection is ``ConnectorRetryable`` (retried with backoff), authentication and host keys are final.
paramiko is imported on first use: reading hub.yaml never pays for it.
"""

from __future__ import annotations

import base64
import errno
import hashlib
import io
import os
import posixpath
import socket
import stat
from collections.abc import Callable, Iterator
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar

from pydantic import Field

from connectors.base import (
    Completion,
    Destination,
    Item,
    PostAction,
    Retry,
    Source,
    Strict,
    archive_name,
    check_name,
    with_retries,
)
from hub.kernel.errors import (
    ConnectorFatal,
    ConnectorRetryable,
    HostKeyRefused,
    HubError,
    SecretMissing,
    StillChanging,
    os_reason,
)

if TYPE_CHECKING:
    import paramiko
    from paramiko.sftp_client import SFTPClient
    from paramiko.sftp_file import SFTPFile

T = TypeVar("T")
BLOCK = 32 * 1024  # the SFTP read size servers accept
WINDOW = 4 * 1024 * 1024  # read ahead at most this much: memory stays bounded


class SftpServer(Strict):
    """A partner's SFTP server. Key authentication only; the key's passphrase comes from the
    environment variable ``passphrase_env``. The server's host key must be pinned in
    ``known_hosts`` (OpenSSH format); an unknown or changed key is refused, never added."""

    host: str = Field(min_length=1, description="server name or address")
    port: int = Field(22, ge=1, le=65535, description="SSH port")
    user: str = Field(min_length=1, description="login name")
    key_file: Path = Field(description="private key file (mode 0600)")
    passphrase_env: str | None = Field(None, description="environment variable holding the key's passphrase")
    known_hosts: Path = Field(description="OpenSSH known_hosts file pinning the server's host key")
    timeout_seconds: float = Field(30, gt=0, le=600, description="connect and read timeout")
    retry: Retry = Field(Retry(), description="retries of a dropped or timed-out connection")


def fingerprint(key: paramiko.PKey) -> str:
    """The key's fingerprint as OpenSSH prints it: ``SHA256:<base64 without padding>``."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def _windows(remote: SFTPFile, size: int, path: str) -> Iterator[bytes]:
    """The file in windows of ``WINDOW`` bytes, each read with its ``BLOCK`` requests in flight at
    once (``readv``). A plain ``read`` waits one round trip per block; ``prefetch`` could hold the
    whole file in memory. A file that is shorter or longer than listed raises ``StillChanging``
    before its last window is handed over, so nothing of it is landed."""
    for start in range(0, size, WINDOW):
        end = min(start + WINDOW, size)
        window = b"".join(remote.readv([(o, min(BLOCK, end - o)) for o in range(start, end, BLOCK)]))
        if len(window) != end - start:
            raise StillChanging(f"{path}: shorter than the {size} bytes listed; still changing")
        if end == size:
            _check_end(remote, size, path)
        yield window
    if size == 0:
        _check_end(remote, size, path)


def _check_end(remote: SFTPFile, size: int, path: str) -> None:
    remote.seek(size)
    if remote.read(1):
        raise StillChanging(f"{path}: longer than the {size} bytes listed; still changing")


class _Download(io.RawIOBase):
    """A remote file as a readable stream; the transport's errors come out in the hub's terms."""

    def __init__(self, conn: SftpConnection, remote: SFTPFile, size: int, path: str) -> None:
        super().__init__()
        self.conn, self.remote, self.path = conn, remote, path
        self.windows = _windows(remote, size, path)
        self.pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self.pending:
            try:
                self.pending = memoryview(next(self.windows))
            except StopIteration:
                return 0
            except BaseException as exc:
                raise self.conn.translate(exc, f"downloading {self.path}") from exc
        n = min(len(buffer), len(self.pending))
        buffer[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        return n

    def close(self) -> None:
        with suppress(Exception):
            self.remote.close()
        super().close()


def _known_name(host: str, port: int) -> str:
    return host if port == 22 else f"[{host}]:{port}"


class SftpConnection:
    """One authenticated SFTP session to a partner, opened on first use."""

    def __init__(self, server: SftpServer, *, root: Path = Path()) -> None:
        self.server = server
        self.root = root
        self._transport: paramiko.Transport | None = None
        self._sftp: SFTPClient | None = None

    @property
    def address(self) -> str:
        s = self.server
        return f"sftp://{s.user}@{s.host}:{s.port}"

    def _pkey(self) -> paramiko.PKey:
        import paramiko

        s = self.server
        passphrase = None
        if s.passphrase_env:
            passphrase = os.environ.get(s.passphrase_env)
            if passphrase is None:
                raise SecretMissing(f"server.passphrase_env names {s.passphrase_env}, which is not set")
        path = self.root / s.key_file
        password = None if passphrase is None else passphrase.encode()
        try:
            # paramiko wants bytes here, whatever its stubs say
            return paramiko.PKey.from_path(path, password=password)  # type: ignore[arg-type]
        except paramiko.PasswordRequiredException:
            raise SecretMissing(f"{path}: the key is encrypted; set server.passphrase_env") from None
        except TypeError as exc:
            if passphrase is None and "ncrypted" in str(exc):
                raise SecretMissing(f"{path}: the key is encrypted; set server.passphrase_env") from None
            raise ConnectorFatal(f"{path}: cannot load the key: {exc}") from None
        except (paramiko.SSHException, ValueError) as exc:
            raise ConnectorFatal(f"{path}: cannot load the key (wrong passphrase?): {exc}") from None
        except OSError as exc:
            raise ConnectorFatal(f"{path}: cannot read the key: {os_reason(exc)}") from None

    def _check_host_key(self, offered: paramiko.PKey) -> None:
        import paramiko

        s = self.server
        known_hosts = self.root / s.known_hosts
        name = _known_name(s.host, s.port)
        try:
            pinned = paramiko.HostKeys(str(known_hosts))
        except OSError as exc:
            raise HostKeyRefused(
                f"{known_hosts}: cannot read the pinned host keys: {os_reason(exc)}"
            ) from None
        except (paramiko.SSHException, ValueError) as exc:
            raise HostKeyRefused(f"{known_hosts}: not a known_hosts file: {exc}") from None
        keys: dict[str, paramiko.PKey] = dict(pinned.lookup(name) or {})
        shown = f"{offered.get_name()} {fingerprint(offered)}"
        if not keys:
            raise HostKeyRefused(
                f"{name} is not in {known_hosts}: the server offers {shown}. Check this fingerprint "
                f"with the partner, then pin it: ssh-keyscan -p {s.port} {s.host} >> {known_hosts}"
            )
        match = keys.get(offered.get_name())
        if match is None or match.asbytes() != offered.asbytes():
            expected = ", ".join(f"{k.get_name()} {fingerprint(k)}" for k in keys.values())
            raise HostKeyRefused(
                f"the host key of {name} has CHANGED: pinned {expected}, offered {shown}. Nothing was "
                f"read or written. If the partner confirms the new key, replace its line in {known_hosts}"
            )

    def open(self) -> SFTPClient:
        if self._sftp is not None:
            return self._sftp
        import paramiko

        s = self.server
        pkey = self._pkey()
        try:
            sock = socket.create_connection((s.host, s.port), timeout=s.timeout_seconds)
        except OSError as exc:
            raise ConnectorRetryable(f"{self.address}: cannot connect: {os_reason(exc)}") from exc
        transport = paramiko.Transport(sock)
        try:
            transport.banner_timeout = s.timeout_seconds
            transport.auth_timeout = s.timeout_seconds
            transport.start_client(timeout=s.timeout_seconds)
            self._check_host_key(transport.get_remote_server_key())
            transport.auth_publickey(s.user, pkey)
            sftp = paramiko.SFTPClient.from_transport(transport)
            if sftp is None:
                raise ConnectorRetryable(f"{self.address}: the server did not open an SFTP channel")
            sftp.get_channel().settimeout(s.timeout_seconds)  # type: ignore[union-attr]
        except BaseException as exc:
            transport.close()
            raise self.translate(exc, "cannot open a session") from exc
        self._transport, self._sftp = transport, sftp
        return sftp

    def close(self) -> None:
        if self._sftp is not None:
            self._sftp.close()
        if self._transport is not None:
            self._transport.close()
        self._sftp = self._transport = None

    def translate(self, exc: BaseException, doing: str) -> BaseException:
        """paramiko/socket/OS error -> the hub's tree; hub errors and interrupts pass unchanged."""
        if not isinstance(exc, Exception) or isinstance(exc, HubError):
            return exc
        import paramiko

        where = f"{self.address}: {doing}"
        if isinstance(exc, paramiko.AuthenticationException):
            return ConnectorFatal(f"{where}: the server refused key authentication for {self.server.user}")
        if isinstance(exc, PermissionError) or getattr(exc, "errno", None) == errno.EACCES:
            return ConnectorFatal(f"{where}: permission denied")
        if isinstance(exc, FileNotFoundError) or getattr(exc, "errno", None) == errno.ENOENT:
            return ConnectorFatal(f"{where}: no such file or folder")
        # everything else on the wire (reset, EOF, timeout, protocol errors) may pass on a new session
        self.close()
        return ConnectorRetryable(f"{where}: {type(exc).__name__}: {exc}")

    def call(self, doing: str, work: Callable[[SFTPClient], T]) -> T:
        """Run ``work`` on the session, retrying transient failures on a new session."""

        def attempt() -> T:
            sftp = self.open()
            try:
                return work(sftp)
            except BaseException as exc:
                raise self.translate(exc, doing) from exc

        return with_retries(self.address, self.server.retry, attempt)


class SftpSource(Source):
    """Files in a folder of a partner's SFTP server."""

    def __init__(
        self,
        server: SftpServer,
        *,
        remote_dir: str = ".",
        archive_dir: str = "archive",
        root: Path = Path(),
        pattern: str = "*",
        completion: Completion | None = None,
        post_action: PostAction = "archive",
        **options: Any,
    ) -> None:
        super().__init__(
            pattern=pattern, completion=completion, post_action=post_action, retry=server.retry, **options
        )
        self.conn = SftpConnection(server, root=root)
        self.remote_dir = remote_dir
        self.archive_dir = posixpath.join(remote_dir, archive_dir)

    def _remote(self, name: str) -> str:
        return posixpath.join(self.remote_dir, check_name(name))

    def describe(self, item: Item) -> str:
        return f"{self.conn.address}/{posixpath.join(self.remote_dir, item.name).lstrip('/')}"

    def scan(self) -> list[Item]:
        def listing(sftp: SFTPClient) -> list[Item]:
            return [
                Item(
                    name=a.filename,
                    size=a.st_size or 0,
                    mtime=float(a.st_mtime or 0),
                    link=stat.S_ISLNK(a.st_mode),
                )
                for a in sftp.listdir_attr(self.remote_dir)
                if a.st_mode is not None and (stat.S_ISREG(a.st_mode) or stat.S_ISLNK(a.st_mode))
            ]

        return self.conn.call(f"listing {self.remote_dir}", listing)

    def open(self, item: Item) -> BinaryIO:
        path = self._remote(item.name)

        def opening(sftp: SFTPClient) -> BinaryIO:
            download = _Download(self.conn, sftp.open(path, "rb"), item.size, path)
            return io.BufferedReader(download, WINDOW)

        return self.conn.call(f"opening {path}", opening)

    def remove(self, name: str) -> None:
        path = self._remote(name)

        def delete(sftp: SFTPClient) -> None:
            try:
                sftp.remove(path)
            except FileNotFoundError:
                return

        self.conn.call(f"deleting {path}", delete)

    def archive(self, name: str) -> None:
        path = self._remote(name)
        target = posixpath.join(self.archive_dir, archive_name(name))

        def move(sftp: SFTPClient) -> None:
            try:
                sftp.stat(self.archive_dir)
            except FileNotFoundError:
                sftp.mkdir(self.archive_dir)
            try:
                sftp.posix_rename(path, target)
            except FileNotFoundError:
                return

        self.conn.call(f"archiving {path}", move)

    def close(self) -> None:
        self.conn.close()


class SftpDestination(Destination):
    """A folder on a partner's SFTP server: uploaded under a hidden temporary name, size checked,
    then renamed into place with ``posix_rename``."""

    def __init__(self, server: SftpServer, *, remote_dir: str = ".", root: Path = Path()) -> None:
        self.conn = SftpConnection(server, root=root)
        self.remote_dir = remote_dir

    def put(self, name: str, data: BinaryIO, *, overwrite: bool = False) -> None:
        final = posixpath.join(self.remote_dir, check_name(name))
        temp = posixpath.join(self.remote_dir, f".{name}.part")

        def upload(sftp: SFTPClient) -> None:
            if not overwrite and _size(sftp, final) is not None:
                raise ConnectorFatal(
                    f"{self.conn.address}: {final} is still there (not collected by the partner); "
                    "not overwritten"
                )
            data.seek(0, os.SEEK_END)
            size = data.tell()
            data.seek(0)
            try:
                sftp.putfo(data, temp, file_size=size, confirm=True)
                landed = sftp.stat(temp).st_size
                if landed != size:
                    raise ConnectorRetryable(f"{final}: {landed} bytes arrived of {size}")
                sftp.posix_rename(temp, final)
            except BaseException:
                with suppress(Exception):
                    sftp.remove(temp)
                raise

        self.conn.call(f"uploading {final}", upload)

    def holds(self, name: str, size: int, sha256: str) -> bool:
        """The same size under that name (the server cannot hash it for us)."""
        remote = posixpath.join(self.remote_dir, check_name(name))
        return self.conn.call(f"looking for {remote}", lambda sftp: _size(sftp, remote)) == size

    def close(self) -> None:
        self.conn.close()


def _size(sftp: SFTPClient, path: str) -> int | None:
    """The size of a remote file, None when there is none."""
    try:
        return int(sftp.stat(path).st_size or 0)
    except FileNotFoundError:
        return None
